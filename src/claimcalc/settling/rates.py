"""ECB reference rates, and converting expenses to euro (Imaway 1.15, Wi School 1.15).

ECB quotes units of currency per 1 EUR, so EUR = amount / rate. An expense is
converted at the fixing of the day it was incurred; on a day without a fixing
(weekend, holiday) the last fixing before it is used, at most 7 days back.
Rates come from the claim or from ECB's own historical CSV file
(``eurofxref-hist.csv``: ``Date,USD,JPY,…``, "N/A" where a currency has no
fixing).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from claimcalc.errors import ClaimError, FileAccessError

MAX_FALLBACK_DAYS = 7


@dataclass(frozen=True, slots=True)
class Fixing:
    currency: str
    date: dt.date
    units_per_eur: Decimal
    source: str


class RateTable:
    """Fixings by currency, searchable by date."""

    def __init__(self, fixings: Iterable[Fixing] = ()) -> None:
        by_currency: dict[str, dict[dt.date, Fixing]] = defaultdict(dict)
        for fixing in fixings:
            by_currency[fixing.currency][fixing.date] = fixing
        self._dates = {c: sorted(days) for c, days in by_currency.items()}
        self._fixings = dict(by_currency)

    def merged(self, other: RateTable) -> RateTable:
        """This table's fixings, and the other's where this one has none."""
        return _Merged(self, other)

    def lookup(
        self, currency: str, day: dt.date, max_days: int = MAX_FALLBACK_DAYS
    ) -> Fixing | None:
        """The fixing of ``day``, or the last one before it at most ``max_days`` back."""
        fixing = self._find(currency, day, max_days)
        if fixing is not None:
            self._used(fixing, day)
        return fixing

    def _find(self, currency: str, day: dt.date, max_days: int) -> Fixing | None:
        dates = self._dates.get(currency)
        if not dates:
            return None
        index = bisect.bisect_right(dates, day) - 1
        if index < 0:
            return None
        found = dates[index]
        if (day - found).days > max_days:
            return None
        return self._fixings[currency][found]

    def _used(self, fixing: Fixing, day: dt.date) -> None:
        """Told of each fixing :meth:`lookup` gives (for ``day``)."""

    def __len__(self) -> int:
        return sum(len(days) for days in self._fixings.values())


class _Merged(RateTable):
    """Two tables as one: the first's fixings, the second's where the first has none."""

    def __init__(self, first: RateTable, second: RateTable) -> None:
        super().__init__()
        self._first, self._second = first, second

    def _find(self, currency: str, day: dt.date, max_days: int) -> Fixing | None:
        mine = self._first._find(currency, day, max_days)
        theirs = self._second._find(currency, day, max_days)
        if mine is None or (theirs is not None and theirs.date > mine.date):
            return theirs
        return mine

    def _used(self, fixing: Fixing, day: dt.date) -> None:
        self._first._used(fixing, day)
        self._second._used(fixing, day)

    def __bool__(self) -> bool:
        return bool(self._first) or bool(self._second)

    def __len__(self) -> int:
        return len(self._first) + len(self._second)  # a date in both counts twice


#: A cell of a rates file that is a rate: digits, with a fraction or not.
_RATE = re.compile(r"\d+(?:\.\d+)?")
#: Bytes that a rates file's rows are made of (digits, dates, N/A, separators).
_ROW_BYTES = b"0123456789.,\n\r/NA-"
_SUSPECT = re.compile(rb"[^0-9.,\n\r/NA-]|,-|,0*\.?0*[,\r\n]")


class EcbFile(RateTable):
    """ECB's historical file, its rows read only when a claim needs their date.

    Building every fixing of ``eurofxref-hist.csv`` (~7,000 days of ~40
    currencies, newest first) took ~0.5 s for a one-claim run. The file is
    read whole and its dates parsed (every line checked for a valid date and
    for cells that cannot be rates); a row's rates are parsed on first use.
    """

    def __init__(self, path: str, lines: list[str], header: list[str]) -> None:
        super().__init__()
        self.path = path
        self._lines = lines
        self._columns = {name: i for i, name in enumerate(header) if i and name}
        by_day: dict[dt.date, int] = {}
        for index, line in enumerate(lines):
            if index == 0:
                continue
            comma = line.find(",")
            head = (line[:comma] if comma >= 0 else line).strip()
            if not head:
                continue
            try:
                by_day[dt.date.fromisoformat(head)] = index
            except ValueError:
                raise ClaimError(
                    f"{path}:{index + 1}", [("Date", f"not a valid date {head!r}")]
                ) from None
        self._days = sorted(by_day)
        self._rows = [by_day[day] for day in self._days]
        self._parsed: dict[int, list[Decimal | None]] = {}
        self._warned = False

    def _row(self, index: int) -> list[Decimal | None]:
        """The rates of line ``index`` (0-based), by column; None where there is none."""
        row = self._parsed.get(index)
        if row is None:
            row = self._parsed[index] = self._read_row(index)
        return row

    def _read_row(self, index: int) -> list[Decimal | None]:
        cells = self._lines[index].split(",")
        row: list[Decimal | None] = [None] * len(cells)
        for currency, column in self._columns.items():
            if column >= len(cells):
                continue
            value = cells[column].strip()
            if not value or value == "N/A":
                continue
            where = f"{self.path}:{index + 1}"
            if not _RATE.fullmatch(value.removeprefix("-")):
                raise ClaimError(where, [(currency, f"not a rate {value!r}")])
            rate = Decimal(value)
            if rate <= 0:
                raise ClaimError(where, [(currency, f"rate must be positive, got {rate}")])
            row[column] = rate
        return row

    def check_cells(self, raw: bytes) -> None:
        """Refuse the first cell that is not a rate (``Infinity``, ``NaN``, ``-1``).

        Scanning the whole file costs a few ms: its bytes are tested for what
        no valid row has (a letter, a space, a minus sign other than the
        dates' two); only then are the lines where such a thing is read cell by
        cell, with zero rates. A zero rate in a file without any of these is
        refused when a claim needs its row (:meth:`_read_row`), also with its
        ``file:line``.
        """
        body = raw.find(b"\n") + 1
        if not body:
            return
        dashes = 2 * len(self._rows)  # one date per row: 1999-01-04
        if not raw[body:].translate(None, _ROW_BYTES) and raw.count(b"-", body) == dashes:
            return
        for match in _SUSPECT.finditer(raw, body):
            index = raw.count(b"\n", 0, match.start())
            if index < len(self._lines) and self._lines[index].split(",", 1)[0].strip():
                self._read_row(index)  # raises on the bad cell

    def _find(self, currency: str, day: dt.date, max_days: int) -> Fixing | None:
        column = self._columns.get(currency)
        if column is None:
            return None
        days = self._days
        index = bisect.bisect_right(days, day) - 1
        while index >= 0 and (day - days[index]).days <= max_days:
            row = self._row(self._rows[index])
            rate = row[column] if column < len(row) else None
            if rate is not None:
                return Fixing(currency, days[index], rate, self.path)
            index -= 1
        return None

    def _used(self, fixing: Fixing, day: dt.date) -> None:
        if fixing.source != self.path or self._warned or day <= self._days[-1]:
            return
        self._warned = True
        sys.stderr.write(
            f"{self.path}: warning: rates file is stale: its newest fixing is of"
            f" {self._days[-1].isoformat()}, a claim needs {fixing.currency} of"
            f" {day.isoformat()} (the fixing of {fixing.date.isoformat()} is used)\n"
        )

    def __bool__(self) -> bool:  # not len(), which reads every row
        return bool(self._rows)

    def __len__(self) -> int:
        return sum(sum(rate is not None for rate in self._row(index)) for index in self._rows)


def read_ecb_csv(path: str | Path) -> RateTable:
    """Read ECB's historical reference-rate CSV (``eurofxref-hist.csv``).

    Dates are read now, rates when a claim needs them (:class:`EcbFile`).
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read rates file: {exc.strerror}") from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ClaimError(str(path), [("", "rates file is not UTF-8 text")]) from None
    if '"' in text:
        text = _unquoted(text)
        raw = text.encode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    header = [name.strip() for name in lines[0].split(",")] if lines else []
    if not header or header[0] != "Date":
        raise ClaimError(f"{path}:1", [("", "expected ECB's header 'Date,USD,JPY,…'")])
    table = EcbFile(str(path), lines, header)
    table.check_cells(raw)
    return table


def _unquoted(text: str) -> str:
    """A CSV text with quoted cells written plainly (ECB's own file quotes none)."""
    import csv

    rows = csv.reader(text.splitlines())
    return "\n".join(",".join(cell.replace(",", " ") for cell in row) for row in rows) + "\n"
