"""Issue #14 points 3 and 4 (Hypothesis).

The carrier's compensation is taken once off an insured person's loss under
the section it concerns, whatever the number of lines (Imaway E4, Wi School
C5 d); a prior payment dated outside the current policy period never changes
the settlement (Imaway E2, 1.2, M4).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcalc.claim.read import claim_from_data
from claimcalc.errors import ClaimError
from claimcalc.output.documents import to_json
from claimcalc.settlement import Settlement
from claimcalc.settling.engine import settle
from tests.conftest import product

value = st.decimals(min_value="0.01", max_value=400, places=2)
amount = st.decimals(min_value=0, max_value=3000, places=2)


def claim(lines: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "claim_format": 1,
        "claim_id": "PROP",
        "product": "imaway",
        "level": "top",
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-10", "cost": "1500.00"},
        "event": {"date": "2026-03-03", "country": "ES", "zone": "europa", "facts": {}},
        "reported_on": "2026-03-05",
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": 40,
                "facts": {"resident_in_italy": True, "authorised": True},
                "lines": lines,
            }
        ],
    }
    data.update(changes)
    return data


def run(data: dict[str, Any], name: str = "imaway") -> Settlement:
    return settle(claim_from_data(data, "property"), product(name))


def baggage_line(line_id: str, values: list[Decimal]) -> dict[str, Any]:
    objects = [
        {"value": str(v), "date": "2026-03-03", "category": "clothing", "checked_in": True}
        for v in values
    ]
    return {"id": line_id, "guarantee": "E.baggage", "objects": objects}


# --------------------------------------------------------------------------- point 3


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(value, min_size=1, max_size=3), min_size=1, max_size=6),
    st.decimals(min_value="0.01", max_value=3000, places=2),
    st.sampled_from(["event", "person", "lines"]),
)
def test_the_carrier_compensation_is_deducted_once_whatever_the_number_of_lines(
    lines: list[list[Decimal]], paid: Decimal, where: str
) -> None:
    body = [baggage_line(str(i + 1), values) for i, values in enumerate(lines)]
    without = run(claim(body, event={**claim([])["event"], "facts": {"cause": "carrier_loss"}}))
    data = claim(body)
    data["event"]["facts"] = {"cause": "carrier_loss"}
    stated = {"carrier_compensation": str(paid)}
    if where == "event":
        data["event"]["facts"].update(stated)
    elif where == "person":
        data["insured"][0]["facts"].update(stated)
    else:  # the same amount on every line: still one payment
        for line in data["insured"][0]["lines"]:
            line["facts"] = dict(stated)
    with_carrier = run(data)
    loss = sum((r.assessed_loss for r in without.lines()), Decimal(0))
    left = sum((r.assessed_loss for r in with_carrier.lines()), Decimal(0))
    assert loss - left == min(paid, loss)
    # In line order: a line loses something only once the lines before it lost all.
    before = [r.assessed_loss for r in without.lines()]
    after = [r.assessed_loss for r in with_carrier.lines()]
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if a < b:
            assert all(x == 0 for x in after[:i])
    for result in with_carrier.lines():
        carrier = [step for step in result.trace if step.code.value == "carrier_paid"]
        assert all(step.article == "E4" for step in carrier)


def test_the_carrier_compensation_does_not_reach_other_sections() -> None:
    data = claim(
        [
            {
                "id": "1",
                "guarantee": "D.medical_pharma",
                "expenses": [{"amount": "300.00", "date": "2026-03-03"}],
            }
        ]
    )
    data["event"]["facts"] = {"cause": "illness", "carrier_compensation": "100.00"}
    (result,) = run(data).lines()
    assert result.assessed_loss == Decimal("300.00")
    assert result.paid == Decimal("250.00")  # less the D3 franchigia only


def test_two_carrier_amounts_for_one_person_are_a_claim_problem() -> None:
    body = [baggage_line("1", [Decimal(100)]), baggage_line("2", [Decimal(100)])]
    body[0]["facts"] = {"carrier_compensation": "50.00"}
    body[1]["facts"] = {"carrier_compensation": "60.00"}
    data = claim(body)
    data["event"]["facts"] = {"cause": "carrier_loss"}
    with pytest.raises(ClaimError, match="carrier_compensation is one amount per insured person"):
        run(data)


# --------------------------------------------------------------------------- point 4

#: The policy issued 2026-01-05 runs 12 months (Imaway 1.2): to 2027-01-04.
outside = st.one_of(
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 1, 4)),
    st.dates(min_value=dt.date(2027, 1, 5), max_value=dt.date(2028, 12, 31)),
)
inside = st.dates(min_value=dt.date(2026, 1, 5), max_value=dt.date(2027, 1, 4))
paid_under = st.sampled_from(["D.medical_pharma", "D.dental", "E.baggage", "M.cancellation"])


def scenario(kind: str, amounts: list[Decimal]) -> dict[str, Any]:
    """A trip claim (medical or baggage) or a cancellation, for the period's payments."""
    if kind == "medical":
        data = claim(
            [
                {"id": str(i + 1), "guarantee": g, "expenses": [{"amount": str(a), "date": d}]}
                for i, (g, a, d) in enumerate(
                    zip(["D.medical_pharma", "D.dental"], amounts, ["2026-03-03"] * 2, strict=False)
                )
            ]
        )
        data["event"]["facts"] = {"cause": "illness"}
    elif kind == "baggage":
        data = claim([baggage_line("1", amounts)])
        data["event"]["facts"] = {"cause": "theft"}
    else:
        data = claim(
            [
                {
                    "id": "1",
                    "guarantee": "M.cancellation",
                    "expenses": [{"amount": str(amounts[0]), "date": "2026-02-20"}],
                }
            ]
        )
        data["event"] = {
            "date": "2026-02-20",
            "country": "IT",
            "zone": "italia",
            "facts": {"cause": "illness", "affected_person": "insured"},
        }
        data["reported_on"] = "2026-02-21"
    return data


def payment(guarantee: str, paid: Decimal, day: dt.date) -> dict[str, Any]:
    return {"guarantee": guarantee, "amount": str(paid), "date": day.isoformat()}


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["medical", "baggage", "cancellation"]),
    st.sampled_from(["smart", "top"]),
    st.lists(st.decimals(min_value="0.01", max_value=3000, places=2), min_size=1, max_size=2),
    st.lists(st.tuples(paid_under, amount, inside), max_size=3),
    st.lists(st.tuples(paid_under, amount, outside), min_size=1, max_size=3),
)
def test_a_payment_dated_outside_the_period_never_changes_the_settlement(
    kind: str,
    level: str,
    amounts: list[Decimal],
    in_period: list[tuple[str, Decimal, dt.date]],
    out_of_period: list[tuple[str, Decimal, dt.date]],
) -> None:
    data = scenario(kind, amounts)
    data["level"] = level
    data["insured"][0]["prior_payments"] = [payment(*p) for p in in_period]
    alone = to_json(run(data))
    data["insured"][0]["prior_payments"] = [payment(*p) for p in (*in_period, *out_of_period)]
    assert to_json(run(data)) == alone


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            paid_under,
            amount,
            st.dates(min_value=dt.date(2026, 1, 5), max_value=dt.date(2026, 1, 9)),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_the_period_starts_at_the_start_date(payments: list[tuple[str, Decimal, dt.date]]) -> None:
    data = scenario("medical", [Decimal(900)])
    data["policy"]["start_date"] = "2026-01-10"
    alone = to_json(run(data))
    data["insured"][0]["prior_payments"] = [payment(*p) for p in payments]
    assert to_json(run(data)) == alone


def test_a_payment_in_the_period_still_counts() -> None:
    data = scenario("cancellation", [Decimal(1000)])
    data["insured"][0]["prior_payments"] = [
        payment("M.cancellation", Decimal(500), dt.date(2026, 2, 10))
    ]
    (result,) = run(data).lines()
    assert result.paid == 0
    assert [step.code.value for step in result.trace][-1] == "once_per_period"
