"""Issue #14 point 6 (Hypothesis): a late cancellation pays the penalty due on
the day of the event (Wi School F7, F4.1, F6; Imaway M7).

With ``penalty_at_event`` stated, a cancellation line is settled as if the
lower of the two penalties had been charged: the same amount paid, the higher
part charged for the delay staying with the insured.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcalc.claim.read import claim_from_data
from claimcalc.compare.diff import Effect, diff_products
from claimcalc.errors import ClaimError
from claimcalc.product.load import load_product_file
from claimcalc.settlement import Code, Settlement
from claimcalc.settling.engine import settle
from tests.conftest import product

penalty = st.decimals(min_value=0, max_value=5000, places=2)

CLAIMS: dict[str, dict[str, Any]] = {
    "imaway": {
        "level": "top",
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {
            "booking_date": "2026-01-20",
            "departure_date": "2026-03-01",
            "return_date": "2026-03-10",
            "cost": "1500.00",
        },
        "event": {"date": "2026-02-20", "country": "IT", "zone": "italia"},
        "reported_on": "2026-02-21",
        "guarantee": "M.cancellation",
        "person": {"age_at_subscription": 40},
    },
    "wi-school": {
        "level": "standard",
        "policy": {"issue_date": "2026-02-01", "zone": "europa"},
        "trip": {
            "booking_date": "2026-02-01",
            "departure_date": "2026-04-13",
            "return_date": "2026-04-18",
            "cost": "2000.00",
        },
        "event": {"date": "2026-04-01", "country": "IT", "zone": "italia"},
        "reported_on": "2026-04-03",
        "guarantee": "F.cancellation",
        "person": {"age_at_subscription": 16, "role": "student"},
    },
}


def claim(name: str, charged: Decimal, at_event: Decimal | None) -> dict[str, Any]:
    base = CLAIMS[name]
    line: dict[str, Any] = {
        "id": "1",
        "guarantee": base["guarantee"],
        "expenses": [{"amount": str(charged), "date": base["event"]["date"]}],
    }
    if at_event is not None:
        line["penalty_at_event"] = str(at_event)
    return {
        "claim_format": 1,
        "claim_id": "PROP",
        "product": name,
        "level": base["level"],
        "policy": base["policy"],
        "trip": base["trip"],
        "event": {**base["event"], "facts": {"cause": "illness", "affected_person": "insured"}},
        "reported_on": base["reported_on"],
        "insured": [
            {
                "ref": "P1",
                **base["person"],
                "facts": {"resident_in_italy": True, "authorised": True},
                "lines": [line],
            }
        ],
    }


def run(data: dict[str, Any]) -> Settlement:
    return settle(claim_from_data(data, "property"), product(data["product"]))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(CLAIMS)), penalty, penalty)
def test_a_cancellation_pays_as_if_the_lower_penalty_had_been_charged(
    name: str, charged: Decimal, at_event: Decimal
) -> None:
    (stated,) = run(claim(name, charged, at_event)).lines()
    (lower,) = run(claim(name, min(charged, at_event), None)).lines()
    assert stated.paid == lower.paid
    assert stated.claimed == charged
    capped = [step for step in stated.trace if step.code is Code.PENALTY_AT_EVENT]
    assert bool(capped) == (at_event < charged)


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_the_penalty_on_the_event_date_not_stated_changes_nothing(name: str) -> None:
    (result,) = run(claim(name, Decimal("800.00"), None)).lines()
    assert all(step.code is not Code.PENALTY_AT_EVENT for step in result.trace)


def test_the_reason_cites_the_article() -> None:
    (result,) = run(claim("wi-school", Decimal("800.00"), Decimal("500.00"))).lines()
    (step,) = [s for s in result.trace if s.code is Code.PENALTY_AT_EVENT]
    assert step.article.startswith("F7")
    assert result.paid == Decimal("500.00")


def test_a_penalty_on_a_guarantee_that_does_not_read_it_is_a_claim_problem() -> None:
    data = claim("imaway", Decimal("300.00"), Decimal("200.00"))
    data["insured"][0]["lines"][0]["guarantee"] = "D.medical_pharma"
    with pytest.raises(ClaimError, match="penalty_at_event"):
        run(data)


def test_a_negative_penalty_is_a_claim_problem() -> None:
    with pytest.raises(ClaimError, match="penalty_at_event"):
        run(claim("imaway", Decimal("300.00"), Decimal("-1")))


# --------------------------------------------------------------------------- diff

IMAWAY_FILE = Path(__file__).parent.parent / "products" / "imaway" / "2026-01.yaml"


def test_diff_reports_the_option_removed_as_more_cover_and_ignores_its_note(
    tmp_path: Path,
) -> None:
    text = IMAWAY_FILE.read_text(encoding="utf-8")
    start = text.index("          penalty_at_event:\n")
    end = text.index("\n          source: M7\n", start) + 1
    removed, noted = tmp_path / "removed.yaml", tmp_path / "noted.yaml"
    removed.write_text(text[:start] + text[end:], encoding="utf-8")
    noted.write_text(
        text.replace("M8 only obliges the insured", "M8 obliges the insured"), encoding="utf-8"
    )
    (d,) = diff_products(product("imaway"), load_product_file(removed)).differences
    assert (d.field, d.old, d.new, d.old_article) == ("penalty_at_event", True, False, "M7")
    assert d.effect is Effect.MORE_COVER
    assert diff_products(product("imaway"), load_product_file(noted)).differences == ()
