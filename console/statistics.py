"""KIM reporting for the integration centre: requests per month by target group, referral,
language or status, as tables, a CSV download and bar charts (inline SVG).

Months are calendar months in Europe/Berlin time, labelled "2026-11". A created_at without a
time zone is taken as UTC, which is what the queue stores (SQLite hands it back naive). A
request with several target groups or referrals counts once under each of them, one with
none under "none". A month's total is the sum of its cells, so for target groups and
referrals it counts mentions, not requests.

Haan is small enough for a count of 1 to 4 to point at a person, hence, per month row:

1. A cell from 1 to 4 is shown as "<5". 0 stays 0.
2. A total from 1 to 4 is shown as "<5" too (every non-zero cell of that row is then "<5").
3. Totals are shown, and so that no "<5" can be worked out from the total: whenever a row has
   a "<5" and a shown total, the two smallest other non-zero cells (the first of equals) are
   hidden as "x" (secondary suppression), or the one there is.
4. If a reader who knows the total (or that it is below 5) and these rules could still work
   out a "<5" exactly, the month is withheld: every cell and the total show "x". Language and
   status rows add up to the same number of requests, so a month withheld from one of them
   is withheld from both.

Why totals and secondary suppression rather than leaving totals out: a month's number of
requests is public anyway (the status table adds up to it whenever none of its cells is
suppressed) and would let anyone recompute a lone "<5" of the language table; so every total
is treated as known. Why two cells, not one: the reader knows that a hidden cell is at least
5 and, being the smallest, at most the next shown cell; with one hidden cell that pins the
"<5" in many rows of small numbers ("6, x, 5, <5, total 20": x is 5, so <5 is 4), which would
then all have to be withheld. Rules 3 and 4 decide only on what the reader can see or
compute, so the decisions themselves give nothing away. A secondary cell shows "x", not "<5",
because it is 5 or more. The tests check all this against a reader who tries every possible
row.

Limits: categories found in the data are always counted, even when the caller lists fewer,
since two tables over different categories would differ by their totals. Totals per category
over several months are not offered: they would need suppression across rows as well. Tables
must be built from all requests of their months, not from overlapping selections whose
difference would be a small group.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

DIMENSIONS = ("target_group", "referral", "language", "status")
NONE = "none"
TOTAL = "total"
SMALL = "<5"
HIDDEN = "x"
NOTES = {SMALL: f"{SMALL}: 1 bis 4, zum Schutz der Menschen dahinter nicht genau angegeben.",
         HIDDEN: f"{HIDDEN}: gesperrt, damit sich kein Wert unter 5 aus der Summe errechnen lässt."}
DIMENSION_LABELS = {"target_group": "Zielgruppe", "referral": "Verweis", "language": "Sprache",
                    "status": "Status"}

BERLIN = ZoneInfo("Europe/Berlin")
LARGEST_SMALL = 4
SECONDARY_CELLS = 2
# Dimensions whose rows add up to the same number: language and status count each request
# once; target groups and referrals count mentions, each their own.
SAME_TOTAL = {"target_group": ("target_group",), "referral": ("referral",),
              "language": ("language", "status"), "status": ("language", "status")}


@dataclass(frozen=True)
class Table:
    """Raw counts per (month, category) of one dimension; cell() and total_cell() are what may
    be shown. Withheld months (rule 4) show "x" throughout; monthly_table() finds them."""
    dimension: str
    months: list[str]
    categories: list[str]
    counts: dict[tuple[str, str], int]
    withheld: frozenset[str] = frozenset()

    def count(self, month: str, category: str) -> int:
        return self.counts.get((month, category), 0)

    def row(self, month: str) -> list[int]:
        """The month's counts in a fixed order of categories, whatever order they are shown in,
        so that which cells are hidden does not depend on the caller."""
        return [self.count(month, category) for category in self._suppression_order]

    def total(self, month: str) -> int:
        return sum(self.row(month))

    def cell(self, month: str, category: str) -> str:
        cells, _ = self._shown[month]
        return cells[category]

    def total_cell(self, month: str) -> str:
        _, total = self._shown[month]
        return total

    @cached_property
    def _suppression_order(self) -> list[str]:
        return sorted(self.categories, key=_category_order)

    @cached_property
    def _shown(self) -> dict[str, tuple[dict[str, str], str]]:
        return {month: self._displayed(month) for month in self.months}

    def _displayed(self, month: str) -> tuple[dict[str, str], str]:
        shown = None if month in self.withheld else displayed_row(self.row(month))
        cells, total = shown or ([HIDDEN] * len(self.categories), HIDDEN)
        return dict(zip(self._suppression_order, cells, strict=True)), total


def _category_order(category: str) -> tuple[bool, str]:
    return category == NONE, category


def displayed_row(counts: Sequence[int]) -> tuple[list[str], str] | None:
    """The cells and the total of one month row as they may be shown (rules 1 to 3 above), or
    None when no such display protects its small cells (rule 4)."""
    total = sum(counts)
    small = [i for i, n in enumerate(counts) if _is_small(n)]
    if not small:
        return [str(n) for n in counts], str(total)
    if _is_small(total):
        if len(small) == LARGEST_SMALL:
            return None  # four "<5" under a total below 5 can only be four ones
        return [SMALL if i in small else "0" for i in range(len(counts))], SMALL
    secondary = _smallest_others(counts, small)
    if _small_cell_computable(counts, small, secondary):
        return None
    return [SMALL if i in small else HIDDEN if i in secondary else str(n)
            for i, n in enumerate(counts)], str(total)


def _is_small(count: int) -> bool:
    return 1 <= count <= LARGEST_SMALL


def _smallest_others(counts: Sequence[int], small: list[int]) -> list[int]:
    others = sorted((n, i) for i, n in enumerate(counts) if n > 0 and i not in small)
    return [i for _, i in others[:SECONDARY_CELLS]]


def _small_cell_computable(counts: Sequence[int], small: list[int], secondary: list[int]) -> bool:
    """Whether a reader who knows the total, the shown cells and the rules can narrow a "<5"
    down to one value: it is the hidden sum minus the other hidden cells, each of which the
    reader can only bound (a "<5" by 1 and 4, an "x" by 5 and the shown cells)."""
    hidden_sum = sum(counts[i] for i in (*small, *secondary))
    other_small = len(small) - 1
    least_others = other_small + len(secondary) * (LARGEST_SMALL + 1)
    most_others = other_small * LARGEST_SMALL + sum(
        _secondary_ceiling(counts, small, secondary, cell, hidden_sum) for cell in secondary)
    lowest = max(1, hidden_sum - most_others)
    highest = min(LARGEST_SMALL, hidden_sum - least_others)
    return lowest >= highest


def _secondary_ceiling(counts: Sequence[int], small: list[int], secondary: list[int],
                       cell: int, cap: int) -> int:
    """The most a secondary cell can be, as a reader sees it: no shown cell is smaller, and
    none that comes before it is equal (the first of equals is hidden)."""
    ceilings = [n if cell < i else n - 1 for i, n in enumerate(counts)
                if n > 0 and i not in small and i not in secondary]
    return min(ceilings, default=cap)


# --- counting -------------------------------------------------------------------------------

def monthly_table(requests: Iterable[Mapping[str, Any]], dimension: str,
                  months: list[str] | None = None,
                  categories: list[str] | None = None) -> Table:
    """Requests per Berlin month and category. Without months: every month from the first to
    the last with a request. Categories: those given, in their order, then any others found
    (sorted, "none" last), so that a listed category without requests shows as 0."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    facts = list(requests)
    if months is None:
        months = _month_range({month_of(fact["created_at"]) for fact in facts})
    table = _counted(facts, dimension, months, categories or [])
    siblings = [_counted(facts, d, months, []) for d in SAME_TOTAL[dimension] if d != dimension]
    withheld = {month for t in (table, *siblings) for month in months
                if displayed_row(t.row(month)) is None}
    return replace(table, withheld=frozenset(withheld))


def _counted(requests: list[Mapping[str, Any]], dimension: str, months: list[str],
             listed: list[str]) -> Table:
    wanted = set(months)
    counts: Counter[tuple[str, str]] = Counter()
    for request in requests:
        month = month_of(request["created_at"])
        if month in wanted:
            counts.update((month, category) for category in _categories_of(request, dimension))
    found = sorted({category for _, category in counts}, key=_category_order)
    return Table(dimension, list(months), listed + [c for c in found if c not in listed],
                 dict(counts))


def month_of(created_at: dt.datetime) -> str:
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.timezone.utc)
    return created_at.astimezone(BERLIN).strftime("%Y-%m")


def _categories_of(request: Mapping[str, Any], dimension: str) -> list[str]:
    if dimension in ("language", "status"):
        return [str(request[dimension])]
    codes = request["target_groups" if dimension == "target_group" else "referrals"] or []
    return list(dict.fromkeys(codes)) or [NONE]


def _month_range(present: set[str]) -> list[str]:
    if not present:
        return []
    year, month = map(int, min(present).split("-"))
    last = max(present)
    months = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- CSV ------------------------------------------------------------------------------------

CSV_HEADER = ("Auswertung", "Monat", "Kategorie", "Anzahl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(tables: list[Table], labels: dict[str, str]) -> str:
    """Semicolon-separated, as German Excel expects; one line per month and category plus one
    for the month's total (category label of "total", else "Insgesamt"). Dimension and category
    codes are shown by their label in `labels`, else as they are (dimensions in German)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for table in tables:
        for row in _csv_rows(table, labels):
            writer.writerow([_formula_safe(value) for value in row])
    return out.getvalue()


def _csv_rows(table: Table, labels: dict[str, str]) -> Iterable[tuple[str, str, str, str]]:
    dimension = labels.get(table.dimension, DIMENSION_LABELS[table.dimension])
    for month in table.months:
        for category in table.categories:
            yield dimension, month, labels.get(category, category), table.cell(month, category)
        yield dimension, month, labels.get(TOTAL, "Insgesamt"), table.total_cell(month)


def _formula_safe(value: str) -> str:
    # A spreadsheet would run a cell starting with one of these as a formula.
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# --- chart ----------------------------------------------------------------------------------

# Okabe-Ito: told apart with every common colour-vision deficiency. Bars also carry a dark
# outline (for the light colours on white), their category's name and their value.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
WIDTH = 700
MARGIN = 12
LABEL_RIGHT = 200
BAR_LEFT = 206
VALUE_ROOM = 48
PLOT_WIDTH = WIDTH - BAR_LEFT - VALUE_ROOM - MARGIN
BAR_HEIGHT = 16
BAR_STEP = 20
LEGEND_STEP = 20
INK = "#1a1a1a"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def bar_chart_svg(table: Table, labels: dict[str, str], title: str) -> str:
    """A horizontal grouped bar chart, one group per month, one bar per category, the value
    after each bar; "<5", "x" and 0 draw no bar. No scripts, fonts or outside references."""
    chart_id = _chart_id(table, title)
    names = [labels.get(c, c) for c in table.categories]
    body, height = _chart_body(table, names, title)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'font-family="sans-serif" font-size="12" fill="{INK}">'
            f'<title id="{chart_id}-title">{_xml(title)}</title>'
            f'<desc id="{chart_id}-desc">{_xml(describe(table, labels))}</desc>'
            f'<rect width="100%" height="100%" fill="#ffffff"/>{body}</svg>')


def describe(table: Table, labels: dict[str, str]) -> str:
    """The chart's numbers in words, for screen readers."""
    if not table.months or not table.categories:
        return "Keine Anfragen im gewählten Zeitraum."
    months = [month + ": " + ", ".join(f"{labels.get(c, c)} {table.cell(month, c)}"
                                       for c in table.categories)
              for month in table.months]
    return " ".join(["; ".join(months) + ".", *notes(table)])


def notes(table: Table) -> list[str]:
    """What "<5" and "x" mean, for those of them the table shows."""
    shown = {table.cell(m, c) for m in table.months for c in table.categories}
    return [note for marker, note in NOTES.items() if marker in shown]


def _chart_id(table: Table, title: str) -> str:
    digest = hashlib.sha256(f"{table.dimension}\n{title}".encode()).hexdigest()[:10]
    return f"kim-chart-{digest}"


def _chart_body(table: Table, names: list[str], title: str) -> tuple[str, int]:
    parts = [_text(MARGIN, 26, title, 'font-size="16" font-weight="bold"')]
    if not table.months or not table.categories:
        parts.append(_text(MARGIN, 56, "Keine Anfragen im gewählten Zeitraum."))
        return "".join(parts), 72
    y = 44
    parts.append(_legend(names, y))
    y += ((len(names) + 1) // 2) * LEGEND_STEP + 8
    largest = _largest_shown(table)
    for month in table.months:
        group, y = _month_group(table, month, names, largest, y)
        parts.append(group)
    for note in notes(table):
        parts.append(_text(MARGIN, y + 12, note, 'font-size="11"'))
        y += LEGEND_STEP
    return "".join(parts), y + MARGIN


def _largest_shown(table: Table) -> int:
    shown = [table.count(m, c) for m in table.months for c in table.categories
             if _is_drawn(table, m, c)]
    return max(shown, default=1)


def _is_drawn(table: Table, month: str, category: str) -> bool:
    count = table.count(month, category)
    return count > 0 and table.cell(month, category) == str(count)


def _legend(names: list[str], top: int) -> str:
    column = (WIDTH - 2 * MARGIN) // 2
    items = []
    for index, name in enumerate(names):
        x = MARGIN + (index % 2) * column
        y = top + (index // 2) * LEGEND_STEP
        items.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_colour(index)}" '
                     f'stroke="{INK}"/>' + _text(x + 18, y + 11, _fit(name, 48)))
    return "<g>" + "".join(items) + "</g>"


def _month_group(table: Table, month: str, names: list[str], largest: int,
                 top: int) -> tuple[str, int]:
    parts = [_text(MARGIN, top + 16, month, 'font-size="13" font-weight="bold"')]
    y = top + 24
    for index, category in enumerate(table.categories):
        label = _text(LABEL_RIGHT, y + 12, _fit(names[index], 28), 'text-anchor="end"')
        shown = table.cell(month, category)
        if _is_drawn(table, month, category):
            parts.append(label + _bar(table.count(month, category), shown, _colour(index),
                                      largest, y))
        else:
            parts.append(label + _text(BAR_LEFT + 4, y + 12, shown))
        y += BAR_STEP
    return "<g>" + "".join(parts) + "</g>", y + 8


def _bar(count: int, shown: str, colour: str, largest: int, y: int) -> str:
    width = max(1, round(PLOT_WIDTH * count / largest))
    return (f'<rect x="{BAR_LEFT}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{colour}" stroke="{INK}" stroke-width="0.5"/>'
            + _text(BAR_LEFT + width + 4, y + 12, shown))


def _text(x: int, y: int, content: str, attributes: str = "") -> str:
    extra = f" {attributes}" if attributes else ""
    return f'<text x="{x}" y="{y}"{extra}>{_xml(content)}</text>'


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _fit(text: str, characters: int) -> str:
    return text if len(text) <= characters else text[:characters - 1] + "…"


def _xml(text: str) -> str:
    return escape(NOT_XML.sub("", text), quote=True)
