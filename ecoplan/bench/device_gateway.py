"""``ecoplan bench gateway``: many simulated loggers against the gateway, on loopback only.

Gateway worker processes share one port (SO_REUSEPORT); client processes run a lean closed-loop
version of the simulator (send an upload, wait for its 9014 — checked byte for byte — send the
next). Every device has its own MN, registered and approved, and uploads distinct real hourly
measurements, so each packet is decoded, answered, deduplicated and (with ``storage``) written to
the lake through the ingestion path. Bounded in time: warm-up + ``duration`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ecoplan.devices import simulator as sim
from ecoplan.devices.crc import implementation
from ecoplan.devices.crypto import encrypt_packet
from ecoplan.devices.gateway import GatewayConfig, settle_heap, use_uvloop
from ecoplan.devices.keys import KeyVault, new_key_text
from ecoplan.devices.runtime import open_gateway
from ecoplan.settings import load_settings
from ecoplan.store.db import make_engine, session_scope
from ecoplan.store.hj212_keys_models import Hj212DeviceKey, Hj212DeviceProfile
from ecoplan.store.hj212_models import Hj212Device
from ecoplan.store.models import Station
from ecoplan.store.workspace import Workspace, init_workspace

HOST = "127.0.0.1"


def _rss_mb() -> dict[str, float]:
    out = {}
    with contextlib.suppress(OSError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _install_loop() -> str:
    return use_uvloop()


# ------------------------------------------------------------------ gateway worker
def _gateway_worker(home: str, port: int, storage: bool, ready: Any, stop: Any, out: Any,
                    go: Any, warmup: float, duration: float) -> None:
    loop_name = _install_loop()

    ws = Workspace(load_settings(home=home))
    cfg = GatewayConfig(host=HOST, port=port, reuse_port=True, max_packets_per_second=1e6,
                        burst=10**6, live_snapshot_home=None, registry_refresh=3600)
    rt = open_gateway(ws, cfg)
    rt.gateway.config.live_snapshot_home = None
    if not storage and rt.sink is not None:
        rt.sink.close()
        rt.sink = None
        rt.gateway.sink = None
    rt.gateway.hold_without_sink = False

    if storage:
        import ecoplan.ingest.pipeline  # noqa: F401 - imported before the heap is settled

    settle_heap()

    window: dict[str, float] = {}

    async def main() -> None:
        await rt.gateway.start()
        ready.set()
        while not go.is_set():
            await asyncio.sleep(0.01)
        await asyncio.sleep(warmup)
        sink = rt.sink
        window["cpu0"], window["n0"] = time.process_time(), rt.gateway.stats.packets
        window["sink0"] = sink.stats.flush_cpu_s if sink else 0.0
        window["loop0"] = time.thread_time()  # the event loop's thread: the protocol path
        await asyncio.sleep(duration)
        window["cpu1"], window["n1"] = time.process_time(), rt.gateway.stats.packets
        window["loop1"] = time.thread_time()
        window["sink1"] = sink.stats.flush_cpu_s if sink else 0.0
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await rt.gateway.stop()

    asyncio.run(main())
    t0 = time.perf_counter()
    rt.close()

    out.put({"role": "gateway", "pid": os.getpid(), "loop": loop_name,
             "codec": implementation()["implementation"],
             "stats": rt.gateway.stats.as_dict(),
             "rows_written": rt.sink.stats.rows_written if rt.sink else 0,
             "sink_failures": rt.sink.stats.failures if rt.sink else 0,
             "sink_error": rt.sink.stats.last_error if rt.sink else rt.storage_error,
             "final_flush_s": round(time.perf_counter() - t0, 2), "memory": _rss_mb(),
             "window_cpu_s": window.get("cpu1", 0) - window.get("cpu0", 0),
             "window_sink_cpu_s": window.get("sink1", 0) - window.get("sink0", 0),
             "window_loop_cpu_s": window.get("loop1", 0) - window.get("loop0", 0),
             "window_packets": window.get("n1", 0) - window.get("n0", 0)})


# ------------------------------------------------------------------ client worker
class _Client(asyncio.Protocol):
    __slots__ = ("packets", "replies", "i", "t0", "buf", "transport", "lat", "counting",
                 "answered", "bad")

    def __init__(self, packets: list[bytes], replies: list[bytes], lat: list[float]) -> None:
        self.packets, self.replies, self.lat = packets, replies, lat
        self.i = 0
        self.t0 = 0.0
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.counting = False
        self.answered = 0
        self.bad = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def start(self) -> None:
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.t0 = time.perf_counter()
        self.transport.write(self.packets[self.i % len(self.packets)])

    def data_received(self, data: bytes) -> None:
        i = self.i
        if not self.buf and data == self.replies[i % len(self.replies)]:
            # the usual case: exactly the expected reply, nothing buffered → send the next upload
            now = time.perf_counter()
            if self.counting:
                self.answered += 1
                self.lat.append(now - self.t0)
            self.i = i = i + 1
            transport = self.transport
            if transport is not None and not transport.is_closing():
                self.t0 = now
                transport.write(self.packets[i % len(self.packets)])
            return
        buf = self.buf + data
        while True:
            end = buf.find(b"\r\n")
            if end < 0:
                break
            reply, buf = buf[:end + 2], buf[end + 2:]
            if reply != self.replies[self.i % len(self.replies)]:
                self.bad += 1
                continue
            if self.counting:
                self.answered += 1
                self.lat.append(time.perf_counter() - self.t0)
            self.i += 1
            if self.transport is not None and not self.transport.is_closing():
                self._send()
        self.buf = buf


def _client_worker(port: int, first: int, n: int, per_device: int, go: Any, warmup: float,
                   duration: float, connected: Any, out: Any,
                   keys: list[str] | None = None) -> None:
    loop_name = _install_loop()

    series = sim.hourly_source(stations=min(n, 59), hours=per_device)
    devs = sim.make_devices(series, n, first_index=first)
    prepared = []
    for i, d in enumerate(devs):
        pk, rp = [], []
        for raw, expected in d.uploads():
            if keys is not None:  # HJ 212-2025: the data area under the device's SM4 key
                raw = encrypt_packet(keys[i].encode("ascii"), raw.rstrip(b"\r\n")[6:-4])
            pk.append(raw)
            rp.append(expected)
            if len(pk) >= per_device:
                break
        prepared.append((pk, rp))

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        lat: list[float] = []
        clients = [_Client(pk, rp, lat) for pk, rp in prepared]
        for c in clients:
            for attempt in range(50):
                try:
                    await loop.create_connection(lambda c=c: c, HOST, port)
                    break
                except OSError:
                    await asyncio.sleep(0.05 * (attempt + 1))
        connected.put(len([c for c in clients if c.transport is not None]))
        while not go.is_set():
            await asyncio.sleep(0.01)
        for c in clients:
            if c.transport is not None:
                c.start()
        await asyncio.sleep(warmup)
        for c in clients:
            c.counting = True
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        await asyncio.sleep(duration)
        for c in clients:
            c.counting = False
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        answered = sum(c.answered for c in clients)
        for c in clients:
            if c.transport is not None:
                c.transport.close()
        await asyncio.sleep(0.2)
        lat.sort()
        return {"role": "client", "loop": loop_name, "answered": answered, "elapsed": elapsed,
                "bad": sum(c.bad for c in clients),
                "latencies": lat[:: max(1, len(lat) // 20000)],
                "sent_total": sum(c.i for c in clients), "window_cpu_s": cpu}

    out.put(asyncio.run(main()))


# ------------------------------------------------------------------ orchestration
def _one_run(*, devices: int, duration: float, workers: int, clients: int, storage: bool,
             warmup: float = 2.0, encrypted: bool = False) -> dict[str, Any]:

    ctx = mp.get_context("spawn")
    keys: list[str] | None = None
    with tempfile.TemporaryDirectory(prefix="ecoplan-bench-hj212-") as tmp:
        home = Path(tmp) / "ws"
        init_workspace(home)
        settings = load_settings(home=home)
        engine = make_engine(settings.effective_database_url)
        with session_scope(engine) as s:
            for i in range(devices):  # one (synthetic) station per simulated logger
                s.add(Station(code=f"BENCH{i:05d}", name=f"bench {i}", network_level="micro"))
                s.add(Hj212Device(mn=sim.device_mn(i), password="123456", device_type="air",
                                  dialect="auto", crc_policy="hj212", approved=True,
                                  station_code=f"BENCH{i:05d}", code_map={}, units={}))
        if encrypted:  # every logger encrypts (policy required) under its own key
            keys = _bench_keys(engine, settings, devices)
        engine.dispose()
        port = _free_port()
        out = ctx.Queue()
        stop = ctx.Event()
        readies = [ctx.Event() for _ in range(workers)]
        go = ctx.Event()
        gws = [ctx.Process(target=_gateway_worker, args=(str(home), port, storage, r, stop, out,
                                                         go, warmup, duration))
               for r in readies]
        for p in gws:
            p.start()
        for r in readies:
            if not r.wait(60):
                raise RuntimeError("gateway worker did not start")
        per_device = int(25_000 * (duration + warmup + 2) / max(devices, 1)) + 5
        connected = ctx.Queue()
        shares = [devices // clients + (1 if i < devices % clients else 0) for i in range(clients)]
        firsts = [sum(shares[:i]) for i in range(clients)]
        cls = [ctx.Process(target=_client_worker,
                           args=(port, firsts[i], shares[i], per_device, go, warmup, duration,
                                 connected, out,
                                 keys[firsts[i]:firsts[i] + shares[i]] if keys else None))
               for i in range(clients)]
        for p in cls:
            p.start()
        n_connected = sum(connected.get(timeout=300) for _ in cls)
        go.set()
        results = [out.get(timeout=duration + warmup + 120) for _ in cls]
        stop.set()
        results += [out.get(timeout=300) for _ in gws]
        for p in cls + gws:
            p.join(30)
    cl = [r for r in results if r["role"] == "client"]
    gw = [r for r in results if r["role"] == "gateway"]
    answered = sum(r["answered"] for r in cl)
    elapsed = max(r["elapsed"] for r in cl)
    lat = sorted(x for r in cl for x in r["latencies"])

    def q(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

    gw_cpu = sum(r["window_cpu_s"] for r in gw)
    gw_pk = sum(r["window_packets"] for r in gw) or 1
    cl_cpu = sum(r["window_cpu_s"] for r in cl)
    gw_us = gw_cpu / gw_pk * 1e6
    sink_us = sum(r["window_sink_cpu_s"] for r in gw) / gw_pk * 1e6
    loop_us = sum(r["window_loop_cpu_s"] for r in gw) / gw_pk * 1e6
    cl_us = cl_cpu / max(answered, 1) * 1e6
    return {"encrypted": encrypted, "devices": devices, "connected": n_connected, "packets_per_s": round(answered / elapsed),
            "gateway_cpu_us_per_packet": round(gw_us, 1),
            "client_cpu_us_per_packet": round(cl_us, 1),
            "gateway_loop_cpu_us_per_packet": round(loop_us, 1),
            "gateway_other_threads_cpu_us_per_packet": round(gw_us - loop_us, 1),
            "gateway_storage_cpu_us_per_packet": round(sink_us, 1),
            "capacity_2_free_cores_gateway_only": round(2e6 / gw_us) if gw_us else None,
            "capacity_2_free_cores_with_clients": round(2e6 / (gw_us + cl_us)) if gw_us else None,
            "answered": answered, "bad_replies": sum(r["bad"] for r in cl),
            "latency_ms_p50": q(0.5), "latency_ms_p99": q(0.99),
            "gateway_packets": sum(r["stats"]["packets"] for r in gw),
            "gateway_rejected": {k: v for r in gw for k, v in r["stats"]["rejected"].items()},
            "gateway_rows": sum(r["stats"]["rows"] for r in gw),
            "rows_written": sum(r["rows_written"] for r in gw),
            "sink_error": next((r["sink_error"] for r in gw if r["sink_error"]), None),
            "gateway_rss_mb": [r["memory"].get("VmHWM") for r in gw],
            "loop": gw[0]["loop"] if gw else None, "codec": gw[0]["codec"] if gw else None,
            "workers": workers, "clients": clients,
            "load_average_1min_after_run": round(os.getloadavg()[0], 1)}


def _bench_keys(engine: Any, settings: Any, devices: int) -> list[str]:
    """One SM4 key per bench logger (sealed like any device key), policy ``required``."""
    vault = KeyVault(settings.secret_key.get_secret_value())
    now = datetime.now(UTC)
    keys = [new_key_text() for _ in range(devices)]
    with session_scope(engine) as s:
        for i, text in enumerate(keys):
            mn = sim.device_mn(i)
            s.add(Hj212DeviceKey(mn=mn, key_sealed=vault.seal(mn, text.encode()),
                                 fingerprint=vault.fingerprint(text.encode()), origin="operator",
                                 created_at=now, expires_at=now + timedelta(days=90),
                                 delivered_at=now))
            s.add(Hj212DeviceProfile(mn=mn, encryption="required", wire_format="raw",
                                     rotate_days=90, grace_hours=72, updated_at=now))
    return keys


def _medians(all_runs: list[dict[str, Any]]) -> dict[str, Any]:
    gw_us = statistics.median(r["gateway_cpu_us_per_packet"] for r in all_runs)
    cl_us = statistics.median(r["client_cpu_us_per_packet"] for r in all_runs)
    return {"median_packets_per_s": statistics.median(r["packets_per_s"] for r in all_runs),
            "median_latency_ms_p99": statistics.median(r["latency_ms_p99"] or 0 for r in all_runs),
            "median_gateway_cpu_us_per_packet": gw_us,
            "median_client_cpu_us_per_packet": cl_us,
            "median_gateway_loop_cpu_us_per_packet": statistics.median(
                r["gateway_loop_cpu_us_per_packet"] for r in all_runs),
            "bad_replies": sum(r["bad_replies"] for r in all_runs),
            "rejected": sum(sum(r["gateway_rejected"].values()) for r in all_runs)}


def run_benchmark(*, devices: int = 1000, duration: float = 10.0, workers: int = 2,
                  clients: int = 1, runs: int = 1, storage: bool = True,
                  encrypted: bool = False) -> dict[str, Any]:
    """Run the load test ``runs`` times; report the median packets/s and p99 latency.

    ``encrypted``: every run is done twice, unencrypted then with every logger encrypting its
    data areas (HJ 212-2025 SM4, policy ``required``), and both medians are reported side by
    side (``comparison``) — the same machine, the same minutes."""
    if encrypted:
        pairs = [(_one_run(devices=devices, duration=duration, workers=workers, clients=clients,
                           storage=storage),
                  _one_run(devices=devices, duration=duration, workers=workers, clients=clients,
                           storage=storage, encrypted=True)) for _ in range(runs)]
        plain, enc = _medians([p for p, _ in pairs]), _medians([e for _, e in pairs])
        return {"comparison": {"unencrypted": plain, "encrypted": enc,
                               "encrypted_vs_unencrypted_packets_per_s": round(
                                   enc["median_packets_per_s"] / plain["median_packets_per_s"], 3)
                               if plain["median_packets_per_s"] else None,
                               "extra_gateway_cpu_us_per_packet": round(
                                   enc["median_gateway_cpu_us_per_packet"]
                                   - plain["median_gateway_cpu_us_per_packet"], 1)},
                "devices": devices, "duration_s": duration, "runs_each": runs,
                "cpu_count": os.cpu_count(), "load_average": os.getloadavg(),
                "storage": storage, "runs": [r for pair in pairs for r in pair]}
    all_runs = [_one_run(devices=devices, duration=duration, workers=workers, clients=clients,
                         storage=storage) for _ in range(runs)]
    med = statistics.median(r["packets_per_s"] for r in all_runs)
    p99 = statistics.median(r["latency_ms_p99"] or 0 for r in all_runs)
    gw_us = statistics.median(r["gateway_cpu_us_per_packet"] for r in all_runs)
    cl_us = statistics.median(r["client_cpu_us_per_packet"] for r in all_runs)
    return {"median_packets_per_s": med, "median_latency_ms_p99": p99,
            "median_gateway_cpu_us_per_packet": gw_us,
            "median_client_cpu_us_per_packet": cl_us,
            "median_gateway_loop_cpu_us_per_packet": statistics.median(
                r["gateway_loop_cpu_us_per_packet"] for r in all_runs),
            "median_gateway_storage_cpu_us_per_packet": statistics.median(
                r["gateway_storage_cpu_us_per_packet"] for r in all_runs),
            "median_capacity_2_free_cores_with_clients": round(2e6 / (gw_us + cl_us)),
            "cpu_count": os.cpu_count(), "load_average": os.getloadavg(),
            "storage": storage, **{k: v for k, v in all_runs[-1].items()}, "runs": all_runs}
