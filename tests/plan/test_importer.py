"""plan import: the shared plan text and a generated .docx reproduce the bundled tables; bad cells
are reported with their location and kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_BREAK  # noqa: F401  (python-docx installed check)

from ecoplan.plan import Plan, bundled_plan_path, load_plan, parse_plan_text
from ecoplan.plan.importer import (
    ImportFileError,
    Table,
    import_document,
    read_text_export,
)
from ecoplan.plan.loader import PLANS_DIR

DATA = Path(__file__).resolve().parent.parent / "data" / "plan"
JIAOCHENG_TEXT = PLANS_DIR / "jiaocheng-2021-2025-eco-plan.txt"
SHARED_TEXT = Path("/work/shared/plan/jiaocheng-2021-2025-eco-plan.txt")
EXAMPLE_TEXT = DATA / "example-county-plan.txt"
EXAMPLE_YAML = DATA / "example-county-2021-2025.yaml"

# Fields that come from the tables and the indicator catalogue (including the proposed reporting
# department). name_en, notes and sections named only elsewhere in the text (北峪口) are the
# editor's additions to a draft.
TABLE_FIELDS = ("key", "number", "part", "category", "name_zh", "unit", "attribute", "direction",
                "baseline", "target")
MEASUREMENT_FIELDS = ("kind", "statistic", "river", "section_count", "sources", "stations", "points",
                      "department")


def table_view(ind: Any) -> dict[str, Any]:
    d = ind.model_dump(mode="json")
    out = {k: d[k] for k in TABLE_FIELDS}
    m = d["measurement"] or {}
    out["measurement"] = {k: m.get(k) for k in MEASUREMENT_FIELDS}
    return out


def _draft_plan(result) -> Plan:  # type: ignore[no-untyped-def]
    return parse_plan_text(result.to_yaml(), "draft.yaml")


@pytest.fixture(scope="module")
def bundled() -> Plan:
    return load_plan(bundled_plan_path("jiaocheng-2021-2025"))


@pytest.fixture(scope="module")
def text_import():  # type: ignore[no-untyped-def]
    return import_document(JIAOCHENG_TEXT, "jiaocheng-2021-2025")


def test_bundled_source_is_the_shared_text() -> None:
    if not SHARED_TEXT.exists():
        pytest.skip("shared plan text not on this machine")
    assert SHARED_TEXT.read_bytes() == JIAOCHENG_TEXT.read_bytes()


def test_text_import_round_trips(bundled: Plan, text_import) -> None:  # type: ignore[no-untyped-def]
    assert text_import.problems == []
    draft = _draft_plan(text_import)
    assert [table_view(i) for i in draft.indicators] == [table_view(i) for i in bundled.indicators]
    assert [p.model_dump() for p in draft.key_projects] == [p.model_dump() for p in bundled.key_projects]
    assert draft.total_investment() == bundled.total_investment()
    assert [c.model_dump() for c in draft.chapters] == [c.model_dump() for c in bundled.chapters]
    assert (draft.start_year, draft.end_year, draft.baseline_year) == (2021, 2025, 2020)
    assert draft.region.name_zh == "交城县"


def test_every_extracted_dated_sentence_is_a_bundled_task(bundled: Plan, text_import) -> None:  # type: ignore[no-untyped-def]
    drafted = text_import.plan["tasks"]
    assert len(drafted) >= 20
    for t in drafted:
        matches = [b for b in bundled.tasks if b.chapter == t["chapter"] and (t["text"] in b.text or b.text in t["text"])]
        assert matches, t


def _docx_from(tables: list[Table], paragraphs: list[tuple[str, str]], path: Path, *,
               merge_categories: bool = False) -> Path:
    """Write a .docx with the given headings/paragraphs and each table after its caption."""
    d = docx.Document()
    d.add_paragraph("吕梁市交城县“十四五”生态环境保护规划")
    for kind, text in paragraphs:
        d.add_paragraph(text, style="Heading 1" if kind == "h" else None)
    for t in tables:
        d.add_paragraph(t.caption)
        ncols = len(t.rows[0].cells)
        table = d.add_table(rows=len(t.rows), cols=ncols)
        for r, row in enumerate(t.rows):
            for c, cell in enumerate(row.cells):
                target = table.cell(r, c)
                lines = cell.text.split("\n")
                target.text = lines[0]
                for extra in lines[1:]:
                    target.add_paragraph(extra)
        if merge_categories:
            # merge each category cell down over the empty cells below it, as Word documents do
            r = 1
            while r < len(t.rows):
                end = r
                while end + 1 < len(t.rows) and not t.rows[end + 1].cells[0].text:
                    end += 1
                if end > r:
                    top = table.cell(r, 0)
                    keep = top.text
                    merged = top.merge(table.cell(end, 0))
                    for p in merged.paragraphs[1:]:
                        p._element.getparent().remove(p._element)
                    merged.paragraphs[0].text = ""
                    for i, line in enumerate(keep.split("\n")):
                        if i == 0:
                            merged.paragraphs[0].text = line
                        else:
                            merged.add_paragraph(line)
                r = end + 1
    d.save(str(path))
    return path


@pytest.mark.parametrize("merge", [False, True], ids=["plain", "merged-cells"])
def test_docx_of_the_same_tables_imports_identically(tmp_path: Path, bundled: Plan, text_import,  # type: ignore[no-untyped-def]
                                                     merge: bool) -> None:
    doc = read_text_export(JIAOCHENG_TEXT)
    paragraphs = [("h", "二、指导思想、原则和主要目标"), ("h", "（三）规划目标及主要指标"),
                  ("p", "到2025年，生产生活方式绿色转型成效显著。")]
    path = _docx_from(doc.tables, paragraphs, tmp_path / "plan.docx", merge_categories=merge)
    result = import_document(path, "jiaocheng-2021-2025")
    assert result.problems == []
    draft = _draft_plan(result)
    assert [table_view(i) for i in draft.indicators] == [table_view(i) for i in bundled.indicators]
    assert [p.model_dump() for p in draft.key_projects] == [p.model_dump() for p in bundled.key_projects]
    assert [t["chapter"] for t in result.plan["tasks"]] == ["2.3"]


def test_another_county_imports_to_its_plan() -> None:
    result = import_document(EXAMPLE_TEXT, "example-2021-2025")
    assert result.problems == []
    draft = _draft_plan(result)
    expected = load_plan(EXAMPLE_YAML)
    assert [table_view(i) for i in draft.indicators] == [table_view(i) for i in expected.indicators]
    assert [p.model_dump() for p in draft.key_projects] == [p.model_dump() for p in expected.key_projects]
    assert [(t.key, t.text, t.deadline) for t in draft.tasks] == [(t.key, t.text, t.deadline) for t in expected.tasks]


# ---------------------------------------------------------------- bad input


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line == needle)


def test_unreadable_cells_are_located_and_kept(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.read_text(encoding="utf-8")
    bad = (text.replace("\t≤33", "\t约33")
           .replace("\t850.5", "\t八百五十")
           .replace("\t2021-2025", "\t待定", 1)
           .replace("\t预期性\n\n\t生态保护", "\t一般\n\n\t生态保护"))
    path = tmp_path / "bad.txt"
    path.write_text(bad, encoding="utf-8")
    result = import_document(path)
    probs = {p.location.field: p for p in result.problems}
    assert set(probs) == {"表1/第1行/2025年", "表2/第2行/投资估算（万元）", "表2/第3行/实施时间", "表1/第4行/属性"}
    assert probs["表1/第1行/2025年"].location.row == _line(bad, "\t约33")
    assert probs["表1/第1行/2025年"].value == "约33"
    assert probs["表2/第2行/投资估算（万元）"].location.row == _line(bad, "\t八百五十")
    assert all(p.location.file == str(path) for p in result.problems)
    # nothing dropped: the rows are in the draft with their raw text
    ind1 = result.plan["indicators"][0]
    assert ind1["target"] == {"text": "约33", "kind": "other"}
    proj2 = result.plan["key_projects"][1]
    assert proj2["investment_wan_yuan"] is None and proj2["investment_text"] == "八百五十"
    assert result.plan["key_projects"][2]["period_text"] == "待定"
    assert len(result.plan["indicators"]) == 6 and len(result.plan["key_projects"]) == 3
    # the draft still loads, so an editor can fix it in place
    parse_plan_text(result.to_yaml(), "draft.yaml")


def test_row_with_missing_cell_is_reported(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.read_text(encoding="utf-8").replace("\t30\n\t≥31\n", "\t30\n", 1)
    path = tmp_path / "short.txt"
    path.write_text(text, encoding="utf-8")
    result = import_document(path)
    fields = [p.location.field for p in result.problems]
    assert "表1/第5行" in fields


def test_no_indicator_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("某县规划\n一、总则\n没有表格。\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as exc:
        import_document(path)
    assert exc.value.location.file == str(path)


def test_unsupported_and_broken_files(tmp_path: Path) -> None:
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(ImportFileError):
        import_document(pdf)
    broken = tmp_path / "plan.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ImportFileError) as exc:
        import_document(broken)
    assert exc.value.location.file == str(broken)


def test_docx_bad_cell_is_located(tmp_path: Path) -> None:
    doc = read_text_export(EXAMPLE_TEXT)
    doc.tables[0].rows[1].cells[4].text = "约33"
    path = _docx_from(doc.tables, [], tmp_path / "bad.docx")
    result = import_document(path)
    (problem,) = result.problems
    assert problem.location.file == str(path)
    assert problem.location.field == "表1/第1行/2025年" and problem.value == "约33"
    assert result.plan["indicators"][0]["target"] == {"text": "约33", "kind": "other"}
