"""Storage: metadata in SQL (SQLAlchemy + Alembic), measurements in a Parquet lake (Ibis)."""
