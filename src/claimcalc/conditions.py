"""Evaluate product conditions against a claim's facts.

Three-valued: a fact the claim does not state is *unknown* (``None``), not
false, except ``circumstances``, where not stating any means there are none.
Callers decide what unknown means: an exclusion or a waiver whose condition
is unknown does not operate; a requirement whose condition is unknown makes
the claim incomplete.

Each condition is compiled once into a closure (conditions live as long as
their product), so settling many claims does not re-read the rule objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal

from claimcalc.facts import FACTS, FactType
from claimcalc.money import to_decimal
from claimcalc.rulebook import (
    AllOf,
    AnyOf,
    Condition,
    FactTest,
)

Facts = Mapping[str, object]
Test = Callable[[Facts], bool | None]

# id(condition) → (condition, compiled); holding the condition keeps its id unique.
_COMPILED: dict[int, tuple[Condition, Test]] = {}


def evaluate(condition: Condition, facts: Facts) -> bool | None:
    return compiled(condition)(facts)


def compiled(condition: Condition) -> Test:
    """The condition as a function of the facts (compiled once, then kept)."""
    entry = _COMPILED.get(id(condition))
    if entry is None:
        entry = _COMPILED[id(condition)] = (condition, _compile(condition))
    return entry[1]


def _compile(condition: Condition) -> Test:
    if isinstance(condition, FactTest):
        return _compile_test(condition)
    if isinstance(condition, AllOf | AnyOf):
        children = [
            _compile(c) for c in (condition.all if isinstance(condition, AllOf) else condition.any)
        ]
        decisive = isinstance(condition, AnyOf)  # any: True decides; all: False decides

        def group(facts: Facts) -> bool | None:
            unknown = False
            for child in children:
                result = child(facts)
                if result is decisive:
                    return decisive
                if result is None:
                    unknown = True
            return None if unknown else not decisive

        return group
    inner = _compile(condition.not_)

    def negate(facts: Facts) -> bool | None:
        result = inner(facts)
        return None if result is None else not result

    return negate


def _compile_test(test: FactTest) -> Test:
    name, operator, operand = test.fact, test.operator, test.operand
    # Not stating a set fact (circumstances) means the set is empty, not unknown.
    missing: object = () if FACTS[name].type is FactType.SET else None
    if operator in ("has", "has_any"):
        wanted = frozenset(operand) if isinstance(operand, tuple) else frozenset({operand})
        return lambda facts: _has_any(facts.get(name, missing), wanted)
    if operator == "is":
        want_bool = isinstance(operand, bool)
        return lambda facts: (
            None
            if (v := facts.get(name, missing)) is None
            else v == operand and isinstance(v, bool) == want_bool
        )
    if operator == "in":
        allowed = frozenset(operand) if isinstance(operand, tuple) else frozenset()
        return lambda facts: None if (v := facts.get(name, missing)) is None else v in allowed
    assert isinstance(operand, Decimal)
    compare: Callable[[Decimal | int], bool] = {
        "gt": operand.__lt__,  # fact > operand  ⇔  operand < fact
        "ge": operand.__le__,
        "lt": operand.__gt__,
        "le": operand.__ge__,
    }[operator]
    return lambda facts: None if (v := facts.get(name, missing)) is None else compare(_number(v))


def unknown_facts(condition: Condition, facts: Facts) -> Iterator[str]:
    """Facts the condition tests that the claim does not state."""
    if isinstance(condition, FactTest):
        if facts.get(condition.fact) is None and FACTS[condition.fact].type is not FactType.SET:
            yield condition.fact
    elif isinstance(condition, AllOf | AnyOf):
        for child in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from unknown_facts(child, facts)
    else:
        yield from unknown_facts(condition.not_, facts)


def _number(value: object) -> Decimal | int:
    # Decimals compare exactly with ints: only text needs parsing.
    if type(value) is int or type(value) is Decimal:
        return value
    return to_decimal(value)


# A tuple, built once: ``list | tuple`` in the isinstance call builds a union each time.
_COLLECTION = (list, tuple, set, frozenset)


def _has_any(value: object, wanted: frozenset[object]) -> bool:
    """Whether a set fact (or a single value) holds any of ``wanted``."""
    if isinstance(value, _COLLECTION):
        return not wanted.isdisjoint(value)
    return value in wanted
