"""The explorer of ``notebooks/explore/explore.ipynb`` (and ``mkbidx explore``), in-process: no
kernel, no widget frontend, so nothing ever waits on a widget. Construct it, select and type as
a user would, read what it draws; and the chart of the total over the months, whose x tick
labels must not overlap at any length."""

from __future__ import annotations

import io
import re

import IPython.display
import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest
from conftest import NO_SAMPLE, SAMPLE, SAMPLE_COUNTS, requires

from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import load_inputs
from mkbidx.present import plots
from mkbidx.reports.explorer import (
    Explorer,
    check_selection,
    filter_choices,
    search_key,
    unit_choices,
    validate_explore,
)


def html_of(part) -> str:
    for name in ("_repr_html_", "to_html", "__html__"):
        if hasattr(part, name):
            return str(getattr(part, name)())
    return str(part)


def text_of(parts) -> str:
    """The visible text of what was drawn (style blocks and tags dropped)."""
    markup = "\n".join(html_of(p) for p in parts)
    markup = re.sub(r"<style[^>]*>.*?</style>", " ", markup, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def table_html(parts, uuid: str) -> str:
    """The markup of the shown table ``T_<uuid>`` (its style block and the table)."""
    markup = "\n".join(html_of(p) for p in parts)
    found = re.search(rf"<style[^>]*>(?:(?!</style>).)*#T_{uuid}_.*?</style>", markup, re.S)
    table = re.search(rf'<table id="T_{uuid}".*?</table>', markup, re.S)
    assert table, f"no table T_{uuid}"
    return (found.group(0) if found else "") + table.group(0)


def table_rows(parts, uuid: str) -> list[list[str]]:
    """The body rows (cell texts) of the shown table ``T_<uuid>``."""
    markup = table_html(parts, uuid)
    body = markup.split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture(scope="module")
def inputs():
    if not SAMPLE_COUNTS.exists():
        pytest.skip(NO_SAMPLE)  # the marks below fail on CI
    return load_inputs(SAMPLE)


@pytest.fixture
def drawn(monkeypatch):
    """What the explorer's redraw callback displays (into its Output widget), per redraw."""
    calls: list[tuple] = []
    monkeypatch.setattr(IPython.display, "display", lambda *parts, **_: calls.append(parts))
    return calls


@pytest.fixture(scope="module")
def selection(inputs):
    """The selection every ``explorer`` opens on, checked (all months scored) once."""
    return check_selection(inputs, period="2024-08", unit="02758", group="thanh_toan")


@pytest.fixture
def explorer(selection, drawn):
    return Explorer(selection)


sample = requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)


# ----------------------------------------------------------------------------- what it shows
@sample
def test_it_draws_the_preselected_unit_month_and_group(explorer, drawn):
    assert explorer.renders == 1 and len(drawn) == 1
    text = text_of(drawn[0])
    assert "Xã Tung Chung Phố, tháng 8/2024: 79,53/100 điểm, xếp hạng 15/16" in text
    assert [r[0] for r in table_rows(drawn[0], "groups")] == [
        g.name for g in explorer.methodology.groups
    ]
    metrics = table_rows(drawn[0], "metrics")
    assert metrics[0] == [
        "Tỷ lệ hồ sơ thanh toán trực tuyến",
        "0",
        "120",
        "0,00%",
        "0,00",
        "6,00",
    ]
    header = re.findall(r"<th[^>]*>(.*?)</th>", table_html(drawn[0], "metrics"))
    assert header == ["Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Điểm", "Tối đa"]
    assert len(drawn[0]) == 1  # one piece of HTML: the view changes at once, never half drawn
    assert html_of(drawn[0][0]).count('src="data:image/png;base64,') == 1  # the trend


@sample
def test_opened_on_the_data_or_on_a_checked_selection_it_draws_the_same(inputs, selection, drawn):
    from_data = Explorer(inputs, period="2024-08", unit="02758", group="thanh_toan")
    from_selection = Explorer(selection)
    assert from_selection.evaluation is selection.evaluation  # the months scored once
    assert from_data.months == from_selection.months
    assert [html_of(p) for p in drawn[0]] == [html_of(p) for p in drawn[1]]


@sample
def test_no_stray_month_label_above_the_group_table(explorer, drawn):
    """The month was a figure caption floating between the profile and the group's table."""
    markup = "\n".join(html_of(p) for p in drawn[0])
    assert "<figcaption>tháng 8/2024</figcaption>" not in markup
    texts = [text_of([p]).strip() for p in re.split(r"<(?:p|figcaption)>", markup)]
    assert "tháng 8/2024" not in texts


@sample
def test_the_unit_among_its_peers_and_its_plan_to_80(explorer, drawn):
    peers = table_rows(drawn[0], "peers")
    assert len(peers) == 16 and peers[0][:2] == ["1/16", "Xã Tả Ngải Chồ"]
    assert peers[14][:3] == ["15/16", "Xã Tung Chung Phố", "79,53"]
    bold = re.search(r"([^{}]*)\{[^}]*font-weight: bold", table_html(drawn[0], "peers"))
    assert bold and "#T_peers_row14_col1" in bold.group(1)  # the unit stands out
    text = text_of(drawn[0])
    assert "Để đạt 80 điểm: các việc cần làm" in text
    plan = table_rows(drawn[0], "gap")
    assert plan and plan[-1][-1].replace(",", ".") >= "80"  # the last step reaches the target


@sample
def test_a_unit_above_the_target_has_no_plan(explorer, drawn):
    explorer.select(unit="02785")  # Xã Lùng Vai, 85,76
    text = text_of(drawn[-1])
    assert "Đã đạt từ 80 điểm trở lên." in text
    assert 'id="T_gap"' not in html_of(drawn[-1][0])


@sample
def test_the_download_is_the_shown_tables_as_xlsx(explorer):
    data = explorer.xlsx()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Sáu nhóm",
        "Chỉ số Thanh toán trực tuyến",
        "Theo tháng",
        "Cùng cấp",
        "Đạt 80 điểm",
    ]
    metrics = pd.read_excel(io.BytesIO(data), sheet_name="Chỉ số Thanh toán trực tuyến")
    assert list(metrics.columns) == ["Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Điểm", "Tối đa"]
    assert metrics.iloc[0].tolist()[:3] == ["Tỷ lệ hồ sơ thanh toán trực tuyến", 0, 120]
    months = pd.read_excel(io.BytesIO(data), sheet_name="Theo tháng")
    assert "tháng 8/2024" in set(months["Kỳ"])
    link = explorer.download.value
    assert 'download="mkbidx-02758-2024-08-thanh_toan.xlsx"' in link
    assert 'href="data:application/vnd.openxmlformats-officedocument' in link


# ----------------------------------------------------------------------------- the picker
@sample
def test_the_picker_follows_the_hierarchy_of_the_month(explorer):
    labels = [label for label, _ in explorer.unit.options]
    codes = [code for _, code in explorer.unit.options]
    assert len(codes) == 26 == len(set(codes))  # the province, 9 districts, 16 communes
    assert labels[0] == "Tỉnh Lào Cai · 81,01"
    assert labels[1] == "\u2003Huyện Mường Khương · 88,23"  # rank 1 of the districts
    assert labels[2] == "\u2003\u2003Xã Tả Ngải Chồ · 91,59"  # its communes follow, by rank
    communes = labels[2:18]
    assert all(label.startswith("\u2003\u2003") for label in communes)
    assert "\u2003\u2003Xã Tung Chung Phố · 79,53" == communes[14]
    assert labels[18] == "\u2003Huyện Si Ma Cai · 87,99"  # then the other districts, by rank
    assert not any(re.search(r"\((\S+)\)$", label) for label in labels)  # no "Name (CODE)"


@sample
def test_only_units_with_data_in_the_month(inputs, explorer):
    table = explorer.evaluation.table
    for period in ("2024-08", "2025-07", "2026-08"):
        choices = unit_choices(table, period)
        assert {c.code for c in choices} == set(table.loc[table["period"] == period, "unit_code"])
    after = unit_choices(table, "2026-08")
    assert [c.label.strip("\u2003").split(" · ")[0] for c in after][:2] == [
        "Tỉnh Lào Cai",
        "Xã Cao Sơn",
    ]
    provinces = [c for c in after if not c.label.startswith("\u2003")]
    assert [c.code for c in provinces] == ["15", "25"]  # two provinces, by rank
    assert all(not c.label.strip().startswith("Đơn vị 0") for c in after)


@sample
def test_typing_narrows_the_list_with_or_without_diacritics(explorer, drawn):
    for typed in ("tung chung", "Tung Chung Phố", "TUNG CHUNG PHO", "pho tung", "02758"):
        explorer.search.value = typed
        assert [code for _, code in explorer.unit.options] == ["02758"], typed
        assert explorer.unit.value == "02758"  # still the chosen unit
    explorer.search.value = "xa ban"
    names = [label.split(" · ")[0].strip("\u2003") for label, _ in explorer.unit.options]
    assert names == ["Xã Bản Sen", "Xã Bản Lầu"]
    assert explorer.unit.value is None and explorer.renders == 1  # typing draws nothing
    explorer.unit.value = "02797"  # a click in the narrowed list
    assert explorer.renders == 2 and "Xã Bản Sen, tháng 8/2024" in text_of(drawn[-1])
    explorer.search.value = ""
    assert len(explorer.unit.options) == 26 and explorer.unit.value == "02797"


def test_search_key_and_filter():
    assert search_key("  Thị trấn  Mường Khương ") == "thi tran muong khuong"
    assert search_key("Đồng Đăng") == "dong dang"
    choices = unit_choices(
        pd.DataFrame(
            {
                "period": "2024-08",
                "unit_code": ["p", "a", "b"],
                "unit_name": ["Tỉnh P", "Xã Đông", "Xã Tây"],
                "level": ["province", "commune", "commune"],
                "parent_code": [None, "p", "p"],
                "total": [80.0, 70.0, 90.0],
                "rank": [1, 2, 1],
            }
        ),
        "2024-08",
    )
    assert [c.code for c in choices] == ["p", "b", "a"]
    assert [c.code for c in filter_choices(choices, "dong")] == ["a"]
    assert [c.code for c in filter_choices(choices, "")] == ["p", "b", "a"]


# ----------------------------------------------------------------------------- selecting
@sample
def test_each_selection_redraws_once_with_the_new_choice(explorer, drawn, inputs):
    group = inputs.methodology.group("tien_do")
    explorer.select(group="tien_do")
    assert explorer.renders == 2 and len(drawn) == 2
    assert group.name in text_of(drawn[-1])
    explorer.select(period="2024-07")
    assert explorer.renders == 3 and "tháng 7/2024" in text_of(drawn[-1])
    label, other = next((lab, code) for lab, code in explorer.unit.options if code != "02758")
    explorer.select(unit=other)
    assert explorer.renders == 4
    name = label.split(" · ")[0].strip("\u2003")
    assert f"{name}, tháng 7/2024" in text_of(drawn[-1])
    assert "Tung Chung Phố, " not in text_of(drawn[-1])
    assert text_of(explorer.view()) == text_of(drawn[-1])  # view() is what was drawn


@sample
def test_a_month_without_the_unit_selects_the_top_unit(explorer, drawn):
    explorer.select(period="2026-08")  # Tung Chung Phố merged on 1/7/2025
    assert explorer.renders == 2
    assert explorer.current_unit == explorer.unit.value == "15"
    assert "Tỉnh Lào Cai, tháng 8/2026" in text_of(drawn[-1])
    with pytest.raises(MkbidxError, match="02758"):
        explorer.select(unit="02758")


@sample
def test_every_switch_redraws_once_and_is_timed(explorer, drawn):
    """Every change of unit, month or group redraws once, with the new choice, and records how
    long it took (``seconds``, ``cpu_seconds``: what ``tests/benchmarks/bench_explorer.py``
    reports; no clock is asserted here)."""
    communes = [code for _, code in explorer.unit.options][2:5]
    groups = list(explorer.methodology.group_keys)
    for i, code in enumerate(communes):
        month = ["2024-07", "2024-06", "2024-05"][i]
        for change in ({"unit": code}, {"period": month}, {"group": groups[i]}):
            before = explorer.renders
            explorer.select(**change)
            assert explorer.renders == before + 1 and len(drawn) == explorer.renders
            assert explorer.seconds > 0 and explorer.cpu_seconds > 0
        assert (explorer.current_unit, explorer.period.value) == (code, month)
        assert explorer.group.value == groups[i]


@sample
def test_the_widget_holds_the_picker_the_dropdowns_the_download_and_the_output(explorer):
    import ipywidgets as widgets

    box = explorer.widget
    assert isinstance(box, widgets.VBox)
    controls, output = box.children
    picker, others = controls.children
    assert list(picker.children) == [explorer.search, explorer.unit]
    assert list(others.children) == [explorer.period, explorer.group, explorer.download]
    assert output is explorer.output
    months = [p for _, p in explorer.period.options]
    assert months[0] == max(months) and "2024-08" in months  # newest first
    assert [key for _, key in explorer.group.options] == list(explorer.methodology.group_keys)


@sample
def test_a_month_outside_the_data_selects_the_units_last_month(inputs, drawn):
    explorer = Explorer(inputs, period="2031-01", unit="02758")
    assert explorer.period.value == "2025-06"  # the commune's last month before the merger
    assert Explorer(inputs, period="2031-01").period.value == explorer.months[-1]


@sample
@pytest.mark.parametrize(
    "kwargs, column",
    [
        ({"unit": "99999"}, "unit"),
        ({"group": "nope"}, "group"),
        ({"unit": "02758", "period": "2026-08"}, "period"),
    ],
)
def test_unknown_unit_or_group_is_a_user_error(inputs, drawn, kwargs, column):
    with pytest.raises(MkbidxError) as caught:
        Explorer(inputs, **{"period": "2024-08", **kwargs})
    assert caught.value.column == column


@sample
def test_the_apps_parameters_are_checked_before_serving(tmp_path):
    chosen = validate_explore(period="", unit="", group="", data_path=str(SAMPLE))
    assert chosen.period == chosen.months[-1] and chosen.unit is None
    assert chosen.group == "cong_khai"
    with pytest.raises(MkbidxError, match="data path"):
        validate_explore(data_path=str(tmp_path / "none"))
    with pytest.raises(MkbidxError) as caught:
        validate_explore(period="2024-Q3")
    assert caught.value.column == "period"


# ----------------------------------------------------------------------------- the trend chart
@pytest.mark.parametrize("months", [12, 30, 60])
def test_the_months_labels_do_not_overlap(months):
    periods = pd.period_range("2023-01", periods=months, freq="M").strftime("%Y-%m")
    series = pd.DataFrame(
        {"period": periods, "unit_code": "02758", "unit_name": "Xã Tung Chung Phố"}
    ).assign(total=[70.0 + (i % 20) for i in range(months)])
    with plots.theme():
        ax = plots.plot_total_trend(series, title="Xã Tung Chung Phố: tổng điểm theo tháng")
        fig = ax.figure
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
        boxes = [t.get_window_extent(renderer) for t in labels]
        texts = [t.get_text() for t in labels]
        plt.close(fig)
    assert texts[0] == "1/2023" and 6 <= len(texts) <= months
    if months == 12:
        assert len(texts) == 12  # every month while they fit (the monthly report's chart)
    else:
        assert all(t.split("/")[0] in {"1", "4", "7", "10"} for t in texts)  # quarters or years
    overlaps = [
        (a, b)
        for a, b, x, y in zip(texts, texts[1:], boxes, boxes[1:], strict=False)
        if x.x1 >= y.x0
    ]
    assert overlaps == []


def test_units_whose_parents_loop_are_still_listed():
    table = pd.DataFrame(
        {
            "period": "2024-08",
            "unit_code": ["a", "b", "c"],
            "unit_name": ["Xã A", "Xã B", "Xã C"],
            "level": "commune",
            "parent_code": ["b", "a", "c"],  # a ↔ b, c its own parent
            "total": [70.0, 80.0, 90.0],
            "rank": [3, 2, 1],
        }
    )
    assert [c.code for c in unit_choices(table, "2024-08")] == ["c", "b", "a"]
