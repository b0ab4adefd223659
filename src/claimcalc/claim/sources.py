"""Where claims come from: claim files, directories of them, NDJSON files, stdin.

Inputs are read lazily, so memory does not grow with the number of claims.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, NoReturn

from claimcalc.claim.model import MAX_CLAIM_TEXT
from claimcalc.errors import ClaimError, FileAccessError
from claimcalc.i18n import _
from claimcalc.jsonio import FAST_AFTER

if TYPE_CHECKING:
    from claimcalc.claim.model import Claim

NOT_UTF8 = "not UTF-8 text"
#: A claim's text larger than any claim may be (MAX_CLAIM_TEXT characters, of
#: up to 4 bytes each in UTF-8) is not read into memory whole.
MAX_CLAIM_BYTES = 4 * MAX_CLAIM_TEXT
TOO_LARGE = (
    f"more than {MAX_CLAIM_BYTES:,} bytes: not a claim (at most {MAX_CLAIM_TEXT:,} characters)"
)

#: Files read as one claim a line.
NDJSON_SUFFIXES = (".ndjson", ".jsonl")


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

        return claim_of(self, parse_claim)

    @property
    def fast(self) -> bool:
        """Read and write this claim's JSON with orjson (a batch's later claims)."""
        return self.position > FAST_AFTER


def claim_of(item: Item, parse_claim: Callable[[str, str, bool], Claim]) -> Claim:
    """The item's claim, parsed by ``parse_claim`` (passed in: the hot path has it bound)."""
    if item.unreadable is not None:
        _refuse(item.source, item.unreadable)
    return parse_claim(item.text, item.source, item.fast)


def _refuse(source: str, unreadable: str) -> NoReturn:
    """A claim file that was read but holds no claim is the claim's problem (exit 3);
    one that could not be read, a file's (exit 5)."""
    if unreadable == NOT_UTF8:
        raise ClaimError(source, [("", _("not UTF-8 text"))])
    if unreadable == TOO_LARGE:
        # TOO_LARGE is the English; said here in the current language
        message = _(
            "more than {most_bytes:,} bytes: not a claim (at most {most_characters:,} characters)"
        ).format(most_bytes=MAX_CLAIM_BYTES, most_characters=MAX_CLAIM_TEXT)
        raise ClaimError(source, [("", message)])
    raise FileAccessError(
        _("{path}: cannot read claim file: {reason}").format(path=source, reason=unreadable)
    )


def single_claim_file(inputs: list[str]) -> Path | None:
    """The claim file, if the inputs are one claim file (not stdin, NDJSON or a directory)."""
    if len(inputs) != 1 or inputs[0] == "-":
        return None
    path = Path(inputs[0])
    if path.suffix in NDJSON_SUFFIXES or path.is_dir():
        return None
    return path


def read_claim_file(path: Path) -> Item:
    """A one-claim run's claim: a file that cannot be read fails the run here."""
    text, unreadable = _read_text(path)
    if unreadable is not None:
        _refuse(str(path), unreadable)
    return Item(1, str(path), text)


def iter_items(inputs: Iterable[str], stdin: Iterable[str] | None = None) -> Iterator[Item]:
    """Claims from files, directories (their ``*.json``, sorted), NDJSON files
    (``*.ndjson``, ``*.jsonl``: one claim a line) and ``-`` (NDJSON on stdin)."""
    position = 0
    for name in inputs:
        if name == "-":
            buffer = getattr(sys.stdin, "buffer", None) if stdin is None else None
            if buffer is None:  # text already decoded (a caller's, or a StringIO's)
                for number, line in enumerate(sys.stdin if stdin is None else stdin, start=1):
                    if line.strip():
                        position += 1
                        yield Item(position, f"<stdin>:{number}", line.rstrip("\r\n"))
                continue
            # Bytes, as a file's: a line that is not UTF-8 or is too large fails alone.
            for number, line, problem in _lines_of(buffer):
                position += 1
                yield Item(position, f"<stdin>:{number}", line, problem)
            continue
        path = Path(name)
        if path.is_dir():
            # every *.json entry but a folder: a broken link or a pipe becomes its own
            # error record, not a claim gone without one
            files = sorted(p for p in path.iterdir() if p.suffix == ".json" and not p.is_dir())
        else:
            files = [path]
        for file in files:
            if file.suffix in NDJSON_SUFFIXES:
                label = str(file)  # once, not once a line
                for number, line, problem in _ndjson_lines(file):
                    position += 1
                    yield Item(position, f"{label}:{number}", line, problem)
            else:
                position += 1
                text, problem = _read_text(file, listed=file is not path)
                yield Item(position, str(file), text, problem)


def _ndjson_lines(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """Each line that is not blank: its number, its text, why it cannot be read
    (a line that is not UTF-8 fails alone)."""
    try:
        with path.open("rb") as handle:
            yield from _lines_of(handle)
    except OSError as exc:
        raise FileAccessError(
            _("{path}: cannot read claims file: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def _lines_of(handle: BinaryIO) -> Iterator[tuple[int, str, str | None]]:
    number = 0
    while raw := handle.readline(MAX_CLAIM_BYTES + 1):
        number += 1
        if len(raw) > MAX_CLAIM_BYTES:  # the rest of the line is skipped, unread
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(1024 * 1024)
            yield number, "", TOO_LARGE
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, "", NOT_UTF8
            continue
        if line.strip():
            # the line without its ending: a claim's size is its own text's (MAX_CLAIM_TEXT),
            # and a line cut short reads as such, not as a newline inside a string
            yield number, line.rstrip("\r\n"), None


def _read_text(path: Path, listed: bool = False) -> tuple[str, str | None]:
    """The file's text, or why it could not be read (its claim then fails alone).
    ``listed``: found in a folder, where a pipe or a device is not opened (reading
    it could wait for ever; a file named on the command line is the caller's)."""
    if listed and path.exists() and not path.is_file():
        return "", _("not a regular file")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CLAIM_BYTES + 1)
        if len(raw) > MAX_CLAIM_BYTES:
            return "", TOO_LARGE
        return raw.decode("utf-8"), None
    except OSError as exc:
        return "", exc.strerror or "cannot read"
    except UnicodeDecodeError:
        return "", NOT_UTF8
