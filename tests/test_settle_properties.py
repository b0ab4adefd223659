"""Invariants of every settlement (Hypothesis).

Never negative; never above the applicable limit; a larger claimed amount
never pays less; event-capped shares add up exactly to the cap; the same
input gives byte-identical JSON; the frozen rulebook settles as the
validated product does.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claimcalc.claim.read import claim_from_data
from claimcalc.output.documents import to_json
from claimcalc.product.model import freeze
from claimcalc.product.schema import Product
from claimcalc.settlement import Settlement
from claimcalc.settling.engine import proportional_shares, settle
from tests.conftest import product

money = st.decimals(min_value=0, max_value=50_000, places=2, allow_nan=False, allow_infinity=False)
levels = st.sampled_from(["easy", "smart", "top"])
zones = st.sampled_from(["italia", "europa", "mondo_escl_usa_canada", "mondo"])
medical = st.sampled_from(["D.hospital_surgical", "D.medical_pharma", "D.dental", "D.return_care"])


def claim(
    level: str, zone: str, age: int, lines: list[dict[str, Any]], **facts: Any
) -> dict[str, Any]:
    return {
        "claim_format": 1,
        "claim_id": "PROP",
        "product": "imaway",
        "level": level,
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-10", "cost": "1500.00"},
        "event": {
            "date": "2026-03-03",
            "country": "XX",
            "zone": zone,
            "facts": {"cause": "accident", **facts},
        },
        "reported_on": "2026-03-05",
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": age,
                "facts": {"resident_in_italy": True, "authorised": True},
                "lines": lines,
            }
        ],
    }


def expense_line(guarantee: str, amounts: list[Decimal], line_id: str = "1") -> dict[str, Any]:
    expenses = [{"amount": str(a), "date": "2026-03-04"} for a in amounts]
    return {"id": line_id, "guarantee": guarantee, "expenses": expenses}


def run(data: dict[str, Any]) -> Settlement:
    parsed = claim_from_data(data, "property")
    return settle(parsed, product("imaway"))


def tightest_cap(loaded: Product, code: str, level: str, zone: str, age: int) -> Decimal | None:
    """The smallest money limit on the line's total, from the product file."""
    section = loaded.section_of(code)
    caps = []
    for limit in (*loaded.guarantee(code).limits, *section.limits):
        if limit.unit.value != "eur" or limit.scope.value not in (
            "per_sinistro",
            "per_trip",
            "per_insured_per_period",
        ):
            continue
        if limit.applies_when is not None and limit.id.startswith("D.age_"):
            low, high = (61, 69) if limit.id == "D.age_61_69" else (70, 75)
            if not low <= age <= high:
                continue
        value = loaded.limit_amount(limit.id, level, zone)
        if isinstance(value, Decimal):
            caps.append(value)
    return min(caps) if caps else None


@settings(max_examples=150, deadline=None)
@given(
    levels,
    zones,
    st.integers(18, 75),
    st.lists(st.tuples(medical, st.lists(money, min_size=1, max_size=3)), min_size=1, max_size=4),
)
def test_medical_lines_are_never_negative_nor_above_their_limit(
    level: str, zone: str, age: int, lines: list[tuple[str, list[Decimal]]]
) -> None:
    data = claim(
        level, zone, age, [expense_line(g, amounts, str(i)) for i, (g, amounts) in enumerate(lines)]
    )
    settlement = run(data)
    loaded = product("imaway")
    for result in settlement.lines():
        assert result.paid >= 0
        assert result.paid == result.paid.quantize(Decimal("0.01"))
        cap = tightest_cap(loaded, result.guarantee, level, zone, age)
        if cap is not None:
            assert result.paid <= cap
        assert result.paid <= result.assessed_loss + Decimal("0.005")
    section_cap = tightest_cap(loaded, "D.hospital_surgical", level, zone, age)
    assert section_cap is not None
    assert settlement.indemnity <= section_cap


@settings(max_examples=200, deadline=None)
@given(levels, zones, st.lists(st.tuples(medical, money), min_size=1, max_size=4), st.data())
def test_a_larger_claimed_amount_never_pays_less(
    level: str, zone: str, lines: list[tuple[str, Decimal]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    extra = data.draw(money)
    before = run(
        claim(level, zone, 40, [expense_line(g, [a], str(i)) for i, (g, a) in enumerate(lines)])
    )
    bigger = [(g, a + extra if i == index else a) for i, (g, a) in enumerate(lines)]
    after = run(
        claim(level, zone, 40, [expense_line(g, [a], str(i)) for i, (g, a) in enumerate(bigger)])
    )
    assert after.indemnity >= before.indemnity


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["clothing", "electronics", "photo_video", "jewellery"]),
                money,
                st.booleans(),
            ),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=1,
    ),
    st.sampled_from(["smart", "top"]),
    zones,
)
def test_baggage_never_pays_more_than_the_sum_insured(
    objects: list[list[tuple[str, Decimal, bool]]], level: str, zone: str
) -> None:
    items = [
        {"value": str(v), "date": "2026-03-03", "category": c, "checked_in": checked}
        for c, v, checked in objects[0]
    ]
    data = claim(level, zone, 40, [{"id": "1", "guarantee": "E.baggage", "objects": items}])
    data["event"]["facts"] = {"cause": "carrier_loss"}
    (result,) = run(data).lines()
    cap = product("imaway").limit_amount("E.zone", level, zone)
    assert isinstance(cap, Decimal)
    assert 0 <= result.paid <= cap
    assert result.paid <= Decimal(200) * len(items)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.decimals(min_value="0.01", max_value=100_000, places=2), min_size=1, max_size=40),
    st.data(),
)
def test_event_cap_shares_add_up_exactly_to_the_cap(
    amounts: list[Decimal], data: st.DataObject
) -> None:
    total = sum(amounts, Decimal(0))
    cap = data.draw(st.decimals(min_value="0.01", max_value=total, places=2))
    shares = proportional_shares(amounts, cap)
    assert sum(shares, Decimal(0)) == cap
    for amount, share in zip(amounts, shares, strict=True):
        assert 0 <= share <= amount
        assert abs(share - amount * cap / total) < Decimal("0.01")
        assert share == share.quantize(Decimal("0.01"))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 30), st.sampled_from([9, 17, 25, 60]))
def test_flight_delay_event_cap_across_insured(people: int, hours: int) -> None:
    data = claim("top", "europa", 40, [], delay_hours=hours)
    data["event"]["facts"]["cause"] = "flight_delay"
    data["insured"] = [
        {
            "ref": f"P{i:02d}",
            "age_at_subscription": 30,
            "facts": {"resident_in_italy": True},
            "lines": [{"id": "1", "guarantee": "F.flight_delay"}],
        }
        for i in range(people)
    ]
    settlement = run(data)
    each = min(Decimal(450), Decimal(75) * (hours // 8))
    assert settlement.indemnity == min(each * people, Decimal(6000))


@settings(max_examples=60, deadline=None)
@given(levels, zones, st.lists(st.tuples(medical, money), min_size=1, max_size=3))
def test_the_same_input_gives_byte_identical_json(
    level: str, zone: str, lines: list[tuple[str, Decimal]]
) -> None:
    data = claim(level, zone, 40, [expense_line(g, [a], str(i)) for i, (g, a) in enumerate(lines)])
    first = json.dumps(to_json(run(data)), sort_keys=False)
    second = json.dumps(to_json(run(json.loads(json.dumps(data)))), sort_keys=False)
    assert first == second


@settings(max_examples=100, deadline=None)
@given(
    levels,
    zones,
    st.integers(18, 80),
    st.lists(st.tuples(medical, money), min_size=1, max_size=4),
)
def test_the_frozen_rulebook_settles_as_the_validated_product(
    level: str, zone: str, age: int, lines: list[tuple[str, Decimal]]
) -> None:
    data = claim(level, zone, age, [expense_line(g, [a], str(i)) for i, (g, a) in enumerate(lines)])
    parsed = claim_from_data(data, "x.json")
    validated = product("imaway")
    assert to_json(settle(parsed, freeze(validated))) == to_json(settle(parsed, validated))


SUB_LIMITS = {  # D2 a–c by level: (Top, Smart, Easy)
    "D.medical_pharma": {"top": 3000, "smart": 2000, "easy": 1000},
    "D.return_care": {"top": 550, "smart": 450, "easy": 400},
    "D.dental": {"top": 550, "smart": 400, "easy": 200},
}


@settings(max_examples=300, deadline=None)
@given(levels, st.lists(st.tuples(medical, money), min_size=1, max_size=5))
def test_the_franchigia_costs_only_what_the_sub_limits_do_not_absorb(
    level: str, lines: list[tuple[str, Decimal]]
) -> None:
    """Oracle, by another method: per guarantee, what is over its sub-limit absorbs
    the €50 first (D3); only the rest reduces what is paid. Europa, age 40: the
    €1,000,000 massimale never binds here."""
    settlement = run(
        claim(level, "europa", 40, [expense_line(g, [a], str(i)) for i, (g, a) in enumerate(lines)])
    )
    totals: dict[str, Decimal] = {}
    for guarantee, amount in lines:
        totals[guarantee] = totals.get(guarantee, Decimal(0)) + amount
    capped = excess = Decimal(0)
    for guarantee, total in totals.items():
        cap = Decimal(SUB_LIMITS[guarantee][level]) if guarantee in SUB_LIMITS else total
        capped += min(total, cap)
        excess += max(Decimal(0), total - cap)
    loss = sum(totals.values(), Decimal(0))
    expected = capped - max(Decimal(0), min(Decimal(50), loss) - excess)
    assert settlement.indemnity == expected


@settings(max_examples=150, deadline=None)
@given(
    levels,
    zones,
    st.lists(st.tuples(medical, st.lists(money, min_size=1, max_size=3)), min_size=1, max_size=4),
)
def test_a_refused_line_keeps_what_was_claimed(
    level: str, zone: str, lines: list[tuple[str, list[Decimal]]]
) -> None:
    """Issue #14 point 8: the same lines refused (an insured over 75, Imaway 1.3)
    claim what they claim when paid; the total claimed is every expense."""
    items = [expense_line(g, amounts, str(i)) for i, (g, amounts) in enumerate(lines)]
    paid, refused = run(claim(level, zone, 40, items)), run(claim(level, zone, 76, items))
    assert refused.indemnity == 0
    assert [ln.claimed for ln in refused.lines()] == [ln.claimed for ln in paid.lines()]
    total = sum((a for _, amounts in lines for a in amounts), Decimal(0))
    assert refused.claimed == paid.claimed == total


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["C.locksmith", "C.plumber", "C.electrician"]),
    money,
    st.lists(money, max_size=3),
)
def test_repair_materials_never_change_what_a_home_repair_pays(
    guarantee: str, labour: Decimal, materials: list[Decimal]
) -> None:
    """Imaway C1: "tutti i costi relativi al materiale per la riparazione restano
    a carico dell'Assicurato": the call-out and labour up to €150, whatever the materials."""
    line = expense_line(guarantee, [labour])
    line["expenses"] += [
        {"amount": str(a), "date": "2026-03-04", "category": "materials"} for a in materials
    ]
    data = claim("top", "italia", 40, [line], cause="theft")
    data["event"]["country"] = "IT"
    result = next(iter(run(data).lines()))
    assert result.paid == min(labour, Decimal(150))
    assert result.claimed == labour + sum(materials, Decimal(0))
