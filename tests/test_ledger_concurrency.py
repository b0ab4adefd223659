"""The ledger under load: concurrent writers never pay a limit twice, and a batch
killed at any moment, then run again, leaves the ledger a clean run leaves.

Real processes (``python -m claimcalc settle … --record``), a real SQLite file
and a real PostgreSQL server (tests/test_ledger_server.py).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from claimcalc.ledger.store import Ledger, from_cents
from tests.conftest import example
from tests.test_ledger_server import (  # noqa: F401 (fixtures)
    create_database,
    database_url,
    ledger_url,
    postgres_server,
)

ROOT = Path(__file__).resolve().parent.parent
#: Imaway Top, section E in Europe: €1,000 per insured per policy period (E2).
PERIOD_LIMIT = Decimal("1000.00")


def ledger_corpus(
    count: int, insureds: int, seed: int, objects: tuple[int, ...] = (1,)
) -> list[str]:
    """``count`` baggage claims (NDJSON lines) of ``insureds`` insured persons of one
    policy, in one policy period: each claims ``objects`` objects of €200 (one is
    drawn per claim), so that the period's €1,000 is soon used up."""
    base: dict[str, Any] = json.loads(
        example("imaway", "E-baggage-theft-barcelona.json").read_text()
    )
    base["policy"]["ref"] = "POL-LOAD"
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        claim = json.loads(json.dumps(base))
        month = 2 + i % 10
        day = f"2026-{month:02d}-{1 + i % 20:02d}"
        claim["claim_id"] = f"LOAD-{i:05d}"
        claim["trip"] = {
            "departure_date": f"2026-{month:02d}-01",
            "return_date": f"2026-{month:02d}-25",
        }
        claim["event"]["date"] = day
        claim["reported_on"] = f"2026-{month:02d}-26"
        person = claim["insured"][0]
        person["ref"] = f"INS-{i % insureds:02d}"
        n = rng.choice(objects)
        person["lines"] = [
            {
                "id": "1",
                "guarantee": "E.baggage",
                "objects": [
                    {"label": f"object {k}", "value": "200.00", "date": day, "category": "clothing"}
                    for k in range(n)
                ],
            }
        ]
        lines.append(json.dumps(claim) + "\n")
    return lines


def settle_command(claims: Path, db: str) -> list[str]:
    return [sys.executable, "-m", "claimcalc", "settle", str(claims), "--ledger", db,
            "--record", "-f", "ndjson", "-o", os.devnull]  # fmt: skip


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def paid_by_insured(db: str) -> dict[str, list[Decimal]]:
    """Each insured person's current payments, sorted."""
    with Ledger(db) as ledger:
        found = ledger.rows(
            "SELECT p.insured_ref, p.amount_cents FROM ledger_payments p "
            "JOIN ledger_settlements s ON s.id = p.settlement_id WHERE s.status = 'current'"
        )
    out: dict[str, list[Decimal]] = {}
    for insured, cents in found:
        out.setdefault(insured, []).append(from_cents(int(cents)))
    return {k: sorted(v) for k, v in out.items()}


def ledger_state(db: str) -> Counter[tuple[Any, ...]]:
    """What a ledger holds, without row ids and times: its settlements and lines."""
    with Ledger(db) as ledger:
        settlements = ledger.rows(
            "SELECT claim_id, status, origin, content_sha256, document, period_start, period_end "
            "FROM ledger_settlements"
        )
        lines = ledger.rows(
            "SELECT s.claim_id, s.status, p.insured_ref, p.line_id, p.guarantee, p.amount_cents, "
            "p.date FROM ledger_payments p JOIN ledger_settlements s ON s.id = p.settlement_id"
        )
    return Counter([("settlement", *row) for row in settlements] + [("line", *r) for r in lines])


def other_database(url: str, tmp_path: Path, name: str) -> str:
    """A second new ledger on the same database as ``url``."""
    if url.startswith("postgresql://"):
        return create_database(database_url(url, "postgres"))
    return str(tmp_path / name)


def test_eight_processes_never_pay_a_limit_twice(ledger_url: str, tmp_path: Path) -> None:
    """8 processes settle 1,000 claims of the same 10 insured persons against the
    per-period limit: no one is paid more than the limit, and the result is a
    serial run's."""
    corpus = ledger_corpus(1000, insureds=10, seed=17)
    slices = []
    for k in range(8):
        path = tmp_path / f"slice-{k}.ndjson"
        path.write_text("".join(corpus[k::8]))
        slices.append(path)
    Ledger(ledger_url).close()  # migrated once, before the race
    processes = [
        subprocess.Popen(
            settle_command(path, ledger_url), env=environment(), stderr=subprocess.PIPE
        )
        for path in slices
    ]
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()
    concurrent = paid_by_insured(ledger_url)
    assert len(concurrent) == 10
    for insured, amounts in concurrent.items():
        assert sum(amounts) <= PERIOD_LIMIT, insured
    serial_db = other_database(ledger_url, tmp_path, "serial.db")
    everything = tmp_path / "all.ndjson"
    everything.write_text("".join(corpus))
    subprocess.run(settle_command(everything, serial_db), env=environment(), check=True)
    serial = paid_by_insured(serial_db)
    assert concurrent == serial
    assert all(sum(amounts) == PERIOD_LIMIT for amounts in serial.values())


def test_a_batch_killed_twenty_times_then_rerun_equals_a_clean_run(
    ledger_url: str, tmp_path: Path
) -> None:
    corpus = ledger_corpus(250, insureds=10, seed=5, objects=(1, 2, 3))
    batch = tmp_path / "batch.ndjson"
    batch.write_text("".join(corpus))
    clean_db = other_database(ledger_url, tmp_path, "clean.db")
    started = time.monotonic()
    subprocess.run(settle_command(batch, clean_db), env=environment(), check=True)
    duration = time.monotonic() - started
    rng = random.Random(20)
    for _ in range(20):
        process = subprocess.Popen(
            settle_command(batch, ledger_url), env=environment(), stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
    subprocess.run(settle_command(batch, ledger_url), env=environment(), check=True)
    assert ledger_state(ledger_url) == ledger_state(clean_db)
    # and run once more: nothing recorded twice
    subprocess.run(settle_command(batch, ledger_url), env=environment(), check=True)
    assert ledger_state(ledger_url) == ledger_state(clean_db)
