"""The national real-time automatic-station classes reproduced from the shared snapshots."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ecoplan.ingest.readers.water import read_cnemc_snapshot, read_cnemc_station_csv
from ecoplan.sample_data import SAMPLE_DIR, sample_path
from ecoplan.standards.surface_water import LABEL_TO_CLASS, classify_item
from ecoplan.standards.water_realtime import classify_realtime

DATA = Path(__file__).parent.parent / "data" / "water"
CLASSES = {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"}


def _waterbodies() -> dict[tuple[str, str], str]:
    wb = pd.read_csv(sample_path("water", "cnemc_station_waterbody.csv"))
    return {(r.province, r.station): ("lake" if r.waterbody == "lake" else "river")
            for r in wb.itertuples()}


def _with_waterbody(frame: pd.DataFrame) -> pd.DataFrame:
    wbs = _waterbodies()
    frame["waterbody"] = [wbs.get((p, s), "river") for p, s in zip(frame.province, frame.site,
                                                                   strict=True)]
    return frame


@pytest.mark.parametrize("name", ["2020-06-15.json", "2020-09-15.json"])
def test_snapshot_classes_reproduced(name: str) -> None:
    frame, problems = read_cnemc_snapshot(sample_path("water", "cnemc_realtime", name))
    assert problems == [] and len(frame) == 98
    frame = _with_waterbody(frame)
    res = classify_realtime(frame)
    published = frame["published_class"]
    mask = published.isin(CLASSES)
    assert mask.sum() > 55
    expected = published[mask].map(LABEL_TO_CLASS)
    misses = frame.loc[mask][expected != res.loc[mask, "water_class"]]
    assert misses.empty, misses[["site", "published_class"]]


def test_unrounded_value_decides_not_the_display() -> None:
    frame, _ = read_cnemc_snapshot(sample_path("water", "cnemc_realtime", "2020-06-15.json"))
    row = frame[frame.site == "古北口"].iloc[0]
    assert row["nh3_n"] == 0.26 and row["shown_nh3_n"] == "0.260"
    assert row["ph"] == 7.23581 and row["do"] == 7.89093 and row["city"] == "密云区" and row["river"] == "潮河"


def test_station_csvs_reproduced_and_every_miss_explained() -> None:
    with (DATA / "realtime_station_csv_misses.csv").open(encoding="utf-8") as fh:
        listed = {(r["file"], r["site"], r["time"]): r
                  for r in csv.DictReader(line for line in fh if not line.startswith("#"))}
    total = hit = 0
    seen = set()
    for path in sorted((SAMPLE_DIR / "water" / "cnemc_station_csv").rglob("*.csv")):
        frame, _ = read_cnemc_station_csv(path)
        frame = _with_waterbody(frame)
        res = classify_realtime(frame)
        rel = str(path.relative_to(SAMPLE_DIR))
        for i in frame.index:
            pub = frame.published_class[i]
            if pub not in CLASSES:
                continue
            total += 1
            if LABEL_TO_CLASS[pub] == res.water_class[i]:
                hit += 1
                continue
            key = (rel, frame.site[i], frame.time_text[i])
            assert key in listed, f"unexplained miss {key}"
            seen.add(key)
            why = listed[key]["explanation"]
            if why == "stale_previous_class":
                assert res.label[i - 1] == pub
            else:
                assert why == "rounded_at_limit"
                on_limit = [c for c in ("ph", "do", "codmn", "nh3_n", "tp")
                            if classify_item(c, [frame.at[i, c]], frame.waterbody[i])[0]
                            != classify_item(c, [frame.at[i, c] * (1 + 1e-6)],
                                             frame.waterbody[i])[0]]
                assert on_limit
    assert seen == set(listed)
    assert total == 1226 and hit == 1201
