"""Renderers: products, settlements, diffs and impacts as rich tables, for people.

The JSON documents are in :mod:`claimcalc.output.documents`. rich is imported
only by the table renderers, so the texts here (used by the documents too)
do not pay for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from claimcalc.i18n import N_, _, pgettext
from claimcalc.money import format_eur
from claimcalc.product.model import (
    Amount,
    Scope,
    Token,
    Unit,
)
from claimcalc.product.schema import (
    Deductible,
    EligibilityRule,
    Franchigia,
    Guarantee,
    Limit,
    Product,
    Scoperto,
    Section,
)
from claimcalc.settlement import Code, LineResult, Settlement

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
    from rich.measure import Measurement
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    from claimcalc.compare.diff import Difference, ProductDiff
    from claimcalc.compare.impact import Impact

#: Texts here are msgids (N_), translated where shown (:mod:`claimcalc.i18n`).
_TOKEN_TEXT = {
    Token.UNLIMITED: N_("unlimited"),
    Token.INCLUDED: N_("included"),
    Token.NOT_COVERED: N_("not covered"),
    Token.NOT_APPLICABLE: N_("n/a"),
    Token.TRIP_COST: N_("trip cost"),
}
_PER_UNIT = {Scope.PER_DAY: N_("day"), Scope.PER_NIGHT: N_("night"), Scope.PER_HOUR: N_("hour")}
_UNIT_TEXT = {"hours": N_("hours"), "days": N_("days"), "eur": N_("eur")}
#: A guarantee's kind as its tag shows it, and an invalidity threshold's mode.
_KIND_TEXT = {"cash": N_("cash"), "assistance": N_("assistance"), "advance": N_("advance")}
_MODE_TEXT = {"absolute": N_("absolute"), "relative": N_("relative")}


def amount_text(value: Amount, unit: Unit = Unit.EUR) -> str:
    if isinstance(value, Token):
        return _(_TOKEN_TEXT[value])
    if unit is Unit.EUR:
        return format_eur(value)
    return f"{value.normalize():f} {_(_UNIT_TEXT[unit.value])}"


def limit_cell(product: Product, limit: Limit, level: str, zone: str) -> str:
    """One limit's value for a level and zone, with its per-unit rate and cap."""
    value = product.amount(limit.amount, level, zone)
    text = amount_text(value, limit.unit)
    if not isinstance(value, Decimal):
        return text
    if limit.scope is Scope.PER_BLOCK:
        text += _(" per {hours}h").format(hours=limit.block_hours)
    elif limit.scope in _PER_UNIT:
        text += f"/{_(_PER_UNIT[limit.scope])}"
    if limit.max_units is not None:
        units = product.amount(limit.max_units, level, zone)
        text += f" × max {amount_text(units, Unit.EUR) if isinstance(units, Token) else units}"
    if limit.percent_of_parent is not None:
        text += _(" (≤ {percent}% of sum insured)").format(
            percent=f"{limit.percent_of_parent.normalize():f}"
        )
    return text + inferred_mark(product, limit, level, zone)


#: After a value the project inferred rather than read in the contract.
INFERRED_MARK = "*"


def inferred_mark(product: Product, limit: Limit, level: str, zone: str) -> str:
    return INFERRED_MARK if (level, zone) in product.inferred(limit) else ""


def inferred_notes(product: Product, limits: Iterable[Limit], level: str | None) -> list[str]:
    """A footnote for each limit with a value marked inferred at the level (or any)."""
    notes = []
    names = {z.id: z.name for z in product.zones}
    for limit in limits:
        cells = product.inferred(limit)
        if level is not None:
            cells = frozenset(c for c in cells if c[0] == level)
        if not cells:
            continue
        zones = ", ".join(names[z] for z in product.zone_ids if any(c[1] == z for c in cells))
        note = _("{mark} inferred, not printed in the contract: {limit} ({article}), {zones}.")
        note = note.format(
            mark=INFERRED_MARK,
            limit=limit.title or limit.id,
            article=limit.source.article,
            zones=zones,
        )
        notes.append(f"{note} {limit.reading or ''}".rstrip())
    return notes


def deductible_text(deductible: Deductible) -> str:
    if isinstance(deductible, Franchigia):
        text = _("franchigia {amount} {scope}").format(
            amount=format_eur(deductible.amount), scope=Scope.PER_SINISTRO.text
        )
    elif isinstance(deductible, Scoperto):
        percent = f"{deductible.percent.normalize():f}"
        if deductible.minimum is not None:
            text = _("scoperto {percent}%, minimum {minimum} {scope}").format(
                percent=percent,
                minimum=format_eur(deductible.minimum),
                scope=Scope.PER_SINISTRO.text,
            )
        else:
            text = _("scoperto {percent}% {scope}").format(
                percent=percent, scope=Scope.PER_SINISTRO.text
            )
    else:
        text = _("invalidity threshold {percent}% ({mode})").format(
            percent=f"{deductible.percent.normalize():f}",
            mode=_(_MODE_TEXT.get(deductible.mode, deductible.mode)),
        )
    waived = getattr(deductible, "waived_when", None)
    if waived is not None:
        text += _("; waived when {condition}").format(condition=waived)
    return text


def eligibility_text(rule: EligibilityRule) -> str:
    data = rule.model_dump(by_alias=True, exclude_none=True)
    kind = data.pop("kind")
    for key in ("source", "reading", "discrepancy", "note"):
        data.pop(key, None)
    if kind == "requires":
        return _("requires: {text}").format(text=data["text"])
    details = ", ".join(
        f"{k} {v if not isinstance(v, list | tuple) else '/'.join(v)}" for k, v in data.items()
    )
    return f"{kind.replace('_', ' ')}: {details}" if details else kind.replace("_", " ")


# --------------------------------------------------------------------------- tables


def plain(value: str | Text, style: str = "") -> Text:
    """A cell, title or caption as literal text: rich would read ``[...]`` in a str
    as markup and drop it (``cause in [death, hospitalisation]``). Every piece of
    data in a table goes through here (or is built as a Text)."""
    from rich.text import Text

    return value if isinstance(value, Text) else Text(value, style=style)


def add_row(table: Table, *cells: str | Text) -> None:
    """A table row, every cell literal text (:func:`plain`)."""
    table.add_row(*[plain(cell) for cell in cells])


def table_title(text: str) -> Text:
    """A table's title as literal text, in rich's title style."""
    return plain(text, "table.title")


def _limit_rows(
    product: Product, owner: Section | Guarantee, level: str | None, by_zone: bool
) -> list[list[str]]:
    rows = []
    for limit in owner.limits:
        label = limit.title or limit.scope.text
        if isinstance(owner, Section) and limit.title is None:
            label = _("Section massimale, {limit}").format(limit=label)
        if limit.applies_when is not None:
            label += _(" when {condition}").format(condition=limit.applies_when)
        if level is None:
            cells = [_by_zone_text(product, limit, lv) for lv in product.level_ids]
        elif by_zone:
            cells = [limit_cell(product, limit, level, zone) for zone in product.zone_ids]
        else:
            cells = [limit_cell(product, limit, level, product.zone_ids[0])]
        rows.append([label, limit.source.article, *cells])
    return rows


def _varies_by_zone(product: Product, section: Section, level: str) -> bool:
    limits = [*section.limits, *(lim for g in section.guarantees for lim in g.limits)]
    return any(
        len({limit_cell(product, limit, level, zone) for zone in product.zone_ids}) > 1
        for limit in limits
    )


def _by_zone_text(product: Product, limit: Limit, level: str) -> str:
    cells = [limit_cell(product, limit, level, zone) for zone in product.zone_ids]
    if len(set(cells)) == 1:
        return cells[0]
    names = {z.id: z.name for z in product.zones}
    return "\n".join(f"{names[z]}: {c}" for z, c in zip(product.zone_ids, cells, strict=True))


def product_tables(product: Product, level: str | None = None) -> list[RenderableType]:
    """One rich table per section: guarantees, their limits per zone (or per level);
    below 120 columns, with two or more of those, each value under its column's
    name in one "Cover" column (:class:`ByWidth`)."""
    from rich.text import Text

    if level is None and len(product.levels) == 1:
        level = product.level_ids[0]
    zone_names = [z.name for z in product.zones]
    level_names = {lv.id: lv.name for lv in product.levels}
    out: list[RenderableType] = []
    title = f"{product.name} — {product.edition_label}"
    if level:
        title += f" — {level_names[level]}"
    out.append(Text(title, style="bold"))
    for section in product.sections:
        covered = product.covered_levels(section)
        by_zone = level is not None and _varies_by_zone(product, section, level)
        if level is None:
            columns = [level_names[lv] for lv in product.level_ids]
        else:
            columns = zone_names if by_zone else [_("All zones")]
        status = ""
        if level and level not in covered:
            status = _(" — not covered at this level")
        notes = inferred_notes(
            product,
            [*section.limits, *(lim for g in section.guarantees for lim in g.limits)],
            level,
        )
        rows: list[list[str | Text]] = []
        width = len(columns)
        for row in _limit_rows(product, section, level, by_zone):
            rows.append([*row])
        for deductible in section.deductibles:
            rows.append([deductible_text(deductible), deductible.source.article, *[""] * width])
        for guarantee in section.guarantees:
            g_covered = product.covered_levels(section, guarantee)
            label = Text(f"{guarantee.code}  {guarantee.title}", style="bold")
            if guarantee.kind.value != "cash":
                kind = guarantee.kind.value
                label.append(f" [{_(_KIND_TEXT.get(kind, kind))}]", style="dim")
            if level and level not in g_covered:
                rows.append([label, guarantee.source.article, *[_("not covered")] * width])
                continue
            limit_rows = _limit_rows(product, guarantee, level, by_zone)
            if not limit_rows:
                rows.append([label, guarantee.source.article, *[_("section limit")] * width])
            for i, row in enumerate(limit_rows):
                first = Text.assemble(label, "\n", row[0]) if i == 0 else row[0]
                rows.append([first, *row[1:]])
            for deductible in guarantee.deductibles:
                rows.append([deductible_text(deductible), deductible.source.article, *[""] * width])
        title = f"{section.code}  {section.title} ({section.source.article}){status}"
        wide = _section_table(title, notes, columns, rows)
        if width < 2:
            out.append(wide)
            continue
        # Narrow: the code on a line of its own, each column's value under its name.
        narrow_rows: list[list[str | Text]] = []
        codes = tuple(g.code + "  " for g in section.guarantees)
        for first, article, *cells in rows:
            label = plain(first).copy()
            if label.plain.startswith(codes):
                code = label.plain.split("  ", 1)[0]
                label = Text.assemble(label[: len(code)], "\n", label[len(code) + 2 :])
            values = []
            for name, cell in zip(columns, cells, strict=True):
                if "\n" not in str(cell):
                    line = f"{name}: {cell}"
                    long = _cells(line) > _ZONE_LINE
                    values.append("" if not cell else f"{name}:\n  {cell}" if long else line)
                    continue
                values.append(f"{name}:")
                for zone_line in str(cell).split("\n"):  # "Zone: value", the value whole
                    zone, _sep, value = zone_line.rpartition(": ")
                    long = bool(zone) and _cells(zone_line) > _ZONE_LINE
                    values.append(f"  {zone}:\n    {value}" if long else f"  {zone_line}")
            narrow_rows.append([label, article, "\n".join(v for v in values if v)])
        narrow = _section_table(title, notes, [_("Cover")], narrow_rows, narrow=True)
        out.append(ByWidth(wide, narrow))
    return out


#: A value in the narrow "Cover" column goes under its level's or zone's name past this.
_ZONE_LINE = 30


def _section_table(
    title: str,
    notes: list[str],
    columns: list[str],
    rows: list[list[str | Text]],
    narrow: bool = False,
) -> Table:
    from rich.table import Table

    table = Table(
        title=table_title(title),
        title_justify="left",
        caption=plain("\n".join(notes)) if notes else None,
        caption_justify="left",
        show_lines=True,
        expand=False,
    )
    table.add_column(_("Guarantee / limit"), overflow="fold", max_width=None if narrow else 48)
    table.add_column(_("Art."), no_wrap=True)
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        add_row(table, *row)
    return table


def catalog_table(products: Iterable[Product]) -> RenderableType:
    from rich.table import Table

    table = Table(title=table_title(_("Products")), title_justify="left")
    for name in (_("Product"), _("Name"), _("Edition"), _("Levels"), _("Insurer")):
        table.add_column(name)
    for p in products:
        add_row(table, p.ref, p.name, p.edition_label, ", ".join(p.level_ids), p.insurer)
    return table


# --------------------------------------------------------------------------- text tables

#: Text rich's Text would change (control codes it strips, tabs it expands,
#: line breaks other than ``\n`` that its measuring splits on), or that holds
#: the stand-in of a glue (:data:`_JOINED`): such a table is left to rich.
_UNUSUAL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ue000]")

#: A space that does not break a line: between "€" and its amount in a table's
#: texts (:func:`glued`), so that "€ 1.000,00" is never folded in two.
GLUE = "\u00a0"
#: What a glue is while a cell is wrapped: rich's words end at any whitespace
#: (``\s``, a no-break space included), so the glue becomes a character that is
#: not whitespace, one cell wide (private use), and a plain space once drawn.
_JOINED = "\ue000"
_EURO_AMOUNT = re.compile(r"€ (?=-?\d)")


def glued(text: str) -> str:
    """``text`` with each "€ " before an amount glued: for tables only, never in
    the texts of JSON, NDJSON, CSV or a ledger's documents (hashed: their bytes
    stay)."""
    return _EURO_AMOUNT.sub("€" + GLUE, text) if "€" in text else text


class _Glued:
    """A cell whose glued words are never parted (:func:`glued`), drawn by rich
    (a terminal) with the same lines as :meth:`TextTable.lines` (a file, a pipe):
    measured as rich measures a Text, wrapped by :func:`_wrap`, each glue drawn
    as a space."""

    __slots__ = ("justify", "style", "text")

    def __init__(self, text: str, justify: str, style: str | Style = "") -> None:
        self.text = text.replace(GLUE, _JOINED)
        self.justify = justify
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        narrowest, widest = _measure(self.text)
        return Measurement(narrowest, widest)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        for line in _wrap(self.text, options.max_width, self.justify):
            yield Segment(line.replace(_JOINED, " "), console.get_style(self.style))
            yield Segment.line()


class TextTable:
    """A table of text cells, drawn as rich draws ``Table(title=…, title_justify="left",
    show_lines=True)`` with its free columns folding and its fixed columns (amounts,
    codes) never wrapping, in far less time.

    rich lays out every cell as a renderable (measured, padded, wrapped, cut
    into segments): about 2.7 ms for a person's table of one line, 2.9 s for
    a claim of 1,000 persons. Where the output has no styles (not a
    terminal: a file, a pipe), this draws the same characters from the cells'
    text with rich's own rules: the columns' widths measured and collapsed
    as ``Table._calculate_column_widths`` does, each cell word-wrapped as
    ``Text.wrap`` does (``divide_line``), the heavy-head box. On a terminal
    (styles to draw), or with text rich would treat otherwise, the table is
    rich's (:meth:`rich_table`); tests hold the two to the same bytes.

    A fixed column (``columns``' third item true) is as wide as its widest line,
    header included (rich's ``width=``, ``no_wrap=True``): an amount or a code is
    never broken, only the free columns fold. Where even the free columns at
    their narrowest leave no room, rich squeezes every column
    (``ratio_reduce``): that table is rich's too.
    """

    __slots__ = ("columns", "rows", "title")

    def __init__(
        self,
        title: str,
        columns: tuple[tuple[str, str, bool], ...],
        rows: list[list[str | Text]],
    ) -> None:
        self.title = title
        self.columns = columns  # (header, "left" | "right", fixed)
        self.rows = rows

    def _grid(self) -> list[list[str]]:
        grid = [[name for name, _, _ in self.columns]]
        grid += [
            [cell if isinstance(cell, str) else cell.plain for cell in row] for row in self.rows
        ]
        return grid

    def fixed_widths(self) -> list[int | None]:
        """Each fixed column's width (its widest line, without padding); None for a free one."""
        columns = list(zip(*self._grid(), strict=True))
        return [
            max(_measure(cell)[1] for cell in column) if fixed else None
            for column, (_, _, fixed) in zip(columns, self.columns, strict=True)
        ]

    def free_width(self, max_width: int) -> int:
        """The cells left to the free columns (padding included) within ``max_width``."""
        count = len(self.columns)
        fixed = sum(w + 2 for w in self.fixed_widths() if w is not None)
        return max_width - (2 + count - 1) - fixed

    def rich_table(self) -> Table:
        from rich.table import Table

        table = Table(title=table_title(self.title), title_justify="left", show_lines=True)
        for (name, justify, _fixed), width in zip(self.columns, self.fixed_widths(), strict=True):
            if width is None:
                table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
            else:
                table.add_column(name, justify=justify, width=width, no_wrap=True)  # type: ignore[arg-type]
        aligned = [j for _, j, _ in self.columns]
        for row in self.rows:
            table.add_row(*[_cell(cell, j) for cell, j in zip(row, aligned, strict=True)])
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = None
        if console.color_system is None and not options.ascii_only and not options.legacy_windows:
            lines = self.lines(options.max_width)
        if lines is None:
            yield self.rich_table()
            return
        from rich.segment import Segment

        new_line = Segment.line()
        for line in lines:
            yield Segment(line)
            yield new_line

    def lines(self, max_width: int) -> list[str] | None:
        """The table's lines within ``max_width`` cells, or None to leave it to rich."""
        from rich.table import Table

        grid = self._grid()
        if any(_UNUSUAL.search(cell) for row in grid for cell in row) or _UNUSUAL.search(
            self.title
        ):
            return None
        count = len(self.columns)
        available = max_width - (2 + count - 1)  # the edges and the dividers
        if available < 3 * count:
            return None
        grid = [[cell.replace(GLUE, _JOINED) for cell in row] for row in grid]
        fixed = self.fixed_widths()
        columns = list(zip(*grid, strict=True))
        measures = [[_measure(cell) for cell in column] for column in columns]

        def width_of(index: int, width: int) -> int:
            w = fixed[index]
            if w is not None:
                return min(w + 2, width)
            return _column_width(measures[index], width)

        widths = [width_of(i, available) or 1 for i in range(count)]
        if sum(widths) > available:
            widths = Table._collapse_widths(widths, [w is None for w in fixed], available)
            if sum(widths) > available:
                return None  # rich squeezes every column: its table
            widths = [width_of(i, w) for i, w in enumerate(widths)]
        if min(widths) < 3:
            return None
        justify = [j for _, j, _ in self.columns]
        table_width = sum(widths) + 2 + count - 1
        out = _wrap(self.title, table_width, "left")
        out.append("┏" + "┳".join("━" * w for w in widths) + "┓")
        last = len(grid) - 1
        for index, row in enumerate(grid):
            cells = [
                [f" {text} " for text in _wrap(cell, w - 2, j)]
                for cell, w, j in zip(row, widths, justify, strict=True)
            ]
            height = max(len(cell) for cell in cells)
            for cell, w in zip(cells, widths, strict=True):
                blank = [" " * w] * (height - len(cell))
                # The header is aligned to the bottom of its row, the rows to the top.
                cell[:] = blank + cell if index == 0 else cell + blank
            bar = "┃" if index == 0 else "│"
            out.extend(bar + bar.join(parts) + bar for parts in zip(*cells, strict=True))
            if index == 0:
                out.append("┡" + "╇".join("━" * w for w in widths) + "┩")
            elif index != last:
                out.append("├" + "┼".join("─" * w for w in widths) + "┤")
        out.append("└" + "┴".join("─" * w for w in widths) + "┘")
        return [line.replace(_JOINED, " ") for line in out]


def _cell(cell: str | Text, justify: str) -> RenderableType:
    """A cell of a :class:`TextTable` drawn by rich: literal text, or glued text
    (:class:`_Glued`) where it holds a glue."""
    text = cell if isinstance(cell, str) else cell.plain
    if GLUE not in text:
        return plain(cell)
    return _Glued(text, justify, "" if isinstance(cell, str) else cell.style)


def _cells(text: str) -> int:
    """Cells ``text`` takes on a terminal: its length, for ASCII."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _measure(text: str) -> tuple[int, int]:
    """A cell's narrowest and widest widths without its padding (``Text.__rich_measure__``)."""
    lines = text.splitlines()
    widest = max(map(_cells, lines)) if lines else 0
    words = text.split()
    narrowest = max(map(_cells, words)) if words else widest
    return narrowest, widest


def _column_width(measures: list[tuple[int, int]], width: int) -> int:
    """A column's width within ``width`` (``Table._measure_column``: the widest of
    its padded cells, each measured as ``Measurement.get`` does)."""
    widest = 0
    for narrowest, cell_widest in measures:
        if width - 2 < 1:
            cell = width
        else:
            low = min(max(0, narrowest), cell_widest)
            high = min(max(0, max(low, cell_widest)), width)
            if high < 1:
                high = 0
            cell = min(high + 2, width)
        widest = max(widest, cell)
    return min(widest, width)


def _wrap(text: str, width: int, justify: str) -> list[str]:
    """``text`` word-wrapped into lines of ``width`` cells, as ``Text.wrap`` with
    ``overflow="fold"`` and the justification given, each line padded."""
    from rich._wrap import divide_line
    from rich.cells import set_cell_size

    out = []
    for line in text.split("\n"):
        length = _cells(line)
        if length <= width:  # no break: every word fits (divide_line gives none)
            if justify == "right":
                piece = line.rstrip()
                out.append(" " * (width - _cells(piece)) + piece)
            else:
                out.append(line + " " * (width - length))
            continue
        offsets = divide_line(line, width, fold=True)
        for start, end in zip([0, *offsets], [*offsets, len(line)], strict=True):
            piece = line[start:end]
            if len(piece) > width:  # Text.rstrip_end
                trailing = len(piece) - len(piece.rstrip())
                if trailing:
                    piece = piece[: len(piece) - min(trailing, len(piece) - width)]
            if justify == "right":
                piece = piece.rstrip()
                if _cells(piece) > width:
                    piece = set_cell_size(piece, width)
                piece = " " * (width - _cells(piece)) + piece
            else:
                length = _cells(piece)
                if length > width:
                    piece = set_cell_size(piece, width)
                elif length < width:
                    piece += " " * (width - length)
            out.append(piece)
    return out


#: The column of what deductibles took off: a franchigia or a scoperto, which Italian
#: names both (:func:`_heading`).
_DEDUCTIBLE = "Deductible"

#: The columns of a person's table, wide layout: header, justification, fixed
#: (amounts and codes: never wrapped) or free (folding).
_PERSON_COLUMNS = (
    (N_("Line"), "left", True),
    (N_("Guarantee"), "left", False),
    (N_("Art."), "left", True),
    (N_("Claimed"), "right", True),
    (N_("Assessed"), "right", True),
    (_DEDUCTIBLE, "right", True),
    (N_("Limit applied"), "right", True),
    (N_("Paid"), "right", True),
    (N_("Reason"), "left", False),
)

#: The narrow layout: the guarantee's name, article, what was taken off and why
#: fold under its code, beside the line's claimed and paid amounts.
_NARROW_COLUMNS = (
    (N_("Line"), "left", True),
    (N_("Guarantee / reason"), "left", False),
    (N_("Claimed"), "right", True),
    (N_("Paid"), "right", True),
)

#: Below this width a person's table is narrow (:class:`PersonTable`).
WIDE_FROM = 100
#: A free column of the wide layout gets at least this many cells (padding included).
_FREE_MINIMUM = 24


class PersonTable:
    """A person's table in the layout that fits the width it is drawn in.

    The wide layout (a column for each amount, the reason beside them) is
    drawn from :data:`WIDE_FROM` cells when its free columns (guarantee,
    reason) each keep room for the longest guarantee code and
    ``_FREE_MINIMUM`` cells; below, the narrow one (line, guarantee code with
    the name and reasons folded under it, claimed, paid), never a squeezed
    wide one. Amounts stay whole in both.
    """

    __slots__ = ("codes", "narrow", "wide")

    def __init__(self, wide: TextTable, narrow: TextTable, codes: list[str]) -> None:
        self.wide = wide
        self.narrow = narrow
        self.codes = codes

    def layout(self, max_width: int) -> TextTable:
        """The layout drawn in ``max_width`` cells."""
        if max_width < WIDE_FROM:
            return self.narrow
        free = max([_FREE_MINIMUM, *(_cells(code) + 2 for code in self.codes)])
        return self.wide if self.wide.free_width(max_width) >= 2 * free else self.narrow

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.layout(options.max_width)


# --------------------------------------------------------------------------- settlements


def _columns(
    columns: tuple[tuple[str, str, bool], ...],
) -> tuple[tuple[str, str, bool], ...]:
    """Column specs with their headers in the current language."""
    return tuple((_heading(header), justify, fixed) for header, justify, fixed in columns)


def _heading(header: str) -> str:
    if header == _DEDUCTIBLE:
        # TRANSLATORS: the heading of the amounts deductibles took off, either kind.
        return pgettext("franchigia or scoperto", "Deductible")
    return _(header)


#: The kinds of deductible a line's steps took, by reason code.
_DEDUCTIBLE_CODES = {Code.FRANCHIGIA: "franchigia", Code.SCOPERTO: "scoperto"}


def _deductible_taken(line: LineResult) -> str:
    """``deductible €…`` in the narrow layout, in Italian with its kind: a franchigia,
    a scoperto (Imaway M6) or both; an invalidity threshold is a franchigia on points."""
    kinds = {_DEDUCTIBLE_CODES[s.code] for s in line.trace if s.code in _DEDUCTIBLE_CODES}
    amount = format_eur(line.deductible)
    if kinds == {"scoperto"}:
        return pgettext("scoperto", "deductible {amount}").format(amount=amount)
    if kinds == {"franchigia", "scoperto"}:
        return pgettext("franchigia and scoperto", "deductible {amount}").format(amount=amount)
    return _("deductible {amount}").format(amount=amount)


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else format_eur(amount)


def settlement_tables(settlement: Settlement, explain: bool = False) -> list[RenderableType]:
    """One table per insured person, then totals; ``explain`` adds every step."""
    from rich.table import Table
    from rich.text import Text

    out: list[RenderableType] = [
        Text(
            _("Claim {claim} — {product}@{edition} level {level} — event {date} ({zone})").format(
                claim=settlement.claim_id,
                product=settlement.product_id,
                edition=settlement.edition,
                level=settlement.level,
                date=settlement.event_date,
                zone=settlement.zone,
            ),
            style="bold",
        )
    ]
    for person in settlement.insured:
        wide: list[list[str | Text]] = []
        narrow: list[list[str | Text]] = []
        for line in person.lines:
            title = f"{line.guarantee}\n{line.title}"
            if line.kind == "advance":
                title += f" [{_(_KIND_TEXT['advance'])}]"
            limit = (
                ""
                if line.limit is None
                else f"{format_eur(line.limit.amount)}\n({line.limit.article})"
            )
            paid = Text(format_eur(line.paid), style="bold" if line.paid else "dim")
            reason = glued(line.reason_text())
            wide.append(
                [
                    line.line_id,
                    title,
                    line.article,
                    _money(line.claimed),
                    format_eur(line.assessed_loss),
                    format_eur(line.deductible),
                    limit,
                    paid,
                    reason,
                ]
            )
            # Each amount on a line of its own: a free column folds between words.
            folded = [f"{title} ({line.article})"]
            if line.claimed != line.assessed_loss:
                folded.append(_("assessed {amount}").format(amount=format_eur(line.assessed_loss)))
            if line.deductible:
                folded.append(_deductible_taken(line))
            if line.limit is not None:
                folded.append(
                    _("limit {amount} ({article})").format(
                        amount=format_eur(line.limit.amount), article=line.limit.article
                    )
                )
            if reason:
                folded.append(reason)
            narrow.append([line.line_id, glued("\n".join(folded)), _money(line.claimed), paid])
        title = _("Insured {ref} (age {age} at subscription)").format(
            ref=person.ref, age=person.age
        )
        out.append(
            PersonTable(
                TextTable(title, _columns(_PERSON_COLUMNS), wide),
                TextTable(title, _columns(_NARROW_COLUMNS), narrow),
                [line.guarantee for line in person.lines],
            )
        )
        if explain:
            for line in person.lines:
                steps = Table(
                    title=table_title(
                        _("Line {line}: {guarantee} — steps").format(
                            line=line.line_id, guarantee=line.guarantee
                        )
                    ),
                    title_justify="left",
                )
                for name in (_("Step"), _("Code"), _("Art.")):
                    steps.add_column(name, no_wrap=True)
                steps.add_column(_("What"), overflow="fold")
                steps.add_column(_("Amount"), justify="right", no_wrap=True)
                for step in line.trace:
                    steps.add_row(
                        plain(step.step.value),
                        plain(step.code.value),
                        plain(step.article),
                        _cell(glued(step.text), "left"),
                        plain("" if step.amount is None else format_eur(step.amount)),
                    )
                out.append(steps)
    totals = Table(title=table_title(_("Totals")), title_justify="left", show_header=False)
    totals.add_column(_("What"), overflow="fold")
    totals.add_column(_("Amount"), justify="right", no_wrap=True)
    add_row(totals, _("Claimed (documented, EUR)"), format_eur(settlement.claimed))
    add_row(
        totals,
        Text(_("Indemnities paid"), style="bold"),
        Text(format_eur(settlement.indemnity), style="bold"),
    )
    add_row(totals, _("Advances (to be repaid)"), format_eur(settlement.advances))
    out.append(totals)
    return out


# --------------------------------------------------------------------------- diffs


def _diff_value(value: object, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Token):
        return amount_text(value)
    if isinstance(value, Decimal | int) and unit == "eur":
        return format_eur(Decimal(value))
    if isinstance(value, Decimal | int) and unit:
        return f"{value}{unit}" if unit == "%" else f"{value} {_(_UNIT_TEXT.get(unit, unit))}"
    return str(value)


_EFFECT_TEXT = {
    "more_cover": N_("↑ more cover"),
    "less_cover": N_("↓ less cover"),
    "changed": N_("changed"),
}
_CHANGE_TEXT = {
    "added": N_("added"),
    "removed": N_("removed"),
    "increased": N_("increased"),
    "decreased": N_("decreased"),
    "changed": N_("changed"),
}


#: A value of a diff this short is never wrapped (an amount, a token, a percentage).
_SHORT_VALUE = 20


def _diff_table(code: str, differences: list[Difference], narrow: bool = False) -> Table:
    """A section's differences; ``narrow``: guarantee, what (zone, articles and
    change folded in), old, new."""
    from rich.table import Table
    from rich.text import Text

    values = [_diff_value(v, d.unit) for d in differences for v in (d.old, d.new)]
    short = all(_cells(v) <= _SHORT_VALUE for v in values)
    value = {"justify": "right", "no_wrap": True} if short else {"overflow": "fold"}
    table = Table(
        title=table_title(_("Section {code}").format(code=code)),
        title_justify="left",
        show_lines=narrow,
    )
    table.add_column(_("Guarantee"), no_wrap=True)
    table.add_column(_("What"), overflow="fold")
    if not narrow:
        table.add_column(_("Zone"), overflow="fold")
    table.add_column(_("Old"), **value)
    if not narrow:
        table.add_column(_("Art."), no_wrap=True)
    table.add_column(_("New"), **value)
    if not narrow:
        table.add_column(_("Art."), no_wrap=True)
        table.add_column(_("Change"), overflow="fold")
    for d in differences:
        style = {"more_cover": "green", "less_cover": "red"}.get(d.effect.value, "")
        change = Text(
            f"{_(_CHANGE_TEXT[d.change.value])}, {_(_EFFECT_TEXT[d.effect.value])}", style=style
        )
        zone = d.zone or (_("all") if d.zoned else "")
        old, new = _diff_value(d.old, d.unit), _diff_value(d.new, d.unit)
        if narrow:
            what = Text(f"{d.subject}: {d.field}")
            if zone:
                what.append("\n" + _("zone {zone}").format(zone=zone))
            articles = f"{d.old_article or '—'} → {d.new_article or '—'}"
            what.append(f"\nArt. {articles}\n").append_text(change)
            add_row(table, d.guarantee or _("(section)"), what, old, new)
        else:
            add_row(
                table,
                d.guarantee or _("(section)"),
                f"{d.subject}: {d.field}",
                zone,
                old,
                d.old_article or "",
                new,
                d.new_article or "",
                change,
            )
    return table


class ByWidth:
    """The wide renderable from ``wide_from`` cells, the narrow one below."""

    __slots__ = ("narrow", "wide", "wide_from")

    def __init__(
        self, wide: RenderableType, narrow: RenderableType, wide_from: int = WIDE_FROM + 20
    ) -> None:
        self.wide = wide
        self.narrow = narrow
        self.wide_from = wide_from

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.wide if options.max_width >= self.wide_from else self.narrow


def diff_tables(diff: ProductDiff) -> list[RenderableType]:
    """One table per section: each difference, old → new, with both articles."""
    from rich.text import Text

    out: list[RenderableType] = [Text(f"{diff.old.label} → {diff.new.label}", style="bold")]
    if diff.equivalent:
        out.append(Text(_("No differences in cover.")))
        return out
    sections: dict[str, list[Difference]] = {}
    for difference in diff.differences:
        sections.setdefault(difference.section, []).append(difference)
    for code, differences in sections.items():
        out.append(ByWidth(_diff_table(code, differences), _diff_table(code, differences, True)))
    more = sum(1 for d in diff.differences if d.effect.value == "more_cover")
    less = sum(1 for d in diff.differences if d.effect.value == "less_cover")
    out.append(
        Text(
            _("{count} differences: {more} give more cover, {less} less.").format(
                count=len(diff.differences), more=more, less=less
            )
        )
    )
    return out


def impact_tables(result: Impact) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    out: list[RenderableType] = []
    summary = Table(
        title=table_title(_("Impact on {count} claims").format(count=result.claims)),
        title_justify="left",
        show_header=False,
    )
    summary.add_column(_("What"))
    summary.add_column(_("Value"), justify="right")
    add_row(summary, _("settled under both"), str(result.compared))
    add_row(summary, _("failed"), str(result.failed))
    add_row(summary, _("skipped (another product)"), str(result.skipped))
    add_row(summary, _("settlements changed"), str(result.changed))
    paid_under = _("paid under {side}")
    add_row(summary, paid_under.format(side=result.old.label), format_eur(result.old_total))
    add_row(summary, paid_under.format(side=result.new.label), format_eur(result.new_total))
    add_row(
        summary,
        Text(_("change"), style="bold"),
        Text(format_eur(result.new_total - result.old_total), style="bold"),
    )
    out.append(summary)
    if result.by_guarantee:
        table = Table(title=table_title(_("Change by guarantee")), title_justify="left")
        for name, justify in (
            (_("Guarantee"), "left"),
            (_("Old"), "right"),
            (_("New"), "right"),
            (_("Change"), "right"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for code, (old, new) in sorted(result.by_guarantee.items()):
            add_row(table, code, format_eur(old), format_eur(new), format_eur(new - old))
        out.append(table)
    if result.largest:
        table = Table(title=table_title(_("Largest changes")), title_justify="left")
        for name in (_("Claim"), _("Old"), _("New"), _("Change"), _("Why")):
            table.add_column(name, overflow="fold")
        for change in result.largest:
            add_row(
                table,
                change.claim_id,
                format_eur(change.old),
                format_eur(change.new),
                format_eur(change.delta),
                "\n".join(change.why),
            )
        out.append(table)
    for error in result.errors:
        out.append(Text(_("failed: {error}").format(error=error), style="red"))
    return out
