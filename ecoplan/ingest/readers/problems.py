"""A located problem found while reading or validating an input file."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ecoplan.errors import Location


@dataclass
class Problem:
    """One thing wrong in an input file: where (file, row, field), what value, why (zh + en).

    ``frame_index`` is the position of the affected row in the reader's DataFrame; a problem
    without one (``whole_row=True``) is a line that produced no row at all (e.g. truncated) and
    counts as one read-and-quarantined row on its own.
    """

    file: str
    row: int | None
    field: str | None
    value: str | None
    zh: str
    en: str
    whole_row: bool = False
    frame_index: int | None = None
    code: str = "invalid"
    #: the canonical value column a value-level problem is about (``pm25`` …): only that value
    #: is quarantined, not the other values of its row
    parameter: str | None = None

    @property
    def location(self) -> Location:
        return Location(self.file, self.row, self.field)

    def reason(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def message(self, lang: str = "zh") -> str:
        where = self.location.describe(lang)
        text = self.reason(lang)
        return f"{where}：{text}" if lang == "zh" else f"{where}: {text}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProblemList(list[Problem]):
    """The problems of a frame, kept in ``frame.attrs``.

    pandas deep-copies ``attrs`` into every derived object (each column access); this list is
    shared instead of copied, so long problem lists cost nothing per access.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> ProblemList:
        return self


class SharedMapping(dict[Any, Any]):
    """A mapping kept in ``frame.attrs`` without being deep-copied (see :class:`ProblemList`)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedMapping:
        return self
