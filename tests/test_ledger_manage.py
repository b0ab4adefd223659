"""``claimcalc ledger``: history, export, void, import, purge, on both databases."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from claimcalc.cli import main
from claimcalc.errors import ExitCode
from tests.test_ledger import baggage_claim, paid, rows, settle, write
from tests.test_ledger_server import ledger_url, postgres_server  # noqa: F401 (fixtures)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def two_claims(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settle(capsys, db, write(tmp_path, baggage_claim("C-1", 3, "2026-05-03")), "--record")
    settle(
        capsys,
        db,
        write(tmp_path, baggage_claim("C-2", 2, "2026-06-03", insured="INS-2")),
        "--record",
    )


def test_history_by_policy_insured_and_period(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_claims(ledger_url, tmp_path, capsys)
    code, out, _ = run(capsys, "ledger", "history", "--ledger", ledger_url, "-f", "json")
    assert code == 0
    assert [(r["claim_id"], r["amount"]) for r in json.loads(out)] == [
        ("C-1", "550.00"),
        ("C-2", "350.00"),
    ]
    _, out, _ = run(capsys, "ledger", "history", "--ledger", ledger_url, "--insured", "INS-2",
                    "-f", "json")  # fmt: skip
    assert [r["claim_id"] for r in json.loads(out)] == ["C-2"]
    _, out, _ = run(capsys, "ledger", "history", "--ledger", ledger_url, "--policy", "POL-7731",
                    "--period", "2027-06-01", "-f", "json")  # fmt: skip
    assert json.loads(out) == []  # the next period: nothing yet
    code, out, _ = run(capsys, "ledger", "history", "--ledger", ledger_url)
    assert code == 0 and "C-1" in out and "550.00" in out
    code, _, err = run(capsys, "ledger", "history", "--ledger", ledger_url, "--period", "soon")
    assert code == ExitCode.USAGE and "--period: expected a date" in err


def test_history_of_a_ledger_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    code, _, err = run(capsys, "ledger", "history", "--ledger", str(missing))
    assert code == ExitCode.IO and err == f"{missing}: cannot open ledger: no such file\n"
    assert not missing.exists()


def test_void_appends_a_reversal_and_stops_counting(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settle(capsys, ledger_url, write(tmp_path, baggage_claim("C-1", 5, "2026-05-03")), "--record")
    second = write(tmp_path, baggage_claim("C-2", 3, "2026-08-04"))
    assert paid(settle(capsys, ledger_url, second)[1]) == Decimal("50.00")
    code, out, _ = run(capsys, "ledger", "void", "C-1", "--reason", "documents forged",
                       "--ledger", ledger_url)  # fmt: skip
    assert code == 0 and out == "voided settlement 1 of claim C-1\n"
    assert paid(settle(capsys, ledger_url, second)[1]) == Decimal("550.00")
    # Nothing deleted: the settlement is there, marked void, with its reversal.
    assert rows(ledger_url, "SELECT status FROM ledger_settlements") == [("void",)]
    assert rows(ledger_url, "SELECT claim_id, reason FROM ledger_voids") == [
        ("C-1", "documents forged")
    ]
    code, _, err = run(capsys, "ledger", "void", "C-1", "--reason", "again",
                       "--ledger", ledger_url)  # fmt: skip
    assert code == ExitCode.USAGE and "C-1: no current settlement to void" in err


def test_export_ndjson_and_csv(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_claims(ledger_url, tmp_path, capsys)
    code, out, _ = run(capsys, "ledger", "export", "--ledger", ledger_url)
    assert code == 0
    entries = [json.loads(line) for line in out.splitlines()]
    assert [e["claim_id"] for e in entries] == ["C-1", "C-2"]
    assert entries[0]["document"]["totals"]["indemnity"] == "550.00"
    assert entries[0]["lines"][0]["amount"] == "550.00" and entries[0]["void"] is None
    out_file = tmp_path / "export.csv"
    code, _, _ = run(capsys, "ledger", "export", "--ledger", ledger_url, "-f", "csv",
                     "-o", str(out_file))  # fmt: skip
    table = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert [(r["claim_id"], r["insured_ref"], r["amount"]) for r in table] == [
        ("C-1", "INS-41D2", "550.00"),
        ("C-2", "INS-2", "350.00"),
    ]


IMPORT_HEADER = "claim_id,policy_ref,insured_ref,product,guarantee,amount,date\n"


def test_import_then_settle_counts_the_imported_payments(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "old-system.csv"
    source.write_text(
        IMPORT_HEADER
        + "OLD-1,POL-7731,INS-41D2,imaway,E.baggage,600.00,2026-03-02\n"
        + "OLD-1,POL-7731,INS-41D2,imaway,E.documents,40.00,2026-03-02\n"
        + "OLD-2,POL-7731,INS-OTHER,imaway,E.baggage,100.00,2026-03-05\n"
    )
    code, out, _ = run(capsys, "ledger", "import", str(source), "--ledger", ledger_url)
    assert code == 0 and out == "imported 2 claims (3 lines); 0 already imported\n"
    code, doc, _ = settle(
        capsys, ledger_url, write(tmp_path, baggage_claim("C-1", 5, "2026-05-03"))
    )
    # Section E's €1,000 per period, less the 600 + 40 imported (E.documents is inside it).
    assert paid(doc) == Decimal("360.00")
    assert [p["claim_id"] for p in doc["ledger"]["prior_payments"]] == ["OLD-1", "OLD-1"]
    # Imported twice: nothing twice.
    code, out, _ = run(capsys, "ledger", "import", str(source), "--ledger", ledger_url)
    assert code == 0 and out == "imported 0 claims (0 lines); 2 already imported\n"
    assert rows(ledger_url, "SELECT COUNT(*) FROM ledger_settlements") == [(2,)]


def test_import_reports_every_bad_row_and_imports_nothing(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        IMPORT_HEADER
        + "OK-1,POL-1,INS-1,imaway,E.baggage,10.00,2026-03-02\n"
        + "BAD-2,POL-1,INS-1,imaway,E.baggage,12.345,2026-03-02\n"
        + "BAD-3,POL-1,INS 1,imaway,E.baggage,10.00,2026-03-02\n"
        + "BAD-4,POL-1,INS-1,imaway,Z.nothing,10.00,2026-02-30\n"
        + "BAD-5,POL-1,INS-1,nosuch,E.baggage,-1,2026-03-02\n"
        + "OK-1,POL-2,INS-1,imaway,E.baggage,10.00,2026-03-02\n"
    )
    code, out, err = run(capsys, "ledger", "import", str(source), "--ledger", ledger_url)
    assert code == ExitCode.INVALID_CLAIM and out == ""
    assert err.splitlines() == [
        f"{source}:3: amount: at most 2 decimal places, got '12.345'",
        f"{source}:4: insured_ref: letters, digits and . _ : / - only, 1 to 64 of them",
        f"{source}:5: date: expected a date YYYY-MM-DD, got '2026-02-30'",
        f"{source}:5: guarantee: imaway has no guarantee 'Z.nothing'",
        f"{source}:6: amount: must be 0 to 1,000,000,000,000 EUR, got '-1'",
        f"{source}:6: product: no product 'nosuch' in the catalog",
        f"{source}:7: policy_ref: 'POL-2' differs from the claim's first row (line 2): 'POL-1'",
    ]
    assert rows(ledger_url, "SELECT COUNT(*) FROM ledger_settlements") == [(0,)]


def test_import_refuses_personal_data_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "names.csv"
    source.write_text(
        IMPORT_HEADER.strip() + ",name\nA,P,I,imaway,E.baggage,1.00,2026-01-01,Rossi\n"
    )
    code, _, err = run(capsys, "ledger", "import", str(source), "--ledger", str(tmp_path / "l.db"))
    assert code == ExitCode.INVALID_CLAIM
    assert err.startswith(f"{source}:1: unknown columns name (personal data has no place here)")


def test_purge_deletes_only_periods_ended_before(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_claims(ledger_url, tmp_path, capsys)  # period 2026-01-20 – 2027-01-19
    code, out, _ = run(capsys, "ledger", "purge", "--before", "2027-01-19", "--ledger", ledger_url)
    assert code == 0 and out.startswith("purged 0 settlements")
    code, out, _ = run(capsys, "ledger", "purge", "--before", "2027-01-20", "--ledger", ledger_url)
    assert code == 0 and out.startswith("purged 2 settlements (2 lines)")
    assert rows(ledger_url, "SELECT COUNT(*) FROM ledger_payments") == [(0,)]
