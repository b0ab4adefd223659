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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
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
        fixings = [f for days in other._fixings.values() for f in days.values()]
        fixings += [f for days in self._fixings.values() for f in days.values()]
        return RateTable(fixings)

    def lookup(
        self, currency: str, day: dt.date, max_days: int = MAX_FALLBACK_DAYS
    ) -> Fixing | None:
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

    def __len__(self) -> int:
        return sum(len(days) for days in self._fixings.values())


def read_ecb_csv(path: str | Path) -> RateTable:
    """Read ECB's historical reference-rate CSV (``eurofxref-hist.csv``)."""
    import csv  # only with --rates

    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise FileAccessError(f"{path}: cannot read rates file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ClaimError(str(path), [("", "rates file is not UTF-8 text")]) from None
    if not rows or not rows[0] or rows[0][0].strip() != "Date":
        raise ClaimError(f"{path}:1", [("", "expected ECB's header 'Date,USD,JPY,…'")])
    header = [name.strip() for name in rows[0]]
    fixings: list[Fixing] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            raise ClaimError(
                f"{path}:{number}", [("Date", f"not a valid date {row[0]!r}")]
            ) from None
        for currency, cell in zip(header[1:], row[1:], strict=False):
            value = cell.strip()
            if not currency or not value or value == "N/A":
                continue
            try:
                rate = Decimal(value)
            except InvalidOperation:
                raise ClaimError(
                    f"{path}:{number}", [(currency, f"not a rate {value!r}")]
                ) from None
            if rate <= 0:
                raise ClaimError(
                    f"{path}:{number}", [(currency, f"rate must be positive, got {rate}")]
                )
            fixings.append(
                Fixing(
                    currency, day, rate, str(path)
                )  # positional: a file has 200k; order pinned by a test
            )
    return RateTable(fixings)
