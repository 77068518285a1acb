"""Every reason the gateway holds a packet for reads in Chinese where a Chinese user looks
(device page, `devices approve` messages); the stored reason stays the stable English one."""

from __future__ import annotations

import re

import pytest

from ecoplan.devices.service import target_reason_zh

REASONS = [
    ("unknown device", "未登记设备"),
    ("device not approved", "设备未批准"),
    ("storage unavailable", "数据湖暂不可写"),
    ("not period data", "不是时段数据"),
    ("device has no station/section code", "设备未设置站点/断面/排放口编码"),
    ("no lake dataset for 2051 from power", "数据湖没有对应的数据集（2051 from power）"),
    ("datatime: DataTime missing or invalid: '2026'", "数据时间 DataTime 缺失或无效：'2026'"),
    ("not-a-number: a34004-Avg is not a number: 'x'", "a34004-Avg 不是数值：'x'"),
    ("unit: unit kg cannot be converted", "单位 kg 无法换算"),
]


@pytest.mark.parametrize(("stored", "zh"), REASONS)
def test_hold_reason_in_chinese(stored: str, zh: str) -> None:
    assert target_reason_zh(stored) == zh
    assert re.search(r"[\u4e00-\u9fff]", target_reason_zh(stored))


def test_the_gateway_holds_only_for_reasons_that_have_words() -> None:
    """The reasons written in gateway.py and records.py are the ones above (a new one needs
    its Chinese words)."""
    from pathlib import Path

    import ecoplan.devices as pkg

    root = Path(pkg.__file__).parent
    text = (root / "gateway.py").read_text("utf-8") + (root / "records.py").read_text("utf-8")
    literal = set(re.findall(r'_hold\([^)]*?"([^"{]+)"\)', text))
    literal |= set(re.findall(r'reason="([^"]+)" if', text)) | set(
        re.findall(r'else "([^"]+)"\)', text))
    assert literal, "no hold reason found in the gateway"
    for why in literal:
        assert target_reason_zh(why) != why, why
    problems = set(re.findall(r'RowProblem\("([a-z-]+)"', text))
    assert problems == {"datatime", "not-a-number", "unit"}
