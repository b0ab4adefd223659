"""Edges of the settlement steps: dates at the calendar's end, facts said once."""

from __future__ import annotations

import datetime as dt
import json
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


def test_a_loss_near_the_calendars_end_is_settled_not_crashed() -> None:
    data = _claim("imaway", "L-ski-accident.json")
    data["policy"]["issue_date"] = "9998-01-03"
    data["trip"] = {"departure_date": "9998-02-07", "return_date": "9998-02-14"}
    data["event"].update({"date": "9998-02-10", "reporting_possible_from": "9998-02-11"})
    data["reported_on"] = "9998-02-13"
    data["insured"][0]["lines"][0]["loss_date"] = "9999-12-31"
    settlement = settle(claim_from_data(data, "far.json"), product("imaway"))
    assert str(settlement.indemnity) == "1000.00"


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
