"""The claims ledger (issue 17), on SQLite and on a real PostgreSQL server.

Each test that takes ``ledger_url`` runs twice: on a new SQLite file and on
a new database of the session's PostgreSQL server (tests/test_ledger_server.py).
"""

from __future__ import annotations

import copy
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.ledger.schema import VERSION
from claimcalc.ledger.store import Ledger, LedgerError, from_cents, to_cents
from tests.conftest import example
from tests.test_ledger_server import ledger_url, postgres_server  # noqa: F401 (fixtures)

Claim = dict[str, Any]


def baggage_claim(claim_id: str, objects: int, day: str, insured: str = "INS-41D2") -> Claim:
    """An Imaway Top baggage theft in Europe: ``objects`` objects of €200 each
    (the per-object limit), €50 franchigia, €1,000 per insured per period (E2)."""
    claim: Claim = json.loads(example("imaway", "E-baggage-theft-barcelona.json").read_text())
    claim["claim_id"] = claim_id
    claim["policy"]["ref"] = "POL-7731"
    month = day[:7]
    claim["trip"] = {"departure_date": f"{month}-01", "return_date": f"{month}-10"}
    claim["event"]["date"] = day
    claim["reported_on"] = f"{month}-12"
    claim["insured"][0]["ref"] = insured
    claim["insured"][0]["lines"] = [
        {
            "id": "1",
            "guarantee": "E.baggage",
            "objects": [
                {"label": f"object {i}", "value": "200.00", "date": day, "category": "clothing"}
                for i in range(objects)
            ],
        }
    ]
    return claim


def write(tmp_path: Path, claim: Claim) -> str:
    path = tmp_path / f"{claim['claim_id']}.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    return str(path)


def settle(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, Any, str]:
    """``claimcalc settle ARGS --ledger DB --format json``: exit code, document, stderr."""
    code = main(["settle", *args, "--ledger", db, "--format", "json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip().startswith(("{", "[")) else out), err


def paid(document: Any) -> Decimal:
    return Decimal(document["totals"]["indemnity"])


def rows(db: str, sql: str) -> list[tuple[Any, ...]]:
    with Ledger(db) as ledger:
        return ledger.rows(sql)


# --------------------------------------------------------------------------- the adjuster's flow


def test_the_second_claim_sees_the_first_and_cites_it(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path, baggage_claim("C-1", 5, "2026-05-03"))
    second = write(tmp_path, baggage_claim("C-2", 3, "2026-08-04"))
    code, doc, _ = settle(capsys, ledger_url, first, "--record")
    assert code == 0 and paid(doc) == Decimal("950.00")
    assert doc["ledger"]["outcome"] == "recorded" and doc["ledger"]["prior_payments"] == []
    code, doc, _ = settle(capsys, ledger_url, second)
    assert code == 0
    assert paid(doc) == Decimal("50.00")  # 1,000 − 950 already paid in the period
    reasons = doc["insured"][0]["lines"][0]["reasons"]
    limit = next(r for r in reasons if r["code"] == "period_limit_used")
    assert "€ 950,00 already paid in the policy period by claim C-1" in limit["text"]
    assert doc["ledger"]["mode"] == "dry-run" and doc["ledger"]["outcome"] is None
    assert doc["ledger"]["prior_payments"] == [
        {
            "claim_id": "C-1",
            "insured": "INS-41D2",
            "guarantee": "E.baggage",
            "amount": "950.00",
            "date": "2026-05-03",
        }
    ]
    # A dry run recorded nothing.
    assert rows(ledger_url, "SELECT claim_id FROM ledger_settlements") == [("C-1",)]


def test_a_table_says_which_prior_payments_it_used(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path, baggage_claim("C-1", 5, "2026-05-03"))
    second = write(tmp_path, baggage_claim("C-2", 3, "2026-08-04"))
    assert main(["settle", first, "--ledger", ledger_url, "--record"]) == 0
    capsys.readouterr()
    assert main(["settle", second, "--ledger", ledger_url, "--record"]) == 0
    out, err = capsys.readouterr()
    assert "by claim C-1" in " ".join(out.split()).replace("│", "")
    assert "prior payments used: C-1 INS-41D2 E.baggage 950.00 on 2026-05-03" in err
    assert "recorded as settlement" in err


def test_another_insured_or_another_period_is_not_counted(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settle(capsys, ledger_url, write(tmp_path, baggage_claim("C-1", 5, "2026-05-03")), "--record")
    other = write(tmp_path, baggage_claim("C-2", 3, "2026-08-04", insured="INS-9999"))
    assert paid(settle(capsys, ledger_url, other)[1]) == Decimal("550.00")
    # The policy period runs 12 months from the issue date (2026-01-20): a claim of
    # the next period pays in full. The policy states its own dates there.
    later = baggage_claim("C-3", 3, "2027-03-04")
    later["policy"].update({"issue_date": "2027-01-20"})
    code, doc, err = settle(capsys, ledger_url, write(tmp_path, later))
    assert code == 0, err
    assert paid(doc) == Decimal("550.00") and doc["ledger"]["prior_payments"] == []


# --------------------------------------------------------------------------- refusals


def test_a_claim_without_policy_ref_is_refused_naming_the_field(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = baggage_claim("C-1", 1, "2026-05-03")
    del claim["policy"]["ref"]
    path = write(tmp_path, claim)
    code, _, err = settle(capsys, ledger_url, path)
    assert code == ExitCode.INVALID_CLAIM
    assert err.startswith(f"{path}: policy.ref: required to settle with a ledger")


def test_stated_prior_payments_are_refused_unless_added(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settle(capsys, ledger_url, write(tmp_path, baggage_claim("C-1", 3, "2026-05-03")), "--record")
    claim = baggage_claim("C-2", 5, "2026-08-04")
    claim["insured"][0]["prior_payments"] = [
        {"guarantee": "E.baggage", "amount": "300.00", "date": "2026-02-01"}
    ]
    path = write(tmp_path, claim)
    code, _, err = settle(capsys, ledger_url, path)
    assert code == ExitCode.INVALID_CLAIM
    assert err.startswith(f"{path}: insured[0].prior_payments: stated, and the ledger")
    assert "--prior-payments=add" in err
    code, doc, _ = settle(capsys, ledger_url, path, "--prior-payments", "add")
    assert code == 0
    # 1,000 − 550 (C-1, the ledger) − 300 (stated) = 150
    assert paid(doc) == Decimal("150.00")


def test_record_without_a_ledger_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAIMCALC_LEDGER", raising=False)
    path = write(tmp_path, baggage_claim("C-1", 1, "2026-05-03"))
    assert main(["settle", path, "--record"]) == ExitCode.USAGE
    assert "--record: no ledger" in capsys.readouterr().err


def test_the_ledger_comes_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("CLAIMCALC_LEDGER", str(db))
    path = write(tmp_path, baggage_claim("C-1", 1, "2026-05-03"))
    assert main(["settle", path, "--record", "--format", "json"]) == 0
    assert rows(str(db), "SELECT claim_id FROM ledger_settlements") == [("C-1",)]


def test_a_ledger_that_cannot_be_opened_is_exit_5_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, baggage_claim("C-1", 1, "2026-05-03"))
    bad = tmp_path / "not-a-db"
    bad.write_text("this is not a database\n" * 100)
    code = main(["settle", path, "--ledger", str(bad)])
    err = capsys.readouterr().err
    assert code == ExitCode.IO
    assert err.startswith(f"{bad}: cannot open ledger") and err.count("\n") == 1
    code = main(["settle", path, "--ledger", str(tmp_path / "no" / "such" / "dir.db")])
    assert code == ExitCode.IO
    capsys.readouterr()
    code = main(["settle", path, "--ledger", "postgresql://nobody:secret@127.0.0.1:1/none"])
    err = capsys.readouterr().err
    assert code == ExitCode.IO and "secret" not in err
    assert err.startswith("postgresql://nobody@127.0.0.1:1/none: cannot open ledger")


# --------------------------------------------------------------------------- supersede, rerun


def test_resettling_supersedes_and_only_the_latest_counts(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = baggage_claim("C-1", 5, "2026-05-03")
    settle(capsys, ledger_url, write(tmp_path, claim), "--record")
    corrected = copy.deepcopy(claim)
    corrected["insured"][0]["lines"][0]["objects"] = corrected["insured"][0]["lines"][0]["objects"][
        :2
    ]
    code, doc, _ = settle(capsys, ledger_url, write(tmp_path, corrected), "--record")
    assert code == 0 and paid(doc) == Decimal("350.00")
    assert doc["ledger"]["outcome"] == "recorded" and doc["ledger"]["supersedes"] == 1
    assert rows(
        ledger_url, "SELECT id, status, superseded_by FROM ledger_settlements ORDER BY id"
    ) == [
        (1, "superseded", 2),
        (2, "current", None),
    ]
    # Only the latest counts: 1,000 − 350.
    code, doc, _ = settle(
        capsys, ledger_url, write(tmp_path, baggage_claim("C-2", 5, "2026-08-04"))
    )
    assert paid(doc) == Decimal("650.00")
    assert [p["amount"] for p in doc["ledger"]["prior_payments"]] == ["350.00"]


def test_a_batch_run_twice_records_nothing_twice(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "batch.ndjson"
    claims = [baggage_claim(f"C-{i}", 3, f"2026-0{i + 2}-03") for i in range(1, 5)]
    batch.write_text("".join(json.dumps(c) + "\n" for c in claims))
    code = main(["settle", str(batch), "--ledger", ledger_url, "--record", "-f", "ndjson"])
    first = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    # In input order, each seeing the ones before it: 550, 450 (limit), 0, 0.
    assert [r["totals"]["indemnity"] for r in first] == ["550.00", "450.00", "0.00", "0.00"]
    assert [r["ledger"]["outcome"] for r in first] == ["recorded"] * 4
    code = main(["settle", str(batch), "--ledger", ledger_url, "--record", "-f", "ndjson"])
    second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["ledger"]["outcome"] for r in second] == ["unchanged"] * 4
    assert [r["totals"] for r in second] == [r["totals"] for r in first]
    assert rows(ledger_url, "SELECT COUNT(*) FROM ledger_settlements") == [(4,)]


def test_a_claim_changed_after_later_claims_sees_them(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A corrected earlier claim is settled against every other current payment:
    the sum paid in the period never exceeds the limit."""
    settle(capsys, ledger_url, write(tmp_path, baggage_claim("C-1", 2, "2026-05-03")), "--record")
    settle(capsys, ledger_url, write(tmp_path, baggage_claim("C-2", 5, "2026-08-04")), "--record")
    code, doc, _ = settle(
        capsys, ledger_url, write(tmp_path, baggage_claim("C-1", 5, "2026-05-03")), "--record"
    )
    assert code == 0
    assert paid(doc) == Decimal("350.00")  # 1,000 − 650 paid by C-2 (after C-1's first 350)
    total = rows(
        ledger_url,
        "SELECT SUM(p.amount_cents) FROM ledger_payments p JOIN ledger_settlements s "
        "ON s.id = p.settlement_id WHERE s.status = 'current'",
    )
    assert from_cents(int(total[0][0])) == Decimal("1000.00")


# --------------------------------------------------------------------------- other rules


def test_once_per_period_cites_the_claim_that_paid(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim: Claim = json.loads(example("imaway", "M-cancellation.json").read_text())
    claim["policy"]["ref"] = "POL-1"
    settle(capsys, ledger_url, write(tmp_path, claim), "--record")
    again = copy.deepcopy(claim)
    again["claim_id"] = "IMA-2026-000999"
    code, doc, _ = settle(capsys, ledger_url, write(tmp_path, again))
    assert code == 0 and paid(doc) == 0
    reason = doc["insured"][0]["lines"][0]["reasons"][0]
    assert reason["code"] == "once_per_period"
    assert "claim IMA-2026-000811" in reason["text"]


def test_death_after_invalidity_of_the_same_accident(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim: Claim = json.loads(example("imaway", "L-ski-accident.json").read_text())
    claim["policy"]["ref"] = "POL-2"
    claim["event"]["id"] = "EV-SKI-1"
    code, doc, _ = settle(capsys, ledger_url, write(tmp_path, claim), "--record")
    invalidity = paid(doc)
    assert code == 0 and invalidity > 0
    death = copy.deepcopy(claim)
    death["claim_id"] = "IMA-2026-000703"
    death["insured"][0]["lines"] = [{"id": "1", "guarantee": "L.death", "loss_date": "2026-09-01"}]
    code, doc, err = settle(capsys, ledger_url, write(tmp_path, death))
    assert code == 0, err
    line = doc["insured"][0]["lines"][0]
    already = next(r for r in line["reasons"] if r["code"] == "already_paid")
    assert "by claim IMA-2026-000702" in already["text"]
    # Another accident (another event id): the invalidity is not taken off the
    # death sum, though it still uses the section's limit for the period.
    death["event"]["id"] = "EV-OTHER"
    code, doc2, _ = settle(capsys, ledger_url, write(tmp_path, death))
    codes = [r["code"] for r in doc2["insured"][0]["lines"][0]["reasons"]]
    assert "already_paid" not in codes


# --------------------------------------------------------------------------- the store


def test_migrations_are_recorded_and_a_newer_ledger_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "claims.db")
    with Ledger(db) as ledger:
        assert ledger.version() == VERSION
    with Ledger(db) as ledger:  # reopened: nothing to do
        assert ledger.rows("SELECT COUNT(*) FROM ledger_migrations") == [(VERSION,)]
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO ledger_migrations VALUES (99, 'future', 'x')")
    with pytest.raises(LedgerError, match=r"schema version 99 is newer than this claimcalc"):
        Ledger(db)


@pytest.mark.parametrize(
    "amount", ["0.00", "0.01", "0.10", "1.00", "123456789.99", "999999999999.99", "1000000000000"]
)
def test_money_is_exact_integer_cents(amount: str) -> None:
    value = Decimal(amount)
    assert from_cents(to_cents(value)) == value
    assert str(from_cents(to_cents(value))) == str(value.quantize(Decimal("0.01")))
    with pytest.raises(ValueError):
        to_cents(value + Decimal("0.001"))


def test_sums_in_the_database_are_exact(ledger_url: str) -> None:
    """Cents summed by SQL: no float anywhere (0.1 + 0.2 is 0.30)."""
    amounts = [Decimal("0.10"), Decimal("0.20"), Decimal("999999999999.99")] * 50
    with Ledger(ledger_url) as ledger:
        ledger.execute("CREATE TABLE sums (cents BIGINT NOT NULL)")
        ledger.executemany("INSERT INTO sums VALUES (?)", [(to_cents(a),) for a in amounts])
        total = ledger.rows("SELECT SUM(cents) FROM sums")[0][0]
    assert from_cents(int(total)) == sum(amounts, Decimal(0))


def test_no_column_holds_personal_data(tmp_path: Path) -> None:
    db = str(tmp_path / "claims.db")
    Ledger(db).close()
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = {c[1] for t in tables for c in conn.execute(f"PRAGMA table_info({t})")}
    personal = {"name", "surname", "fiscal_code", "codice_fiscale", "iban", "address", "email"}
    assert not columns & personal
    assert {"claim_id", "policy_ref", "insured_ref", "amount_cents", "document"} <= columns


def test_the_readme_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README, "Claims ledger": the two claims of docs/ledger/ do what it says."""
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    first, second = root / "docs/ledger/first-claim.json", root / "docs/ledger/second-claim.json"
    db = str(tmp_path / "claims.db")
    assert "claimcalc settle docs/ledger/first-claim.json --ledger claims.db --record" in readme
    code, doc, _ = settle(capsys, db, str(first), "--record")
    assert code == 0 and paid(doc) == Decimal("950.00") and "Paid € 950,00" in readme
    code, doc, _ = settle(capsys, db, str(second))
    assert code == 0 and paid(doc) == Decimal("50.00") and "Paid € 50,00" in readme
    reason = doc["insured"][0]["lines"][0]["reasons"][-1]["text"]
    assert reason.endswith("€ 950,00 already paid in the policy period by claim IMA-2026-000318")
    assert "IMA-2026-000318 (E2)" in readme
    assert main(["settle", str(second), "--ledger", db]) == 0
    err = capsys.readouterr().err
    assert "prior payments used: IMA-2026-000318 INS-41D2 E.baggage 950.00 on 2026-05-03" in err
    assert "dry run, nothing recorded (--record records)" in err


def test_jobs_keep_the_input_order_and_a_bad_claim_stays_alone(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = [baggage_claim(f"C-{i}", 3, f"2026-0{i + 2}-03") for i in range(1, 5)]
    bad = baggage_claim("C-BAD", 1, "2026-03-03")
    del bad["policy"]["ref"]
    lines = [json.dumps(c) for c in (claims[0], bad, *claims[1:])]
    batch = tmp_path / "batch.ndjson"
    batch.write_text("\n".join(lines) + "\n")
    code = main(["settle", str(batch), "--ledger", ledger_url, "--record", "-f", "ndjson",
                 "--jobs", "2"])  # fmt: skip
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == ExitCode.PARTIAL
    assert [r["status"] for r in records] == ["settled", "error", "settled", "settled", "settled"]
    assert records[1]["errors"][0]["field"] == "policy.ref"
    paid_in_order = [r["totals"]["indemnity"] for r in records if r["status"] == "settled"]
    assert paid_in_order == ["550.00", "450.00", "0.00", "0.00"]
    assert rows(ledger_url, "SELECT COUNT(*) FROM ledger_settlements") == [(4,)]


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_a_batch_record_with_a_ledger_is_the_records_without_plus_the_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """The ledger's stored document and the batch's record share one JSON text
    (documents.settlement_text): the record must still be, byte for byte, the one
    settled without a ledger, with the ledger's note as its last key."""
    folder = tmp_path / "claims"
    folder.mkdir()
    for n, path in enumerate(sorted((example("imaway", "D-medical-usa.json").parent).glob("*"))):
        claim = json.loads(path.read_text(encoding="utf-8"))
        claim["policy"]["ref"] = f"POL-{n}"
        (folder / path.name).write_text(json.dumps(claim), encoding="utf-8")
    assert main(["settle", str(folder), "-f", fmt]) == 0
    without = capsys.readouterr().out
    db = str(tmp_path / "ledger.db")
    assert main(["settle", str(folder), "-f", fmt, "--ledger", db, "--record"]) == 0
    with_ledger = capsys.readouterr().out
    if fmt == "ndjson":
        plain = [json.loads(line) for line in without.splitlines()]
        stripped = [line[: line.rindex(',"ledger":')] + "}" for line in with_ledger.splitlines()]
        assert stripped == without.splitlines()
    else:
        plain, noted = json.loads(without), json.loads(with_ledger)
        for record in noted:
            record.pop("ledger")
        assert noted == plain
    assert len(plain) == 11
