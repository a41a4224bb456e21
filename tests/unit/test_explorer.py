"""The explorer of ``notebooks/explore/explore.ipynb``, in-process: no kernel, no widget frontend,
so nothing ever waits on a widget. Construct it, select as a user would, read what it draws."""

from __future__ import annotations

import re

import IPython.display
import pytest
from conftest import NO_SAMPLE, SAMPLE, SAMPLE_COUNTS, requires

from mkbidx.errors import MkbidxError

try:
    from mkbidx.reports.explorer import Explorer
except ImportError:  # until the Explorer has moved out of the monthly report (issue 9)
    from mkbidx.reports.monthly import Explorer

try:
    from mkbidx.inputs.loading import load_inputs
except ImportError:  # pragma: no cover - older layout
    from mkbidx.reports.monthly import load_inputs

pytestmark = requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)


def html_of(part) -> str:
    for name in ("_repr_html_", "to_html", "__html__"):
        if hasattr(part, name):
            return str(getattr(part, name)())
    return str(part)


def text_of(parts) -> str:
    """The visible text of what was drawn (tags dropped, entities of the headline kept)."""
    return re.sub(r"<[^>]+>", " ", "\n".join(html_of(p) for p in parts))


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SAMPLE)


@pytest.fixture
def drawn(monkeypatch):
    """What the explorer's redraw callback displays (into its Output widget), per redraw."""
    calls: list[tuple] = []
    monkeypatch.setattr(IPython.display, "display", lambda *parts, **_: calls.append(parts))
    return calls


@pytest.fixture
def explorer(inputs, drawn):
    return Explorer(inputs, period="2024-08", unit="02758", group="thanh_toan")


def test_it_draws_the_preselected_unit_month_and_group(explorer, drawn):
    assert explorer.renders == 1 and len(drawn) == 1
    text = text_of(drawn[0])
    assert "Tung Chung Phố, tháng 8/2024" in text
    assert "Tỷ lệ" in text and "Tối đa" in text  # the group's metric table
    assert sum(html_of(p).count('src="data:image/png;base64,') for p in drawn[0]) >= 2


def test_controls_offer_the_units_months_and_groups_of_the_data(explorer, inputs):
    codes = [code for _, code in explorer.unit.options]
    assert "02758" in codes and len(codes) == len(set(codes))
    months = [p for _, p in explorer.period.options]
    assert months[0] == max(months) and "2024-08" in months  # newest first
    assert [key for _, key in explorer.group.options] == list(inputs.methodology.group_keys)
    assert (explorer.unit.value, explorer.period.value, explorer.group.value) == (
        "02758",
        "2024-08",
        "thanh_toan",
    )


def test_each_selection_redraws_once_with_the_new_choice(explorer, drawn, inputs):
    group = inputs.methodology.group("tien_do")
    explorer.select(group="tien_do")
    assert explorer.renders == 2 and len(drawn) == 2
    assert group.name in text_of(drawn[-1])
    explorer.select(period="2024-07")
    assert "tháng 7/2024" in text_of(drawn[-1])
    label, other = next((lab, code) for lab, code in explorer.unit.options if code != "02758")
    explorer.select(unit=other)
    assert explorer.renders == 4
    name = label.rsplit(" (", 1)[0]
    assert f"{name}, tháng 7/2024" in text_of(drawn[-1])
    assert "Tung Chung Phố" not in text_of(drawn[-1])
    assert text_of(explorer.view()) == text_of(drawn[-1])  # view() is what was drawn


def test_the_widget_holds_the_three_dropdowns_and_the_output(explorer):
    import ipywidgets as widgets

    box = explorer.widget
    assert isinstance(box, widgets.VBox)
    controls, output = box.children
    assert list(controls.children) == [explorer.unit, explorer.period, explorer.group]
    assert output is explorer.output


def test_a_month_outside_the_data_selects_the_last_month(inputs, drawn):
    explorer = Explorer(inputs, period="2031-01", unit="02758")
    months = [p for _, p in explorer.period.options]
    assert explorer.period.value == max(months)


@pytest.mark.parametrize(
    "kwargs, column", [({"unit": "99999"}, "unit"), ({"group": "nope"}, "group")]
)
def test_unknown_unit_or_group_is_a_user_error(inputs, drawn, kwargs, column):
    with pytest.raises(MkbidxError) as caught:
        Explorer(inputs, period="2024-08", **kwargs)
    assert caught.value.column == column
