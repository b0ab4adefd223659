"""Fuzzing batches (issue #15): mutate the shipped example claims and NDJSON books
made of them, settle them, and check what must hold whatever the input:

* no exception escapes and no claim meets a bug (an error record with exit code 7,
  the record of an unexpected exception, counts as a traceback);
* every exit code is one of the README's table (a bad claim: 3 or 4; a batch: 0 or 6);
* N input claims give N records, in order (positions 1..N, sources in input order);
* the record of every claim left clean is byte-identical to a clean run's record
  of that claim (same position, same source).

The mutations: byte flips, insertions and deletions, invalid UTF-8, a BOM, UTF-16,
truncation, type swaps, numbers at the edges (0, -0, 1e400, 1e-30, 5,000 digits,
NaN, Infinity), duplicate keys, unknown keys, deep nesting, very long strings and
lists. Most run in-process through :func:`claimcalc.batch.run` (what ``settle``'s
batch runs), with ``FAST_AFTER`` lowered so that a short book goes through both the
json and orjson readers; a few through the real command (``python -m claimcalc``).

Profiles (``CLAIMCALC_FUZZ``): ``ci`` (default, well under a minute on 2 cores) and
``long``; ``benchmarks/fuzz_long.py`` runs the same mutations ≥ 100,000 times and
counts failures instead of stopping at the first.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, TypeVar
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcalc import batch
from claimcalc.batch import run, settle_one
from claimcalc.claim import sources
from claimcalc.claim.sources import Item, iter_items
from claimcalc.errors import ExitCode
from claimcalc.output.formats import Format
from claimcalc.settling.settler import Settler

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = sorted(ROOT.glob("products/*/examples/*.json"))
#: Each example claim as its file's text (pretty) and as one NDJSON line.
PRETTY = [path.read_text(encoding="utf-8") for path in EXAMPLE_FILES]
LINES = [json.dumps(json.loads(text), ensure_ascii=False) for text in PRETTY]
DATA = [json.loads(text, parse_float=Decimal) for text in PRETTY]

NEWLINE = b"\n"
#: In-process, claims after this position are read and written with orjson.
FAST = 3

T = TypeVar("T")


def readme_exit_codes() -> set[int]:
    """The codes of the README's exit-code table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### Errors and exit codes", 1)[1]
    return {int(code) for code in re.findall(r"(?m)^\| (\d+) \|", table)}


EXIT_CODES = readme_exit_codes()
#: What one bad claim may exit with, alone or as its record: invalid claim, unknown product.
CLAIM_CODES = {int(ExitCode.INVALID_CLAIM), int(ExitCode.INVALID_PRODUCT)}


# --------------------------------------------------------------------------- choices


class Pick(Protocol):
    """Where the choices come from: Hypothesis (shrinks) or a seeded random (counts)."""

    def integer(self, low: int, high: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...


class HypothesisPick:
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))


class RandomPick:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]


# --------------------------------------------------------------------------- JSON with anything


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is: a number JSON cannot hold exactly, NaN, nesting."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """An object whose keys may repeat."""

    pairs: list[tuple[str, Any]] = field(default_factory=list)


def dump(value: Any, pretty: bool) -> str:
    """JSON text of a document that may hold :class:`Raw` and :class:`Pairs`."""
    sep = ", " if pretty else ","
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs | dict):
        pairs = value.pairs if isinstance(value, Pairs) else list(value.items())
        inner = sep.join(
            f"{json.dumps(k, ensure_ascii=False)}: {dump(v, pretty)}" for k, v in pairs
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + sep.join(dump(v, pretty) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


Path_ = tuple[str | int, ...]


def paths(node: Any, at: Path_ = ()) -> Iterator[Path_]:
    """Every place in a document, outermost first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*at, key)
            yield from paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*at, i)
            yield from paths(value, (*at, i))


def _parent(doc: Any, where: Path_) -> Any:
    for part in where[:-1]:
        doc = doc[part]
    return doc


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str), parse_float=Decimal)


#: Values a field may be swapped for: wrong types, numbers at the edges, odd text.
SWAPS: list[Any] = [
    None,
    True,
    False,
    0,
    Raw("-0"),
    Raw("-0.0"),
    -1,
    2**63,
    2**64,
    Raw("1e400"),
    Raw("-1e400"),
    Raw("1e-30"),
    Raw("1E+2"),
    Raw("0.1"),
    Raw("9" * 5000),
    Raw("4" * 4301),
    Raw("1" + "0" * 40),
    Raw("1e1000000000000000000"),  # beyond Decimal's exponents: found by the long run
    Raw("-9.9E-9999999999999999999"),
    Raw("NaN"),
    Raw("Infinity"),
    Raw("-Infinity"),
    "",
    " ",
    "NaN",
    "Infinity",
    "-0",
    "-0.00",
    "1e400",
    "1e-30",
    "0.001",
    "1000000000000.01",
    "1000000000000",
    "9" * 5000,
    "٣",  # an Arabic-Indic digit
    "１２",  # full-width digits
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "1800-01-01",
    "2026-1-1",
    "2026-03-03T00:00:00",
    Raw('"\\ud800"'),
    Raw('"\\udfff\\ud800"'),
    Raw('"\\u0000"'),
    "\u2028",
    "é" * 3,
    "x" * 100_000,
    [],
    {},
    [[]],
    {"": ""},
    Raw("[" * 100 + "]" * 100),
    Raw("[" * 5000 + "]" * 5000),
    Raw('{"a":' * 3000 + "1" + "}" * 3000),
    "/etc/passwd",
    "../../../../etc/passwd",
    "imaway:top",
    "imaway@2099-01",
    "imaway@",
    "IMAWAY",
    "x" * 300,  # a product id too long for a file name: found by the long run
]

#: Bytes inserted: invalid UTF-8, a BOM, control characters, a surrogate's UTF-8 form.
INSERTS = [
    b"\xff",
    b"\xc3",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\r",
    b"\n",
    b"\x1c",
    b'"',
    b"\\",
    b",",
    b"}",
    b"]",
    b"{",
    b":",
    b"NaN",
    b"\xe2\x80\xa8",
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
]


def mutate_structure(doc: Any, pick: Pick) -> Any:
    """The document (a copy) with one structural change; may return :class:`Pairs`."""
    doc = _copy(doc)
    places = list(paths(doc))
    kind = pick.integer(0, 7)
    where = pick.choice(places)
    parent = _parent(doc, where)
    key = where[-1]
    if kind <= 2:  # a type swap or an edge value
        parent[key] = pick.choice(SWAPS)
    elif kind == 3:  # a key removed
        if isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
    elif kind == 4:  # an unknown key
        target = parent[key] if isinstance(parent[key], dict) else doc
        target[pick.choice(["bogus", "Claim_ID", "", "claim_id ", "\u00e9"])] = pick.choice(SWAPS)
    elif kind == 5 and isinstance(parent, dict):  # a repeated key
        pairs = list(parent.items())
        pairs.insert(
            pick.integer(0, len(pairs)), (str(key), pick.choice([*SWAPS[:6], parent[key]]))
        )
        replaced = Pairs(pairs)
        if len(where) == 1:
            return replaced
        _parent(doc, where[:-1])[where[-2]] = replaced
    elif kind == 6:  # a list made long (too many persons, lines, expenses)
        lists = [p for p in places if isinstance(_parent(doc, p)[p[-1]], list)]
        if lists:
            at = pick.choice(lists)
            items = _parent(doc, at)[at[-1]]
            if items:
                _parent(doc, at)[at[-1]] = items * pick.choice([2, 1001, 1500])
    else:  # deep nesting or a very long string in place of a value
        depth = pick.choice([50, 900, 1100, 20_000])
        parent[key] = Raw("[" * depth + "]" * depth) if pick.integer(0, 1) else "é" * 200_000
    return doc


def mutate_bytes(raw: bytes, pick: Pick) -> bytes:
    """The text's bytes with one byte-level change."""
    kind = pick.integer(0, 6)
    at = pick.integer(0, len(raw))
    if kind == 0:  # a byte flipped
        if at == len(raw):
            at -= 1
        return raw[:at] + bytes([raw[at] ^ pick.integer(1, 255)]) + raw[at + 1 :]
    if kind == 1:
        return raw[:at] + pick.choice(INSERTS) + raw[at:]
    if kind == 2:  # a span deleted
        return raw[:at] + raw[at + pick.integer(1, 40) :]
    if kind == 3:  # truncated
        return raw[:at]
    if kind == 4:
        return b"\xef\xbb\xbf" + raw
    if kind == 5:  # another encoding
        text = raw.decode("utf-8", "replace")
        return text.encode(pick.choice(["utf-16", "utf-16-le", "utf-32", "latin-1"]), "replace")
    return raw.replace(b'"', b"'", 1) if pick.integer(0, 1) else raw + raw  # two documents


def mutated_claim(index: int, pick: Pick, pretty: bool) -> bytes:
    """A mutation of example ``index``'s text: structural, byte-level, or both."""
    kind = pick.integer(0, 2)
    raw = (PRETTY if pretty else LINES)[index].encode("utf-8")
    if kind >= 1:
        raw = dump(mutate_structure(DATA[index], pick), pretty).encode("utf-8", "surrogatepass")
    if kind != 1:
        raw = mutate_bytes(raw, pick)
    return raw


# --------------------------------------------------------------------------- books and runs


@dataclass
class Book:
    """A batch to settle: an NDJSON file or a directory, with the entries left clean."""

    ndjson: bool
    entries: list[tuple[int, bytes | None]]  # (example, mutated bytes or None: clean)

    @property
    def inputs(self) -> int:
        """Mutated claims in the book."""
        return sum(1 for _, raw in self.entries if raw is not None)


def draw_book(pick: Pick) -> Book:
    ndjson = pick.integer(0, 3) > 0
    size = pick.integer(1, 6)
    entries: list[tuple[int, bytes | None]] = []
    for _ in range(size):
        index = pick.integer(0, len(EXAMPLE_FILES) - 1)
        mutated = pick.integer(0, 2) > 0  # two in three: clean ones cost the most
        entries.append((index, mutated_claim(index, pick, not ndjson) if mutated else None))
    if all(raw is None for _, raw in entries):
        index = entries[0][0]
        entries[0] = (index, mutated_claim(index, pick, not ndjson))
    return book_of(ndjson, entries)


def book_of(ndjson: bool, entries: list[tuple[int, bytes | None]]) -> Book:
    return Book(ndjson, entries)


@dataclass
class Expected:
    """What a run of the book must give: each record's source, and the clean ones."""

    sources: list[str]
    clean: dict[str, int]  # source → example


def write_book(book: Book, where: Path) -> tuple[str, Expected]:
    """Write the book under ``where``: the input to name, and what it must give."""
    if book.ndjson:
        path = where / "book.ndjson"
        out = b""
        clean: dict[str, int] = {}
        for index, raw in book.entries:
            if raw is None:
                clean[f"{path}:{out.count(NEWLINE) + 1}"] = index
                out += LINES[index].encode("utf-8") + b"\n"
            else:
                out += raw + b"\n"
        path.write_bytes(out)
        return str(path), Expected(_ndjson_sources(path, out), clean)
    folder = where / "claims"
    folder.mkdir()
    names, clean = [], {}
    for k, (index, raw) in enumerate(book.entries, start=1):
        file = folder / f"{k:02d}.json"
        file.write_bytes(PRETTY[index].encode("utf-8") if raw is None else raw)
        names.append(str(file))
        if raw is None:
            clean[str(file)] = index
    return str(folder), Expected(names, clean)


def _ndjson_sources(path: Path, text: bytes) -> list[str]:
    """The lines that are claims: not blank once decoded, or not UTF-8."""
    found = []
    parts = text.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    for number, part in enumerate(parts, start=1):
        try:
            blank = not part.decode("utf-8").strip()
        except UnicodeDecodeError:
            blank = False
        if not blank:
            found.append(f"{path}:{number}")
    return found


_CLEAN_SETTLER = Settler(None, None, steps=False)  # not the fuzzed runs' own
_CLEAN: dict[tuple[int, int, str], str] = {}


def clean_record(index: int, position: int, source: str, pretty: bool) -> str:
    """The record a clean run gives example ``index`` at this position and source."""
    key = (index, position, source)
    if key not in _CLEAN:
        text = PRETTY[index] if pretty else LINES[index] + "\n"
        with fast_after(FAST):
            item = Item(position, source, text)
            _CLEAN[key] = settle_one(_CLEAN_SETTLER, item, Format.NDJSON).record
    return _CLEAN[key]


@contextmanager
def fast_after(position: int) -> Iterator[None]:
    """Claims after ``position`` take the orjson path (a short book tries both)."""
    with patch.object(sources, "FAST_AFTER", position), patch.object(batch, "FAST_AFTER", position):
        yield


@dataclass
class Tally:
    """What went wrong, counted: the long run reports it; a test asserts it is empty."""

    inputs: int = 0
    books: int = 0
    tracebacks: list[str] = field(default_factory=list)
    wrong_exit_codes: list[str] = field(default_factory=list)
    records_lost: list[str] = field(default_factory=list)
    records_changed: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return self.tracebacks + self.wrong_exit_codes + self.records_lost + self.records_changed


def check_in_process(book: Book, tally: Tally) -> None:
    """Settle the book as ``settle``'s batch does, in this process, and check it."""
    tally.books += 1
    tally.inputs += book.inputs
    name, expected = write_book(book, _workdir())
    try:
        with fast_after(FAST), patch.object(batch, "Settler", _shared_settler):
            outcomes = list(run(iter_items([name]), Format.NDJSON))
    except Exception as exc:
        tally.tracebacks.append(f"{type(exc).__name__}: {exc} ({_describe(book)})")
        return
    got = []
    for outcome in outcomes:
        record = json.loads(outcome.record)
        got.append(record["source"])
        code = record.get("exit_code")
        if code == ExitCode.INTERNAL:
            tally.tracebacks.append(f"{record['errors']} ({_describe(book)})")
        elif code is not None and code not in CLAIM_CODES:
            tally.wrong_exit_codes.append(f"{code}: {record} ({_describe(book)})")
        if "\n" in outcome.record.rstrip("\n"):
            tally.records_changed.append(f"a record of several lines: {outcome.record!r}")
        index = expected.clean.get(record["source"])
        if index is not None:
            want = clean_record(index, outcome.position, record["source"], not book.ndjson)
            if outcome.record != want:
                tally.records_changed.append(f"{record['source']}: {outcome.record[:300]}")
    positions = [outcome.position for outcome in outcomes]
    if got != expected.sources or positions != list(range(1, len(got) + 1)):
        tally.records_lost.append(f"expected {expected.sources}, got {got}")


_WORK: list[Path] = []


def _workdir() -> Path:
    """One directory for every book of this process, emptied before each."""
    if not _WORK:
        _WORK.append(Path(tempfile.mkdtemp(prefix="claimcalc-fuzz-")))
    work = _WORK[0]
    shutil.rmtree(work / "claims", ignore_errors=True)
    return work


_SETTLERS: dict[tuple[Any, ...], Settler] = {}


def _shared_settler(*args: Any) -> Settler:
    """run()'s Settler, one per arguments for the whole run: the books are settled
    as one long batch would be, without loading the products again for each."""
    if args not in _SETTLERS:
        _SETTLERS[args] = Settler(*args)
    return _SETTLERS[args]


def _describe(book: Book) -> str:
    shown = [(EXAMPLE_FILES[i].name, raw[:200] if raw else None) for i, raw in book.entries]
    return f"{'ndjson' if book.ndjson else 'directory'} {shown}"


# --------------------------------------------------------------------------- the command


def claimcalc(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "claimcalc", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "120"},
    )


#: The command's book: long enough that its last lines take the orjson path.
CLI_BOOK = 68
#: The lines mutated: first ones (json), last ones (orjson).
CLI_SPOTS = [1, 2, 66, 67, 68]


def _cli_clean() -> list[bytes]:
    """The clean book's records from the real command (once)."""
    if not _CLI_CLEAN:
        with tempfile.TemporaryDirectory(prefix="claimcalc-fuzz-") as tmp:
            path = Path(tmp) / "book.ndjson"
            path.write_bytes(_cli_lines(path, {}))
            done = claimcalc("settle", str(path), "--format", "ndjson")
            assert done.returncode == 0, done.stderr
            _CLI_CLEAN.extend(_strip_dir(done.stdout, tmp).splitlines())
    return _CLI_CLEAN


_CLI_CLEAN: list[bytes] = []


def _strip_dir(out: bytes, tmp: str) -> bytes:
    return out.replace(json.dumps(tmp)[1:-1].encode(), b"TMP")


def _cli_lines(path: Path, mutated: dict[int, bytes]) -> bytes:
    lines = []
    for number in range(1, CLI_BOOK + 1):
        raw = LINES[(number - 1) % len(LINES)].encode("utf-8")
        lines.append(mutated.get(number, raw).replace(b"\n", b" ").replace(b"\r", b" "))
    return b"\n".join(lines) + b"\n"


def check_command(pick: Pick, tally: Tally) -> None:
    """One real run of ``claimcalc settle``: a mutated NDJSON book, or a mutated claim file."""
    tally.books += 1
    with tempfile.TemporaryDirectory(prefix="claimcalc-fuzz-") as tmp:
        if pick.integer(0, 1):
            path = Path(tmp) / "claim.json"
            index = pick.integer(0, len(EXAMPLE_FILES) - 1)
            raw = mutated_claim(index, pick, pretty=True)
            path.write_bytes(raw)
            tally.inputs += 1
            fmt = pick.choice(["table", "json", "ndjson"])
            done = claimcalc("settle", str(path), "--format", fmt)
            allowed = {0, *CLAIM_CODES} if fmt != "ndjson" else {0, int(ExitCode.PARTIAL)}
            what = f"settle claim.json -f {fmt} of {EXAMPLE_FILES[index].name}: {raw[:200]!r}"
            _check_process(done, allowed, what, tally)
            return
        path = Path(tmp) / "book.ndjson"
        spots = sorted({pick.choice(CLI_SPOTS) for _ in range(pick.integer(1, 3))})
        mutated = {}
        for spot in spots:
            index = (spot - 1) % len(LINES)
            raw = mutated_claim(index, pick, pretty=False).replace(b"\n", b" ")
            mutated[spot] = raw.replace(b"\r", b" ")
            if not mutated[spot].strip():
                mutated[spot] = b"{"
        path.write_bytes(_cli_lines(path, mutated))
        tally.inputs += len(spots)
        done = claimcalc("settle", str(path), "--format", "ndjson")
        what = f"settle book.ndjson, lines {spots} mutated: {[mutated[s][:120] for s in spots]}"
        _check_process(done, {0, int(ExitCode.PARTIAL)}, what, tally)
        records = _strip_dir(done.stdout, tmp).splitlines()
        clean = _cli_clean()
        if len(records) != CLI_BOOK:
            tally.records_lost.append(f"{len(records)} records of {CLI_BOOK}: {what}")
            return
        for number, (record, want) in enumerate(zip(records, clean, strict=True), start=1):
            if number not in mutated and record != want:
                tally.records_changed.append(f"line {number}: {record[:300]!r}: {what}")


def _check_process(
    done: subprocess.CompletedProcess[bytes], allowed: set[int], what: str, tally: Tally
) -> None:
    if b"Traceback" in done.stderr or done.returncode == ExitCode.INTERNAL:
        tally.tracebacks.append(f"{done.stderr[-2000:]!r}: {what}")
    elif done.returncode not in allowed or done.returncode not in EXIT_CODES:
        tally.wrong_exit_codes.append(f"exit {done.returncode} {done.stderr[:300]!r}: {what}")


# --------------------------------------------------------------------------- the tests

PROFILE = os.environ.get("CLAIMCALC_FUZZ", "ci")
#: Examples per test: ci is bounded to well under a minute in all.
EXAMPLES = {"ci": (200, 6), "long": (20_000, 200)}[PROFILE]
_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def _assert_clean(tally: Tally) -> None:
    assert not tally.failures, "\n".join(tally.failures[:5])


@settings(max_examples=EXAMPLES[0], **_SETTINGS)
@given(st.data())
def test_fuzz_batch_in_process(data: st.DataObject) -> None:
    tally = Tally()
    check_in_process(draw_book(HypothesisPick(data)), tally)
    _assert_clean(tally)


@settings(max_examples=EXAMPLES[1], **_SETTINGS)
@given(st.data())
def test_fuzz_batch_command(data: st.DataObject) -> None:
    tally = Tally()
    check_command(HypothesisPick(data), tally)
    _assert_clean(tally)


def test_readme_exit_codes_are_the_exit_codes() -> None:
    assert readme_exit_codes() == {int(code) for code in ExitCode}


def test_a_clean_book_gives_the_clean_records() -> None:
    """The oracle itself: a book with nothing mutated matches, both layouts."""
    for ndjson in (True, False):
        tally = Tally()
        check_in_process(book_of(ndjson, [(i, None) for i in range(len(EXAMPLE_FILES))]), tally)
        _assert_clean(tally)
        assert tally.books == 1


def random_checks(seed: int) -> Iterator[Callable[[Tally], None]]:
    """Endless checks from one seed: in-process books, and one command run in 2,000."""
    pick = RandomPick(random.Random(seed))
    count = 0
    while True:
        count += 1
        yield _command_check(pick) if count % 2000 == 0 else _book_check(draw_book(pick))


def _command_check(pick: Pick) -> Callable[[Tally], None]:
    return lambda tally: check_command(pick, tally)


def _book_check(book: Book) -> Callable[[Tally], None]:
    return lambda tally: check_in_process(book, tally)
