"""Registry rows of the supervision registries (risk sources, hazardous waste, radiation):
one way to add or update a row keyed by its code, with the change in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ecoplan.store import audit


def upsert(session: Session, obj: Any, cls: type, key: dict[str, Any], values: dict[str, Any],
           actor: str, action: str, entity: str, ident: str) -> tuple[Any, bool]:
    """Add ``cls(**key, **values)`` when ``obj`` is None, else set the changed ``values`` on
    ``obj``; audited as ``<action>.add`` / ``<action>.update`` of ``entity`` ``ident``. Returns the
    row and whether anything changed (a repeated import changes nothing)."""
    if obj is None:
        obj = cls(**key, **values)
        session.add(obj)
        audit.record(session, actor, f"{action}.add", entity, ident, after=values)
        return obj, True
    before = {k: getattr(obj, k) for k in values}
    if before == values:
        return obj, False
    for k, v in values.items():
        setattr(obj, k, v)
    audit.record(session, actor, f"{action}.update", entity, ident, before=before, after=values)
    return obj, True
