"""The shipped examples: each settles, through the CLI, to the totals its case
expects (``products/<id>/cases/*.yaml``, ``example:``), and every section of
every product has one. Nothing here names a product: its folder is enough."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimcalc.cases import Case, find_case_files, load_cases
from claimcalc.cli import main
from claimcalc.product.catalog import catalog
from tests.conftest import EXAMPLES, ROOT, example, product

CASES = load_cases(find_case_files())
#: The cases that settle an example claim as it is (no claim or lines of their own).
WHOLE = [
    case
    for case in CASES
    if case.example is not None and case.claim_data == json.loads(case.example.read_bytes())
]
#: Each example's indemnity, computed by hand: as a case settling it as it is expects.
INDEMNITY = {
    case.example: case.expect.indemnity
    for case in WHOLE
    if case.example is not None and case.expect.indemnity is not None
}
D_MEDICAL_USA = example("imaway", "D-medical-usa.json")


def test_every_example_is_used_by_a_case() -> None:
    used = {case.example for case in CASES}
    assert [path for path in EXAMPLES if path.resolve() not in used] == []


def test_every_example_has_its_indemnity_computed_by_hand() -> None:
    """A case starts from it, adds nothing and expects its indemnity."""
    assert [path for path in EXAMPLES if path.resolve() not in INDEMNITY] == []
    for case in WHOLE:
        assert case.example is not None
        assert case.expect.indemnity in (None, INDEMNITY[case.example]), case.where


def test_at_least_one_example_per_section_of_each_product() -> None:
    for entry in catalog():
        letters = {
            path.name.split("-")[0] for path in (entry.path.parent / "examples").glob("*.json")
        }
        missing = [s.code for s in product(entry.ref).sections if s.code not in letters]
        assert missing == [], f"{entry.ref}: no example for sections {missing}"


@pytest.mark.parametrize(
    "case", WHOLE, ids=[f"{c.file.parent.parent.name}: {c.name}" for c in WHOLE]
)
def test_example_settles_to_its_hand_computed_total(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    assert case.example is not None
    code = main(["settle", str(case.example), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    totals = json.loads(out)["totals"]
    for key, expected in (
        ("indemnity", case.expect.indemnity),
        ("advances", case.expect.advances),
    ):
        if expected is not None:
            assert totals[key] == expected, key


def test_the_readme_main_command_prints_the_itemised_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "claimcalc settle products/imaway/examples/D-medical-usa.json"
    assert command in readme
    code = main(["settle", str(D_MEDICAL_USA)])
    out = capsys.readouterr().out
    assert code == 0
    for text in (
        "D.medical_pharma",
        "€ 2.000,00",
        "franchigia € 50,00",
        "(D3)",
        "Indemnities paid",
        "€ 5.708,23",
    ):
        assert text in out


def test_explain_shows_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    main(["settle", str(D_MEDICAL_USA), "--explain"])
    out = capsys.readouterr().out
    assert "Line 2: D.medical_pharma — steps" in out
    assert "2650.00 USD at 1.0897 per EUR of 2026-04-08" in out
    assert "within_limit" in out


def test_rates_file_supplies_missing_fixings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = json.loads(D_MEDICAL_USA.read_text(encoding="utf-8"))
    del claim["rates"]
    (tmp_path / "claim.json").write_text(json.dumps(claim), encoding="utf-8")
    # ECB's layout: Date first, trailing comma, N/A where a currency has no fixing
    (tmp_path / "eurofxref-hist.csv").write_text(
        "Date,USD,JPY,GBP,\n2026-04-08,1.0897,N/A,0.8550,\n2026-04-07,1.0912,161.2,0.8561,\n",
        encoding="utf-8",
    )
    code = main(
        [
            "settle",
            str(tmp_path / "claim.json"),
            "--rates",
            str(tmp_path / "eurofxref-hist.csv"),
            "--format",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["totals"]["indemnity"] == "5708.23"
