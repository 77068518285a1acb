"""Notices after a redirect ("saved", "approved" …) from a server-side table of message keys.

The redirect carries only a key from :data:`MESSAGES`, the values to fill in and an HMAC of
both under the server secret (``?flash=report-saved&kind=task&id=12&fs=…``). A link made by
anybody else — an unknown key, altered values, no signature — shows no notice at all, so nobody
can put words of their own into an official-looking notice. The texts are escaped like any
other template value.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from ecoplan.web.security import same

#: key → (Chinese, English) with ``{name}`` placeholders filled from the signed values
MESSAGES: dict[str, tuple[str, str]] = {
    "report-saved": ("已保存：{kind} 填报 {id}，等待审核。", "Saved: {kind} report {id}, awaiting review."),
    "report-review": ("{kind} 填报 {id} 已审核。", "{kind} report {id} reviewed."),
    "report-approve": ("{kind} 填报 {id} 已批准。", "{kind} report {id} approved."),
    "report-reject": ("{kind} 填报 {id} 已退回。", "{kind} report {id} rejected."),
    "report-generated": ("已生成：{name}", "Generated: {name}"),
    "user-created": ("已创建用户。", "User created."),
    "user-disabled": ("已停用用户。", "User disabled."),
    "user-enabled": ("已启用用户。", "User enabled."),
    "password-set": ("已重设密码。", "Password reset."),
    "user-updated": ("已更新用户。", "User updated."),
    "totp-reset": ("已清除该用户的动态口令。", "The user's one-time-password key was cleared."),
    "department-created": ("已创建部门。", "Department created."),
    "owners-assigned": ("已调整责任部门。", "Responsible departments changed."),
    "token-revoked": ("已吊销令牌。", "Token revoked."),
    "device-approved": ("已批准设备 {mn}；释放暂存报文 {released} 包：入库 {stored} 行，"
                        "暂存待审 {quarantined} 行{kept}",
                        "Approved {mn}; released {released} held packets: {stored} rows stored, "
                        "{quarantined} quarantined{kept}"),
    "command-queued": ("命令 {cn} 已排队（编号 {id}），网关将发送给设备",
                       "Command {cn} queued (id {id}); the gateway will send it to the device"),
    "command-cancelled": ("命令 {id} 已取消", "Command {id} cancelled"),
    "inspection-recorded": ("检查记录 {id} 已录入", "Inspection {id} recorded"),
    "inspection-corrected": ("检查记录 {id} 已更正为第 {version} 版",
                             "Inspection {id} corrected: version {version}"),
    "draw-made": ("抽查 {id}（{period}）完成：抽中 {n} 家", "Draw {id} ({period}): {n} objects"),
    "draw-published": ("抽查 {id} 已公开", "Draw {id} published"),
    # a warning issued / changed / lifted: the words are made by the server (and signed)
    "emergency-step": ("{zh}", "{en}"),
    # a bulletin approved, an audit step: the words are made by the server (and signed)
    "step-done": ("{zh}", "{en}"),
    # a case / complaint / credit step: the words are made by the server (and signed)
    "case-step": ("{zh}", "{en}"),
    "grade-appended": ("已追加绩效分级 {grade}（{effective_from} 起）",
                       "Grade {grade} appended (from {effective_from})"),
    "workbook-imported": ("导入 {name}：新增 {added}，更新 {updated}，未变 {unchanged}，错误 {errors}{details}",
                          "Imported {name}: {added} added, {updated} updated, {unchanged} "
                          "unchanged, {errors} errors{details}"),
    "alert-acknowledged": ("已确认告警 {id}", "Alert {id} acknowledged"),
    "alert-commented": ("已为告警 {id} 添加评论", "Comment added to alert {id}"),
    "totp-enabled": ("已启用动态口令（TOTP）二次验证。", "Two-step sign-in (TOTP) enabled."),
    "totp-disabled": ("已关闭动态口令（TOTP）二次验证。", "Two-step sign-in (TOTP) disabled."),
}
KIND_NAMES = {"project": ("重点工程进展", "Project progress"), "task": ("任务进展", "Task"),
              "indicator": ("指标值", "Indicator value")}
MAX_VALUE = 600


def _signature(request: Request, key: str, params: dict[str, str]) -> str:
    secret = request.app.state.ctx.csrf.secret
    mac_key = hashlib.sha256(("flash:" + secret).encode()).digest()
    text = key + "\x00" + "\x00".join(f"{k}={params[k]}" for k in sorted(params))
    return hmac.new(mac_key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def url(request: Request, path: str, key: str, fragment: str = "", **values: object) -> str:
    """``path`` with a signed notice ``key`` (which must be in :data:`MESSAGES`)."""
    if key not in MESSAGES:
        raise KeyError(key)
    params = {k: str(v)[:MAX_VALUE] for k, v in values.items()}
    query = urlencode({"flash": key, **params, "fs": _signature(request, key, params)})
    return f"{path}?{query}{'#' + fragment if fragment else ''}"


def redirect(request: Request, path: str, key: str, fragment: str = "",
             **values: object) -> RedirectResponse:
    """303 to ``path`` showing the notice ``key`` there."""
    return RedirectResponse(url(request, path, key, fragment, **values), status_code=303)


def read(request: Request) -> str | None:
    """The notice of this request in the user's language, or None (no, unknown or forged)."""
    q = request.query_params
    key = q.get("flash")
    if not key or key not in MESSAGES:
        return None
    names = [k for k in q if k not in ("flash", "fs", "lang")]
    params = {k: q[k] for k in names}
    if not same(q.get("fs", ""), _signature(request, key, params)):
        return None
    lang = getattr(request.state, "lang", "zh")
    zh, en = MESSAGES[key]
    if "kind" in params and params["kind"] in KIND_NAMES:
        params["kind"] = KIND_NAMES[params["kind"]][0 if lang == "zh" else 1]
    try:
        return (zh if lang == "zh" else en).format(**params)
    except (KeyError, IndexError, ValueError):
        return None
