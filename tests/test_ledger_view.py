"""The payments a SQLite ledger's settler keeps between batches (``_view``).

A recording batch reads from the database only the insured persons its
settler does not already know as its last commit left them, and only while no
other connection has committed since (SQLite's ``data_version``). These tests
hold the kept view to what the database says, to runs that read everything
every time, and to another writer's commits.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimcalc import batch
from claimcalc.claim.sources import Item, iter_items
from claimcalc.errors import UsageError
from claimcalc.ledger.settle import LedgerSettler
from claimcalc.ledger.store import Ledger
from claimcalc.output.formats import Format
from claimcalc.settling.settler import Settler
from tests.test_ledger_concurrency import ledger_corpus
from tests.test_ledger_server import ledger_url, postgres_server  # noqa: F401 (fixtures)


def book(count: int, seed: int) -> list[str]:
    """Claims of 12 persons, some settled again later with other objects (they
    supersede), one of them twice within a few lines (within one batch)."""
    lines = ledger_corpus(count, 12, seed, (1, 2, 3))
    rng = random.Random(seed)
    again = []
    for line in rng.sample(lines, count // 5):
        claim = json.loads(line)
        objects = claim["insured"][0]["lines"][0]["objects"]
        claim["insured"][0]["lines"][0]["objects"] = (
            objects[:1] if len(objects) > 1 else objects * 3
        )
        again.append(json.dumps(claim) + "\n")
    out = lines + again
    out.insert(5, again[0])  # the same claim id twice in the first batches
    return out


def run(
    tmp_path: Path, lines: list[str], db: str, size: int, keep_view: bool = True
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Records of a recording run, and the ledger's settlements and lines after it."""
    claims = tmp_path / "claims.ndjson"
    claims.write_text("".join(lines))
    with Ledger(db) as ledger:
        settler = LedgerSettler(ledger, Settler(None, None, False), record=True, batch_size=size)
        if not keep_view:  # every batch reads every person again
            setattr(settler, "_keep_view", lambda batch, places: settler._view.clear())  # noqa: B010
        records = [
            o.record for o in batch.run(iter_items([str(claims)]), Format.NDJSON, ledger=settler)
        ]
        rows = ledger.rows(
            "SELECT s.id, s.claim_id, s.status, s.superseded_by, s.content_sha256, p.insured_ref, "
            "p.guarantee, p.amount_cents FROM ledger_settlements s "
            "JOIN ledger_payments p ON p.settlement_id = s.id ORDER BY s.id, p.id"
        )
    return records, rows


@pytest.mark.parametrize("size", [1, 7, 50])
def test_the_kept_view_is_what_the_database_says_after_every_batch(
    tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = []
    keep = LedgerSettler._keep_view

    def checking(self: LedgerSettler, found: Any, places: dict[str, int]) -> None:
        keep(self, found, places)
        by_policy: dict[str, list[str]] = {}
        for policy, ref in self._view:
            by_policy.setdefault(policy, []).append(ref)
        for policy, refs in by_policy.items():
            for ref, rows in self.ledger.payments_of(policy, refs).items():
                assert self._view[(policy, ref)] == rows, (policy, ref)
                checked.append(ref)

    monkeypatch.setattr(LedgerSettler, "_keep_view", checking)
    lines = book(150, seed=5)
    with_view, _rows = run(tmp_path, lines, str(tmp_path / "a.db"), size)
    assert len(checked) > len(lines) // size  # compared after every batch
    assert len(with_view) == len(lines)
    assert any('"supersedes":' in r and '"supersedes":null' not in r for r in with_view)


@pytest.mark.parametrize("size", [7, 200])
def test_records_and_ledger_equal_a_run_that_reads_everything(tmp_path: Path, size: int) -> None:
    lines = book(300, seed=9)
    kept = run(tmp_path, lines, str(tmp_path / "kept.db"), size)
    read = run(tmp_path, lines, str(tmp_path / "read.db"), size, keep_view=False)
    strip = [r.replace(str(tmp_path / "kept.db"), "DB") for r in kept[0]]
    assert strip == [r.replace(str(tmp_path / "read.db"), "DB") for r in read[0]]
    assert kept[1] == read[1]


def items(claims: list[dict[str, Any]], start: int) -> list[Item]:
    return [Item(start + i, f"c{start + i}", json.dumps(c)) for i, c in enumerate(claims)]


def claim(claim_id: str, objects: int) -> dict[str, Any]:
    """A claim of the same person, period and trip: ``objects`` objects of €200."""
    found: dict[str, Any] = json.loads(ledger_corpus(1, 1, 1)[0])
    found["claim_id"] = claim_id
    one = found["insured"][0]["lines"][0]["objects"][0]
    found["insured"][0]["lines"][0]["objects"] = [
        {**one, "label": f"object {k}"} for k in range(objects)
    ]
    return found


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The persons each ``payments_of`` call read from the database."""
    calls: list[list[str]] = []
    inner = Ledger.payments_of

    def spy(self: Ledger, policy: str, refs: Any) -> Any:
        calls.append(list(refs))
        return inner(self, policy, refs)

    monkeypatch.setattr(Ledger, "payments_of", spy)
    yield calls


def settle_batch(settler: LedgerSettler, batch_items: list[Item]) -> list[Any]:
    def one(item: Item) -> Any:
        return batch.settle_one(settler, item, Format.NDJSON)  # type: ignore[arg-type]

    return [json.loads(o.record) for o in settler.settle_batch(batch_items, one, Format.NDJSON)]


def test_another_writers_commit_is_read_not_missed(tmp_path: Path, reads: list[list[str]]) -> None:
    db = str(tmp_path / "two.db")
    with Ledger(db) as first_db, Ledger(db) as second_db:
        first = LedgerSettler(first_db, Settler(None, None, False), record=True)
        second = LedgerSettler(second_db, Settler(None, None, False), record=True)
        (x,) = settle_batch(first, items([claim("X-1", 3)], 1))
        assert x["totals"]["indemnity"] == "550.00"  # €600 less the €50 franchigia
        (y,) = settle_batch(second, items([claim("Y-1", 3)], 2))
        assert [p["claim_id"] for p in y["ledger"]["prior_payments"]] == ["X-1"]
        reads.clear()
        # The first settler knew the person from its own batch; the second
        # writer's commit changed the database: it reads the person again.
        (z,) = settle_batch(first, items([claim("Z-1", 3)], 3))
        assert reads == [[x["insured"][0]["ref"]]]
        assert [p["claim_id"] for p in z["ledger"]["prior_payments"]] == ["X-1", "Y-1"]
        assert z["totals"]["indemnity"] == "0.00"  # €1,000 a period: 550 + 450 paid
        assert y["totals"]["indemnity"] == "450.00"


def test_alone_a_writer_reads_a_person_once(tmp_path: Path, reads: list[list[str]]) -> None:
    with Ledger(str(tmp_path / "one.db")) as ledger:
        settler = LedgerSettler(ledger, Settler(None, None, False), record=True)
        settle_batch(settler, items([claim("A-1", 1)], 1))
        settle_batch(settler, items([claim("A-2", 1)], 2))
        (third,) = settle_batch(settler, items([claim("A-3", 1)], 3))
    assert len(reads) == 1  # the first batch's: the later ones kept what it left
    assert [p["claim_id"] for p in third["ledger"]["prior_payments"]] == ["A-1", "A-2"]


def test_a_rolled_back_batch_leaves_nothing_kept(tmp_path: Path) -> None:
    with Ledger(str(tmp_path / "back.db")) as ledger:
        settler = LedgerSettler(ledger, Settler(None, None, False), record=True)
        settle_batch(settler, items([claim("B-1", 1)], 1))
        assert settler._view
        settler.begin(items([claim("B-2", 1)], 2))
        settler.abandon()
        assert not settler._view and settler._view_version is None


def test_only_sqlite_recording_keeps_a_view(ledger_url: str) -> None:
    """PostgreSQL has no data_version: every batch reads. A dry run reads too."""
    with Ledger(ledger_url) as ledger:
        dry = LedgerSettler(ledger, Settler(None, None, False), record=False)
        settle_batch(dry, items([claim("P-0", 1)], 1))
        assert not dry._view
        settler = LedgerSettler(ledger, Settler(None, None, False), record=True)
        settle_batch(settler, items([claim("P-1", 1)], 2))
        assert bool(settler._view) is (not ledger.postgres)


def test_two_settlers_on_one_connection_see_each_others_commits(tmp_path: Path) -> None:
    """data_version does not change for a commit of the same connection: a
    second settler (or a void) through the same ledger must still be read."""
    with Ledger(str(tmp_path / "shared.db")) as ledger:
        first = LedgerSettler(ledger, Settler(None, None, False), record=True)
        second = LedgerSettler(ledger, Settler(None, None, False), record=True)
        (a,) = settle_batch(first, items([claim("S-1", 5)], 1))
        (b,) = settle_batch(second, items([claim("S-2", 5)], 2))
        (c,) = settle_batch(first, items([claim("S-3", 5)], 3))
    assert [r["totals"]["indemnity"] for r in (a, b, c)] == ["950.00", "50.00", "0.00"]
    assert [p["claim_id"] for p in c["ledger"]["prior_payments"]] == ["S-1", "S-2"]


def test_a_void_through_the_same_ledger_is_read(tmp_path: Path) -> None:
    from claimcalc.ledger.manage import void

    with Ledger(str(tmp_path / "void.db")) as ledger:
        settler = LedgerSettler(ledger, Settler(None, None, False), record=True)
        settle_batch(settler, items([claim("V-1", 5)], 1))
        void(ledger, "V-1", "paid in error")
        (after,) = settle_batch(settler, items([claim("V-2", 5)], 2))
    assert after["ledger"]["prior_payments"] == []
    assert after["totals"]["indemnity"] == "950.00"


def test_a_claim_voided_then_settled_again_keeps_its_first_place(tmp_path: Path) -> None:
    """Its place is its first settlement's, the void one's (payments_of's MIN(id)):
    the kept view says so too, and a claim placed after it still sees it."""
    from claimcalc.ledger.manage import void

    db = str(tmp_path / "place.db")
    with Ledger(db) as ledger:
        settle_batch(
            LedgerSettler(ledger, Settler(None, None, False), record=True),
            items([claim("P-1", 2)], 1),
        )
        void(ledger, "P-1", "paid in error")
        settle_batch(
            LedgerSettler(ledger, Settler(None, None, False), record=True),
            items([claim("P-2", 5)], 2),
        )
    with Ledger(db) as ledger:
        settler = LedgerSettler(ledger, Settler(None, None, False), record=True)
        (again,) = settle_batch(settler, items([claim("P-1", 2)], 3))
        assert again["totals"]["indemnity"] == "50.00"  # P-2's €950 first
        for (policy, ref), kept in settler._view.items():
            assert kept == ledger.payments_of(policy, [ref])[ref]
        # P-2 (place 2) comes after P-1 (place 1): settled again, it sees it.
        (later,) = settle_batch(settler, items([claim("P-2", 5)], 4))
    assert later["ledger"]["outcome"] == "unchanged"
    assert [p["claim_id"] for p in later["ledger"]["prior_payments"]] == ["P-1"]


def test_the_view_keeps_at_most_view_persons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bound on memory: past VIEW_PERSONS persons the view starts again from
    the batch's, and the records and rows are those of a run reading everything."""
    from claimcalc.ledger import settle

    monkeypatch.setattr(settle, "VIEW_PERSONS", 4)
    sizes = []
    keep = LedgerSettler._keep_view

    def counting(self: LedgerSettler, found: Any, places: dict[str, int]) -> None:
        keep(self, found, places)
        sizes.append(len(self._view))

    monkeypatch.setattr(LedgerSettler, "_keep_view", counting)
    lines = book(120, seed=3)  # 12 persons, 3 claims a batch
    kept = run(tmp_path, lines, str(tmp_path / "kept.db"), 3)
    assert sizes and max(sizes) <= 4
    assert len(set(sizes)) > 1  # cleared and filled again
    monkeypatch.setattr(LedgerSettler, "_keep_view", keep)
    read = run(tmp_path, lines, str(tmp_path / "read.db"), 3, keep_view=False)
    strip = [r.replace(str(tmp_path / "kept.db"), "DB") for r in kept[0]]
    assert strip == [r.replace(str(tmp_path / "read.db"), "DB") for r in read[0]]
    assert kept[1] == read[1]


def test_a_batch_rolled_back_after_settling_left_the_view_as_it_was(tmp_path: Path) -> None:
    """The batch works on copies of the kept lists: what it settled and then
    lost (rolled back) was never in the view."""
    with Ledger(str(tmp_path / "copies.db")) as ledger:
        settler = LedgerSettler(ledger, Settler(None, None, False), record=True)
        settle_batch(settler, items([claim("R-1", 2), claim("R-2", 1)], 1))
        before = {key: list(rows) for key, rows in settler._view.items()}
        again = items([claim("R-3", 1), claim("R-1", 4)], 3)  # adds R-3, supersedes R-1
        settler.begin(again)
        for item in again:
            settler.settle_text(item)
        assert settler._batch is not None and settler._batch.writes
        assert settler._view == before
        settler.abandon()
        (after,) = settle_batch(settler, items([claim("R-4", 1)], 5))
    assert [p["claim_id"] for p in after["ledger"]["prior_payments"]] == ["R-1", "R-2"]


@pytest.mark.parametrize("seed", [1, 2])
def test_writers_taking_turns_equal_one_writer(tmp_path: Path, seed: int) -> None:
    """Three settlers take turns, batch by batch (two on connections of their own,
    one sharing the first's connection), with voids between some batches: the
    ledger and the settlements are those of one settler running the same batches
    in the same order. A settler reusing payments another wrote past would pay a
    limit again, and differ."""
    from claimcalc.ledger.manage import void

    rng = random.Random(seed)
    lines = book(240, seed=seed)
    chunks, at = [], 0
    while at < len(lines):
        size = rng.choice([1, 2, 5, 9])
        chunks.append(
            [
                Item(at + i + 1, f"c:{at + i + 1}", text)
                for i, text in enumerate(lines[at : at + size])
            ]
        )
        at += size
    voids = {
        k: json.loads(chunk[0].text)["claim_id"] for k, chunk in enumerate(chunks) if k % 7 == 3
    }

    def play(db: str, turns: bool) -> tuple[list[Any], list[tuple[Any, ...]]]:
        records = []
        with Ledger(db) as one, Ledger(db) as two, Ledger(db) as other:
            settlers = [LedgerSettler(ledger, Settler(None, None, False), record=True)
                        for ledger in (one, two, one)]  # fmt: skip
            for k, chunk in enumerate(chunks):
                settler = settlers[rng.randrange(3)] if turns else settlers[0]
                for record in settle_batch(settler, chunk):
                    record["ledger"]["ledger"] = "DB"
                    records.append(record)
                if k in voids:
                    with contextlib.suppress(UsageError):  # already void: no current one
                        void(other, voids[k], "taking turns")
            rows = other.rows(
                "SELECT s.id, s.claim_id, s.status, s.superseded_by, s.content_sha256, "
                "p.insured_ref, p.amount_cents FROM ledger_settlements s "
                "JOIN ledger_payments p ON p.settlement_id = s.id ORDER BY s.id, p.id"
            )
        return records, rows

    taking_turns = play(str(tmp_path / "turns.db"), turns=True)
    alone = play(str(tmp_path / "alone.db"), turns=False)
    assert taking_turns == alone
