"""Delivery of alerts: e-mail over SMTP and the group robots of WeCom (企业微信) and DingTalk
(钉钉), with retries and back-off; every attempt is appended to ``alert_deliveries``.

Message formats follow the vendors' public documentation of their group robots:

* WeCom 群机器人: ``POST <webhook url with key>`` with ``{"msgtype": "text", "text":
  {"content": …, "mentioned_mobile_list": […]}}``; success is ``{"errcode": 0}``.
* DingTalk 自定义机器人: ``POST <webhook url with access_token>`` (with 加签 the query also
  carries ``timestamp`` and ``sign`` = Base64(HMAC-SHA256(secret, "timestamp\\nsecret"))) and
  ``{"msgtype": "text", "text": {"content": …}, "at": {"atMobiles": […], "isAtAll": false}}``;
  success is ``{"errcode": 0}``.

A failed attempt is retried by the next runs after ``alert_retry_base_s`` × 2^(attempt−1)
seconds, at most ``alert_max_attempts`` times; a target that can never work (no e-mail address,
an unknown person) is recorded once as failed and not retried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from ecoplan.errors import EcoplanError
from ecoplan.settings import Settings
from ecoplan.store.alert_models import Alert, AlertDelivery, AlertEvent
from ecoplan.store.workspace import Workspace


class DeliveryFailed(EcoplanError):
    """A receiver refused or could not be reached."""


@dataclass
class Delivered:
    delivered: int = 0
    failed: int = 0


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def message_text(alert: Alert, event: AlertEvent, settings: Settings) -> tuple[str, str]:
    """Subject and body (Chinese first, then English) of one alert event."""
    prefix = {"opened": "告警", "escalated": "告警升级"}.get(event.kind, "告警")
    subject = f"【ecoplan {prefix}】{alert.title_zh}"
    link = f"{settings.alert_web_url.rstrip('/')}/alerts/{alert.id}" if settings.alert_web_url \
        else f"/alerts/{alert.id}"
    body = (f"{alert.title_zh}\n级别：{alert.severity}；规则：{alert.rule_id}；对象：{alert.subject}\n"
            f"发生时间（UTC）：{_utc(alert.opened_at):%Y-%m-%d %H:%M}\n"
            f"{event.text or ''}\n请在平台中确认：{link}\n\n"
            f"{alert.title_en}\nSeverity {alert.severity}; rule {alert.rule_id}; subject "
            f"{alert.subject}. Acknowledge in the platform: {link}\n")
    return subject, body


def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    """One e-mail through the configured SMTP server."""
    if not settings.alert_smtp_host:
        raise DeliveryFailed("未设置 SMTP 服务器（ECOPLAN_ALERT_SMTP_HOST）",
                             "No SMTP server set (ECOPLAN_ALERT_SMTP_HOST)")
    msg = EmailMessage()
    msg["From"] = settings.alert_smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        cls = smtplib.SMTP_SSL if settings.alert_smtp_ssl else smtplib.SMTP
        with cls(settings.alert_smtp_host, settings.alert_smtp_port, timeout=10) as smtp:
            if settings.alert_smtp_starttls and not settings.alert_smtp_ssl:
                smtp.starttls()
            if settings.alert_smtp_user:
                smtp.login(settings.alert_smtp_user,
                           settings.alert_smtp_password.get_secret_value())
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"SMTP 发送失败：{exc}", f"SMTP delivery failed: {exc}") from exc


def robot_payload(kind: str, text: str, mobiles: list[str]) -> dict[str, Any]:
    """The JSON body of a WeCom or DingTalk group robot text message."""
    if kind == "wecom":
        return {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mobiles}}
    return {"msgtype": "text", "text": {"content": text},
            "at": {"atMobiles": mobiles, "isAtAll": False}}


def dingtalk_signed(url: str, secret: str, now_ms: int | None = None) -> str:
    """The DingTalk robot URL with 加签 (timestamp and HMAC-SHA256 signature)."""
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}&timestamp={ts}&sign={sign}"


def post_webhook(settings: Settings, name: str, text: str, mobiles: list[str]) -> None:
    hook = settings.alert_webhooks.get(name)
    if hook is None:
        raise DeliveryFailed(f"未设置机器人 {name}", f"Robot webhook {name} is not set")
    kind, url = hook.get("kind", ""), hook.get("url", "")
    if kind == "dingtalk" and hook.get("secret"):
        url = dingtalk_signed(url, hook["secret"])
    data = json.dumps(robot_payload(kind, text, mobiles), ensure_ascii=False).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - configured URL
            answer = json.loads(resp.read().decode("utf-8") or "{}")
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise DeliveryFailed(f"机器人 {name} 无法送达：{exc}",
                             f"Robot {name} not reached: {exc}") from exc
    if answer.get("errcode", 0) != 0:
        raise DeliveryFailed(f"机器人 {name} 拒收：{answer}", f"Robot {name} refused: {answer}")


def _attempt(settings: Settings, alert: Alert, event: AlertEvent, target: dict[str, Any]
             ) -> None:
    subject, body = message_text(alert, event, settings)
    if target.get("unknown_person"):
        raise DeliveryFailed(f"规则中的人员 {target['to']} 不存在",
                             f"Person {target['to']} of the rule does not exist")
    if target["channel"] == "email":
        if not target["to"]:
            raise DeliveryFailed(f"用户 {target['user']} 没有登记邮箱",
                                 f"User {target['user']} has no e-mail address")
        send_email(settings, target["to"], subject, body)
    elif target["channel"] == "webhook":
        post_webhook(settings, target["to"], "【ecoplan】" + body, target.get("mobiles") or [])


def _permanent(target: dict[str, Any]) -> bool:
    return bool(target.get("unknown_person")) or (target["channel"] == "email"
                                                 and not target["to"])


def deliver_due(ws: Workspace, *, now: datetime | None = None,
                quiet: Callable[[str, str, datetime], bool] | None = None) -> Delivered:
    """Send every due delivery of the alert log (new ones, and retries whose back-off has
    passed); ``quiet(rule_id, severity, now)`` holds e-mail and robots back in quiet hours."""
    settings = ws.settings
    now = _utc(now or datetime.now(UTC))
    out = Delivered()
    with ws.session() as s:
        events = list(s.scalars(select(AlertEvent).where(AlertEvent.kind.in_(
            ("opened", "escalated"))).order_by(AlertEvent.id)))
        attempts: dict[tuple[int, str, str], list[AlertDelivery]] = {}
        for d in s.scalars(select(AlertDelivery).order_by(AlertDelivery.id)):
            attempts.setdefault((d.event_id, d.channel, d.target), []).append(d)
        due: list[tuple[Alert, AlertEvent, dict[str, Any], int]] = []
        for ev in events:
            alert = s.get(Alert, ev.alert_id)
            assert alert is not None
            for target in ev.targets or []:
                if target["channel"] == "app" and not target.get("unknown_person"):
                    continue  # the notification centre reads the events
                key = target.get("user") or target["to"]
                done = attempts.get((ev.id, target["channel"], key), [])
                if any(d.ok for d in done) or len(done) >= settings.alert_max_attempts:
                    continue
                if done and (done[-1].next_attempt_at is None
                             or _utc(done[-1].next_attempt_at) > now):
                    continue
                if quiet is not None and quiet(alert.rule_id, alert.severity, now):
                    continue
                due.append((alert, ev, target, len(done) + 1))
        if due:
            settings.require_alert_secrets()
        for alert, ev, target, n in due:
            error = None
            try:
                _attempt(settings, alert, ev, target)
            except DeliveryFailed as exc:
                error = exc.message("zh") + " / " + exc.message("en")
            retry = None
            if error and not _permanent(target) and n < settings.alert_max_attempts:
                retry = now + timedelta(seconds=settings.alert_retry_base_s * 2 ** (n - 1))
            s.add(AlertDelivery(alert_id=alert.id, event_id=ev.id, channel=target["channel"],
                                target=target.get("user") or target["to"], attempt=n, at=now,
                                ok=error is None, error=error, next_attempt_at=retry))
            if error is None:
                out.delivered += 1
            else:
                out.failed += 1
    return out


def test_delivery(settings: Settings, channel: str, to: str) -> None:
    """Send a test message (``ecoplan alerts test-delivery``); raises DeliveryFailed."""
    settings.require_alert_secrets()
    subject = "【ecoplan 测试】告警通道测试 / alert channel test"
    body = "这是一条测试消息。This is a test message from ecoplan."
    if channel == "email":
        send_email(settings, to, subject, body)
    elif channel == "webhook":
        post_webhook(settings, to, f"{subject}\n{body}", [])
    else:
        raise DeliveryFailed(f"未知通道：{channel}", f"Unknown channel: {channel}")
