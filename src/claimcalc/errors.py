"""The error family raised by the library, and the exit codes the CLI maps them to.

Every error the library raises on bad input is a :class:`ClaimcalcError`. The CLI
has one handler that prints ``str(error)`` (one line per problem, never a
traceback) and exits with ``error.exit_code``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from claimcalc.i18n import _


class ExitCode(IntEnum):
    """Documented process exit codes (README, ``claimcalc --help``)."""

    OK = 0
    #: ``claimcalc diff``: the two sides differ (like ``diff``).
    DIFFERENT = 1
    #: Command-line misuse: unknown option, missing argument, bad level name.
    USAGE = 2
    #: A claim file is malformed or fails validation.
    INVALID_CLAIM = 3
    #: A product file is malformed, fails validation, or no such product exists.
    INVALID_PRODUCT = 4
    #: A file could not be read or written.
    IO = 5
    #: A batch: some claims failed (each has an error record); the others were settled.
    PARTIAL = 6
    #: A claim met a bug in claimcalc (an unexpected exception): its record says so.
    INTERNAL = 7
    #: Standard output was a pipe whose reader went away (``| head``): 128+SIGPIPE,
    #: as a shell reports it; nothing is printed.
    BROKEN_PIPE = 141
    #: Interrupted (Ctrl-C, SIGINT): 128+SIGINT, as a shell reports it; one line.
    INTERRUPTED = 130
    #: Terminated (SIGTERM: ``kill``, ``timeout``) while settling or writing an output
    #: file: 128+SIGTERM, as a shell reports it; the output file is left as it was.
    TERMINATED = 143


class ClaimcalcError(Exception):
    """Base of every error claimcalc reports to a user."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(ClaimcalcError):
    """The request itself is wrong (e.g. a level the product does not have)."""

    exit_code = ExitCode.USAGE


class DiffError(ClaimcalcError):
    """``claimcalc diff`` could not compare: exit 2, as diff(1) does on trouble."""

    exit_code = ExitCode.USAGE


class WorkerLost(ClaimcalcError):
    """A worker process of ``--jobs`` stopped before it gave its claims back (killed,
    out of memory): the run stops there, exit 7; the records before are written."""

    exit_code = ExitCode.INTERNAL

    def __init__(self) -> None:
        super().__init__(
            _(
                "a worker process stopped before its claims were settled (killed, or out "
                "of memory?): the run stops after the records already written; run it "
                "again (with a ledger, nothing is recorded twice)"
            )
        )


class Interrupted(ClaimcalcError):
    """Ctrl-C (SIGINT): the run stops in one line, exit 130. What it wrote stays
    as any run stopped midway leaves it (records written, an ``--output`` file
    left as it was, a ledger's open batch rolled back)."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self) -> None:
        super().__init__(_("interrupted: claimcalc stopped before the end"))


class InternalError(ClaimcalcError):
    """An unexpected exception while reading or settling one claim: a bug, reported
    as that claim's error so that the batch goes on."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, source: str, cause: str) -> None:
        self.source = source
        self.cause = cause
        super().__init__(
            _(
                "{source}: internal error ({cause}); this is a bug in claimcalc, "
                "please report it with this claim"
            ).format(source=source, cause=cause)
        )

    def __reduce__(self) -> tuple[type[InternalError], tuple[str, str]]:
        return (type(self), (self.source, self.cause))  # for worker processes

    @classmethod
    def of(cls, source: str, exc: BaseException) -> InternalError:
        """The error for ``exc``, raised on the claim from ``source``: one line of text
        that any output can encode."""
        cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        cause = " ".join(cause.split())[:200]
        return cls(_ascii(source), _ascii(cause))


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")


class FileAccessError(ClaimcalcError):
    """A file could not be read or written."""

    exit_code = ExitCode.IO


#: A place in a document: keys and list indexes, outermost first.
KeyPath = tuple[str | int, ...]


def key_path(parts: Iterable[str | int]) -> str:
    """Where a problem is, as error lines print it: ``insured[0].lines[1].amount``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            part = printable(part)
            out += f".{part}" if out else part
    return out


def printable(text: str) -> str:
    """A key from the input as an error line may print it: control characters
    escaped (``\\x1b``, ``\\n``), so that a key cannot move the terminal or forge
    a second error line."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a file, located by line/column and key path."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ProductError(ClaimcalcError):
    """A product cannot be found, or its file is invalid."""

    exit_code = ExitCode.INVALID_PRODUCT


class UnknownProductError(ProductError):
    """No product file matches the given id, edition or path."""


class ProductFileError(ProductError):
    """A product file is invalid; carries every problem found, each on one line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[ProductFileError], tuple[tuple[Problem, ...]]]:
        return (type(self), (self.problems,))  # for worker processes


class ClaimError(ClaimcalcError):
    """A claim file is malformed or invalid: every problem, one line each.

    Each line reads ``source: field: message``; ``source`` is the file (with
    line and column for JSON syntax errors) or the claim id.
    """

    exit_code = ExitCode.INVALID_CLAIM

    def __init__(self, source: str, problems: Iterable[tuple[str, str]]) -> None:
        self.source = source
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        super().__init__(self.text())

    def text(self) -> str:
        return "\n".join(
            f"{self.source}: {field}: {message}" if field else f"{self.source}: {message}"
            for field, message in self.problems
        )

    def __str__(self) -> str:
        return self.text()

    def __reduce__(self) -> tuple[type[ClaimError], tuple[str, tuple[tuple[str, str], ...]]]:
        return (type(self), (self.source, self.problems))  # for worker processes

    def located(self, source: str) -> ClaimError:
        """The same problems, attributed to another source (the claim's file)."""
        return ClaimError(source, self.problems)
