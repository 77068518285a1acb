"""告警 / Alerts: rules as data, evaluators by rule type, de-duplication, escalation and the
append-only alert log.

A rule (``supervision/data/alert_rules.yaml`` or the workspace's ``ECOPLAN_ALERT_RULES_FILE``)
names an evaluator ``type``; :data:`EVALUATORS` maps each type to a function returning the
:class:`Finding` s that hold now. Other modules add their own types with
:func:`register_evaluator` (overdue cases and complaints, expiring licences …).
:func:`run` evaluates every rule, opens one alert per rule and subject (a subject with an open
alert gets no second one), resolves alerts whose condition no longer holds, escalates alerts
nobody acknowledged in time to the next level of recipients, and delivers what is due
(:mod:`ecoplan.supervision.alert_delivery`, retries with back-off). Alerts, events, delivery
attempts and read marks are append-only (``store/alert_models.py``); opening, acknowledging
and commenting are also written to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticError
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoplan.assess.site_status import latest_section_classes, latest_station_aqi
from ecoplan.assess.tasks import task_summary
from ecoplan.devices import service as devices
from ecoplan.errors import Location, ValidationError
from ecoplan.plan import bundled_plan_path, bundled_plans, load_plan
from ecoplan.settings import Settings
from ecoplan.standards.aqi import category as aqi_category
from ecoplan.store import audit
from ecoplan.store.alert_models import Alert, AlertContact, AlertDelivery, AlertEvent, AlertRead
from ecoplan.store.db import session_scope
from ecoplan.store.models import PlanRecord, Station, User, WaterSection
from ecoplan.store.supervision_models import Permit
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import (
    alert_delivery,
    cases,
    complaints,
    dust_service,
    hazwaste,
    radiation,
    risk,
)
from ecoplan.supervision.exceedance_report import find_exceedances

RULES_FILE = Path(__file__).with_name("data") / "alert_rules.yaml"
BEIJING = ZoneInfo("Asia/Shanghai")
SEVERITIES = ("info", "warning", "high", "critical")
SEVERITY_NAMES = {"info": ("提示", "info"), "warning": ("一般", "warning"),
                  "high": ("较重", "high"), "critical": ("严重", "critical")}


class AlertError(ValidationError):
    """A rules file, a recipient or an alert action that cannot be used."""


# ------------------------------------------------------------------------------ rules
class QuietHours(BaseModel):
    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class Recipients(BaseModel):
    level: int = Field(default=0, ge=0)
    after_minutes: float = Field(default=0, ge=0)
    roles: list[str] = Field(default_factory=list)
    persons: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=lambda: ["app"])


class AlertRule(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    type: str
    name_zh: str
    name_en: str
    severity: Literal["info", "warning", "high", "critical"] = "warning"
    threshold: float | None = None
    duration_minutes: float = Field(default=0, ge=0)
    lookback_hours: float = Field(default=24, gt=0)
    scope: dict[str, Any] = Field(default_factory=dict)
    quiet_hours: QuietHours | None = None
    recipients: list[Recipients] = Field(default_factory=list)
    enabled: bool = True


def rules_path(settings: Settings) -> Path:
    return Path(settings.alert_rules_file) if settings.alert_rules_file else RULES_FILE


def load_rules(settings: Settings) -> list[AlertRule]:
    """The rules of the workspace, checked: known types, known channels, unique ids."""
    path = rules_path(settings)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AlertError(f"无法读取告警规则文件：{exc}", f"Cannot read the alert rules: {exc}",
                         location=Location(str(path))) from exc
    rules: list[AlertRule] = []
    for i, raw in enumerate(data.get("rules") or [], start=1):
        where = Location(str(path), i, None)
        try:
            rule = AlertRule.model_validate(raw)
        except PydanticError as exc:
            err = exc.errors()[0]
            name = ".".join(str(p) for p in err["loc"])
            raise AlertError(f"第 {i} 条规则的 {name} 无效：{err['msg']}",
                             f"Rule {i}: {name} is invalid: {err['msg']}",
                             location=Location(str(path), i, name)) from None
        if rule.type not in EVALUATORS:
            raise AlertError(f"第 {i} 条规则的类型未知：{rule.type}",
                             f"Rule {i} has an unknown type: {rule.type} (known: "
                             f"{', '.join(sorted(EVALUATORS))})", location=where)
        if any(r.id == rule.id for r in rules):
            raise AlertError(f"规则编号重复：{rule.id}", f"Duplicate rule id: {rule.id}",
                             location=where)
        for rec in rule.recipients:
            for ch in rec.channels:
                if ch not in ("app", "email") and not (
                        ch.startswith("webhook:") and ch[8:] in settings.alert_webhooks):
                    raise AlertError(
                        f"规则 {rule.id} 的通道未知：{ch}（机器人须在 ECOPLAN_ALERT_WEBHOOKS 中设置）",
                        f"Rule {rule.id} has an unknown channel: {ch} (robots must be set in "
                        "ECOPLAN_ALERT_WEBHOOKS)", location=where)
        rules.append(rule)
    return rules


# ------------------------------------------------------------------------- evaluators
@dataclass(frozen=True)
class Finding:
    """A condition a rule found: ``subject`` identifies what it is about (an outlet code, an
    MN, a station code …); one open alert per rule and subject."""

    subject: str
    title_zh: str
    title_en: str
    detail: dict[str, Any] = field(default_factory=dict)
    link: str | None = None


@dataclass(frozen=True)
class EvalContext:
    workspace: Workspace
    now: datetime  # aware

    @property
    def local(self) -> datetime:
        """Beijing time, naive (as the lake and the gateway write times)."""
        return self.now.astimezone(BEIJING).replace(tzinfo=None)


Evaluator = Callable[[EvalContext, AlertRule], list[Finding]]
EVALUATORS: dict[str, Evaluator] = {}


def register_evaluator(rule_type: str) -> Callable[[Evaluator], Evaluator]:
    """Decorator: make ``rule_type`` usable in the rules file."""

    def deco(fn: Evaluator) -> Evaluator:
        EVALUATORS[rule_type] = fn
        return fn

    return deco


@register_evaluator("permit_exceedance")
def _permit_exceedance(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    since = ctx.local - timedelta(hours=rule.lookback_hours)
    res = find_exceedances(ctx.workspace, since.date(), ctx.local.date())
    found: dict[str, Finding] = {}
    threshold = rule.threshold if rule.threshold is not None else 0.0
    for ep in res.episodes.itertuples():
        if (ep.hours * 60 < rule.duration_minutes or ep.peak_exceedance_multiple < threshold
                or ep.end.to_pydatetime() < since):
            continue
        prev = found.get(ep.outlet)
        params = (prev.detail["parameters"] if prev else []) + [ep.parameter]
        found[ep.outlet] = Finding(
            subject=str(ep.outlet),
            title_zh=f"排放口 {ep.outlet}（{ep.enterprise}）{'、'.join(params)} 超过许可限值，"
                     f"{ep.start:%m-%d %H}时起连续 {ep.hours} 小时，峰值 {ep.peak_value:g}"
                     f"（{ep.peak_exceedance_multiple:g} 倍）",
            title_en=f"Outlet {ep.outlet} ({ep.enterprise}): {', '.join(params)} above the "
                     f"permit limit for {ep.hours} h from {ep.start:%m-%d %H}:00, peak "
                     f"{ep.peak_value:g} ({ep.peak_exceedance_multiple:g}×)",
            detail={"enterprise": ep.enterprise, "parameters": params,
                    "start": ep.start.isoformat(), "end": ep.end.isoformat(),
                    "limit": float(ep.limit_value), "permit": ep.permit},
            link=f"/sources/{ep.enterprise}")
    return list(found.values())


@register_evaluator("data_interruption")
def _data_interruption(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    silent = timedelta(minutes=rule.duration_minutes or 30)
    seen = devices.device_presence(ctx.workspace.settings.home, ctx.local, silent)
    wanted = set(rule.scope.get("mns") or [])
    out = []
    for mn, rec in devices.list_devices(ctx.workspace.engine).items():
        p = seen.get(mn)
        if not rec.approved or p is None or p["online"] or (wanted and mn not in wanted):
            continue
        mins = int((ctx.local - p["last_seen"]).total_seconds() // 60)
        out.append(Finding(mn, f"设备 {rec.name or mn}（{mn}）数据中断 {mins} 分钟",
                           f"Device {rec.name or mn} ({mn}) silent for {mins} min",
                           {"last_seen": p["last_seen"].isoformat(), "station": rec.station_code},
                           f"/devices/{mn}"))
    return out


@register_evaluator("aqi_level")
def _aqi_level(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    with ctx.workspace.session() as s:
        q = select(Station.code, Station.name).where(Station.active.is_(True))
        if rule.scope.get("county_town"):
            q = q.where(Station.county_town.is_(True))
        if rule.scope.get("stations"):
            q = q.where(Station.code.in_(rule.scope["stations"]))
        names = {str(c): str(n) for c, n in s.execute(q).all()}
    if not names:
        return []
    level = int(rule.threshold or 4)
    since = ctx.local - timedelta(hours=rule.lookback_hours)
    pollutant = rule.scope.get("pollutant")  # an IAQI instead of the AQI (e.g. pm25, o3)
    out = []
    for code, a in latest_station_aqi(ctx.workspace, list(names)).items():
        value = a.iaqi.get(pollutant) if pollutant else a.aqi
        cat = aqi_category(value, a.ruleset) if pollutant else None
        reached = cat.level if cat is not None else (None if pollutant else a.level)
        if reached is None or reached < level or a.timestamp < since:
            continue
        if pollutant:
            out.append(Finding(code, f"{names[code]} {a.timestamp:%m-%d %H}时 {pollutant} 分指数 "
                                     f"{value}（{cat.category_zh if cat else '—'}）",
                               f"{code} IAQI {pollutant} {value} (level {reached}) at "
                               f"{a.timestamp:%m-%d %H}:00", a.as_dict(),
                               f"/public/air/stations/{code}"))
            continue
        out.append(Finding(code, f"{names[code]} {a.timestamp:%m-%d %H}时 AQI {a.aqi}"
                                 f"（{a.category}，首要污染物 {a.primary_pollutants or '—'}）",
                           f"{code} AQI {a.aqi} (level {a.level}) at {a.timestamp:%m-%d %H}:00",
                           a.as_dict(), f"/public/air/stations/{code}"))
    return out


@register_evaluator("water_class")
def _water_class(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    with ctx.workspace.session() as s:
        targets = {c: t for c, t in s.execute(select(WaterSection.code,
                                                     WaterSection.target_profile)).all()}
    out = []
    for site, c in latest_section_classes(ctx.workspace, targets).items():
        if c.attained is not False:
            continue
        out.append(Finding(site, f"断面 {site} {c.period} 为 {c.label} 类，未达到目标 {c.target}",
                           f"Section {site}: class {c.label} in {c.period}, target {c.target}",
                           {"period": c.period, "class": c.water_class, "target": c.target,
                            "main_pollutants": c.main_pollutants}, "/water"))
    return out


@register_evaluator("dust_alarm")
def _dust_alarm(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    since = ctx.local - timedelta(hours=rule.lookback_hours)
    out: dict[str, Finding] = {}
    for a in dust_service.action_log(ctx.workspace.engine, limit=500):
        if a["action"] != "alarm" or datetime.fromisoformat(a["at"]) < since:
            continue
        out.setdefault(a["site"], Finding(
            a["site"], f"扬尘监控点 {a['site']} 报警：{a['reason_zh']}",
            f"Dust site {a['site']} alarm: {a['reason_en']}",
            {"at": a["at"], "reason": a["reason"]}, "/devices"))
    return list(out.values())


def _workspace_plan(ws: Workspace) -> Any:
    with ws.session() as s:
        rec = s.scalars(select(PlanRecord).order_by(PlanRecord.id)).first()
    if rec is None:
        return None
    if rec.source_file and Path(rec.source_file).exists():
        return load_plan(rec.source_file)
    return load_plan(bundled_plan_path(rec.code)) if rec.code in bundled_plans() else None


@register_evaluator("overdue_task")
def _overdue_task(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    plan = _workspace_plan(ctx.workspace)
    if plan is None:
        return []
    out = []
    for st in task_summary(ctx.workspace, plan, ctx.local.date()).overdue:
        t = st.task
        out.append(Finding(t.key, f"规划任务 {t.key} 已逾期（期限 {t.deadline}，{st.department}）",
                           f"Plan task {t.key} overdue (deadline {t.deadline}, {st.department})",
                           {"deadline": str(t.deadline), "department": st.department},
                           "/projects"))
    return out


@register_evaluator("expiring_permit")
def _expiring_permit(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    today = ctx.local.date()
    horizon = today + timedelta(days=rule.threshold if rule.threshold is not None else 90)
    with ctx.workspace.session() as s:
        permits = list(s.scalars(select(Permit).where(Permit.valid_until <= horizon)))
    return [Finding(p.number, f"排污许可证 {p.number}（{p.enterprise}）"
                              f"{'已于' if p.valid_until < today else '将于'} {p.valid_until} 到期",
                    f"Discharge permit {p.number} ({p.enterprise}) "
                    f"{'expired' if p.valid_until < today else 'expires'} on {p.valid_until}",
                    {"valid_until": p.valid_until.isoformat(), "enterprise": p.enterprise},
                    f"/sources/{p.enterprise}") for p in permits]


@register_evaluator("overdue_case")
def _overdue_case(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    """Cases past a legal period (supervision/cases.py, on the working-day calendar)."""
    today = ctx.local.date()
    with ctx.workspace.session() as s:
        views = cases.list_cases(s)
    out = []
    for v in views:
        late = v.overdue(today)
        if not late:
            continue
        c = v.case
        out.append(Finding(
            c.number, f"案件 {c.number}（{c.party_name}，{c.department}）超过法定期限："
                      + "；".join(f"{d.text_zh}（{d.due}）" for d in late),
            f"Case {c.number} ({c.party_name}, {c.department}) past its period: "
            + "; ".join(f"{d.text_en} ({d.due})" for d in late),
            {"department": c.department, "due": [d.due.isoformat() for d in late]},
            f"/cases/{c.id}"))
    return out


@register_evaluator("overdue_complaint")
def _overdue_complaint(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    """Complaints not replied to by their due day (supervision/complaints.py)."""
    today = ctx.local.date()
    with ctx.workspace.session() as s:
        views = complaints.list_complaints(s)
    return [Finding(v.complaint.number,
                    f"信访投诉 {v.complaint.number}（{v.department or '未分派'}）已超过办理期限 {v.due}，"
                    "尚未答复",
                    f"Complaint {v.complaint.number} ({v.department or 'not dispatched'}) not "
                    f"replied to by its due day {v.due}",
                    {"department": v.department, "due": v.due.isoformat()},
                    f"/complaints/{v.complaint.id}")
            for v in views if v.due is not None and v.replied_on is None and today > v.due]


#: what expires, in words (the registries' expiring(): risk.py, hazwaste.py, radiation.py)
EXPIRING_KINDS = {"plan_review": ("突发环境事件应急预案到期复核", "emergency plan due for review", "/risk"),
                  "supply": ("应急物资到期", "emergency supply expiring", "/risk"),
                  "hw_licence": ("危险废物经营许可证到期", "hazardous-waste licence expiring",
                                 "/risk/hazwaste"),
                  "rad_licence": ("辐射安全许可证到期", "radiation-safety licence expiring",
                                  "/risk/radiation"),
                  "certificate": ("辐射工作人员培训证书到期", "radiation training certificate expiring",
                                  "/risk/radiation")}


@register_evaluator("expiring_registry")
def _expiring_registry(ctx: EvalContext, rule: AlertRule) -> list[Finding]:
    """Emergency plans, supplies, hazardous-waste and radiation licences and training
    certificates expiring within ``threshold`` days (or expired)."""
    today = ctx.local.date()
    days = int(rule.threshold) if rule.threshold is not None else 90
    with ctx.workspace.session() as s:
        items = [e.as_dict() for e in (*risk.expiring(s, today, days),
                                       *hazwaste.expiring(s, today, days),
                                       *radiation.expiring(s, today, days))]
    out = []
    for e in items:
        zh, en, link = EXPIRING_KINDS.get(e["kind"], (e["kind"], e["kind"], "/risk"))
        gone = e["days_left"] < 0
        out.append(Finding(
            f"{e['kind']}:{e['ref']}",
            f"{zh}：{e['name']}（{e['ref']}）{'已于' if gone else '将于'} {e['due']} 到期",
            f"{en}: {e['name']} ({e['ref']}) {'expired on' if gone else 'expires on'} {e['due']}",
            {"due": e["due"], "days_left": e["days_left"]}, link))
    return out


# --------------------------------------------------------------------------- the log
def utc(at: datetime) -> datetime:
    """Times of the alert log are UTC; SQLite hands them back naive."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass
class AlertView:
    """An alert with its state computed from its events."""

    alert: Alert
    events: list[AlertEvent]

    @property
    def state(self) -> str:
        kinds = {e.kind for e in self.events}
        if "resolved" in kinds:
            return "resolved"
        return "acknowledged" if "acknowledged" in kinds else "open"

    @property
    def is_open(self) -> bool:
        return self.state != "resolved"

    @property
    def level(self) -> int:
        return max((e.level for e in self.events if e.kind in ("opened", "escalated")),
                   default=0)

    def usernames(self) -> set[str]:
        return {t["user"] for e in self.events for t in (e.targets or []) if t.get("user")}

    def as_dict(self) -> dict[str, Any]:
        a = self.alert
        return {"id": a.id, "rule": a.rule_id, "type": a.rule_type, "subject": a.subject,
                "severity": a.severity, "title_zh": a.title_zh, "title_en": a.title_en,
                "opened_at": utc(a.opened_at).isoformat(), "state": self.state,
                "level": self.level, "link": a.link,
                "events": [{"at": utc(e.at).isoformat(), "kind": e.kind, "actor": e.actor,
                            "level": e.level, "text": e.text} for e in self.events]}


def _views(s: Session, alerts: list[Alert]) -> list[AlertView]:
    ids = [a.id for a in alerts]
    events: dict[int, list[AlertEvent]] = {i: [] for i in ids}
    if ids:
        for e in s.scalars(select(AlertEvent).where(AlertEvent.alert_id.in_(ids))
                           .order_by(AlertEvent.id)):
            events[e.alert_id].append(e)
    return [AlertView(a, events[a.id]) for a in alerts]


def _open_views(s: Session, rule_id: str | None = None) -> list[AlertView]:
    resolved = select(AlertEvent.alert_id).where(AlertEvent.kind == "resolved")
    q = select(Alert).where(Alert.id.not_in(resolved))
    if rule_id is not None:
        q = q.where(Alert.rule_id == rule_id)
    return _views(s, list(s.scalars(q.order_by(Alert.id))))


def open_subjects(engine: Engine, rule_type: str) -> set[str]:
    """Subjects with an open alert of a rule of ``rule_type`` (the map's exceedance state)."""
    with session_scope(engine) as s:
        resolved = select(AlertEvent.alert_id).where(AlertEvent.kind == "resolved")
        return set(s.scalars(select(Alert.subject).where(Alert.rule_type == rule_type,
                                                         Alert.id.not_in(resolved))))


def _targets(s: Session, rec: Recipients) -> list[dict[str, Any]]:
    """The (channel, address, user) triples of one recipient level, fixed when it is notified."""
    users = list(s.scalars(select(User).where(User.active.is_(True), (
        User.role.in_(rec.roles) | User.username.in_(rec.persons))).order_by(User.username)))
    unknown = set(rec.persons) - {u.username for u in users}
    contacts = {c.username: c for c in s.scalars(select(AlertContact))}
    out: list[dict[str, Any]] = []
    for u in users:
        for ch in rec.channels:
            if ch == "app":
                out.append({"channel": "app", "to": u.username, "user": u.username})
            elif ch == "email":
                c = contacts.get(u.username)
                out.append({"channel": "email", "to": c.email if c and c.email else "",
                            "user": u.username})
    for ch in rec.channels:
        if ch.startswith("webhook:"):
            mobiles = sorted(c.mobile for n, c in contacts.items()
                             if c.mobile and n in {u.username for u in users})
            out.append({"channel": "webhook", "to": ch[8:], "user": None, "mobiles": mobiles})
    out += [{"channel": "app", "to": p, "user": None, "unknown_person": True}
            for p in sorted(unknown)]
    return out


@dataclass
class RunSummary:
    rules: int = 0
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    delivered: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"rules": self.rules, "opened": self.opened, "resolved": self.resolved,
                "escalated": self.escalated, "delivered": self.delivered,
                "failed": self.failed, "errors": self.errors}


def _level(rule: AlertRule, level: int) -> list[Recipients]:
    """The recipient entries of one level (several entries: channels per role or person)."""
    return [r for r in rule.recipients if r.level == level]


def _level_targets(s: Session, entries: list[Recipients]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rec in entries:
        out += [t for t in _targets(s, rec) if t not in out]
    return out


def _open(s: Session, rule: AlertRule, f: Finding, now: datetime, actor: str) -> Alert:
    n = s.scalar(select(func.count()).select_from(Alert).where(
        Alert.rule_id == rule.id, Alert.subject == f.subject)) or 0
    a = Alert(rule_id=rule.id, rule_type=rule.type, subject=f.subject, occurrence=n + 1,
              severity=rule.severity, title_zh=f.title_zh, title_en=f.title_en,
              detail=audit._jsonable(f.detail), link=f.link, opened_at=now)
    s.add(a)
    s.flush()
    s.add(AlertEvent(alert_id=a.id, at=now, kind="opened", actor=actor, level=0,
                     targets=_level_targets(s, _level(rule, 0))))
    audit.record(s, actor, "alert.open", "alert", a.id,
                 after={"rule": rule.id, "subject": f.subject, "title": f.title_zh})
    return a


def open_alert(engine: Engine, rule: AlertRule, finding: Finding, *,
               now: datetime | None = None, actor: str = "alerts") -> int:
    """Open an alert for ``finding`` outside a run (an evaluator of another module may report
    an event as it happens); refused when the rule and subject already have an open alert."""
    now = utc(now or datetime.now(UTC))
    with session_scope(engine) as s:
        if any(v.alert.subject == finding.subject for v in _open_views(s, rule.id)):
            raise AlertError(f"规则 {rule.id} 对 {finding.subject} 已有未解除的告警",
                             f"Rule {rule.id} already has an open alert for {finding.subject}")
        return _open(s, rule, finding, now, actor).id


def run(ws: Workspace, *, now: datetime | None = None, actor: str = "alerts",
        deliver: bool = True) -> RunSummary:
    """One evaluation pass over every enabled rule, then escalation and delivery."""
    now = utc(now or datetime.now(UTC))
    ctx = EvalContext(ws, now)
    summary = RunSummary()
    for rule in (r for r in load_rules(ws.settings) if r.enabled):
        summary.rules += 1
        try:
            findings = {f.subject: f for f in EVALUATORS[rule.type](ctx, rule)}
        except Exception as exc:  # noqa: BLE001 - one failing rule does not stop the others
            summary.errors[rule.id] = f"{type(exc).__name__}: {exc}"
            continue
        with ws.session() as s:
            open_now = {v.alert.subject: v for v in _open_views(s, rule.id)}
            for subject, f in findings.items():
                if subject in open_now:
                    continue  # de-duplication: one open alert per rule and subject
                try:
                    with s.begin_nested():
                        summary.opened.append(_open(s, rule, f, now, actor).id)
                except IntegrityError:
                    continue  # another run opened it at the same moment
            for subject, v in open_now.items():
                if subject not in findings:
                    s.add(AlertEvent(alert_id=v.alert.id, at=now, kind="resolved", actor=actor,
                                     level=v.level, text="条件已消除 / condition cleared"))
                    summary.resolved.append(v.alert.id)
                    continue
                if v.state != "open":
                    continue
                nxt = _level(rule, v.level + 1)
                after = min((r.after_minutes for r in nxt), default=0.0)
                if nxt and now >= utc(v.alert.opened_at) + timedelta(minutes=after):
                    s.add(AlertEvent(alert_id=v.alert.id, at=now, kind="escalated",
                                     actor=actor, level=v.level + 1,
                                     targets=_level_targets(s, nxt),
                                     text=f"{after:g} 分钟未确认，升级 / "
                                          f"not acknowledged in {after:g} min"))
                    audit.record(s, actor, "alert.escalate", "alert", v.alert.id,
                                 after={"level": v.level + 1})
                    summary.escalated.append(v.alert.id)
    if deliver:
        rules = {r.id: r for r in load_rules(ws.settings)}
        done = alert_delivery.deliver_due(
            ws, now=now, quiet=lambda rid, sev, at: in_quiet_hours(rules.get(rid), sev, at))
        summary.delivered, summary.failed = done.delivered, done.failed
    return summary


# ------------------------------------------------------------------- reading, acting
def _visible(v: AlertView, username: str, role: str) -> bool:
    return role == "admin" or username in v.usernames()


def list_alerts(engine: Engine, *, username: str | None = None, role: str | None = None,
                open_only: bool = False, limit: int = 200) -> list[AlertView]:
    """Alerts newest first; with ``username``/``role`` only those sent to that user (admins
    see all)."""
    with session_scope(engine) as s:
        views = _views(s, list(s.scalars(select(Alert).order_by(Alert.id.desc())
                                          .limit(limit * 5 if username else limit))))
        s.expunge_all()
    if open_only:
        views = [v for v in views if v.is_open]
    if username is not None:
        views = [v for v in views if _visible(v, username, role or "")]
    return views[:limit]


def get_alert(engine: Engine, alert_id: int, *, username: str | None = None,
              role: str | None = None) -> AlertView:
    with session_scope(engine) as s:
        a = s.get(Alert, alert_id)
        views = _views(s, [a]) if a is not None else []
        s.expunge_all()
    if not views or (username is not None and not _visible(views[0], username, role or "")):
        raise AlertError(f"没有告警 {alert_id}", f"No alert {alert_id}",
                         location=Location(field="alert"))
    return views[0]


def deliveries(engine: Engine, alert_id: int) -> list[dict[str, Any]]:
    """Every delivery attempt of an alert, oldest first."""
    with session_scope(engine) as s:
        return [{"at": utc(d.at), "channel": d.channel, "target": d.target,
                 "attempt": d.attempt, "ok": d.ok, "error": d.error,
                 "next_attempt_at": utc(d.next_attempt_at) if d.next_attempt_at else None}
                for d in s.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert_id)
                                   .order_by(AlertDelivery.id))]


def unread_count(engine: Engine, username: str, role: str) -> int:
    """Open alerts sent to the user that the user has not opened in the notification centre."""
    views = list_alerts(engine, username=username, role=role, open_only=True)
    with session_scope(engine) as s:
        read = set(s.scalars(select(AlertRead.alert_id).where(AlertRead.username == username)))
    return sum(1 for v in views if v.alert.id not in read)


def mark_read(engine: Engine, alert_ids: list[int], username: str) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        have = set(s.scalars(select(AlertRead.alert_id).where(AlertRead.username == username,
                                                              AlertRead.alert_id.in_(alert_ids))))
        for i in sorted(set(alert_ids) - have):
            s.add(AlertRead(alert_id=i, username=username, at=now))


def _act(engine: Engine, alert_id: int, actor: str, role: str | None, kind: str,
         text: str | None) -> AlertView:
    v = get_alert(engine, alert_id, username=None if role is None else actor, role=role)
    if kind == "acknowledged" and v.state != "open":
        raise AlertError(f"告警 {alert_id} 已{'确认' if v.state == 'acknowledged' else '解除'}",
                         f"Alert {alert_id} is already {v.state}",
                         location=Location(field="alert"))
    if kind == "commented" and not (text or "").strip():
        raise AlertError("评论不能为空", "The comment is empty", location=Location(field="text"))
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.add(AlertEvent(alert_id=alert_id, at=now, kind=kind, actor=actor, level=v.level,
                         text=(text or "").strip() or None, targets=[]))
        audit.record(s, actor, {"acknowledged": "alert.acknowledge",
                                "commented": "alert.comment"}[kind], "alert",
                     alert_id, after={"text": (text or "").strip() or None})
    return get_alert(engine, alert_id)


def acknowledge(engine: Engine, alert_id: int, actor: str, *, role: str | None = None,
                text: str | None = None) -> AlertView:
    """确认: the alert is being handled; escalation stops. ``role`` None = CLI (any alert)."""
    return _act(engine, alert_id, actor, role, "acknowledged", text)


def comment(engine: Engine, alert_id: int, actor: str, text: str, *,
            role: str | None = None) -> AlertView:
    return _act(engine, alert_id, actor, role, "commented", text)


def set_contact(engine: Engine, username: str, *, email: str | None = None,
                mobile: str | None = None) -> dict[str, Any]:
    """Record where a user is reached (e-mail, mobile for robot @-mentions)."""
    if email is not None and email and ("@" not in email or len(email) > 254):
        raise AlertError(f"邮箱地址无效：{email}", f"Invalid e-mail address: {email}",
                         location=Location(field="email"))
    with session_scope(engine) as s:
        if s.scalar(select(User.id).where(User.username == username)) is None:
            raise AlertError(f"没有用户 {username}", f"No user {username}",
                             location=Location(field="username"))
        c = s.get(AlertContact, username) or AlertContact(username=username)
        if email is not None:
            c.email = email or None
        if mobile is not None:
            c.mobile = mobile or None
        c.updated_at = datetime.now(UTC)
        s.add(c)
        audit.record(s, "cli", "alert.contact", "user", username,
                     after={"email": c.email, "mobile": c.mobile})
        return {"username": username, "email": c.email, "mobile": c.mobile}


def in_quiet_hours(rule: AlertRule | None, severity: str, now: datetime) -> bool:
    if rule is None or rule.quiet_hours is None or severity == "critical":
        return False
    return rule.quiet_hours.contains(now.astimezone(BEIJING).time())


def today_local() -> date:
    return datetime.now(BEIJING).date()
