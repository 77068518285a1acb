"""Complaints and reports from the public (信访投诉：信、访、网、电、微 and the 12345 platform).

Intake from every channel (the public web form, manual entry of letters/visits/phone calls,
the 12345 platform's Excel export), duplicate detection (the same enterprise, or the same town
and place, within ``duplicate_days``), dispatch to a department or grid with a due day counted
on the working-day calendar, the handling record, the reply, the complainant's satisfaction,
and a case opened from a complaint (:func:`ecoplan.supervision.cases.open_case`). Every step is
an append-only :class:`~ecoplan.store.case_models.ComplaintEvent` plus an audit entry.
Settings: ``data/complaints.yaml`` (configurable defaults, marked so).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ecoplan.errors import Location, ValidationError
from ecoplan.standards.workdays import Calendar
from ecoplan.store import audit
from ecoplan.store.case_models import Case, Complaint, ComplaintEvent
from ecoplan.supervision import cases as C

DATA_FILE = Path(__file__).parent / "data" / "complaints.yaml"
STATUS_NAMES = {"received": ("已受理", "received"), "dispatched": ("已交办", "dispatched"),
                "handled": ("已办理", "handled"), "replied": ("已答复", "replied"),
                "rated": ("已评价", "rated")}
EVENT_NAMES = {"dispatch": ("交办", "dispatched"), "handle": ("办理情况", "handling"),
               "reply": ("答复", "reply"), "satisfaction": ("满意度", "satisfaction"),
               "duplicate": ("疑似重复", "possible duplicate"), "case": ("立案", "case opened")}
#: 12345 export columns: field → accepted headers (the platform's wording varies by version)
IMPORT_COLUMNS: dict[str, tuple[tuple[str, ...], bool]] = {
    "external_id": (("工单编号", "工单号", "编号"), True),
    "received_on": (("受理时间", "来电时间", "登记时间"), True),
    "content": (("诉求内容", "反映内容", "内容"), True),
    "category": (("诉求类别", "问题类别", "类别"), False),
    "town": (("所属区域", "乡镇", "区域"), False),
    "place": (("事发地点", "地点", "地址"), False),
    "complainant": (("来电人", "诉求人", "姓名"), False),
    "contact": (("联系电话", "电话"), False),
}


class ComplaintError(ValidationError):
    """A complaint that cannot be taken or a step the procedure does not allow."""


@cache
def settings() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def category_name(code: str, lang: str = "zh") -> str:
    c = settings()["categories"].get(code)
    return str(c[lang]) if c else code


def channel_name(code: str, lang: str = "zh") -> str:
    c = settings()["channels"].get(code)
    return str(c[lang]) if c else code


def parse_category(value: object, location: Location | None = None) -> str:
    text = str(value or "").strip()
    if not text:
        return "other"
    for code, names in settings()["categories"].items():
        if text in (code, names["zh"], names["en"]) or names["zh"].startswith(text) \
                or text in names["zh"]:
            return str(code)
    if any(k in text for k in ("气", "烟", "味", "臭")):
        return "air"
    if "水" in text:
        return "water"
    if "噪" in text or "吵" in text:
        return "noise"
    if "尘" in text:
        return "dust"
    return "other"


def client_key(address: str) -> str:
    """The hashed client address kept for rate limiting (the address itself is not stored)."""
    return hashlib.sha256(("complaint:" + address).encode()).hexdigest()[:32]


def _number(session: Session, received_on: date) -> str:
    n = session.execute(select(func.count()).select_from(Complaint)
                        .where(Complaint.number.like(f"TS{received_on.year}-%"))).scalar_one()
    return f"TS{received_on.year}-{n + 1:05d}"


def _norm_place(place: str | None) -> str:
    return "".join((place or "").split()).lower()


def find_duplicate(session: Session, *, enterprise: str | None, town: str | None,
                   place: str | None, received_on: date,
                   exclude: int | None = None) -> Complaint | None:
    """An earlier complaint on the same enterprise, or the same town and place, within
    ``duplicate_days`` days (the earliest such complaint)."""
    days = int(settings()["duplicate_days"])
    since = received_on - timedelta(days=days)
    conds = []
    if enterprise:
        conds.append(Complaint.enterprise == enterprise)
    if place:
        conds.append(Complaint.place.is_not(None))
    if not conds:
        return None
    rows = session.execute(select(Complaint).where(
        Complaint.received_on >= since, Complaint.received_on <= received_on,
        or_(*conds)).order_by(Complaint.id)).scalars()
    for c in rows:
        if exclude is not None and c.id == exclude:
            continue
        if enterprise and c.enterprise == enterprise:
            return c
        if place and _norm_place(c.place) == _norm_place(place) and (c.town or "") == (town or ""):
            return c
    return None


def intake(session: Session, *, channel: str, content: str, actor: str, received_on: date,
           category: str = "other", town: str | None = None, place: str | None = None,
           enterprise: str | None = None, complainant: str | None = None,
           contact: str | None = None, external_id: str | None = None,
           client: str | None = None, location: Location | None = None) -> Complaint:
    """Take a complaint in (any channel); a duplicate is linked to the earlier complaint."""
    if channel not in settings()["channels"]:
        raise ComplaintError(f"投诉渠道无效：{channel}", f"unknown channel {channel}",
                             location=location)
    if category not in settings()["categories"]:
        raise ComplaintError(f"投诉类别无效：{category}", f"unknown category {category}",
                             location=location)
    content = (content or "").strip()
    if len(content) < 5:
        raise ComplaintError("请填写投诉内容（至少 5 个字）",
                             "describe the complaint (at least 5 characters)", location=location)
    if len(content) > 4000:
        raise ComplaintError("投诉内容过长（最多 4000 字）", "the complaint is too long (4000 max)",
                             location=location)
    if client is not None:
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        recent = session.execute(select(func.count()).select_from(Complaint).where(
            Complaint.client_key == client, Complaint.recorded_at >= hour_ago)).scalar_one()
        if recent >= int(settings()["web_per_hour"]):
            raise ComplaintError("提交过于频繁，请一小时后再试或拨打 12369 环保举报热线。",
                                 "Too many submissions; try again in an hour or call 12369.")
    c = Complaint(number=_number(session, received_on), channel=channel,
                  external_id=external_id, category=category, town=(town or None),
                  place=(place or None), enterprise=enterprise or None, content=content,
                  complainant=complainant or None, contact=contact or None,
                  received_on=received_on, client_key=client, recorded_by=actor)
    dup = find_duplicate(session, enterprise=c.enterprise, town=c.town, place=c.place,
                         received_on=received_on)
    session.add(c)
    session.flush()
    audit.record(session, actor, "complaint_intake", "complaint", c.number, None,
                 {"channel": channel, "category": category, "town": town, "place": place,
                  "enterprise": enterprise, "received_on": received_on})
    if dup is not None:
        session.add(ComplaintEvent(complaint_id=c.id, kind="duplicate", on_date=received_on,
                                   data={"of": dup.number}, actor=actor,
                                   note=f"疑似重复：{dup.number}"))
        audit.record(session, actor, "complaint_duplicate", "complaint", c.number, None,
                     {"of": dup.number})
    return c


def get_complaint(session: Session, key: str | int) -> Complaint:
    q = select(Complaint).where(Complaint.id == int(key)) if str(key).isdigit() else \
        select(Complaint).where(Complaint.number == str(key))
    c = session.execute(q).scalar()
    if c is None:
        raise ComplaintError(f"没有该投诉：{key}", f"no such complaint: {key}")
    return c


@dataclass
class ComplaintView:
    complaint: Complaint
    events: list[ComplaintEvent]
    status: str = "received"
    department: str | None = None
    dispatched_on: date | None = None
    due: date | None = None
    handled_on: date | None = None
    replied_on: date | None = None
    reply: str | None = None
    satisfaction: str | None = None
    duplicate_of: str | None = None
    cases: list[str] = field(default_factory=list)

    def in_time(self) -> bool | None:
        """Handled (replied) by the due day: True / False, None while open and not late."""
        if self.due is None:
            return None
        if self.replied_on is not None:
            return self.replied_on <= self.due
        return None if date.today() <= self.due else False

    def as_dict(self) -> dict[str, Any]:
        c = self.complaint
        return {"id": c.id, "number": c.number, "channel": c.channel, "category": c.category,
                "town": c.town, "place": c.place, "enterprise": c.enterprise,
                "content": c.content, "received_on": c.received_on.isoformat(),
                "status": self.status, "department": self.department,
                "due": self.due.isoformat() if self.due else None,
                "replied_on": self.replied_on.isoformat() if self.replied_on else None,
                "satisfaction": self.satisfaction, "duplicate_of": self.duplicate_of,
                "cases": self.cases, "in_time": self.in_time()}


def complaint_view(session: Session, c: Complaint) -> ComplaintView:
    events = list(session.execute(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == c.id).order_by(ComplaintEvent.id)).scalars())
    v = ComplaintView(c, events)
    for e in events:
        if e.kind == "dispatch":
            v.status, v.department, v.dispatched_on, v.due = "dispatched", e.department, \
                e.on_date, e.due
        elif e.kind == "handle":
            v.status, v.handled_on = "handled", e.on_date
        elif e.kind == "reply":
            v.status, v.replied_on, v.reply = "replied", e.on_date, e.note
        elif e.kind == "satisfaction":
            v.status, v.satisfaction = "rated", (e.data or {}).get("level")
        elif e.kind == "duplicate":
            v.duplicate_of = (e.data or {}).get("of")
        elif e.kind == "case":
            v.cases.append(str((e.data or {}).get("case")))
    return v


def _step(session: Session, c: Complaint, kind: str, actor: str, on_date: date, *,
          department: str | None = None, due: date | None = None, note: str | None = None,
          data: dict[str, Any] | None = None) -> ComplaintEvent:
    if on_date < c.received_on:
        raise ComplaintError(f"日期 {on_date} 早于受理日期 {c.received_on}",
                             f"date {on_date} is before the complaint was received")
    ev = ComplaintEvent(complaint_id=c.id, kind=kind, on_date=on_date, department=department,
                        due=due, note=note, data=data or {}, actor=actor)
    session.add(ev)
    audit.record(session, actor, f"complaint_{kind}", "complaint", c.number, None,
                 {"on": on_date, "department": department, "due": due, "note": note,
                  **(data or {})})
    return ev


def dispatch(session: Session, c: Complaint, *, department: str, actor: str, on_date: date,
             days: int | None = None, calendar: Calendar | None = None,
             note: str | None = None) -> ComplaintEvent:
    """Dispatch to a department or grid (网格) with a due day on the working-day calendar."""
    if not department.strip():
        raise ComplaintError("请选择承办部门或网格", "choose a department or grid")
    period = settings()["handling_period"]
    n = int(days if days is not None else period["n"])
    if not 1 <= n <= 365:
        raise ComplaintError(f"办理期限应为 1—365 天：{n}", f"the handling period must be 1–365 days: {n}")
    cal = calendar or C.procedure_calendar()
    due = cal.deadline(on_date, n, period["unit"])
    return _step(session, c, "dispatch", actor, on_date, department=department.strip(),
                 due=due, note=note, data={"days": n, "unit": period["unit"],
                                           "provisional": C.provisional(cal, on_date, due)})


def _need(v: ComplaintView, *states: str) -> None:
    if v.status not in states:
        raise ComplaintError(
            f"投诉 {v.complaint.number} 当前状态为“{STATUS_NAMES[v.status][0]}”，不能执行此操作",
            f"complaint {v.complaint.number} is {STATUS_NAMES[v.status][1]}; not possible now")


def handle(session: Session, c: Complaint, *, note: str, actor: str,
           on_date: date) -> ComplaintEvent:
    """The handling record (办理情况) of the department it was dispatched to."""
    v = complaint_view(session, c)
    _need(v, "dispatched", "handled")
    if not note.strip():
        raise ComplaintError("请填写办理情况", "describe how it was handled")
    return _step(session, c, "handle", actor, on_date, department=v.department, note=note)


def reply(session: Session, c: Complaint, *, text: str, actor: str,
          on_date: date) -> ComplaintEvent:
    """The reply to the complainant (答复)."""
    v = complaint_view(session, c)
    _need(v, "handled")
    if not text.strip():
        raise ComplaintError("请填写答复内容", "write the reply")
    return _step(session, c, "reply", actor, on_date, department=v.department, note=text)


def rate(session: Session, c: Complaint, *, level: str, actor: str,
         on_date: date) -> ComplaintEvent:
    """The complainant's satisfaction with the reply."""
    if level not in settings()["satisfaction"]:
        raise ComplaintError(f"满意度无效：{level}", f"unknown satisfaction {level}")
    _need(complaint_view(session, c), "replied")
    return _step(session, c, "satisfaction", actor, on_date, data={"level": level})


def open_case_from(session: Session, c: Complaint, *, title: str, party_name: str,
                   department: str, actor: str, on_date: date,
                   enterprise: str | None = None) -> Case:
    """Open a case (立案) from this complaint; the complaint records the case number."""
    case = C.open_case(session, source_kind="complaint", source_id=c.number, title=title,
                       party_name=party_name, department=department, actor=actor,
                       opened_on=on_date, enterprise=enterprise or c.enterprise,
                       facts=c.content)
    _step(session, c, "case", actor, on_date, department=department,
          data={"case": case.number})
    return case


def list_complaints(session: Session, *, department: str | None = None) -> list[ComplaintView]:
    rows = session.execute(select(Complaint).order_by(Complaint.id.desc())).scalars()
    views = [complaint_view(session, c) for c in rows]
    if department:
        views = [v for v in views if v.department == department]
    return views


def public_statistics(session: Session) -> dict[str, list[tuple[str, int]]]:
    """Counts by type, town and month (no personal data) for the public page."""
    rows = session.execute(select(Complaint.category, Complaint.town,
                                  Complaint.received_on)).all()
    by_type: dict[str, int] = {}
    by_town: dict[str, int] = {}
    by_month: dict[str, int] = {}
    for cat, town, on in rows:
        by_type[cat] = by_type.get(cat, 0) + 1
        by_town[town or "—"] = by_town.get(town or "—", 0) + 1
        key = f"{on:%Y-%m}"
        by_month[key] = by_month.get(key, 0) + 1
    return {"type": sorted(by_type.items(), key=lambda kv: -kv[1]),
            "town": sorted(by_town.items(), key=lambda kv: -kv[1]),
            "month": sorted(by_month.items())}


def indicators(views: list[ComplaintView], start: date, end: date) -> dict[str, Any]:
    """Complaints received in a period, handled within the deadline, and satisfaction."""
    got = [v for v in views if start <= v.complaint.received_on <= end]
    due = [v for v in got if v.in_time() is not None]
    in_time = [v for v in due if v.in_time()]
    rated = [v for v in got if v.satisfaction]
    satisfied = [v for v in rated if v.satisfaction in ("satisfied", "basic")]
    return {"from": start.isoformat(), "to": end.isoformat(), "received": len(got),
            "replied": sum(1 for v in got if v.replied_on), "due_counted": len(due),
            "in_time": len(in_time),
            "in_time_rate": round(len(in_time) / len(due), 4) if due else None,
            "rated": len(rated),
            "satisfaction_rate": round(len(satisfied) / len(rated), 4) if rated else None,
            "duplicates": sum(1 for v in got if v.duplicate_of)}


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cell_date(value: object, loc: Location) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()[:10].replace("/", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ComplaintError(f"日期无效：{value!r}", f"not a date: {value!r}",
                             location=loc) from None


def import_12345(session: Session, path: Path, *, actor: str, lang: str = "zh") -> ImportResult:
    """Import a 12345 platform export (.xlsx, first sheet, a header row naming the columns).

    A bad row is reported with file, row and field and skipped (its own savepoint); a work
    order already imported (same 工单编号) is skipped, so re-importing is harmless."""
    import openpyxl  # deferred: openpyxl loads only for Excel import

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a non-workbook
        raise ComplaintError(f"无法读取 Excel 文件：{exc}", f"cannot read the workbook: {exc}",
                             location=Location(file=path.name)) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    cols: dict[str, int] = {}
    for fld, (names, required) in IMPORT_COLUMNS.items():
        idx = next((i for i, h in enumerate(header) if h in names), None)
        if idx is None and required:
            raise ComplaintError(f"缺少列“{names[0]}”", f"column {names[0]} is missing",
                                 location=Location(file=path.name, row=1, field=names[0]))
        if idx is not None:
            cols[fld] = idx
    out = ImportResult()
    for rowno, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        vals = {f: (row[i] if i < len(row) else None) for f, i in cols.items()}
        ext = str(vals.get("external_id") or "").strip()
        try:
            if not ext:
                raise ComplaintError("工单编号为空", "work order number is empty",
                                     location=Location(file=path.name, row=rowno,
                                                       field=header[cols["external_id"]]))
            if session.execute(select(Complaint.id).where(Complaint.channel == "12345",
                                                          Complaint.external_id == ext)).first():
                out.skipped.append(ext)
                continue
            with session.begin_nested():
                received = _cell_date(vals.get("received_on"), Location(
                    file=path.name, row=rowno, field=header[cols["received_on"]]))
                c = intake(session, channel="12345", external_id=ext,
                           content=str(vals.get("content") or ""), actor=actor,
                           received_on=received,
                           category=parse_category(vals.get("category") or vals.get("content")),
                           town=str(vals.get("town") or "").strip() or None,
                           place=str(vals.get("place") or "").strip() or None,
                           complainant=str(vals.get("complainant") or "").strip() or None,
                           contact=str(vals.get("contact") or "").strip() or None,
                           location=Location(file=path.name, row=rowno,
                                             field=header[cols["content"]]))
                out.added.append(c.number)
        except ComplaintError as exc:
            if exc.location is None or exc.location.row is None:
                exc.location = Location(file=path.name, row=rowno)
            out.errors.append(exc.message(lang))
    wb.close()
    return out
