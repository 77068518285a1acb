"""Reading the standards' data files (``ecoplan/standards/data``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: libyaml's parser when PyYAML has it (ten times faster; the same safe constructors)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The content of a YAML data file (safe loading: plain data only)."""
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)  # noqa: S506 - a safe loader
