"""Fault-injection points for the kill-and-rerun tests of atomic loads.

``checkpoint(name)`` does nothing unless the environment variable ``ECOPLAN_FAULT_PAUSE`` equals
``name``: then it writes the file named by ``ECOPLAN_FAULT_MARKER`` and sleeps, so that a test can
kill the process (SIGKILL) at exactly that point of a load. Points: ``staged`` (temporary files
written, nothing committed), ``committing`` (batch record committed, journal not applied),
``journal`` (in the middle of applying the journal).
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def checkpoint(name: str) -> None:
    if os.environ.get("ECOPLAN_FAULT_PAUSE") != name:
        return
    marker = os.environ.get("ECOPLAN_FAULT_MARKER")
    if marker:
        Path(marker).write_text(name, encoding="utf-8")
    time.sleep(float(os.environ.get("ECOPLAN_FAULT_SLEEP", "600")))
