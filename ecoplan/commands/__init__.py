"""CLI command groups, one module per capability (registered by :mod:`ecoplan.cli`)."""
