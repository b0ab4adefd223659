"""Tables that fit (issue #18 point 1): at 80, 100 and 160 columns a settlement's
tables stay within the width, every amount and guarantee code whole on a line.

Every shipped example claim is rendered through the command line (``COLUMNS``
set, output piped: not a terminal) and in-process (``Console(width=)``, plain
and styled); the amounts checked are those of its JSON settlement, formatted
as the tables format them (``€ 3.528,23``).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from claimcalc import load_product, read_claim, settle
from claimcalc.money import format_eur
from claimcalc.output import tables
from claimcalc.output.documents import settlement_json
from claimcalc.output.tables import WIDE_FROM, PersonTable, settlement_tables
from tests.conftest import EXAMPLES

WIDTHS = (80, 100, 160)


def must_be_whole(document: dict[str, Any], wide: bool = False) -> tuple[Counter[str], set[str]]:
    """The amounts (as the tables print them, each as often as a cell shows it) and
    guarantee codes of a JSON settlement; ``wide``: with each line's assessed loss
    and deductible, the wide layout's columns."""
    totals = document["totals"]
    amounts = Counter(format_eur(Decimal(totals[k])) for k in ("claimed", "indemnity", "advances"))
    codes = set()
    fields = ["claimed", "paid", *(["assessed_loss", "deductible"] if wide else [])]
    for person in document["insured"]:
        for line in person["lines"]:
            codes.add(line["guarantee"])
            amounts.update(
                format_eur(Decimal(line[field])) for field in fields if line[field] is not None
            )
    return amounts, codes


def problems(text: str, width: int, document: dict[str, Any], explain: bool = False) -> list[str]:
    """What is wrong with tables printed in ``width`` columns: a line too long, an
    amount not whole in its cell, a guarantee code not whole on a line."""
    lines = text.splitlines()
    found = [f"line of {len(line)} > {width}: {line!r}" for line in lines if len(line) > width]
    amounts, codes = must_be_whole(document, wide="Assessed" in text)
    found += [
        f"not whole on a line: {code}"
        for code in sorted(codes)
        if not any(code in line for line in lines)
    ]
    # Each amount a cell of its own, whole: "│ € 3.528,23 │", not "│ € 3.528, │" then "│ 23 │".
    cells = Counter(cell.strip() for line in lines for cell in line.split("│")[1:-1])
    if explain:  # the steps repeat amounts: each at least once
        amounts = Counter(set(amounts))
    found += [
        f"not whole in {needed - cells[amount]} cell(s): {amount}"
        for amount, needed in sorted(amounts.items())
        if cells[amount] < needed
    ]
    return found


def document(path: Path) -> dict[str, Any]:
    claim = read_claim(path)
    result: dict[str, Any] = settlement_json(settle(claim, load_product(claim.product_ref)))
    return result


def printed(path: Path, width: int, explain: bool = False, **options: Any) -> str:
    claim = read_claim(path)
    settlement = settle(claim, load_product(claim.product_ref))
    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False, **options)
    for renderable in settlement_tables(settlement, explain=explain):
        console.print(renderable)
    return out.getvalue()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_command_prints_tables_that_fit(path: Path) -> None:
    settled = document(path)
    for width in WIDTHS:
        env = {**os.environ, "COLUMNS": str(width)}
        out = subprocess.run(
            [sys.executable, "-m", "claimcalc", "settle", str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        assert out.startswith("Claim ")
        assert problems(out, width, settled) == [], width


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("width", WIDTHS)
def test_tables_fit_in_process(path: Path, width: int) -> None:
    settled = document(path)
    for explain in (False, True):
        assert problems(printed(path, width, explain), width, settled, explain) == []
    # A terminal (styles: rich's own table) keeps them whole too.
    styled = printed(path, width, force_terminal=True, color_system=None)
    assert problems(styled, width, settled) == []


def test_the_narrow_layout_is_chosen_below_a_width() -> None:
    path = next(p for p in EXAMPLES if p.name == "D-medical-usa.json")
    settlement = settle(read_claim(path), load_product(read_claim(path).product_ref))
    person = next(t for t in settlement_tables(settlement) if isinstance(t, PersonTable))
    assert person.layout(80) is person.narrow
    assert person.layout(WIDE_FROM - 1) is person.narrow
    assert person.layout(160) is person.wide
    narrow, wide = printed(path, 80), printed(path, 160)
    assert "Guarantee / reason" in narrow and "Assessed" not in narrow
    assert "Assessed" in wide and "Limit applied" in wide
    # The narrow layout folds what was taken off under its line.
    assert "deductible € 50,00" in narrow and "limit € 2.000,00 (D2 a)" in narrow


def test_a_narrow_amount_column_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # The check above fails if an amount column is narrower than its amounts.
    planted = tables.TextTable.fixed_widths

    def narrow(self: tables.TextTable) -> list[int | None]:
        return [None if w is None else min(w, 6) for w in planted(self)]

    monkeypatch.setattr(tables.TextTable, "fixed_widths", narrow)
    path = next(p for p in EXAMPLES if p.name == "D-medical-usa.json")
    found = problems(printed(path, 80), 80, document(path))
    assert "not whole in 2 cell(s): € 3.528,23" in found


def test_the_json_settlement_is_what_the_tables_show() -> None:
    # must_be_whole reads the document the command prints with --format json.
    path = EXAMPLES[0]
    out = subprocess.run(
        [sys.executable, "-m", "claimcalc", "settle", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert must_be_whole(json.loads(out)) == must_be_whole(document(path))


def test_the_readmes_narrow_table_is_what_settle_prints() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split(
        "$ COLUMNS=80 claimcalc settle products/imaway/examples/D-medical-usa.json"
    )
    shown = [line for line in block[1].split("```")[0].splitlines() if line and line[0] in "┏┃┡│"]
    path = next(p for p in EXAMPLES if p.name == "D-medical-usa.json")
    out = printed(path, 80).splitlines()
    assert len(shown) > 5
    assert all(line in out for line in shown)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("old", "new"), [("easy", "top"), ("top", "easy"), ("easy", "smart")])
def test_diff_tables_fit(width: int, old: str, new: str) -> None:
    from claimcalc.compare.diff import diff_products
    from claimcalc.output.tables import _diff_value, diff_tables

    imaway = load_product("imaway")
    diff = diff_products(imaway, imaway, old, new)
    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False)
    for renderable in diff_tables(diff):
        console.print(renderable)
    lines = out.getvalue().splitlines()
    assert [line for line in lines if len(line) > width] == []
    cells = Counter(cell.strip() for line in lines for cell in line.split("│")[1:-1])
    for d in diff.differences:
        assert d.guarantee is None or cells[d.guarantee], d.guarantee
        for value in (d.old, d.new):
            if d.unit == "eur" and isinstance(value, Decimal):
                assert cells[_diff_value(value, d.unit)], (value, width)


@pytest.mark.parametrize("width", WIDTHS[:2])
@pytest.mark.parametrize("product_id", ["imaway", "wi-school"])
def test_product_tables_fit(width: int, product_id: str) -> None:
    import re

    from claimcalc.output.tables import product_tables

    shown = load_product(product_id)
    for level in (None, *shown.level_ids):
        out = io.StringIO()
        console = Console(file=out, width=width, highlight=False)
        for renderable in product_tables(shown, level):
            console.print(renderable)
        lines = out.getvalue().splitlines()
        assert [line for line in lines if len(line) > width] == [], level
        cells = [cell.strip() for line in lines for cell in line.split("│")[1:-1]]
        # No "€" left at the end of a cell, no amount cut after its thousands or comma.
        assert [c for c in cells if re.search(r"€$|€ [\d.]*\d(,\d?)?$", c)] == [], level
        codes = {g.code for s in shown.sections for g in s.guarantees}
        assert {c for c in codes if not any(c in line for line in lines)} == set(), level
