"""security: evidence ids and departments, audit hash chain, account lockout, TOTP

Revision ID: 0010_security
Revises: 0005_web
Create Date: 2026-12-06

* ``evidence_files.public_id`` — a random, unguessable id (the download URL) and
  ``evidence_files.department`` — the submitting department (who may read the file);
  existing rows get a random id, their department from the uploader's account.
* ``audit_log.prev_hash`` / ``audit_log.row_hash`` — the hash chain; existing rows are chained
  in id order (``ecoplan.store.audit.row_digest``).
* ``users.failed_logins`` / ``users.locked_until`` — per-account lockout with back-off;
  ``users.totp_secret`` — the optional second factor (RFC 6238).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from ecoplan.store.audit import backfill_chain

revision = "0010_security"
down_revision = "0005_web"
branch_labels = ("security",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_files") as b:
        b.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
        b.add_column(sa.Column("department", sa.String(length=128), nullable=True))
    with op.batch_alter_table("audit_log") as b:
        b.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("users") as b:
        b.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                               server_default="0"))
        b.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))

    conn = op.get_bind()
    ev = sa.table("evidence_files", sa.column("id", sa.Integer),
                  sa.column("public_id", sa.String), sa.column("department", sa.String),
                  sa.column("uploaded_by", sa.String))
    depts = dict(conn.execute(sa.text(
        "SELECT u.username, d.name_zh FROM users u JOIN departments d "
        "ON d.id = u.department_id")).all())
    new_uri: dict[str, str] = {}
    for row_id, uploader in conn.execute(sa.select(ev.c.id, ev.c.uploaded_by)).all():
        public_id = secrets.token_urlsafe(16)
        new_uri[f"/evidence/{row_id}"] = f"/evidence/{public_id}"
        conn.execute(ev.update().where(ev.c.id == row_id).values(
            public_id=public_id, department=depts.get(uploader)))
    # references kept in the reports point at the new ids (the sequential ones stop working)
    inspector = sa.inspect(conn)
    for table in ("project_progress", "task_progress", "indicator_reports",
                  "emergency_inspections"):
        if not new_uri or not inspector.has_table(table):
            continue
        t = sa.table(table, sa.column("id", sa.Integer), sa.column("evidence", sa.JSON))
        for rid, refs in conn.execute(sa.select(t.c.id, t.c.evidence)).all():
            if not refs:
                continue
            changed = [{**r, "uri": new_uri.get(r.get("uri"), r.get("uri"))}
                       if isinstance(r, dict) else r for r in refs]
            if changed != refs:
                conn.execute(t.update().where(t.c.id == rid).values(evidence=changed))
    op.create_index("ix_evidence_files_public_id", "evidence_files", ["public_id"], unique=True)

    backfill_chain(conn)


def downgrade() -> None:
    op.drop_index("ix_evidence_files_public_id", table_name="evidence_files")
    with op.batch_alter_table("users") as b:
        b.drop_column("totp_last_step")
        b.drop_column("totp_secret")
        b.drop_column("locked_until")
        b.drop_column("failed_logins")
    with op.batch_alter_table("audit_log") as b:
        b.drop_column("row_hash")
        b.drop_column("prev_hash")
    with op.batch_alter_table("evidence_files") as b:
        b.drop_column("department")
        b.drop_column("public_id")
