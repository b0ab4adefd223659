"""Evaluate product conditions against a claim's facts.

Three-valued: a fact the claim does not state is *unknown* (``None``), not
false, except ``circumstances``, where not stating any means there are none.
Callers decide what unknown means: an exclusion or a waiver whose condition
is unknown does not operate; a requirement whose condition is unknown makes
the claim incomplete.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from claimcalc.facts import FACTS, FactType
from claimcalc.money import to_decimal
from claimcalc.rules import AllOf, AnyOf, Condition, FactTest

Facts = Mapping[str, object]


def evaluate(condition: Condition, facts: Facts) -> bool | None:
    if isinstance(condition, FactTest):
        return _test(condition, facts)
    if isinstance(condition, AllOf):
        results = [evaluate(c, facts) for c in condition.all]
        if False in results:
            return False
        return None if None in results else True
    if isinstance(condition, AnyOf):
        results = [evaluate(c, facts) for c in condition.any]
        if True in results:
            return True
        return None if None in results else False
    inner = evaluate(condition.not_, facts)
    return None if inner is None else not inner


def unknown_facts(condition: Condition, facts: Facts) -> Iterator[str]:
    """Facts the condition tests that the claim does not state."""
    if isinstance(condition, FactTest):
        if _value(condition.fact, facts) is None:
            yield condition.fact
    elif isinstance(condition, AllOf | AnyOf):
        for child in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from unknown_facts(child, facts)
    else:
        yield from unknown_facts(condition.not_, facts)


def _value(name: str, facts: Facts) -> object:
    value = facts.get(name)
    if value is None and FACTS[name].type is FactType.SET:
        return ()
    return value


def _test(test: FactTest, facts: Facts) -> bool | None:
    value = _value(test.fact, facts)
    if value is None:
        return None
    operator, operand = test.operator, test.operand
    if operator == "is":
        return value == operand and isinstance(value, bool) == isinstance(operand, bool)
    if operator == "in":
        assert isinstance(operand, tuple)
        return value in operand
    if operator == "has":
        return operand in _as_set(value)
    if operator == "has_any":
        assert isinstance(operand, tuple)
        return bool(_as_set(value) & set(operand))
    number = to_decimal(value)
    assert isinstance(operand, Decimal)
    return {
        "gt": number > operand,
        "ge": number >= operand,
        "lt": number < operand,
        "le": number <= operand,
    }[operator]


def _as_set(value: object) -> set[object]:
    return set(value) if isinstance(value, list | tuple | set | frozenset) else {value}
