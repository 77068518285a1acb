"""What every demo step receives besides the workspace: a reporter and the result it fills."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: ``say(zh, en)``: prints one progress line in the user's language.
Reporter = Callable[[str, str], None]


@dataclass
class DemoResult:
    home: Path
    steps: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
