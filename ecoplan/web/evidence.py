"""Evidence files attached to department reports: size and type checked, stored by hash."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from ecoplan.errors import ValidationError
from ecoplan.store import audit
from ecoplan.store.web_models import EvidenceFile
from ecoplan.web.views import department_matches

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


CHUNK = 256 * 1024


def evidence_dir(home: Path) -> Path:
    return home / "evidence"


def _name_and_type(filename: str) -> tuple[str, str, str]:
    name = Path(filename or "").name.strip()[:200]
    ext = Path(name).suffix.lower()
    if not name or ext not in ALLOWED:
        raise ValidationError(
            f"证明材料 {name or '(无名)'} 的类型不允许；允许：{'、'.join(sorted(ALLOWED))}。",
            f"Evidence file {name or '(unnamed)'} has a type that is not allowed; allowed: "
            f"{', '.join(sorted(ALLOWED))}.",
        )
    return name, ext, ALLOWED[ext][0]


def _too_big(name: str, max_bytes: int) -> ValidationError:
    return ValidationError(
        f"证明材料 {name} 超过上限 {max_bytes // 1048576} MB。",
        f"Evidence file {name} is over the {max_bytes // 1048576} MB limit.",
    )


def check_file(filename: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """Return (safe file name, content type) or raise a located ValidationError."""
    name, ext, _ = _name_and_type(filename)
    if not data:
        raise ValidationError(f"证明材料 {name} 为空文件。", f"Evidence file {name} is empty.")
    if len(data) > max_bytes:
        raise _too_big(name, max_bytes)
    ctype, magics = ALLOWED[ext]
    if not any(data.startswith(m) for m in magics):
        raise ValidationError(
            f"证明材料 {name} 的内容与扩展名 {ext} 不符。",
            f"The content of evidence file {name} does not match its extension {ext}.",
        )
    return name, ctype


def _stream_to_disk(folder: Path, name: str, source: BinaryIO,
                    max_bytes: int) -> tuple[Path, str, int, bytes]:
    """Copy ``source`` into a temporary file in ``folder`` in chunks, hashing as it goes and
    stopping as soon as ``max_bytes`` is passed; returns (temp path, sha256, size, head)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_big(name, max_bytes)
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, digest.hexdigest(), size, head


def store(session: Session, home: Path, actor: str, filename: str, data: bytes | BinaryIO,
          max_bytes: int, entity: str, department: str | None = None) -> dict[str, Any]:
    """Check and keep one file (bytes or a file object, streamed to disk with the size limit
    applied on the fly); returns the reference stored in the report's evidence list. The file
    is addressed by a random, unguessable id (``/evidence/<public_id>``)."""
    name, ext, ctype = _name_and_type(filename)
    folder = evidence_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    source: BinaryIO = io.BytesIO(data) if isinstance(data, bytes) else data
    tmp, digest, size, head = _stream_to_disk(folder, name, source, max_bytes)
    try:
        if size == 0:
            raise ValidationError(f"证明材料 {name} 为空文件。", f"Evidence file {name} is empty.")
        if not any(head.startswith(m) for m in ALLOWED[ext][1]):
            raise ValidationError(
                f"证明材料 {name} 的内容与扩展名 {ext} 不符。",
                f"The content of evidence file {name} does not match its extension {ext}.",
            )
        target = folder / digest
        if target.exists():
            tmp.unlink()
        else:
            tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    row = EvidenceFile(sha256=digest, filename=name, content_type=ctype, size=size,
                       entity=entity, uploaded_by=actor, public_id=new_public_id(),
                       department=department)
    session.add(row)
    session.flush()
    ref = {"name": name, "uri": f"/evidence/{row.public_id}", "sha256": digest,
           "media_type": ctype, "uploaded_by": actor}
    audit.record(session, actor, "upload", "evidence", row.public_id, None, {**ref, "size": size})
    return ref


def evidence_readable(user: Any, row: EvidenceFile) -> bool:
    """Least privilege: the submitting department (and the uploader), the reviewers and
    approvers of reports, and admins may read an evidence file; nobody else."""

    if user.can("progress.review") or user.can("progress.approve") or user.can("users.manage"):
        return True
    if row.uploaded_by == user.username:
        return True
    return bool(user.department_name and row.department
                and department_matches(user.department_name, [row.department]))


def new_public_id() -> str:
    """A random id for an evidence file (128 bits, URL-safe): ids cannot be enumerated."""
    return secrets.token_urlsafe(16)
