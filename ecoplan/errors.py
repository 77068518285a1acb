"""One exception hierarchy for ecoplan (like pint's ``PintError``).

Every error a user can cause derives from :class:`EcoplanError` and carries its message in
Chinese and English plus, where known, the location (file, row, field). The CLI prints it as
one paragraph and exits with code 1; anything else is an internal error (exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem was found: a file, and optionally a line/row and a field/column."""

    file: str | None = None
    row: int | None = None
    field: str | None = None

    def describe(self, lang: str) -> str:
        parts: list[str] = []
        if lang == "zh":
            if self.file:
                parts.append(f"文件 {self.file}")
            if self.row is not None:
                parts.append(f"第 {self.row} 行")
            if self.field:
                parts.append(f"字段 {self.field}")
            return "，".join(parts)
        if self.file:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)


class EcoplanError(Exception):
    """Base class of every error ecoplan raises on purpose."""

    def __init__(self, zh: str, en: str | None = None, *, location: Location | None = None,
                 hint_zh: str | None = None, hint_en: str | None = None) -> None:
        self.zh = zh
        self.en = en if en is not None else zh
        self.location = location
        self.hint_zh = hint_zh
        self.hint_en = hint_en
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        text = self.zh if lang == "zh" else self.en
        if self.location is not None:
            where = self.location.describe(lang)
            if where:
                text = f"{where}：{text}" if lang == "zh" else f"{where}: {text}"
        hint = self.hint_zh if lang == "zh" else self.hint_en
        if hint:
            text = f"{text}（{hint}）" if lang == "zh" else f"{text} ({hint})"
        return text

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message("en")


class ConfigError(EcoplanError):
    """A setting is missing, malformed or unsafe."""


class InsecureSecretError(ConfigError):
    """The web server was asked to start with the default or an empty secret key."""


class DatabaseError(EcoplanError):
    """The metadata database cannot be reached or is not at the expected schema."""


class SchemaTooNewError(DatabaseError):
    """The database carries a schema revision this ecoplan does not know (made by a newer one)."""


class BackupError(EcoplanError):
    """A backup cannot be written, or an archive is damaged, incomplete or not ecoplan's."""


class WorkspaceError(EcoplanError):
    """The workspace directory is missing, not initialised or not writable."""


class InputFileError(EcoplanError):
    """An input file cannot be read or does not have the expected structure."""


class ValidationError(EcoplanError):
    """A value in the input breaks a rule (unit, range, type, unknown code …)."""


class PlanError(EcoplanError):
    """A plan file or plan entity is invalid."""


class StandardError(EcoplanError):
    """A value cannot be evaluated under a national standard (e.g. out of its table)."""


class LakeError(EcoplanError):
    """The measurement lake is missing a dataset or a write failed."""
