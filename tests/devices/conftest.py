"""Shared helpers of the HJ 212 tests: the bundled real packets with their expect= tags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ecoplan.devices.codec import iter_packet_lines
from ecoplan.sample_data import sample_path


@dataclass(frozen=True)
class OraclePacket:
    line: int
    raw: bytes
    expect: str
    comment: str


def oracle_packets() -> list[OraclePacket]:
    data = sample_path("hj212", "packets.txt").read_bytes()
    lines = data.split(b"\n")
    out = []
    for n, raw in iter_packet_lines(data):
        comment = lines[n - 2].decode("utf-8")
        m = re.search(r"expect=([a-z0-9-]+)", comment)
        assert m, f"packet on line {n} has no expect= tag"
        out.append(OraclePacket(n, raw, m.group(1), comment))
    return out


ORACLE = oracle_packets()


HOST = "127.0.0.1"


class Collected:
    """The writer boundary of the sink: frames handed to the ingestion path, kept for checks."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, Any]] = []

    def __call__(self, dataset: str, frame: Any, source: str, source_hash: str) -> None:
        self.frames.append((dataset, frame))

    @property
    def rows(self) -> int:
        return sum(len(f) for _, f in self.frames)


@st.composite
def mutated_packets(draw: st.DrawFn, seeds: Sequence[bytes], inserts: Sequence[bytes],
                    min_ops: int = 1, max_ops: int = 6) -> bytes:
    """One of ``seeds`` damaged by up to ``max_ops`` edits: a byte flipped, one of ``inserts``
    inserted, bytes deleted, the tail cut off, or a run duplicated (the fuzzers' one mutation
    strategy, for the 2017 codec and the 2025 encrypted packets)."""
    raw = bytearray(draw(st.sampled_from(list(seeds))))
    for _ in range(draw(st.integers(min_ops, max_ops))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]))
        i = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[i] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[i:i] = draw(st.sampled_from(list(inserts)))
        elif op == "delete" and raw:
            del raw[i:i + draw(st.integers(1, 8))]
        elif op == "truncate":
            del raw[i:]
        elif op == "dup":
            raw[i:i] = raw[i:i + draw(st.integers(1, 20))]
    return bytes(raw)
