"""Data in rich tables is printed as it is: ``[...]`` is text, never markup."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from claimcalc.claim.read import read_claim
from claimcalc.cli import main
from claimcalc.output.tables import settlement_tables
from claimcalc.settling.engine import settle
from tests.conftest import ROOT, example, product

IMAWAY_FILE = ROOT / "products" / "imaway" / "2026-01.yaml"
TITLE = "code: H.missed_services\n        title: Perdita dei servizi\n"
BRACKETED = "code: H.missed_services\n        title: Perdita [H1] [bold]\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(list(args))
    out, _ = capsys.readouterr()
    return out


@pytest.fixture
def bracketed(tmp_path: Path) -> Path:
    text = IMAWAY_FILE.read_text(encoding="utf-8")
    assert text.count(TITLE) == 1
    path = tmp_path / "2026-01.yaml"
    path.write_text(text.replace(TITLE, BRACKETED), encoding="utf-8")
    return path


def test_products_show_keeps_brackets(
    capsys: pytest.CaptureFixture[str], bracketed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    out = run(capsys, "products", "show", str(bracketed), "--level", "top")
    assert "Perdita [H1] [bold]" in out
    # M6's waiver, a condition with a list
    assert "waived when (cause in [death," in out


def test_diff_keeps_brackets(
    capsys: pytest.CaptureFixture[str], bracketed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    out = run(capsys, "diff", str(IMAWAY_FILE), str(bracketed))
    assert "Perdita [H1] [bold]" in out


def test_settle_keeps_brackets(
    capsys: pytest.CaptureFixture[str], bracketed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    claim = example("imaway", "H-missed-services.json")
    out = run(capsys, "settle", str(claim), "--product", str(bracketed), "--explain")
    assert "Perdita [H1] [bold]" in out


def test_settlement_tables_keep_a_bracketed_line_id() -> None:
    # The claim format allows no brackets in ids; the tables must not depend on it.
    settlement = settle(read_claim(example("imaway", "H-missed-services.json")), product("imaway"))
    settlement.claim_id = "IMA-[2026]-1"
    line = settlement.insured[0].lines[0]
    line.line_id = "[red]1[/red]"
    console = Console(file=io.StringIO(), width=400, highlight=False)
    for renderable in settlement_tables(settlement, explain=True):
        console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Claim IMA-[2026]-1" in out
    assert "│ [red]1[/red] " in out
    assert "Line [red]1[/red]: H.missed_services — steps" in out
