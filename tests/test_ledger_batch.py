"""The ledger's batches (issue 17): several claims a transaction, on SQLite and
on a real PostgreSQL server.

A claim sees the ones before it in its own uncommitted batch as it sees
committed ones; where the batches end changes nothing; a process killed in
the middle of a batch loses that batch whole and a rerun records it; a batch
PostgreSQL gives up in a deadlock with another writer is run again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.ledger.store import Ledger, claim_lock_key, lock_key
from tests.test_ledger import baggage_claim, rows
from tests.test_ledger_concurrency import environment, ledger_corpus, ledger_state, other_database
from tests.test_ledger_server import (  # noqa: F401 (fixtures)
    create_database,
    drop_database,
    ledger_url,
    postgres_server,
)


def ndjson(path: Path, claims: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in claims))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Any], str]:
    code = main(["settle", *args, "-f", "ndjson"])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_a_claim_sees_earlier_ones_of_its_own_uncommitted_batch(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seven claims of two insured persons, interleaved, as one batch and cut
    into batches of 1, 2 and 3: the same payments, the same ledger."""
    claims = [
        baggage_claim(f"C-{i}", 2 + i % 2, f"2026-0{2 + i}-03", insured=f"INS-{i % 2}")
        for i in range(7)
    ]
    batch = ndjson(tmp_path / "batch.ndjson", claims)
    states, totals = [], []
    for size in ("200", "1", "2", "3"):
        db = other_database(ledger_url, tmp_path, f"ledger-{size}.db")
        code, records, _ = run(capsys, str(batch), "--ledger", db, "--record",
                               "--ledger-batch", size)  # fmt: skip
        assert code == 0
        totals.append([r["totals"]["indemnity"] for r in records])
        states.append(ledger_state(db))
        if size == "200":  # one batch: C-2 saw C-0 before either was committed
            assert records[2]["ledger"]["prior_payments"][0]["claim_id"] == "C-0"
            ids = [r["ledger"]["settlement_id"] for r in records]
            assert ids == sorted(ids) and len(set(ids)) == 7
            assert rows(db, "SELECT id, claim_id FROM ledger_settlements ORDER BY id") == [
                (i, f"C-{k}") for k, i in enumerate(ids)
            ]
    # €1,000 per person and period: INS-0 350, 350, 300 (the rest), 0; INS-1 550, 450, 0.
    assert totals[0] == ["350.00", "550.00", "350.00", "450.00", "300.00", "0.00", "0.00"]
    assert all(t == totals[0] for t in totals)
    assert all(s == states[0] for s in states)


def test_the_same_claim_twice_in_one_batch(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Again unchanged: nothing new; changed: it supersedes the settlement of the
    same uncommitted batch, which is written superseded."""
    first = baggage_claim("C-1", 2, "2026-03-03")
    changed = baggage_claim("C-1", 4, "2026-03-03")
    batch = ndjson(tmp_path / "batch.ndjson", [first, first, changed, first])
    code, records, _ = run(capsys, str(batch), "--ledger", ledger_url, "--record")
    assert code == 0
    notes = [r["ledger"] for r in records]
    assert [n["outcome"] for n in notes] == ["recorded", "unchanged", "recorded", "recorded"]
    one, _, two, three = (n["settlement_id"] for n in notes)
    assert notes[1]["settlement_id"] == one
    assert (notes[2]["supersedes"], notes[3]["supersedes"]) == (one, two)
    assert rows(
        ledger_url, "SELECT id, status, superseded_by FROM ledger_settlements ORDER BY id"
    ) == [(one, "superseded", two), (two, "superseded", three), (three, "current", None)]
    assert [r["totals"]["indemnity"] for r in records] == ["350.00", "350.00", "750.00", "350.00"]


def test_a_dry_run_batch_records_nothing_and_its_claims_do_not_see_each_other(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a dry run says is what each claim would pay against the ledger as it
    is: the claims of the same batch are not in it."""
    run(capsys, write_batch(tmp_path, "first.ndjson", ["C-0"]), "--ledger", ledger_url,
        "--record")  # fmt: skip
    batch = write_batch(tmp_path, "batch.ndjson", ["C-1", "C-2", "C-3"])
    code, records, _ = run(capsys, batch, "--ledger", ledger_url, "--ledger-batch", "2")
    assert code == 0
    assert [r["ledger"]["outcome"] for r in records] == [None] * 3
    assert [[p["claim_id"] for p in r["ledger"]["prior_payments"]] for r in records] == [
        ["C-0"]
    ] * 3
    # Each what is left after C-0's € 550 (recorded, they would pay 450, 0, 0)
    assert [r["totals"]["indemnity"] for r in records] == ["450.00"] * 3
    assert rows(ledger_url, "SELECT COUNT(*) FROM ledger_settlements") == [(1,)]


def write_batch(tmp_path: Path, name: str, claim_ids: list[str]) -> str:
    """Claims of one insured person, 3 objects each (€550 each, €1,000 a period)."""
    claims = [baggage_claim(c, 3, f"2026-0{3 + i}-03") for i, c in enumerate(claim_ids)]
    return str(ndjson(tmp_path / name, claims))


#: ``claimcalc`` that kills itself (SIGKILL) in its second batch's commit: its
#: rows written, the COMMIT not yet sent.
DIES_IN_SECOND_COMMIT = """
import os, runpy, signal, sys
from claimcalc.ledger.store import Ledger
write = Ledger.write_settlements
calls = []
def write_then_die(self, *args):
    write(self, *args)
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
Ledger.write_settlements = write_then_die
sys.argv = ["claimcalc", *sys.argv[1:]]
runpy.run_module("claimcalc", run_name="__main__")
"""


def test_killed_in_the_middle_of_a_batch_then_rerun(ledger_url: str, tmp_path: Path) -> None:
    batch = tmp_path / "batch.ndjson"
    batch.write_text("".join(ledger_corpus(100, insureds=10, seed=3, objects=(1, 2, 3))))
    command = [str(batch), "--ledger", ledger_url, "--record", "-f", "ndjson",
               "--ledger-batch", "40", "-o", str(tmp_path / "out.ndjson")]  # fmt: skip
    killed = subprocess.run(
        [sys.executable, "-c", DIES_IN_SECOND_COMMIT, "settle", *command],
        env=environment(),
        capture_output=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    # The first batch, whole; of the second, nothing.
    assert rows(ledger_url, "SELECT COUNT(*) FROM ledger_settlements") == [(40,)]
    assert rows(ledger_url, "SELECT MAX(claim_id) FROM ledger_settlements") == [("LOAD-00039",)]
    clean = other_database(ledger_url, tmp_path, "clean.db")
    settle = [sys.executable, "-m", "claimcalc", "settle"]
    subprocess.run([*settle, str(batch), "--ledger", clean, "--record", "-f", "ndjson",
                    "-o", os.devnull], env=environment(), check=True)  # fmt: skip
    subprocess.run([*settle, *command], env=environment(), check=True)
    out = (tmp_path / "out.ndjson").read_text().splitlines()
    outcomes = [json.loads(line)["ledger"]["outcome"] for line in out]
    assert outcomes == ["unchanged"] * 40 + ["recorded"] * 60
    assert ledger_state(ledger_url) == ledger_state(clean)


@pytest.mark.parametrize("alone", [False, True], ids=["batch", "one-claim"])
def test_given_up_in_a_deadlock_it_runs_again(
    postgres_server: str, tmp_path: Path, alone: bool
) -> None:
    """A real deadlock on PostgreSQL: another writer holds the lock on the batch's
    last key and, once the batch waits for it, asks for the batch's first. The
    server gives the batch up (it waits longer than its deadlock_timeout of 1 s;
    the other writer's is 60 s); the batch rolls back, which lets the other
    writer on, and runs again when the other has committed. So does a claim
    settled on its own (a batch of one)."""
    import psycopg

    url = create_database(postgres_server)
    Ledger(url).close()
    claims = [baggage_claim("C-1", 2, "2026-03-03", insured="INS-A")]
    if alone:
        target = tmp_path / "C-1.json"
        target.write_text(json.dumps(claims[0]))
        what, fmt = "the claim", "json"
    else:
        claims.append(baggage_claim("C-2", 3, "2026-03-04", insured="INS-B"))
        target = ndjson(tmp_path / "batch.ndjson", claims)
        what, fmt = "the batch of 2 claims", "ndjson"
    keys = sorted(
        [claim_lock_key(c["claim_id"]) for c in claims]
        + [lock_key("POL-7731", c["insured"][0]["ref"]) for c in claims]
    )
    with psycopg.connect(url) as other, psycopg.connect(url, autocommit=True) as watch:
        other.execute("SET deadlock_timeout = '60s'")
        other.execute("SELECT pg_advisory_xact_lock(%s)", (keys[-1],))
        process = subprocess.Popen(
            [sys.executable, "-m", "claimcalc", "settle", str(target), "--ledger", url,
             "--record", "-f", fmt],
            env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        waiting = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        while watch.execute(waiting).fetchone() != (1,):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        started = time.monotonic()
        # The cycle: granted once the server has given the batch up.
        other.execute("SELECT pg_advisory_xact_lock(%s)", (keys[0],))
        assert time.monotonic() - started < 30
        other.commit()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert "deadlock detected" in err.decode()
    assert f"{what} runs again (1 of 5)" in err.decode()
    summary = err.decode().splitlines()[-1]
    if not alone:  # the summary counts it
        assert summary.endswith("advances € 0,00, 1 retry after a conflict"), summary
    text = out.decode()
    records = [json.loads(text)] if alone else [json.loads(x) for x in text.splitlines()]
    assert [r["ledger"]["outcome"] for r in records] == ["recorded"] * len(claims)
    assert rows(url, "SELECT claim_id, status FROM ledger_settlements ORDER BY id") == [
        (c["claim_id"], "current") for c in claims
    ]


def test_ledger_batch_needs_a_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["settle", "x.ndjson", "--ledger-batch", "10"])
    assert code == ExitCode.USAGE
    assert "--ledger-batch: only with a ledger" in capsys.readouterr().err


def test_jobs_with_a_ledger_give_what_one_process_gives(
    ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Worker processes settle groups of claims that share an insured person or a
    claim id; the records, the settlement ids and the ledger are one process's:
    claims of the same person in the same batch, a claim id twice (changed), a
    claim that cannot be read, batches of 7 over 40 claims, then a rerun."""
    claims = [
        baggage_claim(f"C-{i}", 1 + i % 3, f"2026-0{2 + i % 7}-03", insured=f"INS-{i % 6}")
        for i in range(36)
    ]
    claims.insert(9, baggage_claim("C-3", 4, "2026-05-03", insured="INS-3"))  # C-3, changed
    claims.insert(20, baggage_claim("C-2", 1, "2026-04-03", insured="INS-5"))  # another person
    lines = [json.dumps(c) + "\n" for c in claims]
    lines.insert(5, "{not json\n")
    lines.insert(30, json.dumps({**claims[0], "claim_id": "C-X", "policy": {}}) + "\n")
    batch = tmp_path / "batch.ndjson"
    batch.write_text("".join(lines))
    out: dict[str, list[Any]] = {}
    states = []
    for jobs in ("1", "3"):
        db = other_database(ledger_url, tmp_path, f"ledger-{jobs}.db")
        for run_number in (1, 2):
            code, records, _ = run(capsys, str(batch), "--ledger", db, "--record",
                                   "--ledger-batch", "7", "--jobs", jobs)  # fmt: skip
            assert code == ExitCode.PARTIAL
            for record in records:
                record.get("ledger", {}).pop("ledger", None)  # the ledger's name
            out[f"{jobs}-{run_number}"] = records
        states.append(ledger_state(db))
    assert out["1-1"] == out["3-1"] and out["1-2"] == out["3-2"]
    assert states[0] == states[1]
    first = out["1-1"]
    assert [r["status"] for r in first].count("error") == 2
    # Run again: C-3 and C-2 alternate between their two contents, and the claims
    # of their persons after them follow; the same in both.
    assert {"C-2", "C-3"} <= {
        r["claim_id"] for r in out["3-2"] if r.get("ledger", {}).get("outcome") == "recorded"
    }
    # C-3 again (changed) supersedes its settlement; C-2 again, for another person, too
    notes = {(r["claim_id"], r["ledger"]["supersedes"] is not None) for r in first if "ledger" in r}
    assert ("C-3", True) in notes and ("C-2", True) in notes


def _advisory_locks(conn: Any) -> list[str]:
    """The advisory locks this connection's backend holds, by mode."""
    found = conn.execute(
        "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND pid = pg_backend_pid() ORDER BY mode"
    ).fetchall()
    return [str(mode) for (mode,) in found]


def test_a_transaction_takes_few_advisory_locks_or_the_whole_ledger(
    postgres_server: str,
) -> None:
    """PostgreSQL's lock table is one for the server: a writer of a few persons and
    claims takes their keys (and the whole ledger shared); one that would need more
    than MAX_LOCKS takes the whole ledger alone, exclusive: one entry, not thousands
    (12 batch writers of 200 claims × 5 persons ran out of shared memory)."""
    from claimcalc.ledger.store import MAX_LOCKS

    url = create_database(postgres_server)
    try:
        with Ledger(url) as ledger:
            ledger.begin(write=True)
            ledger.lock([lock_key("POL-1", f"P{n}") for n in range(3)])
            assert _advisory_locks(ledger._conn) == ["ExclusiveLock"] * 3 + ["ShareLock"]
            ledger.rollback()
            ledger.begin(write=True)
            ledger.lock([lock_key("POL-1", f"P{n}") for n in range(MAX_LOCKS + 1)])
            assert _advisory_locks(ledger._conn) == ["ExclusiveLock"]
            ledger.rollback()
    finally:
        drop_database(url)


def test_void_waits_for_a_batch_settling_the_same_claim(
    postgres_server: str,
    tmp_path: Path,
) -> None:
    """A batch holds a claim id's lock to its commit; `ledger void` takes it before
    reading the claim's current settlement, so it voids the settlement the batch
    leaves current, never the one it superseded."""
    import psycopg

    url = create_database(postgres_server)
    try:
        path = tmp_path / "v.json"
        path.write_text(json.dumps(baggage_claim("V-1", 2, "2026-03-03")))
        assert main(["settle", str(path), "--ledger", url, "--record", "-f", "json"]) == 0
        with psycopg.connect(url) as batch, psycopg.connect(url, autocommit=True) as watch:
            batch.execute("SELECT pg_advisory_xact_lock(%s)", (claim_lock_key("V-1"),))
            void = subprocess.Popen(
                [sys.executable, "-m", "claimcalc", "ledger", "void", "V-1", "--reason",
                 "duplicate", "--ledger", url],
                env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip
            waiting = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            deadline = time.monotonic() + 60
            while watch.execute(waiting).fetchone() != (1,):
                assert time.monotonic() < deadline and void.poll() is None
                time.sleep(0.05)
            # What the batch writes meanwhile: settlement 1 superseded by a new one.
            batch.execute("UPDATE ledger_settlements SET status = 'superseded' WHERE id = 1")
            batch.execute(
                "INSERT INTO ledger_settlements (claim_id, policy_ref, product_id, edition, "
                "level, product_sha256, claimcalc_version, event_id, event_date, "
                "trip_departure, trip_return, period_start, period_end, origin, status, "
                "content_sha256, document, recorded_at) SELECT claim_id, policy_ref, "
                "product_id, edition, level, product_sha256, claimcalc_version, event_id, "
                "event_date, trip_departure, trip_return, period_start, period_end, origin, "
                "'current', 'x', document, recorded_at FROM ledger_settlements WHERE id = 1"
            )
            batch.commit()
        _out, err = void.communicate(timeout=60)
        assert void.returncode == 0, err.decode()
        assert rows(url, "SELECT id, status FROM ledger_settlements ORDER BY id") == [
            (1, "superseded"),
            (2, "void"),
        ]
    finally:
        drop_database(url)


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_a_ledger_failing_mid_run_leaves_standard_output_parseable(
    ledger_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    """After the first batch commits, the ledger fails for real: SQLite locked by
    another writer (a short lock timeout), PostgreSQL's connection terminated by
    the server. The run stops with exit 5 and one line; what it wrote to standard
    output, the first batch's records, is still a whole document (a JSON array
    closed, whole NDJSON lines, whole CSV rows) for the script reading it."""
    import csv
    import io
    import sqlite3

    from claimcalc.ledger import store
    from claimcalc.ledger.settle import LedgerSettler

    paths = [
        ndjson(tmp_path / f"C-{i}.ndjson", [baggage_claim(f"C-{i}", 1, f"2026-0{3 + i}-03")])
        for i in range(5)
    ]
    Ledger(ledger_url, create=True).close()
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.2)
    held: list[Any] = []
    flush = LedgerSettler.flush

    def commit_then_fail(self: LedgerSettler) -> None:
        flush(self)  # the batch's commit
        if held:
            return
        if self.ledger.postgres:
            import psycopg

            with psycopg.connect(ledger_url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            held.append(None)
        else:  # another writer takes the write lock, and keeps it
            other = sqlite3.connect(ledger_url, isolation_level=None)
            other.execute("BEGIN EXCLUSIVE")
            held.append(other)

    monkeypatch.setattr(LedgerSettler, "flush", commit_then_fail)
    code = main(["settle", *map(str, paths), "--ledger", ledger_url, "--record",
                 "--ledger-batch", "2", "-f", fmt])  # fmt: skip
    out, err = capsys.readouterr()
    for other in held:
        if other is not None:
            other.close()
    assert code == ExitCode.IO, err
    assert err.count("\n") == 1 and err.startswith(ledger_url.partition("?")[0][:10]), err
    if fmt == "json":
        claim_ids = [r["claim_id"] for r in json.loads(out)]
    elif fmt == "ndjson":
        claim_ids = [json.loads(line)["claim_id"] for line in out.splitlines()]
    else:
        found = list(csv.DictReader(io.StringIO(out)))
        assert all(row["message"] == "" and row["paid"] for row in found)
        claim_ids = [row["claim_id"] for row in found]
    assert claim_ids == ["C-0", "C-1"]
    assert rows(ledger_url, "SELECT claim_id FROM ledger_settlements ORDER BY id") == [
        ("C-0",),
        ("C-1",),
    ]


def test_a_transaction_left_with_a_query_in_progress_is_rolled_back(postgres_server: str) -> None:
    """Ctrl-C between sending a query and reading its result leaves the connection
    with a command in progress: no ROLLBACK can be sent on it, and the run ended
    on "cannot roll back the ledger: … another command is already in progress"
    (exit 5) instead of the interrupt (130; once in CI, 2026-12-03). Rolling back
    then closes the connection: the server rolls the transaction back."""
    import psycopg

    url = create_database(postgres_server)
    try:
        ledger = Ledger(url)
        ledger.begin(True)
        ledger.execute("CREATE TABLE probe (x int)")
        ledger._conn.pgconn.send_query(b"SELECT pg_sleep(0.2)")  # sent, its result not read
        assert ledger._busy()
        ledger.rollback()
        assert not ledger.in_transaction
        ledger.close()
        with psycopg.connect(url, autocommit=True) as watch:
            deadline = time.monotonic() + 10
            while watch.execute(  # the other backend ends when its sleep does
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone() != (0,):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert watch.execute("SELECT to_regclass('probe')").fetchone() == (None,)
    finally:
        drop_database(url)


@pytest.mark.parametrize("phase", ["starting", "working"])
def test_ctrl_c_stops_a_run_with_jobs_and_a_ledger_in_one_line_exit_130(
    ledger_url: str, tmp_path: Path, phase: str
) -> None:
    """As without a ledger (tests/test_batch.py); the open batch is rolled back:
    the ledger holds whole batches only."""
    from tests.test_batch import interrupt_workers

    code, err = interrupt_workers(tmp_path, phase, "--ledger", ledger_url, "--record",
                                  "--ledger-batch", "50")  # fmt: skip
    assert "Traceback" not in err, err
    assert code == ExitCode.INTERRUPTED, err
    assert err.splitlines() == ["interrupted: claimcalc stopped before the end"], err
    (count,) = rows(ledger_url, "SELECT COUNT(*) FROM ledger_settlements")[0]
    assert count % 50 == 0


@pytest.mark.parametrize(
    ("lang", "retries", "end"),
    [
        ("en", 0, "advances € 0,00"),
        ("en", 1, "advances € 0,00, 1 retry after a conflict"),
        ("en", 3, "advances € 0,00, 3 retries after a conflict"),
        ("it", 1, "anticipi € 0,00, 1 nuovo tentativo dopo un conflitto"),
        ("it", 3, "anticipi € 0,00, 3 nuovi tentativi dopo un conflitto"),
    ],
)
def test_the_summary_says_the_batches_run_again(lang: str, retries: int, end: str) -> None:
    from claimcalc.i18n import speaking
    from claimcalc.output.records import Summary

    with speaking(lang):
        line = Summary(settled=2, retries=retries).line()
    assert line.endswith(end + "\n"), line
