"""Benchmarks behind ``ecoplan bench …`` and the ``bench`` sub-commands (figures in
docs/performance.md). Production code never imports this package."""
