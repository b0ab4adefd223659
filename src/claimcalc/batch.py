"""Settle many claims: one outcome per input claim, in input order.

A claim that fails yields an error record and the others are still settled.
With ``jobs > 1`` chunks of claims go to worker processes, a bounded number
at a time, and come back in order.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union

from claimcalc.claim.model import Claim
from claimcalc.claim.sources import Item
from claimcalc.errors import ClaimcalcError, FileAccessError, InternalError, WorkerLost
from claimcalc.jsonio import FAST_AFTER
from claimcalc.output.formats import Format
from claimcalc.output.records import Outcome, format_record, terminate_unwinds
from claimcalc.product.model import Product
from claimcalc.settlement import Settlement
from claimcalc.settling.rates import RateTable
from claimcalc.settling.settler import Settler

if TYPE_CHECKING:
    from concurrent.futures import Future

    from claimcalc.ledger.settle import LedgerSettler
    from claimcalc.output.plain import Plain, PlainPath

CHUNK = 256  # claims per task sent to a worker
WINDOW = 4  # chunks in flight per worker


def settle_one(
    settler: Settler,
    item: Item,
    fmt: Format,
    steps: bool = False,
    fast_path: PlainPath | None = None,
) -> Outcome:
    """The claim's outcome. Whatever goes wrong stays with this claim: an unexpected
    exception (a bug) becomes its error record, exit code 7, and the batch goes on.
    ``fast_path`` (see :func:`fast_path_for`) writes the records of the claims it
    can; the engine settles the others. Without it the claim goes through
    ``settler.settle_text`` (a claims ledger's settler has its own)."""
    if fast_path is not None:
        return _settled(settler, item, _read(settler, item), fmt, steps, fast_path)
    try:
        result: Settlement | ClaimcalcError = settler.settle_text(item)
    except ClaimcalcError as error:
        result = error
    except Exception as exc:  # the last line of defence: see InternalError
        result = InternalError.of(item.source, exc)
    return _finished(item, result, fmt, steps)


#: Claims taken a chunk at a time, phase by phase (:func:`settle_many`): at
#: most this many, and no more claims once their text reaches PHASE_TEXT
#: characters (a chunk is held whole, and a claim may hold 16 million).
PHASE = 64
PHASE_TEXT = 1 << 20


def settle_many(
    settler: Settler,
    items: Sequence[Item],
    fmt: Format,
    steps: bool = False,
    fast_path: PlainPath | None = None,
    keep: bool = False,
) -> list[Outcome]:
    """The outcomes of ``items``, as :func:`settle_one` gives each, taken
    :data:`PHASE` claims at a time (fewer when large: :data:`PHASE_TEXT`):
    every claim of a chunk read, then every one settled. The same work as claim
    by claim, in another order: reading and settling each run through their own
    code many times in a row, which the processor runs faster (a medical claim
    took 48 µs claim by claim, 39 phase by phase: benchmarks/phases.py,
    docs/performance.md). Each outcome keeps its settlement only with ``keep``
    (tables): a chunk of live settlements would keep the garbage collector
    walking them."""
    outcomes: list[Outcome] = []
    for chunk, _ in _phases(items, PHASE):  # a sequence: nothing stops it midway
        outcomes += _phased(settler, chunk, fmt, steps, fast_path, keep)
    return outcomes


def _phased(
    settler: Settler,
    chunk: list[Item],
    fmt: Format,
    steps: bool,
    fast_path: PlainPath | None,
    keep: bool,
) -> list[Outcome]:
    """One chunk's outcomes (:func:`_phases`): every claim read, then every one
    settled, the garbage collector paused meanwhile.

    Why paused: a chunk's claims as read (orjson's dictionaries and lists, each
    claim's persons and lines) live until the chunk is settled, hundreds of
    containers, which set the cyclic collector going every few claims, and
    every few thousand claims walking every object of the process, products
    and modules among them: 3–5 µs of a medical claim's 36 (docs/performance.md,
    tenth session). Reference counts still free all a claim leaves that is not
    in a cycle; what is waits for the collector's next run after the chunk, and
    a chunk is bounded (:data:`PHASE` claims, :data:`PHASE_TEXT` characters).
    The collector is the process's: paused only if it was running, and running
    again after the chunk whatever happens (paused inside the ``try``: a signal
    handled between the two would leave it off). Another thread's work
    meanwhile runs with it paused too, slower at worst; a thread that switches
    it off meanwhile finds it on again after the chunk."""
    paused = gc.isenabled()
    try:
        if paused:
            gc.disable()
        read = [_read(settler, item, fast_path) for item in chunk]
        outcomes = []
        for item, got in zip(chunk, read, strict=True):
            outcome = _settled(settler, item, got, fmt, steps, fast_path)
            if not keep:
                outcome.settlement = None
            outcomes.append(outcome)
    finally:
        if paused:
            gc.enable()
    return outcomes


#: A claim as read: the claim and its product, or why it was not read; or a
#: plain claim read by the plain path (output/plain.py).
Read = Union[tuple[Claim, Product], ClaimcalcError, "Plain"]


def _read(settler: Settler, item: Item, fast_path: PlainPath | None = None) -> Read:
    try:
        data = None  # orjson's reading, if the plain path read the text and declined it
        if fast_path is not None and item.unreadable is None:
            # item.fast, without calling a Python property
            taken, data = fast_path.read_plain(item.text, settler, item.position > FAST_AFTER)
            if taken is not None:
                return taken
        claim = settler.parse(item, data)
        return claim, settler.product_of(claim, item.source)
    except ClaimcalcError as error:
        return error
    except Exception as exc:  # the last line of defence: see InternalError
        return InternalError.of(item.source, exc)


def _settled(
    settler: Settler,
    item: Item,
    read: Read,
    fmt: Format,
    steps: bool,
    fast_path: PlainPath | None,
) -> Outcome:
    """The outcome of a claim as read (settle_one's, in two steps)."""
    result: Settlement | ClaimcalcError
    if isinstance(read, ClaimcalcError):
        result = read
    else:
        try:
            fast = item.position > FAST_AFTER  # item.fast, without calling a Python property
            if isinstance(read, tuple):
                claim, product = read
                if fast_path is not None:
                    made = fast_path.record(
                        claim, product, item.position, item.source, fast, settler.rates
                    )
                    if made is not None:
                        return Outcome(item.position, made[0], True, made[1], made[2])
            else:  # a plain claim: its record written here, or the engine's
                plain = read
                assert fast_path is not None  # it read the claim
                made = fast_path.record_plain(plain, item.position, item.source, fast)
                if made is not None:
                    return Outcome(item.position, made[0], True, made[1], made[2])
                # The fast path would decline it too (the same steps): the engine's.
                claim = settler.parse(item, plain.data)
                product = settler.product_of(claim, item.source)
            result = settler.settle_claim(claim, product, item.source)
        except ClaimcalcError as error:
            result = error
        except Exception as exc:  # the last line of defence: see InternalError
            result = InternalError.of(item.source, exc)
    return _finished(item, result, fmt, steps)


def _finished(item: Item, result: Settlement | ClaimcalcError, fmt: Format, steps: bool) -> Outcome:
    """The claim's outcome, its record formatted (a bug formatting it is its error record)."""
    try:
        record = format_record(item, result, fmt, steps)
    except Exception as exc:
        result = InternalError.of(item.source, exc)
        record = format_record(item, result, fmt, steps)
    if isinstance(result, ClaimcalcError):
        return Outcome(item.position, record, ok=False, error=result)
    indemnity, advances = result.totals()
    return Outcome(item.position, record, True, indemnity, advances, result)


def fast_path_for(fmt: Format, steps: bool) -> PlainPath | None:
    """The fast path, where its records are the batch's (NDJSON or JSON records
    without ``--explain``; not tables, CSV or a claims ledger's runs), unless
    ``CLAIMCALC_FAST_PATH=0``: every claim then goes through the engine."""
    if (
        steps
        or fmt not in (Format.NDJSON, Format.JSON)
        or os.environ.get("CLAIMCALC_FAST_PATH") == "0"
    ):
        return None
    from claimcalc.output.plain import PlainPath

    return PlainPath()


_worker: tuple[Settler, Format, bool, PlainPath | None] | None = None

#: An item as it travels to a worker: ``tuple(item)``. A plain tuple of text
#: pickles in half the time of the named tuple.
ItemFields = tuple[int, str, str, str | None]
#: An outcome as it travels back: position, record, ok, indemnity and advances
#: as text (None: the default, zero), error. A Decimal pickles through its
#: class and a dataclass through a dict of its slots: a plain tuple of text
#: takes a tenth of the time.
OutcomeFields = tuple[int, str, bool, str | None, str | None, ClaimcalcError | None]

_ZERO = Outcome(0, "", True).indemnity  # the Outcome's default, shared


def _init_worker(product: str | None, rates: RateTable | None, fmt: Format, steps: bool) -> None:
    global _worker
    ignore_interrupts()
    _worker = (Settler(product, rates, steps), fmt, steps, fast_path_for(fmt, steps))


def _settle_chunk(chunk: list[ItemFields]) -> list[OutcomeFields]:
    assert _worker is not None
    settler, fmt, steps, fast_path = _worker
    done: list[OutcomeFields] = []
    # Only records travel: each settlement is dropped once its record is written.
    for outcome in settle_many(settler, [Item(*fields) for fields in chunk], fmt, steps, fast_path):
        indemnity, advances = outcome.indemnity, outcome.advances
        done.append(
            (
                outcome.position,
                outcome.record,
                outcome.ok,
                None if indemnity is _ZERO else str(indemnity),
                None if advances is _ZERO else str(advances),
                outcome.error,
            )
        )
    if not _frozen:
        _freeze()
    return done


T = TypeVar("T")
R = TypeVar("R")


class _Handover:
    """Where worker processes leave what they hand back: a file per task, whose
    name is the message. concurrent.futures reads a result message whole, and a
    worker killed while writing one larger than a pipe holds (a chunk's records)
    left the run waiting forever for the rest; a name is written in one piece
    (a pipe write of at most 4,096 bytes is never cut)."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="claimcalc-jobs-")

    def take(self, name: str) -> Any:
        path = Path(self.folder, name)
        with path.open("rb") as file:
            result = pickle.load(file)  # written by this run's workers (_handed)
        path.unlink()
        return result

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _handed(folder: str, work: Callable[[T], R], task: T) -> str:
    """In a worker: ``work(task)`` left in ``folder``; the file's name (_Handover)."""
    result = work(task)
    try:
        descriptor, path = tempfile.mkstemp(dir=folder)
        with os.fdopen(descriptor, "wb") as file:
            pickle.dump(result, file, pickle.HIGHEST_PROTOCOL)
    except OSError as exc:
        # The temporary folder's disk (TMPDIR), not the output's: said so
        # (the output's own writer would blame the output file).
        reason = exc.strerror or str(exc)
        raise FileAccessError(f"{folder}: cannot keep a worker's records: {reason}") from None
    return Path(path).name


_frozen = False


def _freeze() -> None:
    """After a worker's first chunk its modules and products are loaded for good:
    moved out of the garbage collector's sight, its full collections no longer
    walk them (as a long-lived process would, ``gc.freeze``)."""
    global _frozen
    gc.freeze()
    _frozen = True


def _outcome(fields: OutcomeFields) -> Outcome:
    position, record, ok, indemnity, advances, error = fields
    return Outcome(
        position,
        record,
        ok,
        _ZERO if indemnity is None else Decimal(indemnity),
        _ZERO if advances is None else Decimal(advances),
        None,
        error,
    )


def _phases(items: Iterable[Item], most: int) -> Iterator[tuple[list[Item], Exception | None]]:
    """The items in chunks of ``most`` claims or :data:`PHASE_TEXT` characters
    (one claim at least), each with what stopped the items after it
    (a file that cannot be read): the claims read before it are settled and
    written first, as claim by claim."""
    iterator = iter(items)
    while True:
        chunk: list[Item] = []
        size = 0
        try:
            for item in iterator:
                chunk.append(item)
                size += len(item.text)
                if len(chunk) == most or size >= PHASE_TEXT:
                    break
            else:  # no more items
                if chunk:
                    yield chunk, None
                return
        except Exception as exc:
            yield chunk, exc
            return
        yield chunk, None


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[ItemFields]]:
    chunk: list[ItemFields] = []
    for item in items:
        chunk.append(tuple(item))  # type: ignore[arg-type]
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ignore_interrupts() -> None:
    """In a worker: Ctrl-C (SIGINT, sent by the terminal to every process of the
    group) is the parent's to handle, in one line; a worker that took it would
    print its own traceback. It started with SIGINT held (:func:`_starting_workers`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _starting_workers() -> Iterator[None]:
    """Around the submits, which start the workers: the main script left alone
    (:func:`_main_left_alone`), and SIGINT held (blocked) in this thread. A worker
    started now inherits it held, from its first instruction: a Ctrl-C while it
    imports does not interrupt it (then :func:`ignore_interrupts`). A Ctrl-C
    meanwhile is not lost: pending, it reaches this process when released."""
    with _main_left_alone():
        if not hasattr(signal, "pthread_sigmask"):  # not POSIX
            yield
            return
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def _main_left_alone() -> Iterator[None]:
    """While workers start: a spawned worker runs the parent's main script
    again (as ``__mp_main__``) unless the main module has neither a spec
    nor a file. For the ``claimcalc`` console script that is the whole
    command line, typer and rich with it, in every worker, for nothing: a
    worker needs only this module. Hidden for the moment workers start."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    path = getattr(main, "__file__", None)
    if main is None or getattr(spec, "name", None) is not None or path is None:
        yield  # python -m claimcalc: spawn leaves a package's __main__ alone
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def run(
    items: Iterable[Item],
    fmt: Format,
    product: str | None = None,
    rates: RateTable | None = None,
    jobs: int = 1,
    keep_settlements: bool = False,
    steps: bool = False,
    ledger: LedgerSettler | None = None,
    read_ahead: bool = True,
) -> Iterator[Outcome]:
    """Settle every item, yielding outcomes in input order.

    Records carry each line's reasons; ``steps`` adds every step (``--explain``).
    Settlements kept (to be rendered as tables) stay in one process: ``jobs``
    is then ignored. With a claims ledger each claim sees the ones before it,
    whatever ``jobs`` (:func:`_run_with_ledger`). In one process, claims are
    taken :data:`PHASE` at a time (:func:`settle_many`) unless ``read_ahead``
    is False: claims coming on a pipe, whose records must not wait for the
    next claims.
    """
    if ledger is not None:
        workers = (product, rates, jobs) if jobs > 1 and not keep_settlements else None
        yield from _run_with_ledger(ledger, items, fmt, keep_settlements, steps, workers)
        return
    if jobs <= 1 or keep_settlements:
        # A settlement kept is shown whole (a table, --explain): every step.
        settler = Settler(product, rates, steps or keep_settlements)
        fast_path = None if keep_settlements else fast_path_for(fmt, steps)
        # Without read-ahead, chunks of one: each claim's record as soon as it comes.
        for taken, failure in _phases(items, PHASE if read_ahead else 1):
            yield from _phased(settler, taken, fmt, steps, fast_path, keep_settlements)
            if failure is not None:
                raise failure
        return
    # Imported here: a one-claim run does not pay for the process pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: forking a process that already runs the pool's threads
    # can deadlock.
    context = multiprocessing.get_context("spawn")
    # SIGTERM unwinds (else it ended this process alone: the workers lived on,
    # orphaned, and their chunks' records stayed in the handover folder).
    with terminate_unwinds():
        pool = ProcessPoolExecutor(
            jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(product, rates, fmt, steps),
        )
        handover = _Handover()
        try:
            pending: list[Future[str]] = []
            for chunk in _chunks(items, CHUNK):
                # Workers are started by the first submits.
                with _starting_workers(), _workers_kept():
                    pending.append(pool.submit(_handed, handover.folder, _settle_chunk, chunk))
                # A bounded window of chunks in flight keeps memory flat.
                if len(pending) >= jobs * WINDOW:
                    with _workers_kept():
                        done: list[OutcomeFields] = handover.take(pending.pop(0).result())
                    for fields in done:
                        yield _outcome(fields)
            for future in pending:
                with _workers_kept():
                    done = handover.take(future.result())
                for fields in done:
                    yield _outcome(fields)
        finally:
            # A run that stops (Ctrl-C, SIGTERM, a worker lost, a closed pipe) waits
            # for the chunks being settled only, not for the window's others.
            pool.shutdown(cancel_futures=True)
            handover.close()


@contextlib.contextmanager
def _workers_kept() -> Iterator[None]:
    """A worker process that died (killed, out of memory) is one line and exit 7,
    not the pool's traceback: the records before it are written."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield
    except BrokenProcessPool:
        raise WorkerLost() from None


def _run_with_ledger(
    ledger: LedgerSettler,
    items: Iterable[Item],
    fmt: Format,
    keep: bool,
    steps: bool,
    workers: tuple[str | None, RateTable | None, int] | None = None,
) -> Iterator[Outcome]:
    """The claims ledger's hook (issue 17): claims in input order, in batches
    of one transaction each, each claim seeing the ones before it; a batch's
    records come after its commit. With ``workers`` (product, rates, jobs),
    a batch's claims are settled in worker processes, this process holding
    the transaction (:meth:`LedgerSettler.settle_batch`). A ledger that fails
    stops the batch (exit 5): the claims after it would be settled without
    their prior payments."""

    def settle(item: Item) -> Outcome:
        return settle_one(ledger, item, fmt, steps)  # type: ignore[arg-type]

    with contextlib.ExitStack() as stack:
        pool = None
        if workers is not None:
            stack.enter_context(terminate_unwinds())  # as run's own pool
            pool = stack.enter_context(_LedgerPool(ledger, fmt, steps, *workers))
        done = False
        try:
            batch: list[Item] = []
            for item in items:
                batch.append(item)
                if len(batch) == ledger.batch_size:
                    yield from _kept(ledger.settle_batch(batch, settle, fmt, pool), keep)
                    batch = []
            if batch:
                yield from _kept(ledger.settle_batch(batch, settle, fmt, pool), keep)
            done = True
        finally:
            if not done:
                ledger.abandon()


class _LedgerPool:
    """Worker processes for a batch with a ledger (``LedgerSettler.Workers``)."""

    def __init__(
        self,
        ledger: LedgerSettler,
        fmt: Format,
        steps: bool,
        product: str | None,
        rates: RateTable | None,
        jobs: int,
    ) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from claimcalc.ledger.settle import start_worker

        self.count = jobs
        # Text records only (tables keep their settlements, in one process): the
        # settler's steps are the records' (--explain), as in this process.
        self._pool = ProcessPoolExecutor(
            jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=start_worker,
            initargs=(ledger.ledger.name, product, rates, ledger.record, ledger.add_prior,
                      settle_one, fmt, steps),
        )  # fmt: skip
        self._handover = _Handover()

    def run(self, tasks: list[Any]) -> list[Any]:
        from claimcalc.ledger.settle import settle_task

        folder = self._handover.folder
        with _starting_workers(), _workers_kept():
            futures = [self._pool.submit(_handed, folder, settle_task, task) for task in tasks]
        with _workers_kept():
            return [self._handover.take(future.result()) for future in futures]

    def __enter__(self) -> _LedgerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(cancel_futures=True)
        self._handover.close()


def _kept(outcomes: list[Outcome], keep: bool) -> list[Outcome]:
    if not keep:
        for outcome in outcomes:
            outcome.settlement = None
    return outcomes
