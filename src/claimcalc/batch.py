"""Settle many claims: one output record per input claim, in input order.

Inputs are read lazily (claim files, directories of them, NDJSON files or
standard input), so memory does not grow with the number of claims. A claim
that fails yields an error record and the others are still settled. With
``jobs > 1`` chunks of claims go to worker processes, a bounded number at a
time, and come back in order.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from claimcalc.errors import (
    ClaimcalcError,
    ClaimError,
    FileAccessError,
    ProductFileError,
    UnknownProductError,
)
from claimcalc.jsonio import FAST_AFTER, dumps
from claimcalc.settlement import SCHEMA_VERSION, Settlement
from claimcalc.settling.rates import RateTable

if TYPE_CHECKING:
    from concurrent.futures import Future

    from claimcalc.claim.model import Claim

CHUNK = 256  # claims per task sent to a worker
WINDOW = 4  # chunks in flight per worker


class BatchFormat(StrEnum):
    NDJSON = "ndjson"
    JSON = "json"
    CSV = "csv"


class Item(NamedTuple):
    """One claim to settle: its position (1-based), where it came from, its text.

    A named tuple: made once per claim, it costs a third of a frozen dataclass.
    """

    position: int
    source: str
    text: str
    unreadable: str | None = None  # why the file could not be read, if it could not

    def claim(self) -> Claim:
        """The claim this item holds, validated; an unreadable file fails here."""
        from claimcalc.claim.read import parse_claim

        return _claim_of(self, parse_claim)

    @property
    def fast(self) -> bool:
        """Read and write this claim's JSON with orjson (a batch's later claims)."""
        return self.position > FAST_AFTER


@dataclass(slots=True)
class Outcome:
    """What one claim produced: a formatted record, and what the summary needs."""

    position: int
    record: str
    ok: bool
    indemnity: Decimal = Decimal("0.00")
    advances: Decimal = Decimal("0.00")
    settlement: Settlement | None = None
    error: ClaimcalcError | None = None


@dataclass(slots=True)
class Summary:
    settled: int = 0
    failed: int = 0
    indemnity: Decimal = Decimal("0.00")
    advances: Decimal = Decimal("0.00")
    exit_codes: set[int] = field(default_factory=set)

    def add(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.settled += 1
            self.indemnity += outcome.indemnity
            self.advances += outcome.advances
        else:
            self.failed += 1
            if outcome.error is not None:
                self.exit_codes.add(int(outcome.error.exit_code))


# --------------------------------------------------------------------------- reading


def iter_items(inputs: Iterable[str], stdin: Iterable[str] | None = None) -> Iterator[Item]:
    """Claims from files, directories (their ``*.json``, sorted), NDJSON files
    (``*.ndjson``, ``*.jsonl``: one claim a line) and ``-`` (NDJSON on stdin)."""
    position = 0
    for name in inputs:
        if name == "-":
            lines = stdin if stdin is not None else sys.stdin
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    position += 1
                    yield Item(position, f"<stdin>:{number}", line)
            continue
        path = Path(name)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file())
        else:
            files = [path]
        for file in files:
            if file.suffix in (".ndjson", ".jsonl"):
                label = str(file)  # once, not once a line
                for number, line in _ndjson_lines(file):
                    position += 1
                    yield Item(position, f"{label}:{number}", line)
            else:
                position += 1
                text, problem = _read_text(file)
                yield Item(position, str(file), text, problem)


def _ndjson_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, line
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read claims file: {exc.strerror}") from None


def _read_text(path: Path) -> tuple[str, str | None]:
    """The file's text, or why it could not be read (its claim then fails alone)."""
    try:
        return path.read_bytes().decode("utf-8"), None
    except OSError as exc:
        return "", exc.strerror or "cannot read"
    except UnicodeDecodeError:
        return "", "not UTF-8 text"


# --------------------------------------------------------------------------- settling


class Settler:
    """Settles claim texts; loads each product once and keeps it.

    ``steps=False``: each line's trace keeps only its reasons (see
    :func:`claimcalc.settling.engine.settle`), for records written without steps.
    """

    def __init__(
        self, product: str | None = None, rates: RateTable | None = None, steps: bool = True
    ) -> None:
        # Imported here, once, not per claim: a function-level import is a
        # lookup on every call.
        from claimcalc.claim.read import parse_claim
        from claimcalc.product.catalog import load_rulebook
        from claimcalc.settling.engine import settle

        self.product = product
        self.rates = rates
        self.steps = steps
        self._products: dict[str, Any] = {}
        self._load_rulebook = load_rulebook
        self._parse_claim = parse_claim
        self._settle = settle

    def load(self, ref: str) -> Any:
        product = self._products.get(ref)
        if product is None:
            product = self._products[ref] = self._load_rulebook(ref)
        return product

    def settle_text(self, item: Item) -> Settlement:
        claim = _claim_of(item, self._parse_claim)
        ref = self.product or claim.product_ref
        try:
            product = self.load(ref)
        except UnknownProductError as exc:
            if self.product is not None:
                raise
            field = "edition" if claim.edition else "product"
            raise UnknownProductError(f"{item.source}: {field}: {exc}") from None
        return self._settle(claim, product, self.rates, item.source, self.steps)


def _claim_of(item: Item, parse_claim: Callable[[str, str, bool], Claim]) -> Claim:
    if item.unreadable is not None:
        raise FileAccessError(f"{item.source}: cannot read claim file: {item.unreadable}")
    return parse_claim(item.text, item.source, item.fast)


def _claim_id(text: str) -> str | None:
    """The claim id of a claim that failed, if it can be read."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None
    claim_id = data.get("claim_id") if isinstance(data, dict) else None
    return claim_id if isinstance(claim_id, str) else None


def error_record(item: Item, error: ClaimcalcError) -> dict[str, Any]:
    """The record of a claim that could not be settled."""
    if isinstance(error, ClaimError):
        problems = [{"field": f, "message": m} for f, m in error.problems]
    elif isinstance(error, ProductFileError):
        problems = [{"field": p.path, "message": str(p)} for p in error.problems]
    else:
        problems = [{"field": "", "message": str(error)}]
    return {
        "schema_version": SCHEMA_VERSION,
        "position": item.position,
        "source": item.source,
        "claim_id": _claim_id(item.text),
        "status": "error",
        "exit_code": int(error.exit_code),
        "errors": problems,
    }


CSV_FIELDS = [
    "position",
    "source",
    "claim_id",
    "status",
    "insured",
    "line",
    "guarantee",
    "kind",
    "line_status",
    "claimed",
    "assessed_loss",
    "deductible",
    "limit",
    "paid",
    "reasons",
    "message",
]


# csv, io and tempfile are imported where used: a one-claim JSON run needs none.


def csv_header() -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(CSV_FIELDS)
    return buffer.getvalue()


def _csv_rows(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_FIELDS, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def format_outcome(
    item: Item, result: Settlement | ClaimcalcError, fmt: BatchFormat, steps: bool = False
) -> str:
    """One claim's record in the batch format (a line of NDJSON, CSV rows, or JSON)."""
    if isinstance(result, ClaimcalcError):
        record = error_record(item, result)
        if fmt is BatchFormat.CSV:
            message = " | ".join(
                f"{p['field']}: {p['message']}" if p["field"] else p["message"]
                for p in record["errors"]
            )
            base = {
                "position": item.position,
                "source": item.source,
                "claim_id": record["claim_id"],
            }
            return _csv_rows([{**base, "status": "error", "message": message}])
        return dumps(record, item.fast)
    if fmt is BatchFormat.CSV:
        rows = []
        for person in result.insured:
            for line in person.lines:
                rows.append(
                    {
                        "position": item.position,
                        "source": item.source,
                        "claim_id": result.claim_id,
                        "status": "settled",
                        "insured": person.ref,
                        "line": line.line_id,
                        "guarantee": line.guarantee,
                        "kind": line.kind,
                        "line_status": line.status.value,
                        "claimed": "" if line.claimed is None else f"{line.claimed:.2f}",
                        "assessed_loss": f"{line.assessed_loss:.2f}",
                        "deductible": f"{line.deductible:.2f}",
                        "limit": "" if line.limit is None else line.limit.id,
                        "paid": str(line.paid),
                        "reasons": " ".join(f"{r.code.value}:{r.article}" for r in line.reasons),
                        "message": "",
                    }
                )
        return _csv_rows(rows)
    document = {"position": item.position, "source": item.source, "status": "settled"}
    document.update(result.to_json(steps))
    return dumps(document, item.fast)


def settle_one(settler: Settler, item: Item, fmt: BatchFormat, steps: bool = False) -> Outcome:
    try:
        result: Settlement | ClaimcalcError = settler.settle_text(item)
    except ClaimcalcError as error:
        result = error
    record = format_outcome(item, result, fmt, steps)
    if isinstance(result, ClaimcalcError):
        return Outcome(item.position, record, ok=False, error=result)
    indemnity, advances = result.totals()
    return Outcome(item.position, record, True, indemnity, advances, result)


# --------------------------------------------------------------------------- running


_worker: tuple[Settler, BatchFormat, bool] | None = None


def _init_worker(
    product: str | None, rates: RateTable | None, fmt: BatchFormat, steps: bool
) -> None:
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
    fmt: BatchFormat,
    product: str | None = None,
    rates: RateTable | None = None,
    jobs: int = 1,
    keep_settlements: bool = False,
    steps: bool = False,
) -> Iterator[Outcome]:
    """Settle every item, yielding outcomes in input order.

    Records carry each line's reasons; ``steps`` adds every step (``--explain``).
    """
    if jobs <= 1:
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


def write_records(
    outcomes: Iterable[Outcome],
    fmt: BatchFormat,
    write: Callable[[str], object],
    summary: Summary,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> None:
    """Write every record in the format's framing, and count them."""
    if fmt is BatchFormat.CSV:
        write(csv_header())
    elif fmt is BatchFormat.JSON:
        write("[")
    first = True
    for outcome in outcomes:
        summary.add(outcome)
        if fmt is BatchFormat.JSON:
            write(("\n" if first else ",\n") + outcome.record)
        elif fmt is BatchFormat.NDJSON:
            write(outcome.record + "\n")
        else:
            write(outcome.record)
        first = False
        if on_outcome is not None:
            on_outcome(outcome)
    if fmt is BatchFormat.JSON:
        write("\n]\n" if not first else "]\n")


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """Write to a temporary file beside ``path``, then rename it into place.

    An interrupted run leaves ``path`` as it was: never a half-written file.
    Only regular files are replaced this way; a device or a pipe (``/dev/null``,
    a FIFO) is written directly, never renamed over.
    """
    if path.exists() and not path.is_file():
        try:
            with path.open("w", encoding="utf-8", newline="") as handle:
                yield handle
        except OSError as exc:
            raise FileAccessError(f"{path}: cannot write output: {exc.strerror}") from None
        return
    import tempfile

    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent or "."
        )
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot write output: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException:
        with suppress(FileNotFoundError):
            Path(temporary).unlink()
        raise
