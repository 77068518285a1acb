"""ecoplan — a county eco-environment protection plan as running software."""

__version__ = "0.1.0"
