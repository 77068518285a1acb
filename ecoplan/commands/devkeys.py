"""``ecoplan devices key show|create|rotate|revoke|policy MN`` and ``devices identity``:
HJ 212-2025 SM4 keys and settings (docs/hj212.md "HJ 212-2025")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecoplan.console import emit_json, info, ok, print_table
from ecoplan.i18n import tr

key_app = typer.Typer(help="HJ 212-2025 数据加密密钥 / HJ 212-2025 data-area keys",
                      no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
MnArg = Annotated[str, typer.Argument(help="设备唯一标识 MN / device id")]


def register(app: typer.Typer) -> None:
    from ecoplan.commands.hj212 import devices_app

    devices_app.add_typer(key_app, name="key")
    devices_app.command("identity")(devices_identity)


def _ws():  # type: ignore[no-untyped-def]
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _known(ws, mn: str) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.devices.device_registry import load_devices
    from ecoplan.devices.keys import DeviceKeyError

    if mn not in load_devices(ws.engine):
        raise DeviceKeyError(f"设备 {mn} 未登记", f"device {mn} is not registered")


@key_app.command("show")
def key_show(mn: MnArg, as_json: JsonOpt = False) -> None:
    """密钥状态与密钥年龄（从不显示密钥本身）/ key states and age (never the key itself)."""
    from ecoplan.devices.keys import get_profile, key_report

    ws = _ws()
    _known(ws, mn)
    keys = key_report(ws.engine, mn)
    prof = get_profile(ws.engine, mn).as_dict()
    if as_json:
        emit_json({"profile": prof, "keys": keys})
        return
    info(f"加密策略 {prof['encryption']}，密文格式 {prof['wire_format']}，轮换周期 "
         f"{prof['rotate_days']} 天，宽限期 {prof['grace_hours']} 小时",
         f"encryption {prof['encryption']}, ciphertext format {prof['wire_format']}, rotation "
         f"every {prof['rotate_days']} days, grace window {prof['grace_hours']} h")
    print_table(tr(f"设备 {mn} 的密钥", f"Keys of {mn}"),
                ["id", tr("指纹", "fingerprint"), tr("状态", "state"), tr("年龄（天）", "age (days)"),
                 tr("来源", "origin"), tr("到期", "expires"), tr("宽限至", "grace until")],
                [(k["key_id"], k["fingerprint"], k["state"], k["age_days"], k["origin"],
                  k["expires_at"][:16], (k["grace_until"] or "")[:16]) for k in keys])


def _issue(mn: str, origin: str, as_json: bool) -> None:
    from ecoplan.devices.keys import issue_key, vault_for

    ws = _ws()
    _known(ws, mn)
    key, text = issue_key(ws.engine, vault_for(ws), mn, origin=origin, actor="cli")
    if as_json:
        emit_json({"mn": mn, "key_id": key.id, "fingerprint": key.fingerprint,
                   "expires_at": key.expires_at.isoformat(),
                   **({"key": text} if origin == "operator" else {})})
        return
    if origin == "operator":
        ok(f"已为 {mn} 生成初始密钥（仅显示这一次，请配置到数采仪）：{text}",
           f"Initial key for {mn} (shown only this once; configure it in the logger): {text}")
    else:
        ok(f"已轮换 {mn} 的密钥（id {key.id}，指纹 {key.fingerprint}）；网关将在设备下次连接时"
           "以 CN 1014 下发，旧密钥在宽限期内仍有效",
           f"Rotated the key of {mn} (id {key.id}, fingerprint {key.fingerprint}); the gateway "
           "hands it to the logger with CN 1014 when it next sends; the old key stays valid "
           "during the grace window")


@key_app.command("create")
def key_create(mn: MnArg, as_json: JsonOpt = False) -> None:
    """生成初始密钥并显示一次（配置到数采仪）/ create an initial key, shown once."""
    _issue(mn, "operator", as_json)


@key_app.command("rotate")
def key_rotate(mn: MnArg, as_json: JsonOpt = False) -> None:
    """立即轮换：新密钥经 CN 1014 下发，不显示 / rotate now: delivered with CN 1014, not shown."""
    _issue(mn, "rotation", as_json)


@key_app.command("revoke")
def key_revoke(mn: MnArg,
               key_id: Annotated[int | None, typer.Option("--id", help="只吊销该密钥 / one key")] = None,
               as_json: JsonOpt = False) -> None:
    """吊销设备密钥（立即拒收该密钥加密的报文）/ revoke keys (refused at once)."""
    from ecoplan.devices.keys import revoke

    ws = _ws()
    _known(ws, mn)
    ids = revoke(ws.engine, mn, actor="cli", key_id=key_id)
    if as_json:
        emit_json({"mn": mn, "revoked": ids})
        return
    ok(f"已吊销 {mn} 的密钥 {ids}", f"Revoked keys {ids} of {mn}")


@key_app.command("policy")
def key_policy(
    mn: MnArg,
    encryption: Annotated[str | None, typer.Option("--encryption", help="required|allowed|off")] = None,
    wire_format: Annotated[str | None, typer.Option("--wire-format", help="raw|hex-braces|hex（厂商偏差 / vendor deviation）")] = None,
    rotate_days: Annotated[int | None, typer.Option("--rotate-days", help="轮换周期（天）/ rotation period (days)")] = None,
    grace_hours: Annotated[int | None, typer.Option("--grace-hours", help="新旧密钥并存小时数 / grace window (h)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """设置加密策略、密文格式、轮换周期、宽限期 / set policy, format, rotation, grace."""
    from ecoplan.devices.keys import set_profile

    ws = _ws()
    _known(ws, mn)
    prof = set_profile(ws.engine, mn, encryption=encryption, wire_format=wire_format,
                       rotate_days=rotate_days, grace_hours=grace_hours, actor="cli")
    if as_json:
        emit_json(prof.as_dict())
        return
    ok(f"已更新 {mn} 的加密设置", f"Updated the encryption settings of {mn}")


@key_app.command("test")
def key_test(
    mn: MnArg,
    file: Annotated[Path, typer.Argument(help="抓包文件（原始字节或每行一包）/ captured packets (raw bytes or one per line)")],
    as_json: JsonOpt = False,
) -> None:
    """用设备的有效密钥解密抓包中的报文并校验（接入时确认加密可用）/ open captured packets
    with the device's accepted keys and check them (onboarding)."""
    from ecoplan.devices.codec import decode
    from ecoplan.devices.crypto import open_sealed, unseal
    from ecoplan.devices.framer import Framer
    from ecoplan.devices.keys import load_keys, vault_for
    from ecoplan.errors import InputFileError

    ws = _ws()
    _known(ws, mn)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputFileError(f"无法读取 {file}：{exc.strerror}", f"cannot read {file}: {exc.strerror}") from exc
    keys = [k for k in load_keys(ws.engine, vault_for(ws), mn).get(mn, []) if k.accepted()]
    rows = []
    for i, raw in enumerate([x for x in Framer().feed(data + b"\r\n") if isinstance(x, bytes)], 1):
        sealed = unseal(raw)
        plain, key_id = raw, None
        if sealed is not None:
            opened = next(((k.id, p) for k in keys if (p := open_sealed(sealed, k.key)) is not None),
                          None)
            plain, key_id = (opened[1], opened[0]) if opened else (None, None)
        d = decode(plain) if plain is not None else None
        rows.append({"packet": i, "encrypted": sealed is not None,
                     "wire_format": sealed.fmt if sealed else None, "key_id": key_id,
                     "ok": bool(d and d.ok),
                     "cn": d.packet.cn if d and d.packet else None,
                     "problem": (d.rejection.en if d and d.rejection else None) if plain is not None
                     else "no accepted key of the device opens it"})
    if as_json:
        emit_json(rows)
        return
    print_table(tr(f"{mn} 的报文解密检查", f"Decryption check for {mn}"),
                ["#", tr("加密", "encrypted"), tr("格式", "format"), tr("密钥", "key id"), "CN",
                 tr("结果", "result")],
                [(r["packet"], "✓" if r["encrypted"] else "—", r["wire_format"] or "",
                  r["key_id"] or "", r["cn"] or "", "✓" if r["ok"] else r["problem"]) for r in rows])


def devices_identity(
    mn: MnArg,
    assign: Annotated[bool, typer.Option("--assign-mn", help="按 CPUID/MAC 分配新 MN、以相同设置登记并排队 1002 / assign an MN from CPUID/MAC, register it with the same settings, queue CN 1002")] = False,
    as_json: JsonOpt = False,
) -> None:
    """数采仪身份（CN 1001：数采仪编号、CPUID、MAC）/ logger identity (CN 1001)."""
    from ecoplan.devices.keys import DeviceKeyError, assign_mn, get_profile

    ws = _ws()
    prof = get_profile(ws.engine, mn)
    out = prof.as_dict()
    if assign:
        if not prof.cpuid:
            raise DeviceKeyError(f"设备 {mn} 尚未上报 CPUID（先发送 devices command {mn} 1001）",
                                 f"{mn} has not reported its CPUID (send `devices command {mn} "
                                 "1001` first)")
        from ecoplan.devices.command_queue import enqueue
        from ecoplan.devices.device_registry import add_device, load_devices

        new = assign_mn(prof.cpuid, prof.mac1)
        devices = load_devices(ws.engine)
        old = devices.get(mn)
        if new not in devices and old is not None:  # the logger reconnects under its new MN
            add_device(ws.engine, new, password=old.password, device_type=old.device_type,
                       dialect=old.dialect, crc_policy="+".join(old.crc_policy),
                       station_code=old.station_code, enterprise=old.enterprise,
                       name=old.name, approved=old.approved, actor="cli")
        out["assigned_mn"] = new
        out["command_id"] = enqueue(ws, mn, "1002", {"NewMN": new}, requested_by="cli")
    if as_json:
        emit_json(out)
        return
    print_table(tr(f"数采仪 {mn} 身份", f"Identity of {mn}"), [tr("项目", "item"), tr("值", "value")],
                [(k, v) for k, v in out.items()])
