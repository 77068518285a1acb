"""Readers turn monitoring files into canonical frames plus located problems.

* :mod:`ecoplan.ingest.readers.air` — hourly air station data (CNEMC china_sites, CNEMC live
  snapshots, the canonical hourly table as CSV/Parquet).
* :mod:`ecoplan.ingest.readers.water` — surface-water and groundwater long tables.
"""

from __future__ import annotations

from ecoplan.ingest.readers.air import (
    AIR_COLUMNS,
    POLLUTANTS,
    PUBLISHED_COLUMNS,
    read_air_file,
    read_air_folder,
)
from ecoplan.ingest.readers.problems import Problem

__all__ = ["AIR_COLUMNS", "POLLUTANTS", "PUBLISHED_COLUMNS", "Problem", "read_air_file",
           "read_air_folder"]
