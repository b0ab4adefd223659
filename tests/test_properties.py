"""Properties of the matrix resolution and of decimal reading."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from claimcalc.product.load import load_product_text
from claimcalc.product.model import (
    Token,
    resolve_matrix,
)
from claimcalc.product.schema import (
    Franchigia,
)
from tests.conftest import FIXTURES

LEVELS = ("basic", "plus")
ZONES = ("italia", "europa", "mondo")

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
cells = st.one_of(amounts, st.sampled_from(list(Token)))


@given(cells)
def test_a_single_value_holds_for_every_level_and_zone(value: Decimal | Token) -> None:
    raw = value.value if isinstance(value, Token) else str(value)
    resolved, problems = resolve_matrix(raw, LEVELS, ZONES)
    assert problems == []
    assert set(resolved) == {(lv, z) for lv in LEVELS for z in ZONES}
    assert set(resolved.values()) == {value}


@given(
    st.fixed_dictionaries(
        {lv: st.fixed_dictionaries(dict.fromkeys(ZONES, amounts)) for lv in LEVELS}
    )
)
def test_a_full_matrix_resolves_cell_by_cell(matrix: dict[str, dict[str, Decimal]]) -> None:
    resolved, problems = resolve_matrix(matrix, LEVELS, ZONES)
    assert problems == []
    assert resolved == {(lv, z): matrix[lv][z] for lv in LEVELS for z in ZONES}


@given(st.fixed_dictionaries(dict.fromkeys(LEVELS, amounts)), st.sampled_from(LEVELS))
def test_a_missing_level_is_always_reported(matrix: dict[str, Decimal], drop: str) -> None:
    del matrix[drop]
    resolved, problems = resolve_matrix(matrix, LEVELS, ZONES)
    assert resolved == {}
    assert problems == [((), f"no value for level {drop!r}")]


@given(amounts.filter(lambda d: d > 0))
def test_negative_amounts_are_always_refused(value: Decimal) -> None:
    _, problems = resolve_matrix(str(-value), LEVELS, ZONES)
    assert problems == [((), f"must not be negative, got {-value}")]


BASE = (FIXTURES / "products" / "valid-minimal.yaml").read_text(encoding="utf-8")


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_a_yaml_amount_is_read_exactly_as_written(value: Decimal) -> None:
    text = f"{value:f}"
    loaded = load_product_text(BASE.replace("amount: 50", f"amount: {text}"))
    deductible = loaded.sections[0].deductibles[0]
    assert isinstance(deductible, Franchigia)
    assert str(deductible.amount) == text
