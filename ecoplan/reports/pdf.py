"""Word → PDF through LibreOffice headless (Debian ``libreoffice-writer-nogui``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ecoplan.reports.evaluation import ReportError

#: What to say when no PDF converter is installed (the .docx and .xlsx are written regardless).
NO_PDF_ZH = ("未找到 LibreOffice（soffice），本次未生成 PDF，Word (.docx) 与 Excel (.xlsx) 已生成。"
             "如需 PDF：运行 make system-deps，或 sudo apt-get install libreoffice-writer-nogui，"
             "然后重新生成报告。")
NO_PDF_EN = ("LibreOffice (soffice) not found: no PDF this time; the Word (.docx) and Excel (.xlsx) "
             "files are written. For PDFs run make system-deps, or sudo apt-get install "
             "libreoffice-writer-nogui, then make the report again.")


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def soffice() -> str:
    path = find_soffice()
    if path is None:
        raise ReportError(NO_PDF_ZH, NO_PDF_EN)
    return path


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
