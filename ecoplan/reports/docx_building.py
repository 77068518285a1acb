"""Building blocks of ecoplan's Word documents in Chinese official-document style (GB/T 9704 page
margins, 小标宋-style title, 黑体/楷体 headings, 仿宋-style body; Noto CJK fonts so that the
LibreOffice PDF renders the same glyphs on any machine that has ``fonts-noto-cjk``).

The public API every document uses (the evaluation reports, the heavy-pollution notice …):
:func:`official_document`, :func:`paragraph`, :func:`heading`, :func:`table`, :func:`caption`,
:func:`page_break`, :func:`demo_header` and the font constants."""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ecoplan.assess.status import STATUS_COLOURS

SERIF = "Noto Serif CJK SC"   # stands in for 仿宋/小标宋
SANS = "Noto Sans CJK SC"     # stands in for 黑体
BODY_PT = 14                  # 四号 (tables are denser: 五号 10.5)
TABLE_PT = 9


def set_font(run: Any, name: str, size: float, *, bold: bool = False,
             colour: str | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


def paragraph(doc: Any, text: str, *, size: float = BODY_PT, font: str = SERIF, bold: bool = False,
              align: Any = None, indent: bool = True, colour: str | None = None,
              space_after: float = 4, style: str | None = None, keep_with_next: bool = False) -> Any:
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    pf = p.paragraph_format
    pf.space_after = Pt(space_after)
    pf.line_spacing = 1.35
    if indent:
        pf.first_line_indent = Pt(size * 2)
    pf.keep_with_next = keep_with_next
    set_font(p.add_run(text), font, size, bold=bold, colour=colour)
    return p


def heading(doc: Any, text: str, level: int) -> Any:
    style = f"Heading {level}"
    p = doc.add_paragraph(style=style)
    p.paragraph_format.space_before = Pt(10 if level == 1 else 6)
    p.paragraph_format.space_after = Pt(6)
    p.paragraph_format.keep_with_next = True
    set_font(p.add_run(text), SANS if level == 1 else SERIF, 16 if level == 1 else 15,
             bold=level != 1, colour="000000")
    return p


def shade(cell: Any, hex_rgb: str) -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_rgb)
    tcpr.append(shd)


def table(doc: Any, header: list[str], rows: list[list[Any]], *, widths: list[float] | None = None,
          status_col: int | None = None, statuses: list[str] | None = None,
          size: float = TABLE_PT) -> Any:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(header):
        c = t.rows[0].cells[i]
        c.text = ""
        set_font(c.paragraphs[0].add_run(h), SANS, size, bold=True)
        c.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        shade(c, "D9E2F3")
    trpr = t.rows[0]._tr.get_or_add_trPr()
    hdr = OxmlElement("w:tblHeader")
    hdr.set(qn("w:val"), "true")
    trpr.append(hdr)
    for ri, row in enumerate(rows):
        cells = t.add_row().cells
        for i, v in enumerate(row):
            cells[i].text = ""
            colour = None
            if status_col is not None and i == status_col and statuses:
                shade(cells[i], STATUS_COLOURS[statuses[ri]])
                colour = "FFFFFF"
            set_font(cells[i].paragraphs[0].add_run("" if v is None else str(v)), SERIF, size,
                     bold=status_col == i, colour=colour)
    # every table fits the page's text width: given widths are scaled down when they add up to
    # more, and a table without widths gets equal columns across the text width
    text_cm = text_width_cm(doc)
    cols = widths or [text_cm / len(header)] * len(header)
    if sum(cols) > text_cm:
        cols = [w * text_cm / sum(cols) for w in cols]
    t.autofit = False
    for i, w in enumerate(cols):
        t.columns[i].width = Cm(w)
    for row in t.rows:
        for i, w in enumerate(cols):
            row.cells[i].width = Cm(w)
    return t


def text_width_cm(doc: Any) -> float:
    """The width between the margins of the document's last section, in cm (rounded down to
    the millimetre so that rounding in EMU never makes a table wider)."""
    sec = doc.sections[-1]
    emu = int(sec.page_width) - int(sec.left_margin) - int(sec.right_margin)
    return int(emu / 36000) / 10


def page_number_footer(section: Any) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), SERIF, 12)
    run = p.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    set_font(run, SERIF, 12)
    set_font(p.add_run(" —"), SERIF, 12)


def demo_header(section: Any, label: str) -> None:
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run(f"【{label}——非真实监测数据，仅供演示】"), SANS, 10, bold=True, colour="C62828")


def official_document() -> Any:
    """An empty Word document in the layout of this module: A4 portrait, the official-document
    margins, the body font (:data:`SERIF`, :data:`BODY_PT`, East-Asian text included) and page
    numbers in the footer."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = SERIF
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), SERIF)
    page_number_footer(sec)
    return doc



def caption(doc: Any, text: str) -> None:
    """A figure caption: centred, sans, 11 pt."""
    paragraph(doc, text, size=11, font=SANS, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)


def page_break(doc: Any) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
