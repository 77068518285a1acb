"""Coordinates of the map's sites whose registry has no coordinate fields (enterprises,
drinking-water sources, dust sites, devices): one row per kind and code, WGS84/CGCS2000,
with where the position came from. Registries that have coordinates (air stations, sections,
groundwater points) keep them and take precedence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.store.models import Base

#: kinds of site that can be located here (the map's layers without registry coordinates)
LOCATABLE = ("enterprise", "drinking_source", "dust_site", "device")


class MapLocation(Base):
    __tablename__ = "map_locations"
    __table_args__ = (UniqueConstraint("kind", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    code: Mapped[str] = mapped_column(String(64))
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
