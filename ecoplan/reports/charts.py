"""Report charts (matplotlib, Noto CJK fonts from Debian ``fonts-noto-cjk``), written as PNG.

* :func:`indicator_chart` — a quantitative indicator's values by year against its target path;
* :func:`aqi_calendar` — the county town's daily AQI of a year as a month × day calendar;
* :func:`water_class_chart` — water class by month per section.

Every chart carries the demo label when it shows generated example data.
"""

from __future__ import annotations

import calendar
import warnings
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

# HJ 633 Table 2 category colours (RGB as HJ 633-2012 writes them)
AQI_COLOURS = [(50, "#00E400"), (100, "#FFFF00"), (150, "#FF7E00"), (200, "#FF0000"),
               (300, "#99004C"), (10_000, "#7E0023")]
AQI_LABELS = ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]
#: 环办〔2011〕22号 colours by water class (blue Ⅰ–Ⅱ, green Ⅲ, yellow Ⅳ, orange Ⅴ, red 劣Ⅴ)
WATER_COLOURS = {1: "#2f6fd6", 2: "#2f6fd6", 3: "#2fa84f", 4: "#f2c200", 5: "#f28c00", 6: "#d62f2f"}
WATER_LABELS = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
#: Font families with the Chinese characters, in order of preference: the Simplified Chinese
#: faces of Debian's fonts-noto-cjk (what scripts/system-deps.sh installs), then other common ones.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Droid Sans Fallback")
#: fonts-noto-cjk's files, added by path when matplotlib's font cache predates their installation
FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
NO_CJK_FONT_ZH = ("未找到中文字体（Noto Sans CJK），图表中的中文将无法显示。请运行 make system-deps，"
                  "或 sudo apt-get install fonts-noto-cjk。")
NO_CJK_FONT_EN = ("No Chinese font (Noto Sans CJK) found: Chinese text in charts cannot be drawn. "
                  "Run make system-deps, or sudo apt-get install fonts-noto-cjk.")


def cjk_font_family() -> str | None:
    """The first of :data:`CJK_FAMILIES` matplotlib knows (its font list, then the Debian font
    files added by path), or None when no Chinese font is installed."""
    from matplotlib import font_manager  # deferred: matplotlib loads only when a chart is drawn

    for attempt in range(2):
        known = {f.name for f in font_manager.fontManager.ttflist}
        for family in CJK_FAMILIES:
            if family in known:
                return family
        if attempt == 0:
            for path in FONT_FILES:
                if Path(path).exists():
                    font_manager.fontManager.addfont(path)  # every face of a .ttc
    return None


@lru_cache(maxsize=1)
def _pyplot() -> Any:
    """pyplot configured for ecoplan's charts — the one place matplotlib is set up: Agg backend,
    the CJK font first (DejaVu Sans after it for any symbol it lacks), reproducible output."""
    # deferred: matplotlib (and pyplot) load only when a chart is drawn; the backend is set first
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # deferred: imported after the backend is chosen

    family = cjk_font_family()
    if family is None:
        warnings.warn(f"{NO_CJK_FONT_ZH}\n{NO_CJK_FONT_EN}", UserWarning, stacklevel=2)
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [*([family] if family else []), "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "ecoplan"
    matplotlib.rcParams["figure.dpi"] = 130
    return plt


def _save(fig: Any, out: Path, demo_label: str | None) -> Path:
    if demo_label:
        fig.text(0.99, 0.01, demo_label, ha="right", va="bottom", fontsize=7, color="#c62828")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", metadata={"Software": None}, bbox_inches="tight")
    _pyplot().close(fig)
    return out


def indicator_chart(ax: Any, *, title: str, unit: str, years: Sequence[int],
                    values: Sequence[float | None], baseline_year: int, baseline: float | None,
                    end_year: int, target: float | None, operator: str | None,
                    is_class: bool = False) -> None:
    """Values by year (dots and line) against the linear target path and the target line."""
    xs = [y for y, v in zip(years, values, strict=True) if v is not None]
    ys = [v for v in values if v is not None]
    if baseline is not None and target is not None:
        ax.plot([baseline_year, end_year], [baseline, target], ls="--", color="#757575",
                lw=1.2, label="预期路径")
    if target is not None:
        ax.axhline(target, color="#2E7D32", lw=1, ls=":", label=f"目标 {operator or ''}"
                   f"{WATER_LABELS.get(int(target), target) if is_class else _num(target)}")
    ax.plot(xs, ys, marker="o", color="#1565C0", lw=1.8, label="实际值")
    for x, y in zip(xs, ys, strict=True):
        ax.annotate(WATER_LABELS.get(int(y), "") if is_class else _num(y), (x, y),
                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    ax.set_title(title, fontsize=9)
    ax.set_xticks(list(range(baseline_year, end_year + 1)))
    ax.tick_params(labelsize=7)
    if is_class:
        ax.set_ylim(6.5, 0.5)
        ax.set_yticks(range(1, 7))
        ax.set_yticklabels([WATER_LABELS[i] for i in range(1, 7)])
    elif unit:
        ax.set_ylabel(unit, fontsize=8)
    ax.grid(alpha=0.3)
    known = [v for v in ys if v is not None] + [v for v in (baseline, target) if v is not None]
    if not is_class and known and max(known) == min(known):
        ax.set_ylim(min(known) - 1, min(known) + 1)
    ax.legend(fontsize=6, loc="best")


def _num(x: float) -> str:
    return f"{x:g}"


def indicator_grid(panels: Sequence[Mapping[str, Any]], out: Path, *,
                   demo_label: str | None = None, per_figure: int = 6) -> list[Path]:
    """:func:`indicator_chart` panels, two columns and at most ``per_figure`` per image (so
    that each image fits a page); returns the images ``<out stem>-1.png`` …"""
    plt = _pyplot()
    files: list[Path] = []
    for start in range(0, len(panels), per_figure):
        chunk = panels[start:start + per_figure]
        rows = (len(chunk) + 1) // 2
        fig, axes = plt.subplots(rows, 2, figsize=(7.2, 2.5 * rows), squeeze=False)
        for ax, panel in zip(axes.flat, chunk, strict=False):
            indicator_chart(ax, **panel)
        for ax in list(axes.flat)[len(chunk):]:
            ax.axis("off")
        fig.tight_layout()
        files.append(_save(fig, out.with_name(f"{out.stem}-{start // per_figure + 1}.png"),
                           demo_label))
    return files


def aqi_calendar(daily: Mapping[date, int | None], year: int, out: Path, *,
                 title: str, demo_label: str | None = None) -> Path:
    """Daily AQI of ``year`` as a 12 × 31 calendar coloured by HJ 633 category."""
    from matplotlib.colors import BoundaryNorm, ListedColormap  # deferred: see _pyplot()
    from matplotlib.patches import Patch

    plt = _pyplot()
    grid = np.full((12, 31), np.nan)
    for d, v in daily.items():
        if d.year == year and v is not None:
            grid[d.month - 1, d.day - 1] = float(v)
    cmap = ListedColormap([c for _, c in AQI_COLOURS]).with_extremes(bad="#eeeeee")
    norm = BoundaryNorm([0, 50.5, 100.5, 150.5, 200.5, 300.5, 10_000], cmap.N)
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto")
    for m in range(12):
        ndays = calendar.monthrange(year, m + 1)[1]
        for dd in range(ndays, 31):
            ax.add_patch(plt.Rectangle((dd - 0.5, m - 0.5), 1, 1, color="white"))
    ax.set_yticks(range(12))
    ax.set_yticklabels([f"{m}月" for m in range(1, 13)], fontsize=7)
    ax.set_xticks(range(0, 31, 2))
    ax.set_xticklabels([str(d) for d in range(1, 32, 2)], fontsize=7)
    ax.set_xlabel("日", fontsize=8)
    ax.set_title(title, fontsize=10)
    handles = [Patch(color=c, label=lab) for (_, c), lab in zip(AQI_COLOURS, AQI_LABELS,
                                                                  strict=True)]
    handles.append(Patch(color="#eeeeee", label="无有效数据"))
    ax.legend(handles=handles, fontsize=6, ncol=7, loc="upper center",
              bbox_to_anchor=(0.5, -0.15), frameon=False)
    fig.tight_layout()
    return _save(fig, out, demo_label)


def water_class_chart(classes: Mapping[str, Mapping[str, int]], out: Path, *, title: str,
                      demo_label: str | None = None) -> Path:
    """Water class by month: one row per section (and year), one column per month."""
    from matplotlib.colors import BoundaryNorm, ListedColormap  # deferred: see _pyplot()
    from matplotlib.patches import Patch

    plt = _pyplot()
    rows = list(classes)
    grid = np.full((max(len(rows), 1), 12), np.nan)
    for i, r in enumerate(rows):
        for month, c in classes[r].items():
            m = int(str(month)[-2:])
            if c:
                grid[i, m - 1] = c
    cmap = ListedColormap([WATER_COLOURS[i] for i in range(1, 7)]).with_extremes(bad="#eeeeee")
    norm = BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5], cmap.N)
    fig, ax = plt.subplots(figsize=(7.2, 0.9 + 0.32 * max(len(rows), 1)))
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(12):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, WATER_LABELS[int(grid[i, j])], ha="center", va="center",
                        fontsize=6, color="white" if grid[i, j] in (1, 2, 6) else "black")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=7)
    ax.set_xticks(range(12))
    ax.set_xticklabels([f"{m}月" for m in range(1, 13)], fontsize=7)
    ax.set_title(title, fontsize=10)
    handles = [Patch(color=WATER_COLOURS[i], label=lab) for i, lab in
               ((1, "Ⅰ–Ⅱ类"), (3, "Ⅲ类"), (4, "Ⅳ类"), (5, "Ⅴ类"), (6, "劣Ⅴ类"))]
    ax.legend(handles=handles, fontsize=6, ncol=5, loc="upper center",
              bbox_to_anchor=(0.5, -0.12), frameon=False)
    fig.tight_layout()
    return _save(fig, out, demo_label)


def daily_aqi_bars(daily: Mapping[date, int | None], out: Path, *, title: str,
                   demo_label: str | None = None) -> Path:
    """Daily AQI of a month (or any run of days) as bars coloured by HJ 633 category; days
    without a valid AQI are marked with a grey ×."""
    plt = _pyplot()
    days = sorted(daily)
    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    for i, d in enumerate(days):
        v = daily[d]
        if v is None:
            ax.plot(i, 2, marker="x", color="#9e9e9e")
            continue
        colour = next(c for top, c in AQI_COLOURS if v <= top)
        ax.bar(i, v, color=colour, edgecolor="#555555", linewidth=0.3)
    ax.set_xticks(range(len(days)))
    ax.set_xticklabels([str(d.day) for d in days], fontsize=6)
    ax.set_xlabel("日", fontsize=8)
    ax.set_ylabel("AQI", fontsize=8)
    for y in (50, 100, 150, 200):
        ax.axhline(y, color="#bbbbbb", linewidth=0.5, linestyle="--")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, out, demo_label)
