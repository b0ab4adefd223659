"""ECB reference rates: EUR = amount / rate; the last fixing at most 7 days back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from claimcalc.errors import ClaimError, ExitCode, FileAccessError
from claimcalc.settling.rates import Fixing, RateTable, read_ecb_csv

FRIDAY = dt.date(2026, 3, 6)


def table() -> RateTable:
    return RateTable([Fixing("USD", FRIDAY, Decimal("1.0850"), "test")])


@pytest.mark.parametrize(
    ("day", "found"),
    [
        (FRIDAY, True),
        (dt.date(2026, 3, 7), True),  # Saturday: Friday's fixing
        (dt.date(2026, 3, 13), True),  # 7 days later: still Friday's
        (dt.date(2026, 3, 14), False),  # 8 days later: too old
        (dt.date(2026, 3, 5), False),  # before any fixing
    ],
)
def test_1_15_last_fixing_at_most_seven_days_back(day: dt.date, found: bool) -> None:
    assert (table().lookup("USD", day) is not None) is found


def test_unknown_currency_has_no_fixing() -> None:
    assert table().lookup("JPY", FRIDAY) is None


def test_the_claims_rates_win_over_the_file() -> None:
    claim = RateTable([Fixing("USD", FRIDAY, Decimal("1.2"), "claim")])
    fixing = claim.merged(table()).lookup("USD", FRIDAY)
    assert fixing is not None
    assert (fixing.units_per_eur, fixing.source) == (Decimal("1.2"), "claim")


def test_read_ecb_history_file(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(
        "Date,USD,JPY,BGN,\n2026-03-06,1.0850,162.10,N/A,\n2026-03-05,1.0831,161.90,1.9558,\n",
        encoding="utf-8",
    )
    rates = read_ecb_csv(path)
    assert len(rates) == 5
    fixing = rates.lookup("JPY", dt.date(2026, 3, 8))
    assert fixing is not None and fixing.units_per_eur == Decimal("162.10")
    assert rates.lookup("BGN", dt.date(2026, 3, 6)) is not None  # N/A: the day before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Currency,USD\n", "{path}:1: expected ECB's header 'Date,USD,JPY,…'"),
        ("Date,USD\n2026-02-30,1.08\n", "{path}:2: Date: not a valid date '2026-02-30'"),
        ("Date,USD\n2026-03-06,abc\n", "{path}:2: USD: not a rate 'abc'"),
        ("Date,USD\n2026-03-06,-1.08\n", "{path}:2: USD: rate must be positive, got -1.08"),
    ],
)
def test_bad_rates_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimError) as caught:
        read_ecb_csv(path)
    assert str(caught.value) == message.format(path=path)
    assert caught.value.exit_code is ExitCode.INVALID_CLAIM


def test_missing_rates_file(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError) as caught:
        read_ecb_csv(tmp_path / "none.csv")
    assert (
        str(caught.value)
        == f"{tmp_path / 'none.csv'}: cannot read rates file: No such file or directory"
    )
