"""Values of the lake's ``data_label`` provenance: what a report must say when it draws on them.

The demo's generated example series (``ecoplan.demo.air_series``) is ingested with these words in
its batch source; reports recognise it by them and label every page (GB/T 9704 header note)."""

from __future__ import annotations

DEMO_LABEL_ZH = "生成的示例数据"
DEMO_LABEL_EN = "generated example data"
DEMO_LABEL = f"{DEMO_LABEL_ZH} / {DEMO_LABEL_EN}"
