"""CLI command groups, one module per capability (registered by :mod:`ecoplan.cli`).

The top layer with :mod:`ecoplan.demo` and :mod:`ecoplan.bench`: a command parses its options,
opens the workspace, calls the capability's public functions and prints the result; it holds no
rules of its own. Import convention: ``ecoplan --help`` imports every module here, so a command
module imports at module level only the light CLI helpers (typer, console, errors, i18n) and
imports the working modules inside its command functions — the one deliberate exception to the
module-level-imports rule (``tests/test_architecture.py`` checks that loading the CLI imports
no pandas, Ibis, SQLAlchemy …).
"""
