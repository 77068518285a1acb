"""The registry's target class as a number (sections whose water profile gives no verdict)."""

from __future__ import annotations

import pytest

from ecoplan.assess.site_status import target_class


@pytest.mark.parametrize("text,expected", [("III", 3), ("Ⅲ", 3), ("3", 3), ("Ⅲ类", 3),
                                           ("ii", 2), ("IV类", 4), ("劣Ⅴ", None), ("", None),
                                           (None, None), ("6", None)])
def test_target_class(text: str | None, expected: int | None) -> None:
    assert target_class(text) == expected
