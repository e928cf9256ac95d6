"""KIM statistics: counting per Berlin month, suppression of small numbers (also against a
reader who tries every possible row), the CSV download and the SVG charts."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

import pytest

from console.statistics import (
    BAR_HEIGHT,
    DIMENSIONS,
    Table,
    bar_chart_svg,
    displayed_row,
    monthly_table,
    to_csv,
)

UTC = dt.timezone.utc
SVG = "{http://www.w3.org/2000/svg}"
LABELS = {"uk": "Ukrainisch", "ar": "Arabisch", "fa": "Farsi", "ru": "Russisch",
          "unaccompanied_minor": "Unbegleitete Minderjährige", "eastern_europe": "Osteuropa",
          "none": "keine"}


def request(created_at: dt.datetime = dt.datetime(2026, 10, 15, 12, tzinfo=UTC), *,
            groups: list[str] | None = None, referrals: list[str] | None = None,
            language: str = "uk", status: str = "new") -> dict[str, Any]:
    return {"created_at": created_at, "target_groups": groups or [],
            "referrals": referrals or [], "language": language, "status": status}


def in_month(month: int, year: int = 2026, **fields: Any) -> dict[str, Any]:
    return request(dt.datetime(year, month, 15, 12, tzinfo=UTC), **fields)


def languages(counts: dict[str, int], month: int = 10) -> list[dict[str, Any]]:
    return [in_month(month, language=code) for code, n in counts.items() for _ in range(n)]


# --- suppression ----------------------------------------------------------------------------

@pytest.mark.parametrize("count, shown", [
    (0, "0"), (1, "<5"), (2, "<5"), (3, "<5"), (4, "<5"), (5, "5"), (12, "12"),
])
def test_counts_from_1_to_4_show_as_less_than_five(count: int, shown: str) -> None:
    table = monthly_table(languages({"uk": count}), "language", categories=["uk"],
                          months=["2026-10"])

    assert table.cell("2026-10", "uk") == shown
    assert table.total_cell("2026-10") == shown
    assert table.count("2026-10", "uk") == count


@pytest.mark.parametrize("row, cells, total", [
    ([5, 6], ["5", "6"], "11"),
    ([0, 0], ["0", "0"], "0"),
    ([0, 12, 1, 0], ["0", "x", "<5", "0"], "13"),             # the one other cell, zeros stay
    ([20, 12, 7, 1], ["20", "x", "x", "<5"], "40"),           # the two smallest others
    ([30, 12, 9, 1, 1], ["30", "x", "x", "<5", "<5"], "53"),  # two "<5" need it as well
    ([7, 7, 7, 2], ["x", "x", "7", "<5"], "23"),              # the first of equals
    ([2, 3], ["<5", "<5"], "5"),                              # 1+4, 2+3, 3+2 or 4+1
    ([0, 3], ["0", "<5"], "<5"),                              # a total below 5 is "<5"
    ([1, 1, 1, 0], ["<5", "<5", "<5", "0"], "<5"),            # each 1 or 2
])
def test_the_shown_row(row: list[int], cells: list[str], total: str) -> None:
    assert displayed_row(row) == (cells, total)


@pytest.mark.parametrize("row", [
    [5, 1],          # hidden 6 = 1 + 5
    [4, 4],          # two "<5" making 8
    [1, 1, 1, 1],    # four "<5" under a "<5" total
    [6, 5, 5, 4],    # x, x are at most 5 (the 6 is shown), so "<5" is 4
])
def test_a_row_that_no_display_protects_is_withheld(row: list[int]) -> None:
    assert displayed_row(row) is None


@pytest.mark.parametrize("width, largest", [(2, 30), (3, 24), (4, 14)])
def test_no_small_count_can_be_worked_out_by_a_reader_who_tries_every_row(
        width: int, largest: int) -> None:
    """The reader knows the rules, every shown cell and the total (when it shows, or else
    from the status table), and lists every row that would look the same; a cell from 1 to
    4 must have at least two possible values among them."""
    look_alikes: dict[Any, list[tuple[int, ...]]] = defaultdict(list)
    for row in itertools.product(range(largest + 1), repeat=width):
        if sum(row) <= largest:
            look_alikes[_what_a_reader_sees(row)].append(row)

    worked_out = [row for rows in look_alikes.values() for row in rows
                  for i, n in enumerate(row)
                  if 1 <= n <= 4 and len({other[i] for other in rows}) == 1]
    assert worked_out == []


def _what_a_reader_sees(row: tuple[int, ...]) -> Any:
    shown = displayed_row(row)
    if shown is None:
        return None  # withheld everywhere; which rows get there is known, their total is not
    cells, total = shown
    return tuple(cells), total, sum(row) if total != "<5" else None


def test_a_withheld_month_shows_x_in_the_language_and_the_status_table() -> None:
    # Status in October: 1 assigned, 5 new; "x" and "<5" making 6 could only be 5 and 1.
    october = ([in_month(10, status="assigned")] + [in_month(10, status="new") for _ in range(5)])
    november = [in_month(11, language="ar", status="new") for _ in range(7)]
    requests = october + november

    status = monthly_table(requests, "status")
    language = monthly_table(requests, "language")
    groups = monthly_table(requests, "target_group")

    for table in (status, language):
        assert [table.cell("2026-10", c) for c in table.categories] == ["x"] * len(table.categories)
        assert table.total_cell("2026-10") == "x"
        assert table.total_cell("2026-11") == "7"
    assert language.count("2026-10", "uk") == 6
    assert groups.cell("2026-10", "none") == "6"  # mentions, a total of their own


def test_which_cells_are_hidden_does_not_depend_on_the_order_shown() -> None:
    requests = languages({"ar": 7, "fa": 7, "ru": 7, "uk": 2})
    sorted_order = monthly_table(requests, "language")
    reversed_order = monthly_table(requests, "language", categories=["uk", "ru", "fa", "ar"])

    assert reversed_order.categories == ["uk", "ru", "fa", "ar"]
    assert {c: reversed_order.cell("2026-10", c) for c in reversed_order.categories} == \
        {"ar": "x", "fa": "x", "ru": "7", "uk": "<5"}
    assert {c: sorted_order.cell("2026-10", c) for c in sorted_order.categories} == \
        {"ar": "x", "fa": "x", "ru": "7", "uk": "<5"}


# --- counting -------------------------------------------------------------------------------

@pytest.mark.parametrize("created_at, month", [
    (dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "2026-11"),  # 00:30 CET
    (dt.datetime(2026, 10, 31, 22, 59, tzinfo=UTC), "2026-10"),  # 23:59 CET
    (dt.datetime(2026, 6, 30, 22, 30, tzinfo=UTC), "2026-07"),   # 00:30 CEST
    (dt.datetime(2026, 6, 30, 21, 30, tzinfo=UTC), "2026-06"),   # 23:30 CEST
    (dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2027-01"),
    (dt.datetime(2026, 10, 31, 23, 30), "2026-11"),              # naive, as from SQLite: UTC
])
def test_months_are_calendar_months_in_berlin(created_at: dt.datetime, month: str) -> None:
    assert monthly_table([request(created_at)], "status").months == [month]


@pytest.mark.parametrize("present, months", [
    ([(2026, 9), (2026, 12)], ["2026-09", "2026-10", "2026-11", "2026-12"]),
    ([(2025, 11), (2026, 2)], ["2025-11", "2025-12", "2026-01", "2026-02"]),
    ([(2026, 3)], ["2026-03"]),
    ([], []),
])
def test_months_without_requests_are_filled_in(present: list[tuple[int, int]],
                                               months: list[str]) -> None:
    requests = [in_month(m, year=y) for y, m in present for _ in range(5)]
    table = monthly_table(requests, "language")

    assert table.months == months
    assert [table.cell(m, "uk") for m in months] == \
        ["5" if (int(m[:4]), int(m[5:])) in present else "0" for m in months]


def test_given_months_are_exactly_those() -> None:
    requests = [in_month(9, language="ar")] * 6 + [in_month(11)] * 7
    table = monthly_table(requests, "language", months=["2026-10", "2026-11"])

    assert table.months == ["2026-10", "2026-11"]
    assert table.categories == ["uk"]
    assert [table.total_cell(m) for m in table.months] == ["0", "7"]


def test_a_time_without_zone_is_utc_whatever_the_server_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        table = monthly_table([request(dt.datetime(2026, 10, 31, 23, 30))], "status")
    finally:
        monkeypatch.undo()
        time.tzset()

    assert table.months == ["2026-11"]


@pytest.mark.parametrize("dimension, field", [("target_group", "groups"),
                                              ("referral", "referrals")])
def test_a_request_counts_under_each_of_its_codes_and_under_none_without(
        dimension: str, field: str) -> None:
    requests = [request(**{field: ["a", "b"]}), request(**{field: ["a", "a"]}),
                request(**{field: []})]
    table = monthly_table(requests, dimension)

    assert table.categories == ["a", "b", "none"]
    assert {c: table.count("2026-10", c) for c in table.categories} == \
        {"a": 2, "b": 1, "none": 1}
    assert table.total("2026-10") == 4  # mentions, not requests


def test_listed_categories_show_without_requests_and_found_ones_are_still_counted() -> None:
    requests = [request(referrals=["sgb3_employment_agency"]) for _ in range(6)]
    table = monthly_table(requests, "referral",
                          categories=["sgb8_youth_welfare", "sgb2_jobcenter"])

    assert table.categories == ["sgb8_youth_welfare", "sgb2_jobcenter", "sgb3_employment_agency"]
    assert [table.cell("2026-10", c) for c in table.categories] == ["0", "0", "6"]
    assert table.total_cell("2026-10") == "6"


def test_no_requests_give_an_empty_table() -> None:
    empty = monthly_table([], "language")
    listed = monthly_table([], "status", categories=["new", "closed"])

    assert (empty.months, empty.categories, empty.counts) == ([], [], {})
    assert (listed.months, listed.categories) == ([], ["new", "closed"])


def test_an_unknown_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        monthly_table([request()], "nationality")


# --- CSV ------------------------------------------------------------------------------------

def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_the_csv_has_a_header_a_line_per_cell_and_the_totals() -> None:
    table = monthly_table(languages({"ar": 1, "fa": 6, "ru": 7, "uk": 30}), "language")

    lines = read_csv(to_csv([table], LABELS))

    assert lines == [
        ["Auswertung", "Monat", "Kategorie", "Anzahl"],
        ["Sprache", "2026-10", "Arabisch", "<5"],
        ["Sprache", "2026-10", "Farsi", "x"],
        ["Sprache", "2026-10", "Russisch", "x"],
        ["Sprache", "2026-10", "Ukrainisch", "30"],
        ["Sprache", "2026-10", "Insgesamt", "44"],
    ]


def test_the_csv_is_separated_by_semicolons_and_falls_back_to_codes() -> None:
    text = to_csv([monthly_table(languages({"ti": 5}), "language")], {"language": "Sprachen"})

    assert text == "Auswertung;Monat;Kategorie;Anzahl\r\nSprachen;2026-10;ti;5\r\n" \
                   "Sprachen;2026-10;Insgesamt;5\r\n"


@pytest.mark.parametrize("label", ["=HYPERLINK(\"x\")", "+49 2129", "-1", "@SUM(A1)",
                                   "\tTab", "\rReturn"])
def test_the_csv_defuses_formulas(label: str) -> None:
    lines = read_csv(to_csv([monthly_table(languages({"xx": 5}), "language")], {"xx": label}))

    assert lines[1][2] == "'" + label


def test_the_csv_leaves_ordinary_text_alone() -> None:
    lines = read_csv(to_csv([monthly_table(languages({"xx": 5}), "language")],
                            {"xx": "Arabisch; Syrien \"Levante\""}))

    assert lines[1][2] == "Arabisch; Syrien \"Levante\""


def test_no_requests_give_a_csv_of_the_header_alone() -> None:
    tables = [monthly_table([], dimension) for dimension in DIMENSIONS]

    assert to_csv(tables, LABELS) == "Auswertung;Monat;Kategorie;Anzahl\r\n"


# --- chart ----------------------------------------------------------------------------------

def chart(table: Table, labels: dict[str, str] = LABELS, title: str = "Anfragen") -> ET.Element:
    return ET.fromstring(bar_chart_svg(table, labels, title))


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("height") == str(BAR_HEIGHT)]


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def test_the_chart_is_an_image_labelled_by_its_title_and_numbers_in_words() -> None:
    table = monthly_table(languages({"ar": 1, "fa": 6, "ru": 7, "uk": 30}), "language")
    svg = chart(table, title="Anfragen nach Sprache")

    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    by_id = {e.get("id"): e for e in svg.iter() if e.get("id")}
    labelled_by = [by_id[i] for i in svg.get("aria-labelledby", "").split()]
    assert [e.tag for e in labelled_by] == [f"{SVG}title", f"{SVG}desc"]
    assert labelled_by[0].text == "Anfragen nach Sprache"
    assert labelled_by[1].text.startswith(
        "2026-10: Arabisch <5, Farsi x, Russisch x, Ukrainisch 30. <5: 1 bis 4")


def test_the_chart_draws_shown_values_only_and_writes_each_value() -> None:
    requests = languages({"ar": 1, "fa": 6, "ru": 7, "uk": 30}) + \
        languages({"ar": 10, "uk": 0}, month=11)
    svg = chart(monthly_table(requests, "language"))

    assert len(bars(svg)) == 2  # uk 30 in October, ar 10 in November
    assert {"<5", "x", "30", "10", "0"} <= set(texts(svg))
    widths = sorted(float(b.get("width", 0)) for b in bars(svg))
    assert widths[0] == pytest.approx(widths[1] / 3, abs=1)


def test_the_chart_bars_are_told_apart_without_colour_alone() -> None:
    svg = chart(monthly_table(languages({"ar": 5, "uk": 9}), "language"))

    assert len({b.get("fill") for b in bars(svg)}) == 2
    assert {"Arabisch", "Ukrainisch"} <= set(texts(svg))


def test_the_chart_has_no_script_and_no_outside_reference() -> None:
    text = bar_chart_svg(monthly_table(languages({"ar": 5, "uk": 9}), "language"), LABELS,
                         "Anfragen")
    svg = ET.fromstring(text)

    assert "<script" not in text.lower()
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not [name for e in svg.iter() for name in e.attrib
                if name.lower().startswith("on") or name.endswith("href") or name == "style"]
    assert "url(" not in text and "@import" not in text


@pytest.mark.parametrize("label", ['A<B & "C"', "</text><script>alert(1)</script>",
                                   "Steuer\x01zeichen"])
def test_the_chart_escapes_labels_and_titles(label: str) -> None:
    table = monthly_table(languages({"xx": 5}), "language")
    text = bar_chart_svg(table, {"xx": label}, label)
    svg = ET.fromstring(text)

    printable = label.replace("\x01", "")
    assert printable in texts(svg)
    assert svg.find(f"{SVG}title").text == printable
    assert printable in svg.find(f"{SVG}desc").text
    assert "<script" not in text and 'A<B' not in text


def test_two_charts_on_one_page_do_not_share_ids() -> None:
    table = monthly_table(languages({"uk": 5}), "language")

    first, second = chart(table, title="Oktober"), chart(table, title="November")

    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_no_requests_give_a_valid_chart_that_says_so() -> None:
    svg = chart(monthly_table([], "status"), title="Anfragen nach Status")

    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}desc").text == "Keine Anfragen im gewählten Zeitraum."
    assert bars(svg) == []
    assert "Keine Anfragen im gewählten Zeitraum." in texts(svg)
