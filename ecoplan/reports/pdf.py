"""Word → PDF through LibreOffice headless (Debian ``libreoffice-writer-nogui``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ecoplan.reports.evaluation import ReportError


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise ReportError("未找到 LibreOffice（soffice），无法生成 PDF；请安装 Debian 软件包 "
                      "libreoffice-writer-nogui。",
                      "LibreOffice (soffice) not found, cannot make a PDF; install the Debian "
                      "package libreoffice-writer-nogui.")


def docx_to_pdf(docx: Path, out: Path, *, timeout: int = 240) -> Path:
    """Convert ``docx`` to ``out`` (.pdf) with ``soffice --headless --convert-to pdf``."""
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="ecoplan-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", tmp, str(docx)]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"LibreOffice 转换超时（{timeout} 秒）",
                              f"LibreOffice conversion timed out ({timeout} s)") from exc
        produced = Path(tmp) / (docx.stem + ".pdf")
        if proc.returncode != 0 or not produced.exists():
            raise ReportError(f"LibreOffice 转换失败：{proc.stderr.strip()[:300]}",
                              f"LibreOffice conversion failed: {proc.stderr.strip()[:300]}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), out)
    return out
