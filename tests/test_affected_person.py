"""The cause says what happened, ``affected_person`` to whom (issue #14, points 1 and 5).

Imaway M6 waives the cancellation scoperto only for the insured's own death or
hospitalisation (summary table: "Nessuno scoperto in caso di decesso, ricovero
dell'assicurato. Tutti gli altri casi scoperto del 20%, minimo 75€").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from claimcalc.claim.read import claim_from_data
from claimcalc.facts import AFFECTED_PERSONS, CAUSES, FACTS, REPLACED_VALUES
from claimcalc.settling.engine import settle
from tests.conftest import product

# Up to the €3,000 massimale (M5), in steps of 5 cents so that 20% is whole cents.
penalties = st.integers(min_value=1, max_value=60_000).map(lambda n: Decimal(n) * Decimal("0.05"))


def cancellation(amount: Decimal, **facts: Any) -> dict[str, Any]:
    return {
        "claim_format": 1,
        "claim_id": "PROP",
        "product": "imaway",
        "level": "top",
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-10", "cost": "3000.00"},
        "event": {"date": "2026-02-20", "country": "IT", "zone": "italia", "facts": facts},
        "reported_on": "2026-02-21",
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": 40,
                "facts": {"resident_in_italy": True},
                "lines": [
                    {
                        "id": "1",
                        "guarantee": "M.cancellation",
                        "expenses": [{"amount": str(amount), "date": "2026-02-20"}],
                    }
                ],
            }
        ],
    }


@given(
    amount=penalties,
    cause=st.sampled_from(["death", "hospitalisation"]),
    person=st.sampled_from(sorted(AFFECTED_PERSONS)),
)
def test_m6_the_scoperto_is_waived_only_for_the_insureds_own_death_or_hospitalisation(
    amount: Decimal, cause: str, person: str
) -> None:
    claim = claim_from_data(cancellation(amount, cause=cause, affected_person=person))
    paid = settle(claim, product("imaway")).insured[0].lines[0].paid
    if person == "insured":
        assert paid == amount
    elif person in ("business_partner", "direct_superior"):
        assert paid == 0  # not an M1 motive (the DIP names them; the Condizioni prevail)
    else:
        assert paid == max(Decimal(0), amount - max(amount * Decimal("0.2"), Decimal(75)))


def test_no_cause_names_a_person_and_every_old_spelling_names_its_new_one() -> None:
    for (fact, old), instead in REPLACED_VALUES.items():
        assert old not in FACTS[fact].values
        assert instead.startswith(f"{fact}: ")
    assert not {cause for cause in CAUSES if cause.startswith("family_")}
