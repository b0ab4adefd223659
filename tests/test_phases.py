"""Phase by phase (batch.settle_many, read-ahead) against claim by claim: the same
outcomes whatever fails where, no more claims held than a claim-by-claim run would
need, and a live pipe answered claim by claim."""

from __future__ import annotations

import json
import os
import random
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimcalc.claim.sources import Item
from tests.conftest import EXAMPLES, benchmark
from tests.test_batch import corpus

MEDICAL = next(p for p in EXAMPLES if p.name == "D-medical-usa.json")


def _items(lines: list[str]) -> list[Item]:
    return [Item(i + 1, f"book.ndjson:{i + 1}", line) for i, line in enumerate(lines)]


class Bug(Exception):
    pass


STAGES = [
    "parse",
    "product_of",
    "fast_path",
    "read_plain",
    "record_plain",
    "settle_claim",
    "format_record",
]
BUGGY = {3, 64, 65, 130}  # positions: the chunks' edges and the 64th claim (orjson after it)


def _inject(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """A bug (an unexpected exception) at ``stage`` for the claims at BUGGY."""
    import claimcalc.batch as batch
    from claimcalc.output.fastpath import FastPath
    from claimcalc.output.plain import PlainPath
    from claimcalc.settling.settler import Settler

    def position(source: str) -> int:
        return int(source.rsplit(":", 1)[1])

    if stage in ("parse", "product_of", "fast_path"):
        # the plain path reads and settles plain claims without these
        monkeypatch.setenv("CLAIMCALC_PLAIN_PATH", "0")
    if stage == "read_plain":
        read_plain = PlainPath.read_plain

        def buggy_read(self: PlainPath, text: str, settler: Settler, *rest: Any) -> Any:
            # the claim's position from its id (C-000064: the 65th), if it can be read
            claim_id = text.partition('"claim_id": "')[2].partition('"')[0]
            if claim_id[:2] == "C-" and int(claim_id[2:]) + 1 in BUGGY:
                raise Bug("in reading a plain claim")
            return read_plain(self, text, settler, *rest)

        monkeypatch.setattr(PlainPath, "read_plain", buggy_read)
    elif stage == "record_plain":
        record_plain = PlainPath.record_plain

        def buggy_plain(self: PlainPath, plain: Any, at: int, *rest: Any) -> Any:
            if at in BUGGY:
                raise Bug("in the plain path")
            return record_plain(self, plain, at, *rest)

        monkeypatch.setattr(PlainPath, "record_plain", buggy_plain)
    elif stage == "parse":
        parse = Settler.parse

        def buggy_parse(self: Settler, item: Item, *rest: Any) -> Any:
            if item.position in BUGGY:
                raise Bug("in parse")
            return parse(self, item, *rest)

        monkeypatch.setattr(Settler, "parse", buggy_parse)
    elif stage == "product_of":
        product_of = Settler.product_of

        def buggy_product(self: Settler, claim: Any, source: str) -> Any:
            if position(source) in BUGGY:
                raise Bug("in product_of")
            return product_of(self, claim, source)

        monkeypatch.setattr(Settler, "product_of", buggy_product)
    elif stage == "fast_path":
        record = FastPath.record

        def buggy_record(self: FastPath, claim: Any, product: Any, at: int, *rest: Any) -> Any:
            if at in BUGGY:
                raise Bug("in the fast path")
            return record(self, claim, product, at, *rest)

        monkeypatch.setattr(FastPath, "record", buggy_record)
    elif stage == "settle_claim":
        settle_claim = Settler.settle_claim

        def buggy_settle(self: Settler, claim: Any, product: Any, source: str, *rest: Any) -> Any:
            if position(source) in BUGGY:
                raise Bug("in a step")
            return settle_claim(self, claim, product, source, *rest)

        monkeypatch.setattr(Settler, "settle_claim", buggy_settle)
    else:
        from claimcalc.errors import InternalError

        format_record = batch.format_record  # type: ignore[attr-defined]

        def buggy_format(item: Item, result: Any, *rest: Any) -> Any:
            if item.position in BUGGY and not isinstance(result, InternalError):
                raise Bug("in a record")  # the error record is written
            return format_record(item, result, *rest)

        monkeypatch.setattr(batch, "format_record", buggy_format)


def _seen(outcomes: Iterator[Any]) -> list[tuple[object, ...]]:
    return [
        (
            o.position,
            o.record,
            o.ok,
            o.indemnity,
            o.advances,
            type(o.error).__name__,
            str(o.error),
            o.settlement is not None,
        )
        for o in outcomes
    ]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(
    ("fmt", "keep", "steps"),
    [("ndjson", False, False), ("json", False, True), ("csv", False, False), ("table", True, True)],
)
def test_a_bug_anywhere_gives_the_same_outcomes_phase_by_phase_and_claim_by_claim(
    monkeypatch: pytest.MonkeyPatch, stage: str, fmt: str, keep: bool, steps: bool
) -> None:
    from claimcalc.batch import run
    from claimcalc.output.formats import Format

    _inject(monkeypatch, stage)
    lines = corpus(150, bad_every=9)
    # the 130th a plain claim: read and written by the plain path (the 65th is not)
    plain = benchmark("run").medical_claim(129, random.Random(1))
    lines[129] = json.dumps({**plain, "claim_id": "C-000129"})
    items = _items(lines)
    form = Format(fmt)
    ahead = _seen(run(iter(items), form, keep_settlements=keep, steps=steps, read_ahead=True))
    one = _seen(run(iter(items), form, keep_settlements=keep, steps=steps, read_ahead=False))
    assert ahead == one
    bugs = {seen[0] for seen in one if seen[5] == "InternalError"}
    # no fast path for tables, CSV or --explain; a claim that cannot be read is not settled
    reached = stage not in ("fast_path", "read_plain", "record_plain") or (
        fmt in ("ndjson", "json") and not steps
    )
    assert (bugs == BUGGY - {seen[0] for seen in one if "Bug" not in str(seen[6])}) and (
        bool(bugs) == reached
    ), bugs


# --------------------------------------------------------------------------- memory


#: A claim's text of about a mebibyte (an NDJSON line may hold 16 MiB of characters).
_BIG = 1024 * 1024


def _big_items(count: int) -> list[Item]:
    # Unreadable claims keep the test quick: what is held ahead is their text.
    text = '{"claim_id": "' + "x" * _BIG + '"'
    return [Item(i + 1, f"big.ndjson:{i + 1}", text) for i in range(count)]


def test_a_batch_of_large_claims_does_not_read_64_of_them_ahead() -> None:
    """Read-ahead pays on small claims; on large ones it multiplies what a batch
    holds (64 parsed claims of 8 MB each held 3.9 GB, against 0.19 GB claim by
    claim): the claims read ahead of the one answered are bounded by their size."""
    from claimcalc.batch import run
    from claimcalc.output.formats import Format

    asked: list[int] = []
    items = _big_items(80)

    def source() -> Iterator[Item]:
        for item in items:
            asked.append(len(item.text))
            yield item

    outcomes = run(source(), Format.NDJSON)
    first = next(outcomes)
    assert not first.ok
    ahead = sum(asked) - len(items[0].text)
    assert ahead <= 8 * _BIG, f"{len(asked)} claims ({sum(asked):,} characters) read for the first"


def test_a_workers_chunk_of_large_claims_is_not_parsed_64_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """settle_many (a worker's chunk) parses a claim only when the claims parsed
    before it hold little: not 64 large ones at once."""
    import claimcalc.batch as batch
    from claimcalc.output.formats import Format
    from claimcalc.settling.settler import Settler

    read, settled, most = [0], [0], [0]
    real_read, real_settled = batch._read, batch._settled

    def counting_read(*args: Any) -> Any:
        read[0] += 1
        most[0] = max(most[0], read[0] - settled[0])
        return real_read(*args)

    def counting_settled(*args: Any) -> Any:
        settled[0] += 1
        return real_settled(*args)

    monkeypatch.setattr(batch, "_read", counting_read)
    monkeypatch.setattr(batch, "_settled", counting_settled)
    batch.settle_many(Settler(), _big_items(70), Format.NDJSON)
    assert settled[0] == 70
    assert most[0] <= 8, f"{most[0]} large claims read before the first was settled"


# --------------------------------------------------------------------------- live pipes


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_claims_on_a_named_pipe_are_answered_as_they_come(tmp_path: Path) -> None:
    """``settle live.ndjson`` where live.ndjson is a FIFO fed by a program that waits
    for each answer: as ``settle -``, each record comes before the next claim is read
    (at e42a75b it did; read-ahead waits for 64 claims or the end of the pipe)."""
    fifo = tmp_path / "live.ndjson"
    os.mkfifo(fifo)
    line = (json.dumps(json.loads(MEDICAL.read_text(encoding="utf-8"))) + "\n").encode()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "claimcalc", "settle", str(fifo), "--format", "ndjson"]
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        assert process.stdout is not None
        answered = []
        with fifo.open("wb") as pipe:
            for _ in range(3):
                pipe.write(line)
                pipe.flush()
                ready, _, _ = select.select([process.stdout], [], [], 10)
                answered.append(bool(ready) and bool(process.stdout.readline()))
        process.communicate(timeout=60)
    assert answered == [True, True, True]
