"""Compiled conditions give the answers of the plain three-valued reading.

Conditions are compiled into one generated function each; the reference
(``claimcalc.settling.conditions.reference``, beside the compiler) reads the
condition tree node by node as domain.md states it.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcalc.facts import FACTS, FactType
from claimcalc.product import model as rulebook
from claimcalc.product.catalog import load_rulebook
from claimcalc.product.model import (
    AllOf,
    AnyOf,
    Condition,
    FactTest,
    Not,
    iter_fact_tests,
    operator_attribute,
)
from claimcalc.settling import conditions
from claimcalc.settling.conditions import compiled, evaluate, reference
from tests.conftest import PRODUCT_IDS


def _conditions() -> list[Condition]:
    """Every condition of the shipped products, whole."""
    found: list[Condition] = []
    seen: set[int] = set()

    def walk(value: object) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, AllOf | AnyOf | Not | FactTest):
            found.append(value)
            return
        if isinstance(value, tuple | list):
            for item in value:
                walk(item)
        elif hasattr(value, "__dict__") and type(value).__module__ == rulebook.__name__:
            for item in vars(value).values():
                walk(item)

    products = [load_rulebook(ref) for ref in PRODUCT_IDS]
    for product in products:  # all alive while walked: an id is not reused
        walk(product)
    return found


CONDITIONS = _conditions()
TESTS = [t for c in CONDITIONS for _, t in iter_fact_tests(c)]


def _group(kind: type, members: list[Condition]) -> Condition:
    group: Any = object.__new__(kind)
    if kind is Not:
        group.not_ = members[0]
    else:
        setattr(group, "all" if kind is AllOf else "any", tuple(members))
    built: Condition = group
    return built


def _value(name: str) -> st.SearchStrategy[object]:
    spec = FACTS[name]
    operands = [t.operand for t in TESTS if t.fact == name]
    texts = sorted(spec.values | {o for op in operands for o in _texts(op)})
    if spec.type is FactType.BOOL:
        return st.booleans()
    if spec.type is FactType.ENUM:
        return st.sampled_from(texts)
    if spec.type is FactType.SET:
        return st.lists(st.sampled_from(texts), max_size=3, unique=True)
    numbers = [o for o in operands if isinstance(o, Decimal)]
    near = st.sampled_from(numbers).flatmap(
        lambda n: st.sampled_from([n - 1, n, n + 1, n - Decimal("0.01")])
    )
    plain = st.integers(-5, 200)
    drawn = st.one_of(plain, near) if numbers else plain
    if spec.type is FactType.INT:
        return drawn.map(int)
    return drawn.map(Decimal)


def _texts(operand: object) -> tuple[str, ...]:
    if isinstance(operand, tuple):
        return operand
    return (operand,) if isinstance(operand, str) else ()


NAMES = sorted({t.fact for t in TESTS})
facts_strategy = st.fixed_dictionaries({}, optional={name: _value(name) for name in NAMES})
conditions_strategy = st.recursive(
    st.sampled_from(CONDITIONS),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4).map(lambda m: _group(AllOf, m)),
        st.lists(inner, min_size=1, max_size=4).map(lambda m: _group(AnyOf, m)),
        inner.map(lambda c: _group(Not, [c])),
    ),
    max_leaves=12,
)


def test_the_shipped_products_have_conditions_of_every_kind() -> None:
    kinds = {type(c) for c in CONDITIONS} | {t.operator for t in TESTS}
    assert {AllOf, AnyOf, Not, FactTest, "is", "in", "has_any", "ge"} <= kinds


@settings(max_examples=400)
@given(st.sampled_from(CONDITIONS), facts_strategy)
def test_every_product_condition_reads_as_the_reference(
    condition: Condition, facts: dict[str, object]
) -> None:
    assert compiled(condition)(facts) is reference(condition, facts)


@settings(max_examples=400)
@given(conditions_strategy, facts_strategy)
def test_nested_groups_read_as_the_reference(
    condition: Condition, facts: dict[str, object]
) -> None:
    assert evaluate(condition, facts) is reference(condition, facts)


def test_an_unstated_set_fact_is_empty_not_unknown() -> None:
    has = next(t for t in TESTS if FACTS[t.fact].type is FactType.SET)
    assert evaluate(has, {}) is False
    assert evaluate(_group(Not, [has]), {}) is True


NUMERIC = [t for t in TESTS if isinstance(t.operand, Decimal)]


def test_the_shipped_products_compare_numbers() -> None:
    assert NUMERIC


@pytest.mark.parametrize("test", NUMERIC, ids=str)
@pytest.mark.parametrize("offset", [Decimal("-0.01"), Decimal(0), Decimal("0.01")])
def test_a_number_at_and_around_the_bound_reads_as_the_reference(
    test: FactTest, offset: Decimal
) -> None:
    assert isinstance(test.operand, Decimal)
    value: object = test.operand + offset
    if FACTS[test.fact].type is FactType.INT and offset == 0:
        value = int(test.operand)
    facts = {test.fact: value}
    assert compiled(test)(facts) is reference(test, facts)


def test_a_boolean_is_not_the_number_one() -> None:
    flag = next(t for t in TESTS if t.operator == "is" and t.operand is True)
    assert evaluate(flag, {flag.fact: 1}) is False
    assert evaluate(flag, {flag.fact: True}) is True


@settings(max_examples=50)
@given(st.sampled_from([AllOf, AnyOf]), facts_strategy)
def test_a_group_of_many_members_compiles_and_reads_as_the_reference(
    kind: type, facts: dict[str, object]
) -> None:
    # Python refuses code nested 100 levels deep: members must not nest.
    group = _group(kind, [TESTS[i % len(TESTS)] for i in range(150)])
    assert evaluate(group, facts) is reference(group, facts)


def test_a_product_loaded_again_finds_its_conditions_compiled() -> None:
    """Each batch run loads its product again: equal conditions, new objects,
    whose tests are the ones written already (Python's compiler not run again)."""
    for condition in CONDITIONS:
        again = copy.deepcopy(condition)
        assert again is not condition
        assert compiled(again) is compiled(condition)


def test_a_different_constant_is_a_different_test() -> None:
    test = NUMERIC[0]
    other = copy.deepcopy(test)
    attribute = operator_attribute(test.operator)
    setattr(other, attribute, getattr(test, attribute) + 1)
    assert compiled(other) is not compiled(test)
    bound = {test.fact: getattr(test, attribute)}
    assert compiled(other)(bound) is reference(other, bound)
    assert compiled(test)(bound) is reference(test, bound)


def test_the_compiled_conditions_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived process loads its products again and again: the tests kept,
    by condition and by source, stay within a bound (they grew by a product's
    conditions a run)."""
    monkeypatch.setattr(conditions, "_KEPT", 5)
    monkeypatch.setattr(conditions, "_COMPILED", {})
    monkeypatch.setattr(conditions, "_WRITTEN", {})
    facts = {t.fact: t.operand for t in TESTS if not isinstance(t.operand, tuple)}
    for _ in range(3):
        for condition in copy.deepcopy(CONDITIONS):
            assert compiled(condition)(facts) is reference(condition, facts)
            assert len(conditions._COMPILED) <= 5 and len(conditions._WRITTEN) <= 5
