"""Evidence files attached to department reports: size and type checked, stored by hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ecoplan.errors import ValidationError
from ecoplan.store import audit
from ecoplan.store.web_models import EvidenceFile

# extension → (content type, leading bytes that a real file of that type starts with)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              (b"PK\x03\x04",)),
}


def evidence_dir(home: Path) -> Path:
    return home / "evidence"


def check_file(filename: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """Return (safe file name, content type) or raise a located ValidationError."""
    name = Path(filename or "").name.strip()[:200]
    ext = Path(name).suffix.lower()
    if not name or ext not in ALLOWED:
        raise ValidationError(
            f"证明材料 {name or '(无名)'} 的类型不允许；允许：{'、'.join(sorted(ALLOWED))}。",
            f"Evidence file {name or '(unnamed)'} has a type that is not allowed; allowed: "
            f"{', '.join(sorted(ALLOWED))}.",
        )
    if not data:
        raise ValidationError(f"证明材料 {name} 为空文件。", f"Evidence file {name} is empty.")
    if len(data) > max_bytes:
        raise ValidationError(
            f"证明材料 {name} 为 {len(data) / 1048576:.1f} MB，超过上限 {max_bytes // 1048576} MB。",
            f"Evidence file {name} is {len(data) / 1048576:.1f} MB, over the "
            f"{max_bytes // 1048576} MB limit.",
        )
    ctype, magics = ALLOWED[ext]
    if not any(data.startswith(m) for m in magics):
        raise ValidationError(
            f"证明材料 {name} 的内容与扩展名 {ext} 不符。",
            f"The content of evidence file {name} does not match its extension {ext}.",
        )
    return name, ctype


def store(session: Session, home: Path, actor: str, filename: str, data: bytes,
          max_bytes: int, entity: str) -> dict[str, Any]:
    """Check and keep one file; returns the reference stored in the report's evidence list."""
    name, ctype = check_file(filename, data, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    folder = evidence_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        tmp = folder / f".tmp-{digest}"
        tmp.write_bytes(data)
        tmp.replace(target)
    row = EvidenceFile(sha256=digest, filename=name, content_type=ctype, size=len(data),
                       entity=entity, uploaded_by=actor)
    session.add(row)
    session.flush()
    ref = {"name": name, "uri": f"/evidence/{row.id}", "sha256": digest, "media_type": ctype,
           "uploaded_by": actor}
    audit.record(session, actor, "upload", "evidence", row.id, None, {**ref, "size": len(data)})
    return ref
