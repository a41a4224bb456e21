"""The letter's .docx layout (python-docx): rendered HTML fragments become Word paragraphs.

The letter's wording is one set of Jinja macros (``letter-parts.html.j2``) shared by the HTML
page and the .docx. This module turns the rendered fragments into paragraphs and runs (a small
HTML parser: ``<p>``, ``<th>``, ``<td>``, ``<strong>``, ``<em>``, ``<br>``, classes ``center``,
``right``, ``indent``, ``recipient``, ``gap``, ``ptNN``) and lays the document out per Nghị định
30/2020/NĐ-CP: A4 page setup, fonts, the borderless header and closing tables, and the appendix
tables. It knows nothing of the letter's facts: :func:`render_docx` takes the rendered macros,
the appendix rows and the layout (:func:`mkbidx.reports.letter.render_docx` prepares them).

python-docx is imported inside the functions that use it (it is slow to import and only the
letter needs it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

# --------------------------------------------------------------------------------------------
# HTML fragments → paragraphs
# --------------------------------------------------------------------------------------------


@dataclass
class _Run:
    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    line_break: bool = False


@dataclass
class _Para:
    classes: frozenset[str]
    runs: list[_Run]

    @property
    def text(self) -> str:
        return "".join("\n" if r.line_break else r.text for r in self.runs)


class _FragmentParser(HTMLParser):
    """Paragraphs (<p>, <th>, <td>) with their runs; whitespace collapsed as a browser does."""

    INLINE = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "u": "underline"}
    BLOCKS = {"p", "th", "td", "li", "div"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paras: list[_Para] = []
        self._current: _Para | None = None
        self._style = {"bold": 0, "italic": 0, "underline": 0}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            classes = frozenset((dict(attrs).get("class") or "").split())
            self._current = _Para(classes, [])
            self.paras.append(self._current)
        elif tag in self.INLINE:
            self._style[self.INLINE[tag]] += 1
        elif tag == "br" and self._current is not None:
            self._current.runs.append(_Run("", line_break=True))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._current = None
        elif tag in self.INLINE:
            self._style[self.INLINE[tag]] -= 1

    def handle_data(self, data: str) -> None:
        text = re.sub(r"[ \t\r\n\f]+", " ", data)
        if self._current is None or not text:
            return
        self._current.runs.append(
            _Run(text, **{k: v > 0 for k, v in self._style.items()})  # type: ignore[arg-type]
        )


def _paragraphs(fragment: str) -> list[_Para]:
    """Parse a rendered fragment; trim spaces at paragraph and line starts and ends."""
    parser = _FragmentParser()
    parser.feed(str(fragment))
    parser.close()
    for para in parser.paras:
        runs = para.runs
        at_start = True
        for i, run in enumerate(runs):
            if run.line_break:
                at_start = True
                if i > 0:
                    runs[i - 1].text = runs[i - 1].text.rstrip(" ")
                continue
            if at_start:
                run.text = run.text.lstrip(" ")
                at_start = not run.text
        if runs and not runs[-1].line_break:
            runs[-1].text = runs[-1].text.rstrip(" ")
        para.runs = [r for r in runs if r.text or r.line_break]
    return [p for p in parser.paras if p.runs or "gap" in p.classes]


def fragment_text(fragment: str) -> str:
    """Plain text of a rendered fragment, one paragraph a line (for tests and previews).

    Examples
    --------
    >>> fragment_text('<p class="center">Số:&nbsp;/UBND <strong>x &lt; y</strong></p><p>b</p>')
    'Số:\\xa0/UBND x < y\\nb'
    """
    return "\n".join(p.text for p in _paragraphs(fragment))


# --------------------------------------------------------------------------------------------
# .docx
# --------------------------------------------------------------------------------------------


A4_MM = (210, 297)
"""A4 paper, portrait (width, height) in millimetres."""


def _set_font(run: Any, font: str, size_pt: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = font
    run.font.size = Pt(size_pt)
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _size_of(classes: frozenset[str], default: float) -> float:
    for cls in classes:
        if re.fullmatch(r"pt\d{1,2}", cls):
            return float(cls[2:])
    return default


def _write_paragraphs(
    container: Any, fragment: str, layout: Mapping[str, Any], *, size: float, reuse_first: bool
) -> None:
    """Add the paragraphs of a rendered fragment to a document or a table cell."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    paras = _paragraphs(fragment)
    for i, para in enumerate(paras):
        if i == 0 and reuse_first and container.paragraphs and not container.paragraphs[0].text:
            p = container.paragraphs[0]
        else:
            p = container.add_paragraph()
        pf = p.paragraph_format
        pf.space_before = Pt(0)
        pf.space_after = Pt(0)
        pf.line_spacing = 1.0
        cls = para.classes
        if "center" in cls:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif "right" in cls:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif "indent" in cls:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            pf.first_line_indent = Mm(float(layout["first_line_indent_mm"]))
            pf.space_after = Pt(float(layout["paragraph_after_pt"]))
            pf.line_spacing = float(layout["line_spacing"])
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        if "recipient" in cls:
            text_width = A4_MM[0] - layout["margins_mm"]["left"] - layout["margins_mm"]["right"]
            pf.left_indent = Mm(text_width / 3)
        pt = _size_of(cls, size)
        if not para.runs:  # a blank line keeps its height
            _set_font(p.add_run(""), layout["font"], pt)
        for r in para.runs:
            run = p.add_run()
            if r.line_break:
                run.add_break()
            else:
                run.text = r.text
            run.bold = r.bold or None
            run.italic = r.italic or None
            run.underline = r.underline or None
            _set_font(run, layout["font"], pt)


TWIPS_PER_MM = 1440 / 25.4


def _twips(mm: float, *, up: bool = False) -> Any:
    """A length in whole twips (Word's unit): rounded, or up so a margin is never under its mm."""
    from docx.shared import Twips

    value = float(mm) * TWIPS_PER_MM
    return Twips(math.ceil(value - 1e-9) if up else round(value))


def _page(section: Any, layout: Mapping[str, Any], *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT

    width, height = A4_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width = _twips(height if landscape else width)  # A4: 11906 × 16838 twips
    section.page_height = _twips(width if landscape else height)
    margins = layout["margins_mm"]
    section.top_margin = _twips(margins["top"], up=True)
    section.bottom_margin = _twips(margins["bottom"], up=True)
    section.left_margin = _twips(margins["left"], up=True)
    section.right_margin = _twips(margins["right"], up=True)


def _text_width_mm(layout: Mapping[str, Any], *, landscape: bool) -> float:
    width = A4_MM[1] if landscape else A4_MM[0]
    return width - layout["margins_mm"]["left"] - layout["margins_mm"]["right"]


def _layout_table(table: Any, widths_mm: Sequence[float], *, borders: bool) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    edges = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if borders else "nil")
        if borders:
            el.set(qn("w:sz"), "4")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        edges.append(el)
    tbl_pr.append(edges)
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)
        for cell in col.cells:
            cell.width = Mm(width)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _appendix_table(doc: Any, parts: Any, appendix: Any, layout: Mapping[str, Any]) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    header = [p for p in _paragraphs(str(parts.appendix_header(appendix)))]
    n_groups = len(appendix.rows[0].groups) if appendix.rows else len(header) - 4
    table = doc.add_table(rows=1 + len(appendix.rows), cols=len(header))
    width = _text_width_mm(layout, landscape=True)
    fixed = {"number": 12.0, "rank": 18.0, "band": 22.0, "total": 24.0}
    group_w = 22.0
    rest = width - fixed["number"] - fixed["rank"] - fixed["total"] - n_groups * group_w
    rest -= fixed["band"] if appendix.with_band else 0
    widths = [fixed["number"], rest, *[group_w] * n_groups, fixed["total"], fixed["rank"]]
    if appendix.with_band:
        widths.append(fixed["band"])
    _layout_table(table, widths, borders=True)
    size = float(layout["table_pt"])
    font = layout["font"]
    for cell, para in zip(table.rows[0].cells, header, strict=True):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for r in para.runs:
            run = p.add_run()
            if r.line_break:
                run.add_break()
            else:
                run.text = r.text
            run.bold = True
            _set_font(run, font, size)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _repeat_header(table.rows[0])
    for row, data in zip(table.rows[1:], appendix.rows, strict=True):
        values = [data.number, data.name, *data.groups, data.total, data.rank]
        aligns = ["center", "left", *["right"] * len(data.groups), "right", "center"]
        if appendix.with_band:
            values.append(data.band)
            aligns.append("center")
        for cell, value, align in zip(row.cells, values, aligns, strict=True):
            p = cell.paragraphs[0]
            p.alignment = {
                "center": WD_ALIGN_PARAGRAPH.CENTER,
                "right": WD_ALIGN_PARAGRAPH.RIGHT,
                "left": WD_ALIGN_PARAGRAPH.LEFT,
            }[align]
            run = p.add_run(value)
            run.bold = data.highlight or None
            _set_font(run, font, size)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def render_docx(parts: Any, appendices: Sequence[Any], layout: Mapping[str, Any]) -> Any:
    """The letter as a python-docx Document, formatted per Nghị định 30/2020/NĐ-CP.

    A4 portrait, margins and fonts from the config's ``layout`` (Times New Roman 14 pt body,
    13 pt header and tables), the header as a borderless two-column table (issuing body left,
    national motto right), then the body, recipients and signature; each appendix in its own
    landscape A4 section as a bordered table whose header row repeats on every page.

    Parameters
    ----------
    parts
        The letter's wording: the template module of ``letter-parts.html.j2`` made with the
        letter's context (macros ``issuer``, ``motto``, ``number_line``, ``place_date``,
        ``recipients``, ``body``, ``cc``, ``signature``, ``appendix_heading``,
        ``appendix_header``), see :func:`mkbidx.reports.letter.render_docx`.
    appendices
        The appendix tables (``rows``, each with ``number``, ``name``, ``groups``, ``total``,
        ``rank``, ``band``, ``highlight``; ``with_band``), e.g. ``LetterFacts.appendices``.
    layout
        The config's ``layout`` mapping: ``font``, ``body_pt``, ``header_pt``, ``table_pt``,
        ``line_spacing``, ``first_line_indent_mm``, ``paragraph_after_pt`` and ``margins_mm``
        (a mapping with ``top``, ``bottom``, ``left``, ``right``).

    Returns
    -------
    docx.document.Document

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> names = ["issuer", "motto", "number_line", "place_date", "recipients", "body", "cc",
    ...          "signature"]
    >>> parts = SimpleNamespace(**{n: (lambda n=n: f"<p>{n}</p>") for n in names})
    >>> layout = {"font": "Times New Roman", "body_pt": 14, "header_pt": 13, "table_pt": 13,
    ...     "line_spacing": 1.0, "first_line_indent_mm": 10, "paragraph_after_pt": 6,
    ...     "margins_mm": {"top": 20, "bottom": 20, "left": 30, "right": 15}}
    >>> doc = render_docx(parts, [], layout)
    >>> [p.text for p in doc.paragraphs if p.text], doc.core_properties.title
    (['recipients', 'body'], 'number_line')
    """
    import docx
    from docx.enum.section import WD_SECTION
    from docx.shared import Pt

    layout = dict(layout)
    layout["margins_mm"] = dict(layout["margins_mm"])
    body_pt = float(layout["body_pt"])
    header_pt = float(layout["header_pt"])

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = layout["font"]
    normal.font.size = Pt(body_pt)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", layout["font"]
    )
    subject = _paragraphs(str(parts.number_line()))
    doc.core_properties.title = subject[-1].text if subject else ""
    doc.core_properties.author = "mkbidx"
    _page(doc.sections[0], layout, landscape=False)

    width = _text_width_mm(layout, landscape=False)
    header = doc.add_table(rows=2, cols=2)
    _layout_table(header, [width * 0.4, width * 0.6], borders=False)
    for cell, macro in zip(
        [*header.rows[0].cells, *header.rows[1].cells],
        [parts.issuer, parts.motto, parts.number_line, parts.place_date],
        strict=True,
    ):
        _write_paragraphs(cell, str(macro()), layout, size=header_pt, reuse_first=True)

    _write_paragraphs(doc, "<p class='gap'></p>", layout, size=body_pt, reuse_first=False)
    _write_paragraphs(doc, str(parts.recipients()), layout, size=body_pt, reuse_first=False)
    _write_paragraphs(doc, "<p class='gap'></p>", layout, size=body_pt, reuse_first=False)
    _write_paragraphs(doc, str(parts.body()), layout, size=body_pt, reuse_first=False)

    closing = doc.add_table(rows=1, cols=2)
    _layout_table(closing, [width * 0.45, width * 0.55], borders=False)
    _write_paragraphs(closing.cell(0, 0), str(parts.cc()), layout, size=body_pt, reuse_first=True)
    _write_paragraphs(
        closing.cell(0, 1), str(parts.signature()), layout, size=body_pt, reuse_first=True
    )

    for appendix in appendices:
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section, layout, landscape=True)
        heading = str(parts.appendix_heading(appendix))
        _write_paragraphs(doc, heading, layout, size=body_pt, reuse_first=False)
        _write_paragraphs(doc, "<p class='gap pt13'></p>", layout, size=body_pt, reuse_first=False)
        _appendix_table(doc, parts, appendix, layout)
    return doc
