"""Issue 15, points 3-5: duplicate keys, rates files, and what a claim can make claimcalc read."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from claimcalc.claim.read import parse_claim
from claimcalc.cli import main
from claimcalc.errors import ClaimError, ExitCode, ProductFileError, UnknownProductError
from claimcalc.product.catalog import find_product
from claimcalc.product.load import load_product_file
from claimcalc.settling.rates import read_ecb_csv
from tests.conftest import ROOT

MEDICAL = ROOT / "products" / "imaway" / "examples" / "D-medical-usa.json"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------- 3. duplicate keys


@pytest.mark.parametrize("fast", [False, True])
def test_a_repeated_key_is_an_error_on_both_paths(fast: bool) -> None:
    text = MEDICAL.read_text(encoding="utf-8").replace('"level":', '"level": "easy", "level":', 1)
    with pytest.raises(ClaimError) as caught:
        parse_claim(text, "claim.json", fast=fast)
    assert str(caught.value) == "claim.json: level: duplicate key"


@pytest.mark.parametrize("fast", [False, True])
def test_a_repeated_nested_key_is_an_error(fast: bool) -> None:
    text = MEDICAL.read_text(encoding="utf-8").replace('"zone":', '"zone": "europa", "zone":', 1)
    with pytest.raises(ClaimError) as caught:
        parse_claim(text, "claim.json", fast=fast)
    assert str(caught.value) == "claim.json: zone: duplicate key"


@pytest.mark.parametrize("fast", [False, True])
def test_colons_in_strings_and_escaped_keys_read_the_same(fast: bool) -> None:
    data = json.loads(MEDICAL.read_text(encoding="utf-8"))
    data["claim_id"] = "A:B:C"
    text = json.dumps(data).replace('"level"', '"lev\\u0065l"')
    assert parse_claim(text, "c.json", fast=fast) == parse_claim(json.dumps(data), "c.json")


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("escape", ["\\u003a", "\\u003A"])
def test_an_escaped_colon_does_not_hide_a_repeated_key(fast: bool, escape: str) -> None:
    # orjson's reading is checked by counting colons: a colon written as an
    # escape is one the text lacks, and would balance the repeated key's.
    data = json.loads(MEDICAL.read_text(encoding="utf-8"))
    data["claim_id"] = "A:B"
    text = json.dumps(data).replace('"A:B"', f'"A{escape}B"')
    text = text.replace('"level":', '"level": "easy", "level":', 1)
    with pytest.raises(ClaimError) as caught:
        parse_claim(text, "claim.json", fast=fast)
    assert str(caught.value) == "claim.json: level: duplicate key"


def test_a_batch_reports_the_repeated_key_after_the_64th_claim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = json.dumps(json.loads(MEDICAL.read_text(encoding="utf-8")))
    bad = line.replace('"level":', '"level": "easy", "level":', 1)
    book = tmp_path / "book.ndjson"
    book.write_text("\n".join([line] * 70 + [bad]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "settle", str(book), "--format", "ndjson")
    assert code == ExitCode.PARTIAL
    assert "failed 1" in err
    assert len(out.splitlines()) == 71
    record = json.loads(out.splitlines()[-1])
    assert record["errors"] == [{"field": "level", "message": "duplicate key"}]


# ----------------------------------------------------------------- 4. rates files


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Infinity", "USD: not a rate 'Infinity'"),
        ("inf", "USD: not a rate 'inf'"),
        ("NaN", "USD: not a rate 'NaN'"),
        ("sNaN", "USD: not a rate 'sNaN'"),
        ("1e3", "USD: not a rate '1e3'"),
        ("0", "USD: rate must be positive, got 0"),
        ("0.0000", "USD: rate must be positive, got 0.0000"),
        ("-1.08", "USD: rate must be positive, got -1.08"),
    ],
)
def test_a_rate_that_is_not_a_positive_number_is_refused_with_its_line(
    tmp_path: Path, cell: str, message: str
) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        f"Date,USD,JPY,\n2026-03-06,1.0850,162.10,\n2026-03-05,{cell},161.90,\n",
        encoding="utf-8",
    )
    with pytest.raises(ClaimError) as caught:
        table = read_ecb_csv(path)
        table.lookup("USD", dt.date(2026, 3, 5))
    assert str(caught.value) == f"{path}:3: {message}"


def test_the_file_is_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(
        "Date,USD,BGN,\n2026-03-09,1.09,N/A,\n2026-03-06,1.0850,N/A,\n2026-02-26,1.07,1.9558,\n",
        encoding="utf-8",
    )
    table = read_ecb_csv(path)
    assert len(table) == 4
    found = table.lookup("USD", dt.date(2026, 3, 8))
    assert found is not None and (found.date, found.units_per_eur) == (
        dt.date(2026, 3, 6),
        Decimal("1.0850"),
    )
    bgn = table.lookup("BGN", dt.date(2026, 3, 5))  # N/A skipped, 7 days back
    assert bgn is not None and bgn.date == dt.date(2026, 2, 26)
    assert table.lookup("BGN", dt.date(2026, 3, 6)) is None  # 8 days back
    assert table.lookup("CHF", dt.date(2026, 3, 6)) is None


def test_a_fallback_past_the_files_last_date_warns_that_it_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text("Date,USD,\n2026-03-06,1.0850,\n2026-03-05,1.0831,\n", encoding="utf-8")
    table = read_ecb_csv(path)
    assert table.lookup("USD", dt.date(2026, 3, 6)) is not None
    assert capsys.readouterr().err == ""
    assert table.lookup("USD", dt.date(2026, 3, 9)) is not None
    assert table.lookup("USD", dt.date(2026, 3, 10)) is not None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{path}: warning: rates file is stale")


# ----------------------------------------------------------------- 5. a product named in a claim


@pytest.mark.parametrize(
    "ref", ["/etc/passwd", "../products/imaway/2026-01.yaml", "imaway/../x", "C:\\x", "x.yaml"]
)
def test_a_claim_cannot_name_a_file(ref: str) -> None:
    with pytest.raises(UnknownProductError) as caught:
        find_product(ref, allow_path=False)
    assert "not a catalog product id" in str(caught.value)


def test_a_claim_naming_a_file_settles_nothing_and_echoes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:SECRET-HASH:19000:0:99999:7:::\n", encoding="utf-8")
    data = json.loads(MEDICAL.read_text(encoding="utf-8"))
    data["product"] = str(secret)
    claim = tmp_path / "claim.json"
    claim.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "settle", str(claim))
    assert code == ExitCode.INVALID_PRODUCT
    assert "SECRET" not in out + err
    assert err.count("\n") == 1 and "not a catalog product id" in err


def test_a_file_that_is_not_a_product_is_not_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.yaml"
    for text in (
        "root:SECRET-HASH:19000:0\nuser: SECRET2\n",
        "- SECRET\n",
        "format: 2\nx: SECRET\n",
    ):
        secret.write_text(text, encoding="utf-8")
        with pytest.raises(ProductFileError) as caught:
            load_product_file(secret)
        assert str(caught.value) == f"{secret}:1:1: not a claimcalc product file"
    code, out, err = run(capsys, "settle", str(MEDICAL), "--product", str(secret))
    assert code == ExitCode.INVALID_PRODUCT
    assert "SECRET" not in out + err


def test_the_command_line_may_name_a_product_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "products" / "imaway" / "2026-01.yaml"
    code, _, _ = run(capsys, "settle", str(MEDICAL), "--product", str(path))
    assert code == ExitCode.OK


def test_settling_one_claim_reads_only_the_rows_it_needs(tmp_path: Path) -> None:
    from claimcalc.claim.read import read_claim
    from claimcalc.product.catalog import load_rulebook
    from claimcalc.settling.engine import settle
    from claimcalc.settling.rates import EcbFile

    data = json.loads(MEDICAL.read_text(encoding="utf-8"))
    data.pop("rates")
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps(data), encoding="utf-8")
    rows = [f"2026-{m:02d}-{d:02d},1.0{m}{d},N/A," for m in (4, 3) for d in range(28, 0, -1)]
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text("Date,USD,JPY,\n" + "\n".join(rows) + "\n", encoding="utf-8")
    table = read_ecb_csv(path)
    assert isinstance(table, EcbFile)
    settle(read_claim(claim_file), load_rulebook("imaway"), table)
    assert 0 < len(table._parsed) <= 4
