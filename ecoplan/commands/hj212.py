"""HJ 212 commands: ``hj212 check|simulate``, ``gateway``, ``devices …`` and ``bench gateway``."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
import asyncio
from pathlib import Path
from typing import Annotated

import typer

from ecoplan.commands.bench import app as bench_app
from ecoplan.console import console, emit_json, info, ok, print_table
from ecoplan.i18n import tr

hj212_app = typer.Typer(help="HJ 212 数据传输：报文检查与设备模拟 / HJ 212 packets and simulator",
                        no_args_is_help=True)
devices_app = typer.Typer(help="HJ 212 设备（数采仪）登记 / HJ 212 device registry",
                          no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
LOOPBACK = ("127.0.0.1", "localhost", "::1")

#: short words for the rejection codes of the codec and the gateway (the full sentence, in
#: both languages, is in the packet's rejection; ``--json`` keeps the codes)
REJECTION_WORDS = {
    "bad-cn": ("命令编码 CN 无效", "invalid CN"), "bad-flag": ("Flag 无效", "invalid Flag"),
    "bad-length-field": ("数据段长度字段无效", "invalid length field"),
    "bad-mn": ("设备编号 MN 无效", "invalid MN"), "bad-pw": ("访问密码 PW 无效", "invalid PW"),
    "bad-qn": ("请求编码 QN 无效", "invalid QN"), "bad-split": ("分包信息无效", "invalid split"),
    "crc-mismatch": ("CRC 校验不符", "CRC mismatch"),
    "crc-variant-refused": ("CRC 算法不被该设备允许", "CRC variant not allowed"),
    "internal": ("内部错误", "internal error"), "missing-cn": ("缺少命令编码 CN", "no CN"),
    "missing-mn": ("缺少设备编号 MN", "no MN"), "no-header": ("缺少包头 ##", "no ## header"),
    "unknown-version": ("未知协议版本", "unknown protocol version"),
    "length-mismatch": ("长度不符", "length mismatch"),
}
#: the gateway's statistics in words
STAT_WORDS = {
    "connections_total": ("累计连接数", "connections (total)"),
    "connections_open": ("当前连接数", "connections open"), "packets": ("收到报文", "packets"),
    "accepted": ("接受报文", "accepted"), "replies": ("应答", "replies"),
    "duplicates": ("重复报文", "duplicates"), "rejected": ("拒收报文", "rejected"),
    "refused_password": ("密码错误被拒", "refused: wrong password"),
    "held": ("暂存报文（未登记/未批准设备）", "held (unknown/unapproved devices)"),
    "rows": ("写入数值行", "rows"), "discarded_bytes": ("丢弃字节", "discarded bytes"),
    "rate_limited": ("限流", "rate limited"), "idle_closed": ("空闲断开", "idle closed"),
    "splits_completed": ("分包已齐", "splits completed"),
    "splits_incomplete": ("分包不完整", "splits incomplete"),
    "rows_written": ("交给入库的数值行", "rows handed to ingestion"),
    "unmapped": ("无规范名称、按原编码保存的项目", "items kept under their HJ 212 code (no name)"),
    "port": ("端口", "port"), "host": ("地址", "host"), "workers": ("进程数", "workers"),
    "storage_error": ("存储错误", "storage error"),
}


def rejection_words(code: str | None) -> str:
    """A rejection code in words of the active language (the code itself when unknown)."""
    words = REJECTION_WORDS.get(code or "")
    return tr(*words) if words else (code or "")


def stats_rows(stats: dict[str, object]) -> list[tuple[str, str]]:
    """Gateway statistics as (words, value) rows; rejection counts per reason in words."""
    rows = []
    for key, value in stats.items():
        label = tr(*STAT_WORDS[key]) if key in STAT_WORDS else key
        if isinstance(value, dict):
            value = "；".join(f"{rejection_words(k)} {v}" for k, v in value.items()) or "0"
        rows.append((label, str(value)))
    return rows


def register(app: typer.Typer) -> None:
    app.add_typer(hj212_app, name="hj212")
    app.add_typer(devices_app, name="devices")
    app.command("gateway")(gateway)


# ---------------------------------------------------------------------------- hj212 check
@hj212_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="报文文件，每行一包（# 开头为注释）/ packets, one per line")],
    crc_policy: Annotated[str, typer.Option(
        "--crc-policy", help="接受的 CRC：hj212、modbus、modbus-swapped 用 + 连接，或 any / "
        "accepted CRC variants")] = "hj212",
    as_json: JsonOpt = False,
) -> None:
    """逐包检查：定界、长度、CRC 算法、协议版本、ST/CN/MN、数据与网关应答 / check packets."""
    from ecoplan.devices.device_registry import parse_crc_policy
    from ecoplan.devices.runtime import check_packets
    from ecoplan.errors import InputFileError, Location

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputFileError(f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}",
                             location=Location(str(file))) from exc
    results = check_packets(data, crc_policy=parse_crc_policy(crc_policy))
    if as_json:
        from ecoplan.devices.crc import implementation

        emit_json({"file": str(file), "codec": implementation(), "packets": results})
        return
    rows = []
    for r in results:
        status = tr("接受", "accepted") if r["accepted"] else rejection_words(r["rejection"]["code"])
        reply = r["reply"]
        rows.append((r["line"], "✓" if r["framing_ok"] else "✗", "✓" if r["length_ok"] else "✗",
                     r["crc_variant"], r["dialect"] or "", r["st"] or "", r["cn"] or "",
                     r["mn"] or "", status, reply.split(";CN=")[1][:4] if reply else ""))
    print_table(tr(f"{file} 共 {len(results)} 包", f"{file}: {len(results)} packets"),
                [tr("行", "line"), tr("定界", "framing"), tr("长度", "length"), "CRC",
                 tr("版本", "dialect"), "ST", "CN", "MN", tr("结果", "result"),
                 tr("应答", "reply")], rows)
    accepted = sum(r["accepted"] for r in results)
    info(f"接受 {accepted} 包，拒绝 {len(results) - accepted} 包",
         f"{accepted} accepted, {len(results) - accepted} rejected")


# ---------------------------------------------------------------------------- hj212 replay
@hj212_app.command("replay")
def replay(
    file: Annotated[Path, typer.Argument(help="抓包文件，每行一包（# 开头为注释）/ captured packets, one per line")],
    to: Annotated[str | None, typer.Option(
        "--to", help="发往运行中的网关 HOST:PORT（仅限本机）/ send to a running gateway")] = None,
    into_lake: Annotated[bool, typer.Option(
        "--into-lake", help="不经网络，按网关规则直接写入本工作区数据湖 / load into this workspace's lake")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="等待应答秒数 / seconds to wait for replies")] = 2.0,
    as_json: JsonOpt = False,
) -> None:
    """回放抓包文件：发往网关（--to）或直接入湖（--into-lake）/ replay captured packets."""
    from ecoplan.errors import InputFileError, Location, ValidationError

    if (to is None) == (not into_lake):
        raise ValidationError("请指定 --to HOST:PORT 或 --into-lake 之一",
                              "Give exactly one of --to HOST:PORT or --into-lake")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputFileError(f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}",
                             location=Location(str(file))) from exc
    if into_lake:
        from ecoplan.devices.replay import replay_packets

        out = replay_packets(_ws(), data, source=f"hj212-replay:{file.name}")
        if as_json:
            emit_json(out)
            return
        print_table(tr(f"{file.name} 回放入湖", f"{file.name} replayed into the lake"),
                    [tr("项目", "item"), tr("值", "value")], stats_rows(out["gateway"]))
        stored = sum(int(b.get("rows_accepted", 0) or 0) for b in out["batches"])
        quarantined = sum(int(b.get("rows_quarantined", 0) or 0) for b in out["batches"])
        g = out["gateway"]
        if out.get("unmapped"):
            info(f"{out['unmapped']} 个项目无规范名称，按 HJ 212 原编码保存（未识别的监测项目进入暂存待审）",
                 f"{out['unmapped']} items have no canonical name and were kept under their HJ 212 "
                 "code (unknown parameters are quarantined for review)")
        ok(f"{g['packets']} 包：接受 {g['accepted']}，暂存（未登记/未批准设备）{g['held']}，"
           f"拒收 {sum(g['rejected'].values())}；入库 {stored} 行，暂存待审 {quarantined} 行",
           f"{g['packets']} packets: {g['accepted']} accepted, {g['held']} held (unknown/unapproved "
           f"devices), {sum(g['rejected'].values())} rejected; {stored} rows stored, "
           f"{quarantined} quarantined")
        if out.get("failures"):
            info(f"写入失败 {out['failures']} 次：{out.get('last_error')}",
                 f"{out['failures']} write failures: {out.get('last_error')}")
        return
    from ecoplan.devices.replay import send_packets

    host, _, port_text = (to or "").rpartition(":")
    if host not in LOOPBACK or not port_text.isdigit():
        raise ValidationError(f"--to 应为本机地址 HOST:PORT（如 127.0.0.1:30024），收到 {to}",
                              f"--to must be a loopback HOST:PORT (e.g. 127.0.0.1:30024), got {to}")
    sent = send_packets(host, int(port_text), data, timeout=timeout)
    if as_json:
        emit_json(sent)
        return
    ok(f"已向 {to} 发送 {sent['sent']} 包，收到应答 {len(sent['replies'])} 条",
       f"Sent {sent['sent']} packets to {to}, {len(sent['replies'])} replies received")


# ---------------------------------------------------------------------------- hj212 simulate
@hj212_app.command("simulate")
def simulate(
    devices: Annotated[int, typer.Option("--devices", min=1, help="模拟设备数 / devices")] = 3,
    rate: Annotated[float, typer.Option("--rate", min=0, help="每台设备每秒上传包数（0 为不限）/ "
                                        "packets per second per device (0 = unpaced)")] = 1.0,
    host: Annotated[str, typer.Option("--host", help="网关地址（仅限本机）/ gateway host (loopback)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="网关端口 / gateway port")] = 30024,
    from_file: Annotated[Path | None, typer.Option("--from", help="小时数据 CSV（默认山西 2019 实测）/ "
                                                   "hourly CSV (default: real Shanxi 2019)")] = None,
    kind: Annotated[str, typer.Option("--kind", help="hour|minute|realtime")] = "hour",
    count: Annotated[int | None, typer.Option("--count", help="每台设备上传包数 / packets per device")] = None,
    duration: Annotated[float | None, typer.Option("--duration", help="运行秒数 / seconds")] = None,
    over_time: Annotated[float, typer.Option("--over-time", help="应答超时（秒）/ OverTime s")] = 10.0,
    re_count: Annotated[int, typer.Option("--re-count", help="重发次数 / ReCount")] = 3,
    password: Annotated[str, typer.Option("--password", help="访问密码 PW / password")] = "123456",
    dialect: Annotated[str, typer.Option("--dialect", help="2005|2017|2025")] = "2017",
    key: Annotated[str | None, typer.Option(
        "--key", help="HJ 212-2025：SM4 密钥（16 个字符，即 `ecoplan devices key create` 显示的密钥），"
        "所有模拟设备共用，仅用于测试 / HJ 212-2025: the SM4 key (16 characters, as shown by "
        "`ecoplan devices key create`), shared by every simulated logger; for tests only")] = None,
    wire_format: Annotated[str, typer.Option("--wire-format", help="raw|hex-braces|hex（HJ 212-2025 密文格式 / "
                                             "ciphertext form）")] = "raw",
    as_json: JsonOpt = False,
) -> None:
    """模拟数采仪：回放真实监测数据并统计发送/应答/重发 / simulated data loggers."""
    from functools import partial

    from ecoplan.devices import simulator as sim
    from ecoplan.devices.crypto import WIRE_FORMATS
    from ecoplan.devices.sim2025 import SimLogger2025
    from ecoplan.errors import ConfigError

    if host not in LOOPBACK:
        raise ConfigError("模拟器只连接本机回环地址（127.0.0.1）", "the simulator only connects to 127.0.0.1")
    if key is not None and (dialect != "2025" or len(key.encode("ascii", "replace")) != 16):
        raise ConfigError("--key 只用于 --dialect 2025，且应为 16 个字符",
                          "--key needs --dialect 2025 and 16 characters")
    if wire_format not in WIRE_FORMATS:
        raise ConfigError(f"--wire-format 无效：{wire_format}（{'|'.join(WIRE_FORMATS)}）",
                          f"invalid --wire-format {wire_format} ({'|'.join(WIRE_FORMATS)})")
    factory = partial(SimLogger2025, key=key.encode("ascii") if key else None,
                      wire_format=wire_format) if dialect == "2025" else None
    if kind not in sim.KINDS:
        raise ConfigError(f"--kind 无效：{kind}", f"invalid --kind {kind} (hour|minute|realtime)")
    if count is None and duration is None:
        count = 10
    hours = (count or int((duration or 10) * max(rate, 1)) + 10) + 5
    series = sim.load_hourly(from_file, stations=devices, hours=hours) if from_file else \
        sim.hourly_source(stations=devices, hours=hours)
    sims = sim.make_devices(series, devices, kind=kind, over_time=over_time, re_count=re_count,
                            pw=password, dialect=dialect, factory=factory)
    from ecoplan.console import progress

    async def run_with_progress() -> sim.SimulationResult:
        with progress() as bar:
            total = float(duration) if duration is not None else float(devices * (count or 0))
            task = bar.add_task(tr("模拟上传", "uploading"), total=total)
            job = asyncio.ensure_future(sim.simulate(host, port, sims, count=count, rate=rate,
                                                     duration=duration))
            t0 = asyncio.get_running_loop().time()
            while not job.done():
                done = (asyncio.get_running_loop().time() - t0) if duration is not None \
                    else sims[0].stats.answered + sims[0].stats.unanswered
                bar.update(task, completed=min(done, total))
                await asyncio.sleep(0.25)
            bar.update(task, completed=total)
            return job.result()

    result = asyncio.run(run_with_progress())
    data = result.as_dict()
    if as_json:
        emit_json(data)
        return
    print_table(tr("模拟结果", "Simulation"), [tr("项目", "item"), tr("值", "value")],
                list(data.items()))


# ---------------------------------------------------------------------------- gateway
def gateway(
    host: Annotated[str, typer.Option("--host", help="监听地址 / listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="监听端口 / port")] = 30024,
    duration: Annotated[float | None, typer.Option("--duration", help="运行秒数后退出（默认一直运行）/ "
                                                   "stop after seconds")] = None,
    max_rate: Annotated[float, typer.Option("--max-rate", help="每连接每秒最多包数 / packets/s per connection")] = 100.0,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", help="空闲断开秒数 / idle timeout s")] = 900.0,
    unknown: Annotated[str, typer.Option("--unknown", help="未登记设备：hold（应答并暂存）| refuse / "
                                         "unknown devices: hold | refuse")] = "hold",
    workers: Annotated[int, typer.Option("--workers", min=1, help="进程数（共享端口，SO_REUSEPORT）/ "
                                         "processes sharing the port")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """启动 HJ 212 网关（TCP 服务）/ run the HJ 212 gateway (asyncio TCP server)."""
    import multiprocessing as mp

    from ecoplan.devices.runtime import merge_stats, serve_worker
    from ecoplan.errors import ConfigError
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace

    Workspace()  # refuse early, with the usual message, when there is no workspace
    if workers > 1 and port == 0:
        raise ConfigError("多进程网关需要指定端口（--port）", "several workers need an explicit --port")
    home = str(load_settings().home)
    config = {"host": host, "port": port, "max_packets_per_second": max_rate,
              "idle_timeout": idle_timeout, "unknown_policy": unknown, "reuse_port": workers > 1}

    def started(rt) -> None:  # type: ignore[no-untyped-def]
        if rt.storage_error:
            info("注意：数据入库接口不可用，分钟/小时/日数据将暂存在隔离表中，待入库接口可用后释放。",
                 f"Note: {rt.storage_error} Minute/hour/day packets are held until it is available.")
        ok(f"HJ 212 网关监听 {host}:{rt.gateway.port}（{workers} 个进程）",
           f"HJ 212 gateway listening on {host}:{rt.gateway.port} ({workers} processes)")

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    children = [ctx.Process(target=serve_worker, args=(home, config, duration, i, out))
                for i in range(1, workers)]
    for c in children:
        c.start()
    try:
        parts = [serve_worker(home, config, duration, 0, started=started)]
        parts += [out.get(timeout=120) for _ in children]
    finally:
        for c in children:
            c.join(30)
            if c.is_alive():
                c.terminate()
    stats = parts[0] if workers == 1 else merge_stats(parts)
    if as_json:
        emit_json(stats)
    else:
        print_table(tr("网关统计", "Gateway statistics"), [tr("项目", "item"), tr("值", "value")],
                    stats_rows(stats))


# ---------------------------------------------------------------------------- devices
def _ws():  # type: ignore[no-untyped-def]
    from ecoplan.store.workspace import Workspace

    return Workspace()


@devices_app.command("list")
def devices_list(as_json: JsonOpt = False) -> None:
    """列出已登记与未登记（暂存数据）的设备 / list registered and unknown devices."""
    from ecoplan.devices import service

    ws = _ws()
    devs = service.list_devices(ws.engine)
    held = service.held_counts(ws.engine)
    rows = [dict(d.as_dict(), held_packets=held.get(mn, 0), registered=True)
            for mn, d in sorted(devs.items())]
    rows += [{"mn": mn, "registered": False, "approved": False, "held_packets": n}
             for mn, n in sorted(held.items()) if mn not in devs]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("HJ 212 设备", "HJ 212 devices"),
                ["MN", tr("类型", "type"), tr("版本", "dialect"), "CRC", tr("站点", "station"),
                 tr("企业", "enterprise"), tr("已批准", "approved"), tr("暂存包", "held")],
                [(r["mn"], r.get("device_type", ""), r.get("dialect", ""), r.get("crc_policy", ""),
                  r.get("station_code") or "", r.get("enterprise") or "",
                  "✓" if r["approved"] else ("✗" if r["registered"] else tr("未登记", "unknown")),
                  r["held_packets"]) for r in rows])


TypeOpt = Annotated[str | None, typer.Option("--type", help="air|dust|cems|wastewater|water|other")]
PwOpt = Annotated[str | None, typer.Option("--password", help="访问密码 PW / password")]
DialectOpt = Annotated[str | None, typer.Option("--dialect", help="auto|2005|2017|2025")]
CrcOpt = Annotated[str | None, typer.Option("--crc-policy", help="hj212[+modbus][+modbus-swapped] | any")]
StationOpt = Annotated[str | None, typer.Option("--station", help="所属站点编码 / station code")]
EnterpriseOpt = Annotated[str | None, typer.Option("--enterprise", help="所属企业 / enterprise")]
NameOpt = Annotated[str | None, typer.Option("--name", help="名称 / name")]


@devices_app.command("add")
def devices_add(
    mn: Annotated[str, typer.Argument(help="设备唯一标识 MN / device id")],
    device_type: TypeOpt = "other", password: PwOpt = "123456", dialect: DialectOpt = "auto",
    crc_policy: CrcOpt = "hj212", station: StationOpt = None, enterprise: EnterpriseOpt = None,
    name: NameOpt = None,
    unapproved: Annotated[bool, typer.Option("--unapproved", help="登记但暂不批准 / register only")] = False,
    as_json: JsonOpt = False,
) -> None:
    """登记设备（默认同时批准）/ register a device (approved unless --unapproved)."""
    from ecoplan.devices import service

    ws = _ws()
    rec = service.add_device(ws.engine, mn, password=password or "123456", device_type=device_type or "other",
                     dialect=dialect or "auto", crc_policy=crc_policy or "hj212",
                     station_code=station, enterprise=enterprise, name=name,
                     approved=not unapproved)
    released = service.release_held(ws, mn) if rec.approved else None
    if as_json:
        emit_json({"device": rec.as_dict(), "released": released})
        return
    ok(f"已登记设备 {mn}", f"Registered device {mn}")
    if released and (released["released"] or released["kept"]):
        _release_message(released)


def _release_message(released: dict[str, object]) -> None:
    """What releasing a device's held packets did: packets, values stored and quarantined."""
    stored, quarantined = released.get("stored", 0), released.get("quarantined", 0)
    n, kept = released.get("released", 0), released.get("kept", 0)
    text_zh = f"释放暂存报文 {n} 包：入库 {stored} 行，暂存待审 {quarantined} 行"
    text_en = f"released {n} held packets: {stored} rows stored, {quarantined} quarantined"
    if quarantined:
        from ecoplan.console import err_console

        err_console.print("[yellow]⚠[/yellow] " + tr(text_zh + "（原因见 ecoplan ingest show）",
                                                     text_en + " (reasons: ecoplan ingest show)"))
    else:
        ok(text_zh, text_en)
    if kept:
        zh = list(released.get("reasons_zh") or released.get("reasons") or [])[:3]  # type: ignore[call-overload]
        en = list(released.get("reasons") or [])[:3]  # type: ignore[call-overload]
        info(f"仍暂存 {kept} 包：{'；'.join(map(str, zh))}",
             f"{kept} packets still held: {'; '.join(map(str, en))}")


@devices_app.command("edit")
def devices_edit(
    mn: Annotated[str, typer.Argument(help="设备唯一标识 MN / device id")],
    device_type: TypeOpt = None, password: PwOpt = None, dialect: DialectOpt = None,
    crc_policy: CrcOpt = None, station: StationOpt = None, enterprise: EnterpriseOpt = None,
    name: NameOpt = None, as_json: JsonOpt = False,
) -> None:
    """修改设备信息（修改前后记入设备事件）/ edit a device (logged before/after)."""
    from ecoplan.devices import service

    rec = service.edit_device(_ws().engine, mn, device_type=device_type, password=password,
                      dialect=dialect, crc_policy=crc_policy, station_code=station,
                      enterprise=enterprise, name=name)
    if as_json:
        emit_json(rec.as_dict())
        return
    ok(f"已修改设备 {mn}", f"Edited device {mn}")


@devices_app.command("approve")
def devices_approve(
    mn: Annotated[str, typer.Argument(help="设备唯一标识 MN / device id")],
    device_type: TypeOpt = None, station: StationOpt = None, enterprise: EnterpriseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """批准设备并将其暂存报文写入数据湖 / approve a device and load its held packets."""
    from ecoplan.devices import service

    ws = _ws()
    if mn in service.list_devices(ws.engine):
        rec = service.edit_device(ws.engine, mn, approved=True, device_type=device_type,
                          station_code=station, enterprise=enterprise)
    else:
        rec = service.add_device(ws.engine, mn, device_type=device_type or "other", station_code=station,
                         enterprise=enterprise, approved=True)
    released = service.release_held(ws, mn)
    if as_json:
        emit_json({"device": rec.as_dict(), "released": released})
        return
    ok(f"已批准设备 {mn}", f"Approved {mn}")
    _release_message(released)


@devices_app.command("events")
def devices_events(
    mn: Annotated[str | None, typer.Argument(help="设备 MN（默认全部）/ device id")] = None,
    limit: Annotated[int, typer.Option("--limit", help="条数 / rows")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """设备事件日志（登记、批准、密码错误、拒收…）/ device event log."""
    from ecoplan.devices import service
    from ecoplan.i18n import get_lang
    from ecoplan.web.render import beijing
    from ecoplan.web.routes.devices import event_rows  # the device page's wording

    engine = _ws().engine
    raw = list(service.device_events(engine, mn, limit))
    if as_json:
        emit_json([{"at": e.at, "mn": e.mn, "kind": e.kind, "actor": e.actor, "peer": e.peer,
                    "detail": e.detail} for e in raw])
        return
    lang = get_lang()
    rows: list[tuple[str, str, str, str, str]] = []
    for dev in dict.fromkeys(e.mn for e in raw):
        for r in event_rows(engine, dev, lang, limit):
            rows.append((beijing(r["at"]), dev, r["kind_text"], r["actor"] or "", str(r["detail"] or "")))
    rows.sort(key=lambda r: r[0], reverse=True)
    print_table(tr("设备事件", "Device events"), [tr("时间", "at"), "MN", tr("事件", "event"),
                                                 tr("操作者", "actor"), tr("详情", "detail")],
                rows[:limit])


# ---------------------------------------------------------------------------- devices command
def _parse_params(items: list[str] | None) -> dict[str, str]:
    from ecoplan.devices import service

    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise service.CommandError(f"--param 应为 名称=值，收到 {item!r}",
                                       f"--param must be NAME=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _show_command(c) -> None:  # type: ignore[no-untyped-def]
    """One command in detail, QnRtn/ExeRtn explained (HJ 212-2017 tables 6 and 7)."""
    from ecoplan.i18n import get_lang

    d = c.as_dict()
    zh = get_lang() == "zh"
    rows = [(tr("编号", "id"), d["id"]), ("MN", d["mn"]),
            ("CN", f"{d['cn']} {d['name_zh'] if zh else d['name_en']}"),
            (tr("参数", "parameters"), ";".join(f"{k}={v}" for k, v in d["params"].items()) or "—"),
            (tr("状态", "status"), f"{d['status']}（{d['status_zh']}）" if zh
             else f"{d['status']} ({d['status_en']})"),
            ("QN", d["qn"] or ""), (tr("网关进程", "worker"), d["worker"] or ""),
            (tr("发送次数", "attempts"), d["attempts"])]
    if d["qn_rtn"] is not None:
        rows.append(("QnRtn", f"{d['qn_rtn']} {d['qn_rtn_zh'] if zh else d['qn_rtn_en']}"))
    if d["exe_rtn"] is not None:
        rows.append(("ExeRtn", f"{d['exe_rtn']} {d['exe_rtn_zh'] if zh else d['exe_rtn_en']}"))
    if d["responses"]:
        rows.append((tr("应答数据包", "data answers"), len(d["responses"])))
        for r in d["responses"][:24]:
            values = ", ".join(f"{code}={f.get('Rtd', f.get('Avg', ''))}"
                               for code, f in list(r.get("factors", {}).items())[:6])
            rows.append(("", f"{r.get('cn')} {r.get('params', {}).get('DataTime', '')} {values}"
                         .strip()))
    if d["reason"]:
        rows.append((tr("说明", "reason"), d["reason"]))
    print_table(tr(f"命令 {d['id']}", f"Command {d['id']}"), [tr("项目", "item"), tr("值", "value")],
                rows)


def _wait_for(ws, command_id: int, seconds: float):  # type: ignore[no-untyped-def]
    import time

    from ecoplan.console import progress
    from ecoplan.devices import service

    cmd = service.get_command(ws, command_id)
    deadline = time.monotonic() + seconds
    with progress() as bar:
        task = bar.add_task(tr("等待设备应答", "waiting for the device"), total=seconds)
        start = time.monotonic()
        while not cmd.finished and time.monotonic() < deadline:
            time.sleep(0.3)
            bar.update(task, completed=min(seconds, time.monotonic() - start))
            cmd = service.get_command(ws, command_id)
        bar.update(task, completed=seconds)
    return cmd


@devices_app.command("command")
def devices_command(
    mn: Annotated[str, typer.Argument(help="设备唯一标识 MN / device id")],
    cn: Annotated[str | None, typer.Argument(help="命令编码，如 1012、1062、1064、2061 / command code "
                                             "(omit with a convenience option)")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="命令参数 名称=值，可重复 / command parameter NAME=VALUE, repeatable")] = None,
    calibrate_time: Annotated[bool, typer.Option(
        "--calibrate-time", help="校时（1012，发送时的北京时间）/ set the logger clock (1012)")] = False,
    rtd_interval: Annotated[int | None, typer.Option(
        "--rtd-interval", help="设置实时数据间隔秒数（1062）/ real-time interval s (1062)")] = None,
    min_interval: Annotated[int | None, typer.Option(
        "--min-interval", help="设置分钟数据间隔（1064）/ minute-data interval min (1064)")] = None,
    hours: Annotated[tuple[str, str] | None, typer.Option(
        "--hours", help="补取小时数据 起 止，YYYYMMDDhhmmss（2061）/ request hour history FROM TO "
        "(2061)")] = None,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="等待结果的秒数（0 为只排队）/ seconds to wait for the outcome "
        "(0 = queue only)")] = 0.0,
    expires_in: Annotated[float, typer.Option(
        "--expires-in", min=1, help="设备未连接时的等待秒数 / seconds to wait for the device to be "
        "connected")] = 60.0,
    as_json: JsonOpt = False,
) -> None:
    """向已连接设备发送反控命令（经网关命令队列）/ send a command to a connected device."""
    import getpass

    from ecoplan.devices import service

    chosen: list[tuple[str, dict[str, str]]] = []
    if calibrate_time:
        chosen.append(("1012", {}))
    if rtd_interval is not None:
        chosen.append(("1062", {"RtdInterval": str(rtd_interval)}))
    if min_interval is not None:
        chosen.append(("1064", {"MinInterval": str(min_interval)}))
    if hours is not None:
        chosen.append(("2061", {"BeginTime": hours[0], "EndTime": hours[1]}))
    params = _parse_params(param)
    if cn is not None:
        chosen.append((cn, params))
    elif params and len(chosen) == 1:
        chosen[0][1].update(params)
    if len(chosen) != 1:
        raise service.CommandError(
            "请给出一个命令：CN 参数，或 --calibrate-time、--rtd-interval、--min-interval、--hours 之一",
            "give exactly one command: a CN argument or one of --calibrate-time, --rtd-interval, "
            "--min-interval, --hours")
    ws = _ws()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "cli"
    command_id = service.queue_command(ws, mn, chosen[0][0], chosen[0][1], requested_by=f"cli:{user}"[:64],
                         expires_in=expires_in)
    cmd = _wait_for(ws, command_id, wait) if wait > 0 else service.get_command(ws, command_id)
    if as_json:
        emit_json(cmd.as_dict())
    else:
        if cmd.status == "queued":
            ok(f"命令 {command_id} 已排队，网关将在设备连接时发送（devices commands 查看结果）",
               f"Command {command_id} queued; the gateway sends it while the device is connected "
               "(see `devices commands`)")
        _show_command(cmd)
    if cmd.finished and cmd.status != "ok":
        raise typer.Exit(1)


@devices_app.command("commands")
def devices_commands(
    mn: Annotated[str | None, typer.Option("--mn", help="只看该设备 / only this device")] = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="queued|sent|ok|rejected|failed|no-answer|timeout|not-connected|expired|"
        "cancelled")] = None,
    command_id: Annotated[int | None, typer.Option("--id", help="只看一条命令的详情 / one command in "
                                                   "detail")] = None,
    limit: Annotated[int, typer.Option("--limit", help="条数 / rows")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """反控命令队列与结果 / the command queue and outcomes."""
    from ecoplan.devices import service
    from ecoplan.i18n import get_lang

    ws = _ws()
    if command_id is not None:
        cmd = service.get_command(ws, command_id)
        if as_json:
            emit_json(cmd.as_dict())
        else:
            _show_command(cmd)
        return
    rows = [c.as_dict() for c in service.list_commands(ws, mn=mn, status=status, limit=limit)]
    if as_json:
        emit_json(rows)
        return
    zh = get_lang() == "zh"

    def code(r: dict[str, object], key: str) -> str:  # the words: `devices commands --id N`
        return "" if r[key] is None else str(r[key])

    print_table(tr("反控命令", "Device commands"),
                [tr("编号", "id"), "MN", "CN", tr("参数", "parameters"), tr("状态", "status"),
                 "QnRtn", "ExeRtn", tr("应答数据", "data"), tr("请求人", "by"),
                 tr("请求时间", "requested")],
                [(r["id"], r["mn"], r["cn"],
                  ";".join(f"{k}={v}" for k, v in r["params"].items()),  # type: ignore[union-attr]
                  r["status_zh"] if zh else r["status"], code(r, "qn_rtn"), code(r, "exe_rtn"),
                  len(r["responses"]), r["requested_by"],  # type: ignore[arg-type]
                  str(r["requested_at"])[:19]) for r in rows])


@devices_app.command("cancel")
def devices_cancel(
    command_id: Annotated[int, typer.Argument(help="命令编号 / command id")],
    as_json: JsonOpt = False,
) -> None:
    """取消尚在排队的命令 / cancel a command that is still queued."""
    import getpass

    from ecoplan.devices import service


    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "cli"
    cmd = service.cancel_command(_ws(), command_id, by=f"cli:{user}"[:64])
    if as_json:
        emit_json(cmd.as_dict())
        return
    ok(f"已取消命令 {command_id}", f"Cancelled command {command_id}")


# ---------------------------------------------------------------------------- bench gateway
@bench_app.command("gateway")
def bench_gateway(
    devices: Annotated[int, typer.Option("--devices", help="并发模拟设备数 / concurrent devices")] = 1000,
    duration: Annotated[float, typer.Option("--duration", help="计时秒数 / measured seconds")] = 10.0,
    workers: Annotated[int, typer.Option("--workers", help="网关进程数 / gateway processes")] = 2,
    clients: Annotated[int, typer.Option("--clients", help="模拟器进程数（1 个进程即可驱动 1000 台设备）/ simulator processes (one drives 1,000 loggers)")] = 1,
    runs: Annotated[int, typer.Option("--runs", help="重复次数（取中位数）/ runs (median)")] = 1,
    storage: Annotated[bool, typer.Option("--storage/--no-storage", help="写入数据湖 / store to the lake")] = True,
    encrypted: Annotated[bool, typer.Option("--encrypted", help="同次运行对比 HJ 212-2025 SM4 加密与不加密 / also run every logger encrypting (HJ 212-2025 SM4), side by side")] = False,
    as_json: JsonOpt = False,
) -> None:
    """HJ 212 网关负载测试（仅本机回环）/ gateway load benchmark on loopback."""
    from ecoplan.bench.device_gateway import run_benchmark

    with console.status(tr("负载测试中…", "Benchmark running…")):
        result = run_benchmark(devices=devices, duration=duration, workers=workers,
                               clients=clients, runs=runs, storage=storage, encrypted=encrypted)
    if as_json:
        emit_json(result)
        return
    if encrypted:
        cmp_ = result["comparison"]
        print_table(tr("HJ 212 网关负载：加密与不加密", "HJ 212 gateway load: encrypted vs not"),
                    [tr("项目", "item"), tr("不加密", "unencrypted"), tr("SM4 加密", "SM4 encrypted")],
                    [(k, cmp_["unencrypted"][k], cmp_["encrypted"][k]) for k in cmp_["unencrypted"]])
        return
    print_table(tr("HJ 212 网关负载", "HJ 212 gateway load"), [tr("项目", "item"), tr("值", "value")],
                [(k, v) for k, v in result.items() if k != "runs"])
