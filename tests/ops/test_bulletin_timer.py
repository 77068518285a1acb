"""`ecoplan deploy` writes the systemd timer that runs `ecoplan bulletin --due` every morning."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ecoplan.ops.deploy import DeployOptions, render_install_sh, render_units
from ecoplan.settings import load_settings
from ecoplan.store.workspace import init_workspace


def test_bulletin_timer_units(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init_workspace(home)
    settings = load_settings(home=home)
    exe = str(Path(sys.executable).parent / "ecoplan")
    opts = DeployOptions(executable=exe)
    units = render_units(settings, opts)
    svc, timer = units["ecoplan-bulletin.service"], units["ecoplan-bulletin.timer"]
    assert f"ExecStart={exe} bulletin --due --user scheduler" in svc
    assert "Type=oneshot" in svc
    assert "Unit=ecoplan-bulletin.service" in timer and "OnCalendar=*-*-* 07:00:00" in timer
    assert "ecoplan-bulletin.timer" in render_install_sh(settings, opts, units)
    if shutil.which("systemd-analyze"):
        for name in ("ecoplan-bulletin.service", "ecoplan-bulletin.timer"):
            (tmp_path / name).write_text(units[name])
        check = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "ecoplan-bulletin.timer"),
                                str(tmp_path / "ecoplan-bulletin.service")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
