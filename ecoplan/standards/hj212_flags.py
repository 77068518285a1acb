"""HJ 212 data flags (``-Flag``) of a value and the lake flag codes they become.

HJ 212-2017 table 8 (N normal; F M S D C T B), HJ/T 212-2005 (P, and the air-station digits of
reference §6.5). Used by the gateway and by the file readers of device long tables alike."""

from __future__ import annotations

# Data flags that mean a normal value (HJ 212-2017 table 8 "N"): the fast path takes only these.
VALID_FLAGS = frozenset({None, "", "N", "n"})


# HJ/T 212-2005 air-station flags (reference §6.5): 3 normal, 0 calibration data (= C of
# HJ 212-2017), 1 meteorological parameter, 2 abnormal data (no 2017 equivalent: kept as sent).
_FLAGS_2005 = {"3": None, "0": "hj212:C", "1": "hj212-2005:1", "2": "hj212-2005:2"}


_FLAG_MAX = 8  # the standard's flags are 1 character (C1), local extensions up to 4


def source_flag(flag: str | None, dialect: str) -> str | None:
    """The lake flag code of a value's HJ 212 data flag (``-Flag``): None for a normal value
    (N), ``hj212:<flag>`` otherwise (F M S D C T B of HJ 212-2017 table 8, 2005's P, local
    extensions such as ``Md`` verbatim); HJ/T 212-2005 air digits mapped by :data:`_FLAGS_2005`."""
    if flag is None:
        return None
    f = flag.strip()
    if f in VALID_FLAGS:
        return None
    if dialect == "2005" and f in _FLAGS_2005:
        return _FLAGS_2005[f]
    f = "".join(c for c in f[:_FLAG_MAX] if c.isprintable() and c not in ",;=&")
    if not f:
        return None
    return f"hj212:{f.upper() if len(f) == 1 else f}"


#: Lake flag codes of values that are not measurements (HJ 212-2017 table 8: F stopped, M
#: maintenance, S set value, D fault, C calibrating, B logger link abnormal; 2005 P power failure
#: and the air digit 2 abnormal data): kept with their flag, never counted by a statistic.
INVALID_SOURCE_FLAGS = frozenset({"hj212:F", "hj212:M", "hj212:S", "hj212:D", "hj212:C",
                                  "hj212:B", "hj212:P", "hj212-2005:2"})
