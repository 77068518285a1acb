"""The demo of ``make demo`` / ``ecoplan demo``: its steps (:mod:`.steps`), the generated example
series (:mod:`.air_series`) and the per-capability demo steps. Production code never imports this
package; it sits on top of every other layer (see docs/architecture.md)."""
