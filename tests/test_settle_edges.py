"""Edges of the settlement steps: dates at the calendar's end, facts said once."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from claimcalc.claim.read import claim_from_data
from claimcalc.errors import ClaimError
from claimcalc.settling.eligibility import add_months
from claimcalc.settling.engine import settle
from tests.conftest import example, product


def _claim(product_id: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(example(product_id, name).read_text(encoding="utf-8"))
    return data


def test_a_time_limit_past_the_calendars_end_does_not_bite() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(9998, 6, 1), 24) == dt.date.max


def test_a_loss_near_the_calendars_end_is_refused_not_crashed() -> None:
    """Claim dates lie in 1900-2199 (issue #15): a year 9998 is refused, field by field."""
    data = _claim("imaway", "L-ski-accident.json")
    data["policy"]["issue_date"] = "9998-01-03"
    data["trip"] = {"departure_date": "9998-02-07", "return_date": "9998-02-14"}
    data["event"].update({"date": "9998-02-10", "reporting_possible_from": "9998-02-11"})
    data["reported_on"] = "9998-02-13"
    data["insured"][0]["lines"][0]["loss_date"] = "2199-12-31"
    with pytest.raises(ClaimError) as raised:
        claim_from_data(data, "far.json")
    assert [field for field, _ in raised.value.problems] == [
        "policy.issue_date",
        "trip.departure_date",
        "trip.return_date",
        "event.date",
        "event.reporting_possible_from",
        "reported_on",
    ]
    assert raised.value.problems[0][1] == (
        "must be between 1900-01-01 and 2199-12-31, got '9998-01-03'"
    )


def test_a_loss_before_its_event_is_a_problem_of_the_claim() -> None:
    data = _claim("imaway", "L-ski-accident.json")
    data["insured"][0]["lines"][0]["loss_date"] = "2026-01-01"
    with pytest.raises(ClaimError) as raised:
        settle(claim_from_data(data, "early.json"), product("imaway"))
    assert list(raised.value.problems) == [
        ("insured[0].lines[0].loss_date", "2026-01-01 is before the event (2026-02-10)")
    ]


def test_a_claim_wide_fact_missing_is_said_once() -> None:
    """Wi School F starts cover at enrolment: every cancellation line needs the
    booking date, but the claim lacks it once."""
    data = _claim("wi-school", "F-cancellation.json")
    del data["trip"]["booking_date"]
    person = data["insured"][0]
    line = person["lines"][0]
    person["lines"] = [line, {**line, "id": "2"}]
    data["insured"] = [person, {**person, "ref": "S2"}]
    with pytest.raises(ClaimError) as raised:
        settle(claim_from_data(data, "f.json"), product("wi-school"))
    assert list(raised.value.problems) == [
        ("trip.booking_date", "required: cover starts at enrolment")
    ]


def _refused_claim(lines: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    """An Imaway claim whose insured is over 75 at subscription (1.3): every line refused."""
    data: dict[str, Any] = {
        "claim_format": 1,
        "claim_id": "REFUSED",
        "product": "imaway",
        "level": "top",
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-10", "cost": "1500.00"},
        "event": {
            "date": "2026-03-03",
            "country": "US",
            "zone": "mondo",
            "facts": {"cause": "theft"},
        },
        "reported_on": "2026-03-05",
        "rates": [{"currency": "USD", "date": "2026-03-03", "units_per_eur": "1.25"}],
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": 76,
                "facts": {"resident_in_italy": True, "authorised": True},
                "lines": lines,
            }
        ],
    }
    data.update(changes)
    return data


def test_a_refused_line_keeps_what_was_claimed_in_the_totals_and_the_table() -> None:
    """Issue #14 point 8: €300 claimed and refused is €300 claimed, not €0,00."""
    from claimcalc.output.documents import settlement_json

    data = _refused_claim(
        [
            {
                "id": "1",
                "guarantee": "D.medical_pharma",
                "expenses": [{"amount": "300.00", "date": "2026-03-03"}],
            }
        ]
    )
    settlement = settle(claim_from_data(data, "refused.json"), product("imaway"))
    document = settlement_json(settlement)
    assert document["insured"][0]["lines"][0]["claimed"] == "300.00"
    assert document["insured"][0]["lines"][0]["paid"] == "0.00"
    assert document["totals"]["claimed"] == "300.00"


def test_a_refused_line_converts_what_it_claims_without_a_conversion_step() -> None:
    """Objects in USD, refused before quantification: claimed in euro at the ECB
    rate (USD 500 / 1.25), the trace holding the refusal alone."""
    data = _refused_claim(
        [
            {
                "id": "1",
                "guarantee": "E.baggage",
                "objects": [{"value": "500.00", "currency": "USD", "date": "2026-03-03"}],
            }
        ]
    )
    line = settle(claim_from_data(data, "usd.json"), product("imaway")).lines()[0]
    assert line.claimed == Decimal("400")
    assert [step.code.value for step in line.trace] == ["age_cap"]


def test_a_refused_allowance_claims_no_amount() -> None:
    """An allowance, a pro rata or a sum insured claims no amount: null, refused or not."""
    data = _refused_claim([{"id": "1", "guarantee": "F.flight_delay", "facts": {"delay_hours": 9}}])
    settlement = settle(claim_from_data(data, "delay.json"), product("imaway"))
    assert settlement.lines()[0].claimed is None
    assert settlement.claimed == 0
