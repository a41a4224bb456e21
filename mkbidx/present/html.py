"""HTML pieces: one Jinja environment over the template files in ``present/templates/``.

Every piece of markup mkbidx shows (report headlines, figures, lists, tables, the page around an
exported notebook, the index of reports, the letter) is a template file rendered with
autoescape, so text from the data (unit names, notes) is always escaped.

>>> from mkbidx.present import html
>>> str(html.paragraphs_html(["<b>Xã A</b> đạt 80,00 điểm"]))
'<div class="mkbidx-text"><p>&lt;b&gt;Xã A&lt;/b&gt; đạt 80,00 điểm</p></div>'
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

SNIPPETS = "html"
"""Folder (under ``present/templates``) of the report pieces, the page and the index."""


@dataclass(frozen=True)
class Html:
    """Markup shown as HTML by Jupyter (built from escaped templates only)."""

    markup: str

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:  # the notebook's text/plain: short, the HTML is the content
        return f"<Html, {len(self.markup)} characters>"


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment of every template (autoescape, undefined names are errors)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mkbidx.present", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _render_file(name: str, **values: Any) -> str:
    """Render ``templates/html/<name>``; the file's final newline is not part of the output."""
    return environment().get_template(f"{SNIPPETS}/{name}").render(**values).removesuffix("\n")


def render(name: str, **values: Any) -> Html:
    """Render the snippet ``templates/html/<name>.html.j2``."""
    return Html(_render_file(f"{name}.html.j2", **values))


def warm() -> None:
    """Compile the snippets now (a report's first display should not pay for it)."""
    for name in ("monthly-headline", "figure", "paragraphs", "list", "letter-links", "sources"):
        environment().get_template(f"{SNIPPETS}/{name}.html.j2")


@cache
def page_css() -> str:
    """The stylesheet of every page mkbidx writes."""
    return (
        resources.files("mkbidx.present")
        .joinpath("templates", SNIPPETS, "page.css")
        .read_text("utf-8")
    )


def page(body: str, *, title: str, version: str, methodology: str) -> str:
    """A whole self-contained page around already-escaped ``body`` markup."""
    return _render_file(
        "page.html.j2",
        title=title,
        body=Markup(body),
        css=Markup(page_css()),
        version=version,
        methodology=methodology,
    )


def index_page(scopes: Sequence[Any], *, version: str) -> str:
    """The index of every report folder (``outputs/index.html``)."""
    return _render_file(
        "index.html.j2", scopes=list(scopes), css=Markup(page_css()), version=version
    )


def figure_html(png: bytes, *, alt: str, caption: str) -> Html:
    """An embedded PNG (base64 data URI) with its alternative text and caption, escaped."""
    return render("figure", data=base64.b64encode(png).decode("ascii"), alt=alt, caption=caption)


def paragraphs_html(paragraphs: Sequence[str]) -> Html:
    """Paragraphs of plain text, escaped."""
    return render("paragraphs", paragraphs=list(paragraphs))


def list_html(items: Sequence[str], *, intro: str = "") -> Html:
    """A bulleted list with an optional introduction, escaped."""
    return render("list", intro=intro, items=list(items))


def table_html(styler: Any, uuid: str, *, intro: str = "", note: str = "") -> Html:
    """A pandas Styler as a scrollable table with an optional introduction and note."""
    table = Markup(styler.set_uuid(uuid).to_html())
    return render("table", table=table, intro=intro, note=note)
