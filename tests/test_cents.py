"""Whole cents: the plain path's arithmetic in integers equals the Decimal one.

The plain path (output/plain.py) settles a claim in whole cents
(fastpath.person_text_cents); these are the conversions it relies on,
each held to the Decimal function it stands for. tests/test_plain.py and
tests/test_fastpath.py hold its records to the engine's.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from claimcalc.money import (
    cents_text,
    floor_cents,
    format_cents,
    format_eur,
    from_cents,
    text_of_cents,
    whole_cents,
)
from claimcalc.settling import texts


def _amounts() -> list[int]:
    rng = random.Random(7)
    edges = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 99999, 100000, 10**14, 10**14 - 1, 10**17]
    return [*range(2000), *edges, *(rng.randrange(10 ** rng.randint(3, 17)) for _ in range(20000))]


def test_cents_are_written_as_the_decimal_amount_is() -> None:
    for cents in _amounts():
        euro = from_cents(cents)
        assert euro == Decimal(cents) / 100
        assert euro.as_tuple().exponent == -2  # as an amount rounded to the cent
        assert text_of_cents(cents) == cents_text(euro) == str(euro)
        assert format_cents(cents) == format_eur(euro)
        assert texts.used_by_other_lines_cents(cents) == texts.used_by_other_lines(euro)


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0", 0),
        ("0.00", 0),
        ("1500", 150000),
        ("1500.5", 150050),
        ("1500.50", 150050),
        ("1500.500", 150050),
        ("0.01", 1),
        ("1E+3", 100000),
        ("0.005", None),
        ("1500.001", None),
        ("12.3456", None),
        # more digits than a Decimal context keeps: scaleb would round these to whole cents
        ("199.99999999999999999999999999999", None),
        ("999.99999999999999999999999999999", None),
        ("1000.00000000000000000000000000001", None),
        ("0.00000000000000000000000000000001", None),
        ("123456789012345678901234567890.12", 12345678901234567890123456789012),
    ],
)
def test_whole_cents_or_none(amount: str, cents: int | None) -> None:
    assert whole_cents(Decimal(amount)) == cents


def test_a_whole_number_of_cents_is_above_an_amount_exactly_when_above_its_floor() -> None:
    """Spec.authorised_above_cents: ``documented > above`` in cents, for any ``above``."""
    rng = random.Random(11)
    bounds = [Decimal("1000"), Decimal("1000.00"), Decimal("999.999"), Decimal("0.001")]
    # beyond a Decimal context's 28 digits: the floor must not be rounded up to the bound
    bounds += [Decimal("999.99999999999999999999999999999")]
    bounds += [Decimal("1000.00000000000000000000000000001")]
    bounds += [Decimal(rng.randrange(10**8)).scaleb(-rng.randint(0, 4)) for _ in range(300)]
    for above in bounds:
        floor = floor_cents(above)
        near = int(above * 100)
        for cents in range(max(0, near - 3), near + 4):
            assert (cents > floor) == (from_cents(cents) > above), (cents, above)


def _texts_of_amounts() -> list[str]:
    """Texts at and around the amount pattern's edges, and random ones."""
    rng = random.Random(5)
    texts_ = [
        "0", "00", "0.0", "0.00", "0.000", "0.", ".5", "5.", "1.5", "1.05", "1.50", "1.500",
        "1.501", "1.005", "999999999999", "999999999999.99", "0999999999999.99",
        "1000000000000", "1000000000000.0", "1000000000000.00", "1000000000000.01",
        "1000000000001", "10000000000000", "0001000000000000.000", "1e3", "1E3", "+1",
        "-1", " 1", "1 ", "1\n", "1_0", "١", "²", "1.2.3", "", ".", "00000000000000012.30",
    ]  # fmt: skip
    alphabet = "0000111223456789..-+e_ \n"
    for _ in range(20000):
        texts_.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 18))))
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 14)))
        places = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 4)))
        texts_.append(digits + ("." + places if places or rng.random() < 0.3 else ""))
    return texts_


def test_the_plain_path_reads_an_amount_as_the_quick_reader_does() -> None:
    """plain._cost_cents reads the texts the quick reader's pattern matches, and
    their cents are the amount's; the quick reader's is the claim model's (an
    Amount: at most 10**12, two places)."""
    from claimcalc.claim.model import Expense, fields_of
    from claimcalc.claim.quick import _match_cost
    from claimcalc.money import decimal_pattern
    from claimcalc.output.plain import _cost_cents

    amount = next(f for f in fields_of(Expense) if f.name == "amount").bounds
    # what _cost_cents spells out
    assert amount is not None and amount.le == 10**12 and amount.places == 2
    pattern = decimal_pattern(most=amount.le, places=amount.places)
    assert _match_cost.__self__.pattern == pattern  # type: ignore[attr-defined]

    matched = 0
    for text in _texts_of_amounts():
        cents = _cost_cents(text)
        assert (cents < 0) == (_match_cost(text) is None), repr(text)
        if cents >= 0:
            matched += 1
            assert cents == Decimal(text) * 100, repr(text)
    assert matched > 10000, matched
