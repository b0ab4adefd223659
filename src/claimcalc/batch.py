"""Settle many claims: one outcome per input claim, in input order.

A claim that fails yields an error record and the others are still settled.
With ``jobs > 1`` chunks of claims go to worker processes, a bounded number
at a time, and come back in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from claimcalc.claim.sources import Item
from claimcalc.errors import ClaimcalcError, InternalError
from claimcalc.output.formats import Format
from claimcalc.output.records import Outcome, format_record
from claimcalc.settlement import Settlement
from claimcalc.settling.rates import RateTable
from claimcalc.settling.settler import Settler

if TYPE_CHECKING:
    from concurrent.futures import Future

    from claimcalc.ledger.settle import LedgerSettler

CHUNK = 256  # claims per task sent to a worker
WINDOW = 4  # chunks in flight per worker


def settle_one(settler: Settler, item: Item, fmt: Format, steps: bool = False) -> Outcome:
    """The claim's outcome. Whatever goes wrong stays with this claim: an unexpected
    exception (a bug) becomes its error record, exit code 7, and the batch goes on."""
    try:
        result: Settlement | ClaimcalcError = settler.settle_text(item)
    except ClaimcalcError as error:
        result = error
    except Exception as exc:  # the last line of defence: see InternalError
        result = InternalError.of(item.source, exc)
    try:
        record = format_record(item, result, fmt, steps)
    except Exception as exc:
        result = InternalError.of(item.source, exc)
        record = format_record(item, result, fmt, steps)
    if isinstance(result, ClaimcalcError):
        return Outcome(item.position, record, ok=False, error=result)
    indemnity, advances = result.totals()
    return Outcome(item.position, record, True, indemnity, advances, result)


_worker: tuple[Settler, Format, bool] | None = None


def _init_worker(product: str | None, rates: RateTable | None, fmt: Format, steps: bool) -> None:
    global _worker
    _worker = (Settler(product, rates, steps), fmt, steps)


def _settle_chunk(items: list[Item]) -> list[Outcome]:
    assert _worker is not None
    settler, fmt, steps = _worker
    outcomes = [settle_one(settler, item, fmt, steps) for item in items]
    for outcome in outcomes:  # settlements stay in the worker: only records travel
        outcome.settlement = None
    return outcomes


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(
    items: Iterable[Item],
    fmt: Format,
    product: str | None = None,
    rates: RateTable | None = None,
    jobs: int = 1,
    keep_settlements: bool = False,
    steps: bool = False,
    ledger: LedgerSettler | None = None,
) -> Iterator[Outcome]:
    """Settle every item, yielding outcomes in input order.

    Records carry each line's reasons; ``steps`` adds every step (``--explain``).
    Settlements kept (to be rendered as tables) stay in one process: ``jobs``
    is then ignored. So it is with a claims ledger: each claim sees the ones
    before it.
    """
    if ledger is not None:
        yield from _run_with_ledger(ledger, items, fmt, keep_settlements, steps)
        return
    if jobs <= 1 or keep_settlements:
        # A settlement kept is shown whole (a table, --explain): every step.
        settler = Settler(product, rates, steps or keep_settlements)
        for item in items:
            outcome = settle_one(settler, item, fmt, steps)
            if not keep_settlements:
                outcome.settlement = None
            yield outcome
        return
    # Imported here: a one-claim run does not pay for the process pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: forking a process that already runs the pool's threads
    # can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init_worker, initargs=(product, rates, fmt, steps)
    ) as pool:
        pending: list[Future[list[Outcome]]] = []
        for chunk in _chunks(items, CHUNK):
            pending.append(pool.submit(_settle_chunk, chunk))
            # A bounded window of chunks in flight keeps memory flat.
            if len(pending) >= jobs * WINDOW:
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()


def _run_with_ledger(
    ledger: LedgerSettler, items: Iterable[Item], fmt: Format, keep: bool, steps: bool
) -> Iterator[Outcome]:
    """The claims ledger's hook (issue 17): claims in input order, in this
    process, each reading what the ones before it recorded. A ledger that
    fails stops the batch (exit 5): the claims after it would be settled
    without their prior payments."""
    from claimcalc.ledger.records import with_ledger_note
    from claimcalc.ledger.store import LedgerError

    done = False
    try:
        for item in items:
            outcome = settle_one(ledger, item, fmt, steps)  # type: ignore[arg-type]
            if isinstance(outcome.error, LedgerError):
                raise outcome.error
            with_ledger_note(outcome, ledger.last, fmt, item.fast)
            if not keep:
                outcome.settlement = None
            yield outcome
        ledger.flush()
        done = True
    finally:
        if not done:
            ledger.abandon()
