"""Writing settlements: each claim's record, their framing, the files.

One writer, :class:`RecordWriter`, serves the one-claim run and the batch,
in the formats of :class:`claimcalc.output.formats.Format`: a one-claim run
in a one-claim format (table, json) prints that claim's settlement as a
document; otherwise each claim becomes a record (a line of NDJSON, CSV rows,
an element of a JSON array, or tables), in input order, errors included.
Records are formatted where the claim is settled (in the worker, for
``--jobs``), so only text travels back.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from claimcalc.errors import ClaimcalcError, ExitCode, FileAccessError
from claimcalc.i18n import _, ngettext
from claimcalc.jsonio import dumps, dumps_indented
from claimcalc.money import cents_text, format_eur
from claimcalc.output.documents import (
    error_record,
    made_text,
    settlement_json,
    settlement_record,
)
from claimcalc.output.formats import Format

if TYPE_CHECKING:
    from rich.console import Console

    from claimcalc.claim.sources import Item
    from claimcalc.settlement import Settlement


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
    #: with a ledger: times a batch ran again after a conflict (PostgreSQL gave it up)
    retries: int = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.settled += 1
            self.indemnity += outcome.indemnity
            self.advances += outcome.advances
        else:
            self.failed += 1

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.failed else ExitCode.OK

    def line(self) -> str:
        """The batch's summary, for standard error."""
        text = _("settled {settled}, failed {failed}, indemnities {indemnity}, advances {advances}")
        line = text.format(
            settled=self.settled,
            failed=self.failed,
            indemnity=format_eur(self.indemnity),
            advances=format_eur(self.advances),
        )
        if self.retries:  # not a failure: the claims were settled anew and recorded once
            again = ngettext(
                "{count} retry after a conflict",
                "{count} retries after a conflict",
                self.retries,
            )
            line += ", " + again.format(count=self.retries)
        return line + "\n"


# --------------------------------------------------------------------------- records


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
    "exit_code",  # an error row's (3, 4, 5, 7): what the error record says in JSON
]


# csv and io are imported where used: a one-claim JSON run needs neither.


def _csv_header() -> str:
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


def format_record(
    item: Item, result: Settlement | ClaimcalcError, fmt: Format, steps: bool = False
) -> str:
    """One claim's record in a batch: a line of NDJSON or JSON, CSV rows; none for tables."""
    if not fmt.text_records:
        return ""  # tables are rendered from the settlement when written
    if isinstance(result, ClaimcalcError):
        record = error_record(item.position, item.source, item.text, result)
        if fmt is Format.CSV:
            message = " | ".join(
                f"{p['field']}: {p['message']}" if p["field"] else p["message"]
                for p in record["errors"]
            )
            base = {
                "position": item.position,
                "source": item.source,
                "claim_id": record["claim_id"],
            }
            row = {**base, "status": "error", "message": message, "exit_code": record["exit_code"]}
            return _csv_rows([row])
        return dumps(record, item.fast)
    if fmt is Format.CSV:
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
                        "claimed": "" if line.claimed is None else cents_text(line.claimed),
                        "assessed_loss": cents_text(line.assessed_loss),
                        "deductible": cents_text(line.deductible),
                        "limit": "" if line.limit is None else line.limit.id,
                        "paid": str(line.paid),
                        "reasons": " ".join(f"{r.code.value}:{r.article}" for r in line.reasons),
                        "message": "",
                        "exit_code": "",
                    }
                )
        return _csv_rows(rows)
    made = None if steps else made_text(result)
    if made is not None:  # the ledger made the settlement's JSON: the record is it, placed
        head = dumps(
            {"position": item.position, "source": item.source, "status": "settled"}, item.fast
        )
        return f"{head[:-1]},{made[1:]}"
    return dumps(settlement_record(item.position, item.source, result, steps), item.fast)


# --------------------------------------------------------------------------- writing


class RecordWriter:
    """Writes outcomes to a stream in a format, framed as a batch or as one claim,
    and counts them in its :class:`Summary`.

    A batch: a JSON array, a CSV header then rows, NDJSON lines, or tables (a
    failed claim's error then goes to standard error). One claim
    (``one_claim=True``, a one-claim format): its settlement as one document.
    """

    def __init__(
        self, fmt: Format, stream: TextIO, explain: bool = False, one_claim: bool = False
    ) -> None:
        assert fmt.one_claim or not one_claim, fmt
        self.fmt = fmt
        self.stream = stream
        self.explain = explain
        self.one_claim = one_claim
        self.summary = Summary()
        self._first = True
        self._console: Console | None = None
        # Chosen once, not per claim: a batch writes thousands of records a second.
        self._write: Callable[[Outcome], None]
        if fmt is Format.TABLE:
            self._write = self._rendered
        elif fmt is Format.HTML:
            self._write = self._text
        elif fmt is Format.JSON:
            self._write = self._text if one_claim else self._element
        elif fmt is Format.NDJSON:
            self._write = self._line
        else:
            self._write = self._text

    def __enter__(self) -> RecordWriter:
        if self.one_claim:
            return self
        if self.fmt is Format.CSV:
            self.stream.write(_csv_header())
        elif self.fmt is Format.JSON:
            self.stream.write("[")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.fmt is not Format.JSON or self.one_claim:
            return
        end = "\n]\n" if not self._first else "]\n"
        if kind is None:
            self.stream.write(end)
        elif not issubclass(kind, OSError):
            # The run stopped (a ledger that failed, a worker lost, Ctrl-C): the
            # records written so far stay one JSON array a script can read; the
            # exit code says the run is incomplete. Not when the stream itself
            # failed (a closed pipe, a full disk): that error is the one to report.
            with suppress(OSError, ValueError):
                self.stream.write(end)

    def write(self, outcome: Outcome) -> None:
        self.summary.add(outcome)
        self._write(outcome)

    def _line(self, outcome: Outcome) -> None:
        self.stream.write(outcome.record + "\n")

    def _element(self, outcome: Outcome) -> None:
        self.stream.write(("\n" if self._first else ",\n") + outcome.record)
        self._first = False

    def _text(self, outcome: Outcome) -> None:
        self.stream.write(outcome.record)

    def _rendered(self, outcome: Outcome) -> None:
        if outcome.settlement is not None:
            self._tables(outcome.settlement)
        elif outcome.error is not None:
            sys.stderr.write(f"{outcome.error}\n")

    def _tables(self, settlement: Settlement) -> None:
        from claimcalc.output.tables import settlement_tables

        if self._console is None:
            self._console = console(self.stream)
        for renderable in settlement_tables(settlement, explain=self.explain):
            self._console.print(renderable)


def one_claim_outcome(
    settlement: Settlement, fmt: Format, product: str | None = None, lang: str = "en"
) -> Outcome:
    """A one-claim run's outcome: its record is the whole settlement document
    (for html, the letter, in ``lang``, quoting the product ``--product`` named)."""
    if fmt is Format.JSON:
        record = dumps_indented(settlement_json(settlement))
    elif fmt is Format.HTML:
        from claimcalc.output.letter import settlement_letter

        record = settlement_letter(settlement, product, lang)
    else:
        record = ""
    indemnity, advances = settlement.totals()
    return Outcome(1, record, True, indemnity, advances, settlement)


def write_document(document: object, stream: TextIO | None = None) -> None:
    """A JSON document (a product, a diff, a schema), indented."""
    (stream or sys.stdout).write(dumps_indented(document))


def console(stream: TextIO | None = None, stderr: bool = False) -> Console:
    """A rich console on the stream: plain when not a terminal, and wide when piped."""
    from rich.console import Console

    # rich honours NO_COLOR and drops styling when not writing to a terminal;
    # tables get room to breathe when piped.
    out = stream or (sys.stderr if stderr else sys.stdout)
    columns = os.environ.get("COLUMNS", "")
    width = None if out.isatty() else (int(columns) if columns.isdigit() else 160)

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit 1 (diff's "differ"): let the CLI exit as for any broken pipe.
            self.quiet = True
            raise BrokenPipeError

    return _Console(file=out, width=width, highlight=False)


# --------------------------------------------------------------------------- files


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or ``path`` written atomically (:func:`atomic_writer`)."""
    if path is None:
        yield sys.stdout
        return
    with terminate_unwinds(), atomic_writer(path) as stream:  # the temporary file removed
        yield stream


@contextmanager
def terminate_unwinds() -> Iterator[None]:
    """Within the block SIGTERM (``timeout``, ``kill``) unwinds like Ctrl-C (exit
    143), so that what the block holds is cleaned up: an output's temporary
    file, a batch's workers and their handover folder (claimcalc.batch). By
    default it would end the process on the spot. Left as it is where a
    handler is already set (an outer block's, the host program's) and off the
    main thread (only it can set one)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(ExitCode.TERMINATED)  # 128 + SIGTERM


@contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """Write to a temporary file beside ``path``, then rename it into place.

    An interrupted run, or one that cannot write (a full disk), leaves ``path``
    as it was: never a half-written file; a write that fails is a
    :class:`FileAccessError`. The file keeps the mode of the one it replaces;
    a new file gets the umask's (like ``>`` in a shell), not the temporary
    file's 0600. Only regular files are replaced this way; a device or a pipe
    (``/dev/null``, a FIFO), or a path naming an open descriptor
    (``/dev/stdout``, ``/dev/fd/1``: what the shell opened, perhaps a file
    opened to append), is written directly, never renamed over. A symbolic
    link stays a link: the file it leads to is the one replaced.
    """
    try:  # a folder on the way that cannot be read (EACCES) is the output's problem
        descriptor = _descriptor(path)
        direct = descriptor is not None or (path.exists() and not path.is_file())
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot write output: {exc.strerror}") from None
    if direct:
        try:
            # the descriptor itself: opening /dev/stdout again would truncate a file
            # the shell opened to append (>>)
            opened = (
                os.fdopen(os.dup(descriptor), "w", encoding="utf-8", newline="")
                if isinstance(descriptor, int)
                else path.open("w", encoding="utf-8", newline="")
            )
            with opened as handle:
                yield handle
        except OSError as exc:
            raise FileAccessError(f"{path}: cannot write output: {exc.strerror}") from None
        return
    import tempfile  # a run that writes to stdout needs none

    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        mode = _mode_for(path)
        fd, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent or "."
        )
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot write output: {exc.strerror}") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException as exc:
        with suppress(OSError):
            Path(temporary).unlink()
        if isinstance(exc, OSError):  # a full disk, a quota, an I/O error
            raise FileAccessError(f"{path}: cannot write output: {_reason(exc)}") from None
        raise


def _descriptor(path: Path) -> int | bool | None:
    """What ``path`` names if it leads into ``/proc/`` or ``/dev/fd/``
    (``/dev/stdout`` → ``/proc/self/fd/1``, a folder linked to ``/dev/fd``): this
    process's descriptor's number, True for another such path; None for an
    ordinary path. Renaming a file over such a path would replace the link, not
    write where the descriptor points."""
    import re

    own = re.compile(rf"/proc/{os.getpid()}(?:/task/[0-9]+)?/fd/([0-9]+)")

    def joined(folder: Path, name: str) -> str:
        # the folder's links followed (/dev/fd, /proc/self, /proc/thread-self), the name's not
        return str(Path(os.path.realpath(folder)) / name)

    current = joined(path.parent, path.name)
    for _hop in range(40):  # the kernel's own limit on links followed
        found = own.fullmatch(current)
        if found:
            return int(found[1])
        if current.startswith(("/proc/", "/dev/fd/")):
            return True
        link = Path(current)
        if not link.is_symlink():
            return None
        target = link.parent / link.readlink()
        current = joined(target.parent, target.name)
    return None


def _mode_for(path: Path) -> int:
    """The permissions of the file written to ``path``: its own if it exists,
    else what the umask leaves of 0666."""
    import stat

    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)  # read it: set it back at once
        os.umask(umask)
        return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
