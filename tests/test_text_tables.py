"""A person's settlement table, drawn from its text, is rich's table to the byte.

``TextTable`` draws the table without rich's renderables where the output has
no styles (issue #16: 2.7 ms a person with rich); these tests hold its lines
to what rich prints for the same table, for every example claim and for
random cells (words, long words folded, wide characters, blank lines, no
rows, fixed columns that never wrap), at widths from narrow to wide, in both
layouts of a person's table (issue #18).
"""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from claimcalc import load_product, read_claim, settle
from claimcalc.output.tables import (
    _NARROW_COLUMNS,
    _PERSON_COLUMNS,
    PersonTable,
    TextTable,
    settlement_tables,
)
from tests.conftest import EXAMPLES

WIDTHS = (30, 45, 60, 80, 100, 120, 160, 250)


def printed(renderable: object, width: int, **options: object) -> str:
    out = io.StringIO()
    Console(file=out, width=width, highlight=False, **options).print(renderable)  # type: ignore[arg-type]
    return out.getvalue()


def person_tables(path: Path) -> list[TextTable]:
    claim = read_claim(path)
    settlement = settle(claim, load_product(claim.product_ref))
    persons = [t for t in settlement_tables(settlement) if isinstance(t, PersonTable)]
    return [table for person in persons for table in (person.wide, person.narrow)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_person_tables_are_richs_tables(path: Path) -> None:
    tables = person_tables(path)
    assert tables
    for table in tables:
        for width in WIDTHS:
            assert printed(table, width) == printed(table.rich_table(), width), width
    assert any(table.lines(160) is not None for table in tables)  # drawn from the text
    assert all(table.lines(80) is not None for table in tables[1::2])  # narrow, at 80 too


def test_random_cells_are_drawn_as_rich_draws_them() -> None:
    rng = random.Random(16)
    alphabet = "abc de  € — × 日本 ≤ [x] (F5)\n  ,.-\u00a0"  # a glue (tables.GLUE) too

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 3, 8, 13, 30, 70])))

    drawn = 0
    for _ in range(400):
        columns = rng.choice([_PERSON_COLUMNS, _NARROW_COLUMNS])
        if rng.random() < 0.3:  # any column fixed or free
            columns = tuple((name, j, rng.random() < 0.5) for name, j, _ in columns)
        rows: list[list[str | Text]] = [
            [
                Text(text(), style="bold") if column == 3 else text()
                for column in range(len(columns))
            ]
            for _ in range(rng.randint(0, 3))
        ]
        table = TextTable(text().replace("\n", " ") + "title", columns, rows)
        width = rng.choice(WIDTHS)
        drawn += table.lines(width) is not None
        assert printed(table, width) == printed(table.rich_table(), width), (rows, width)
    assert drawn > 150


def test_a_terminal_gets_richs_table_with_its_styles() -> None:
    table = person_tables(EXAMPLES[0])[0]
    styled = printed(table, 160, force_terminal=True, color_system="standard")
    assert "\x1b[" in styled
    assert styled == printed(table.rich_table(), 160, force_terminal=True, color_system="standard")


def test_text_rich_would_change_is_left_to_rich() -> None:
    table = TextTable("t", _PERSON_COLUMNS, [["a\tb", *[""] * 8]])
    assert table.lines(160) is None
    assert printed(table, 160) == printed(table.rich_table(), 160)


def test_an_amount_in_a_reason_stays_on_one_line() -> None:
    """The "€" and its number on one line in the tables: at 80 columns (the narrow
    layout) D-medical-usa's reason folded "limit €" / "2.000,00 per insured". Drawn
    from the text (a file, a pipe) and by rich (a terminal), with --explain's steps;
    the texts of the settlement (its JSON, a ledger's documents) keep their space."""
    from claimcalc.output.documents import settlement_json

    path = next(p for p in EXAMPLES if p.name == "D-medical-usa.json")
    claim = read_claim(path)
    settlement = settle(claim, load_product(claim.product_ref))
    for options in ({}, {"force_terminal": True, "color_system": "standard"}):
        out = "".join(
            printed(table, 80, **options) for table in settlement_tables(settlement, explain=True)
        )
        out = re.sub(r"\x1b\[[0-9;]*m", "", out)
        assert "limit € 2.000,00 per insured" in " ".join(out.replace("│", " ").split())
        assert not re.search(r"€\s*[│┃]", out), out
        assert "\u00a0" not in out
    document = json.dumps(settlement_json(settlement), ensure_ascii=False)
    assert "limit € 2.000,00 per insured" in document and "\u00a0" not in document


@pytest.mark.parametrize("width", [80, 100, 120])
def test_no_amount_is_parted_from_its_euro_sign(width: int) -> None:
    """Every example, every table, --explain's steps too (narrower, the steps'
    text column can be narrower than an amount: rich then folds it as any word)."""
    for path in EXAMPLES:
        claim = read_claim(path)
        settlement = settle(claim, load_product(claim.product_ref))
        for table in settlement_tables(settlement, explain=True):
            out = printed(table, width)
            assert not re.search(r"€\s*[│┃]", out), (path.name, out)
