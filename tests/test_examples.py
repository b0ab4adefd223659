"""The shipped examples settle, through the CLI, to the totals computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimcalc.cli import main
from claimcalc.product.schema import Product
from tests.conftest import EXAMPLES, PRODUCT_IDS, PRODUCTS, ROOT, product

# indemnity by example, worked out from the contract:
EXPECTED = {
    # A1.8 Smart €100/day × at most 4 days: 19,250 THB / 38.50 = €500 for 5 nights → €400; A1.14 €40
    "imaway-A-assistance-bangkok.json": "440.00",
    # B1.4 home nursing €620, massimale €500
    "imaway-B-home-nursing.json": "500.00",
    # C1.1 €180 → €150; C1.2 12 hours for €300 → 10 hours = €250
    "imaway-C-home-break-in.json": "400.00",
    # D2 in USD: hospital €3,528.23; medical €2,509.22 − €50 (D3, taken where the
    # sub-limit absorbs it) → Smart sub-limit €2,000; dental €180
    "imaway-D-medical-usa.json": "5708.23",
    # E2: camera €450 counts €200, coat €150: €350 − €50 (E4) = €300; documents €116
    "imaway-E-baggage-theft-barcelona.json": "416.00",
    # F1 Smart: 19 hours = 2 complete blocks × €50, for three insured
    "imaway-F-flight-delay-family.json": "300.00",
    # G1: renounced flight €480, within €600
    "imaway-G-flight-renunciation.json": "480.00",
    # H1 Smart, destination Europa: €320 → €100
    "imaway-H-missed-services.json": "100.00",
    # I1: (€3,100 − €100) / 14 days × 6 unused = €1,285.71 → Mondo €1,000
    "imaway-I-interruption-japan.json": "1000.00",
    # L9: 9% − 5% (absolute) = 4% of €25,000
    "imaway-L-ski-accident.json": "1000.00",
    # M6: €1,350 less 20% scoperto (€270 > €75 minimum); flights €600 < €1,400
    "imaway-M-cancellation.json": "1080.00",
    # A1.5 student's return paid by the teacher €380 (≤ €750); A1.15 taxi €45 (≤ €120)
    "wi-school-A-teacher-returns-student.json": "425.00",
    # B2 a: (420 + 35) GBP / 0.8550 = €532.16 − €50 (B3)
    "wi-school-B-medical-london.json": "482.16",
    # C2 a essentials €140, then baggage €530 (each object ≤ €300): together ≤ €500;
    # no franchigia (C4)
    "wi-school-C-baggage-not-delivered.json": "500.00",
    # D3 relative threshold: 8% > 5%, so 8% of €50,000
    "wi-school-D-accident-invalidity.json": "4000.00",
    # E1 a: €540 / 4 nights × 2 = €270 → €250 each, two students
    "wi-school-E-rischio-zero-strike.json": "500.00",
    # F3: penalty €300 within €2,000, no franchigia
    "wi-school-F-cancellation.json": "300.00",
}


def path_of(name: str) -> Path:
    """``imaway-D-medical-usa.json`` → ``products/imaway/examples/D-medical-usa.json``."""
    product_id = next(p for p in PRODUCT_IDS if name.startswith(f"{p}-"))
    return PRODUCTS / product_id / "examples" / name.removeprefix(f"{product_id}-")


def test_every_example_is_listed() -> None:
    assert sorted(EXPECTED) == sorted(f"{p.parent.parent.name}-{p.name}" for p in EXAMPLES)


def test_at_least_one_example_per_section_of_each_product() -> None:
    for product_id in PRODUCT_IDS:
        loaded: Product = product(product_id)
        for section in loaded.sections:
            assert any(name.startswith(f"{product_id}-{section.code}-") for name in EXPECTED), (
                section.code
            )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_settles_to_its_hand_computed_total(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["settle", str(path_of(name)), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["totals"]["indemnity"] == EXPECTED[name]


def test_the_readme_main_command_prints_the_itemised_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "claimcalc settle products/imaway/examples/D-medical-usa.json"
    assert command in readme
    code = main(["settle", str(path_of("imaway-D-medical-usa.json"))])
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
    main(["settle", str(path_of("imaway-D-medical-usa.json")), "--explain"])
    out = capsys.readouterr().out
    assert "Line 2: D.medical_pharma — steps" in out
    assert "2650.00 USD at 1.0897 per EUR of 2026-04-08" in out
    assert "within_limit" in out


def test_rates_file_supplies_missing_fixings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = json.loads(path_of("wi-school-B-medical-london.json").read_text(encoding="utf-8"))
    del claim["rates"]
    (tmp_path / "claim.json").write_text(json.dumps(claim), encoding="utf-8")
    # ECB's layout: Date first, trailing comma, N/A where a currency has no fixing
    (tmp_path / "eurofxref-hist.csv").write_text(
        "Date,USD,JPY,GBP,\n2026-03-11,1.0842,N/A,0.8550,\n2026-03-10,1.0811,161.2,0.8561,\n",
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
    assert json.loads(out)["totals"]["indemnity"] == "482.16"
