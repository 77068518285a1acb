"""Hatch build hook: compile the optional C extensions (HJ 212 codec, air daily kernel).

``ecoplan/devices/_accel.c`` (the HJ 212 codec) and ``ecoplan/standards/_air_daily_kernel.c``
(daily air-quality values on a station × day grid, :mod:`ecoplan.store.air_kernel`) are compiled with the building interpreter's own sysconfig
(compiler, flags, include directory, extension suffix). An editable install (``pip install -e``,
what ``make install`` does) gets the module next to its source; a wheel gets it packed in (and a
platform tag). When compilation fails the install still succeeds: a warning is printed and the
pure-Python codec is used (``ecoplan hj212 check --json`` reports which implementation is active;
``ECOPLAN_HJ212_ACCEL=0`` forces pure Python at run time; ``ECOPLAN_BUILD_ACCEL=0`` skips the
compilation). Without the air kernel the analytics engine computes the daily values (same
results, slower; ``ECOPLAN_AIR_KERNEL=0`` forces that at run time).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("ecoplan/devices/_accel.c")
PACKAGE_DIR = SOURCE.parent
AIR_KERNEL = Path("ecoplan/standards/_air_daily_kernel.c")
#: every extension: its source and what it is (for messages)
SOURCES = ((SOURCE, "HJ 212 C accelerator"), (AIR_KERNEL, "air daily C kernel"))


def _warn(message: str) -> None:
    line = "=" * 78
    sys.stderr.write(f"\n{line}\nWARNING (ecoplan): {message}\n"
                     "The pure-Python HJ 212 codec and the engine's daily air values will be "
                     "used (same results, slower).\n"
                     f"{line}\n")


def compile_accel(root: Path, out_dir: Path, source: Path = SOURCE) -> Path:
    """Compile ``source`` into ``out_dir``; return the module file (raises on failure)."""
    cfg = sysconfig.get_config_var
    suffix = cfg("EXT_SUFFIX") or ".so"
    target = out_dir / f"{source.stem}{suffix}"
    ldshared = shlex.split(cfg("LDSHARED") or "cc -shared")
    if os.environ.get("CC"):  # a compiler chosen by the user replaces the configured one
        ldshared = [*shlex.split(os.environ["CC"]), *ldshared[1:]]
    cmd = [*ldshared, *shlex.split(cfg("CFLAGS") or ""), *shlex.split(cfg("CCSHARED") or "-fPIC"),
           # no fused multiply-add: x * 1000 + 0.5 rounded twice, as the engines compute it
           "-ffp-contract=off",
           f"-I{sysconfig.get_paths()['include']}", str(root / source), "-o",
           str(target)]
    tmp = target.with_name(f".{target.name}.tmp")
    cmd[-1] = str(tmp)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}".strip())
    os.replace(tmp, target)  # atomic: a running process keeps the module it loaded
    return target


class AccelBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles the C extensions for the wheel target (standard and editable builds)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("ECOPLAN_BUILD_ACCEL", "").strip().lower() in ("0", "no", "false"):
            _warn("ECOPLAN_BUILD_ACCEL=0: the C extensions were not compiled.")
            return
        root = Path(self.root)
        for source, what in SOURCES:
            if (root / source).is_file():
                self._build(root, version, build_data, source, what)

    def _build(self, root: Path, version: str, build_data: dict[str, Any], source: Path,
               what: str) -> None:
        try:
            if version == "editable":
                built = compile_accel(root, root / source.parent, source)
                sys.stderr.write(f"ecoplan: compiled the {what}: {built}\n")
                return
            if not getattr(self, "_tmp", None):
                self._tmp = tempfile.mkdtemp(prefix="ecoplan-accel-")
            built = compile_accel(root, Path(self._tmp), source)
        except Exception as exc:  # noqa: BLE001 - the extensions are optional
            _warn(f"could not compile the {what} {source}:\n{exc}")
            return
        build_data["force_include"][str(built)] = str(source.parent / built.name)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        sys.stderr.write(f"ecoplan: compiled the {what} into the wheel: {built.name}\n")

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
