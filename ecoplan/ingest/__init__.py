"""Monitoring data ingestion: readers, declarative validation, quarantine, atomic idempotent
loads into the lake, quality flags with history, registries and XLSX templates.

See docs/ingest.md.
"""
