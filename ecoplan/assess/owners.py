"""Responsible departments (责任部门) of the plan's key projects, tasks and indicators.

The plan names them: a key project's 牵头部门 (``lead_departments``), a task's ``department``
where the text gives one, a reported indicator's ``measurement.department``. A task without
its own department belongs to the departments of the project it implements, else of the
indicator it serves. ``ecoplan plan load`` calls :func:`sync_plan_owners`: every department
named is created (matched to an existing one by name: 县住建局 = 住建局), every subject gets
its owners; a reload never overwrites an assignment edited afterwards
(:func:`assign`, ``ecoplan departments assign``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ecoplan.errors import ValidationError
from ecoplan.store.models import Department
from ecoplan.store.progress_models import SubjectOwner

KINDS = ("project", "task", "indicator")
#: the county's offices (code, Chinese name, English name): a department the plan names that
#: is one of these gets this code, so the plan and the demo accounts share one department
COUNTY_OFFICES: tuple[tuple[str, str, str], ...] = (
    ("sthjj", "生态环境分局", "Jiaocheng Sub-bureau of Ecology and Environment"),
    ("fgj", "县发展和改革局", "Development and Reform Bureau"),
    ("zjj", "县住建局", "Housing and Urban-Rural Development Bureau"),
    ("slj", "县水利局", "Water Resources Bureau"),
    ("lyj", "县林业局", "Forestry Bureau"),
    ("zrzyj", "县自然资源局", "Natural Resources Bureau"),
    ("nyj", "县能源局", "Energy Bureau"),
    ("yjglj", "县应急管理局", "Emergency Management Bureau"),
    ("nyncj", "县农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("gxj", "县工信局", "Industry and Information Technology Bureau"),
    ("jtj", "县交通运输局", "Transport Bureau"),
)
#: other spellings of an office in plan texts
_ALIASES = {"市生态环境局交城分局": "生态环境分局", "吕梁市生态环境局交城分局": "生态环境分局",
            "发展和改革局": "县发展和改革局", "生态环境": "生态环境分局", "交通": "县交通运输局"}
_SPLIT = re.compile(r"[、，,；;/]")
_PREFIX = re.compile(r"^(交城县|吕梁市|县|市)")


def normalise(name: str | None) -> str:
    """'县住建局' and '住建局' are the same office; '交城县林业局' and '林业局' too."""
    return _PREFIX.sub("", (name or "").strip())


def split_names(text: str | None) -> list[str]:
    """The departments of a plan cell: '交通、生态环境、交警等部门' → 交通, 生态环境, 交警."""
    out: list[str] = []
    for part in _SPLIT.split(text or ""):
        name = re.sub(r"(等部门|等单位|等)$", "", part.strip()).strip()
        name = _ALIASES.get(name, name)
        if name and name not in out:
            out.append(name)
    return out


def plan_owners(plan: Any) -> dict[tuple[str, str], list[str]]:
    """(kind, subject) → department names, as the plan states them."""
    out: dict[tuple[str, str], list[str]] = {}
    projects: dict[int, list[str]] = {}
    for p in plan.key_projects:
        names = [n for cell in p.lead_departments for n in split_names(cell)]
        projects[int(p.number)] = names
        if names:
            out[("project", str(p.number))] = names
    indicators: dict[str, list[str]] = {}
    for ind in plan.indicators:
        dept = getattr(ind.measurement, "department", None) if ind.measurement else None
        names = split_names(dept)
        indicators[ind.key] = names
        if names:
            out[("indicator", ind.key)] = names
    for t in plan.tasks:
        names = split_names(t.department)
        if not names and t.project_number is not None:
            names = projects.get(int(t.project_number), [])
        if not names and t.indicator_key:
            names = indicators.get(t.indicator_key, [])
        if names:
            out[("task", t.key)] = names
    return out


def _match(departments: Iterable[Department], name: str) -> Department | None:
    wanted = normalise(name)
    for d in departments:
        if normalise(d.name_zh) == wanted:
            return d
    return None


def ensure_department(session: Session, name: str, actor: str) -> Department:
    """The department called ``name`` (matched by normalised name), created when missing; a
    county office gets its usual code (``县住建局`` → ``zjj``), another the name as its code."""
    from ecoplan.web.accounts import create_department  # the audited creation, one place

    existing = list(session.scalars(select(Department)))
    found = _match(existing, name)
    if found is not None:
        return found
    office = next((o for o in COUNTY_OFFICES if normalise(o[1]) == normalise(name)), None)
    if office is not None and not any(d.code == office[0] for d in existing):
        return create_department(session, actor, office[0], office[1], office[2])
    code = name[:32]
    n = 2
    while any(d.code == code for d in existing):
        code = f"{name[:29]}-{n}"
        n += 1
    return create_department(session, actor, code, name, None)


@dataclass
class OwnerSync:
    """What :func:`sync_plan_owners` did."""

    departments_created: list[str] = field(default_factory=list)
    owners_added: int = 0
    subjects: int = 0
    manual_kept: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"departments_created": self.departments_created,
                "owners_added": self.owners_added, "subjects": self.subjects,
                "manual_kept": self.manual_kept}


def sync_plan_owners(session: Session, plan: Any, *, actor: str = "plan load") -> OwnerSync:
    """Create the plan's departments and the owners of its subjects (idempotent). Subjects
    whose owners were edited by hand keep them."""
    result = OwnerSync()
    before = {d.code for d in session.scalars(select(Department))}
    rows = list(session.scalars(select(SubjectOwner).where(SubjectOwner.plan_code == plan.code)))
    manual = {(r.kind, r.subject) for r in rows if r.source == "manual"}
    have = {(r.kind, r.subject, r.department) for r in rows}
    now = datetime.now().astimezone()
    for (kind, subject), names in plan_owners(plan).items():
        result.subjects += 1
        if (kind, subject) in manual:
            result.manual_kept += 1
            continue
        for name in names:
            dept = ensure_department(session, name, actor)
            if (kind, subject, dept.name_zh) in have:
                continue
            session.add(SubjectOwner(plan_code=plan.code, kind=kind, subject=subject,
                                     department=dept.name_zh, source="plan", updated_by=actor,
                                     updated_at=now))
            have.add((kind, subject, dept.name_zh))
            result.owners_added += 1
    session.flush()
    result.departments_created = sorted(
        d.name_zh for d in session.scalars(select(Department)) if d.code not in before)
    return result


def owners_of(session: Session, plan_code: str, kind: str, subject: str) -> list[str] | None:
    """The department names responsible for a subject, or None when none are recorded."""
    names = [r.department for r in session.scalars(
        select(SubjectOwner).where(SubjectOwner.plan_code == plan_code, SubjectOwner.kind == kind,
                                   SubjectOwner.subject == str(subject))
        .order_by(SubjectOwner.id))]
    return names or None


def all_owners(session: Session, plan_code: str) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for r in session.scalars(select(SubjectOwner).where(SubjectOwner.plan_code == plan_code)
                             .order_by(SubjectOwner.id)):
        out.setdefault((r.kind, r.subject), []).append(r.department)
    return out


def assign(session: Session, plan: Any, kind: str, subject: str, departments: list[str], *,
           actor: str) -> list[str]:
    """Replace the owners of one subject (an edit; kept on plan reloads). Departments must
    exist (``ecoplan departments add``); names or codes are accepted."""
    from ecoplan.web import audit

    if kind not in KINDS:
        raise ValidationError(f"类型应为 {'/'.join(KINDS)}，而不是 {kind}",
                              f"kind must be one of {'/'.join(KINDS)}, not {kind}")
    subjects = {"project": {str(p.number) for p in plan.key_projects},
                "task": {t.key for t in plan.tasks},
                "indicator": {i.key for i in plan.indicators}}[kind]
    if str(subject) not in subjects:
        raise ValidationError(f"规划 {plan.code} 中没有 {subject}", f"Plan {plan.code} has no {kind} {subject}")
    if not departments:
        raise ValidationError("请至少指定一个部门", "Name at least one department")
    existing = list(session.scalars(select(Department)))
    names: list[str] = []
    for raw in departments:
        d = next((x for x in existing if x.code == raw.strip()), None) or _match(existing, raw)
        if d is None:
            raise ValidationError(f"部门“{raw}”不存在（ecoplan departments list）",
                                  f"Department “{raw}” does not exist (ecoplan departments list)")
        names.append(d.name_zh)
    before = owners_of(session, plan.code, kind, str(subject))
    session.execute(delete(SubjectOwner).where(
        SubjectOwner.plan_code == plan.code, SubjectOwner.kind == kind,
        SubjectOwner.subject == str(subject)))
    now = datetime.now().astimezone()
    for name in dict.fromkeys(names):
        session.add(SubjectOwner(plan_code=plan.code, kind=kind, subject=str(subject),
                                 department=name, source="manual", updated_by=actor,
                                 updated_at=now))
    session.flush()
    audit.record(session, actor, "assign", f"{kind}_owner", None,
                 {"subject": subject, "departments": before},
                 {"subject": subject, "departments": names})
    return names


__all__ = ["COUNTY_OFFICES", "OwnerSync", "all_owners", "assign", "ensure_department",
           "normalise", "owners_of", "plan_owners", "split_names", "sync_plan_owners"]
