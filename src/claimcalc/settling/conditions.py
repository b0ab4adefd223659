"""Evaluate product conditions against a claim's facts.

Three-valued: a fact the claim does not state is *unknown* (``None``), not
false, except ``circumstances``, where not stating any means there are none.
Callers decide what unknown means: an exclusion or a waiver whose condition
is unknown does not operate; a requirement whose condition is unknown makes
the claim incomplete.

Each condition is compiled once into one generated function, the whole tree
written out as statements (conditions live as long as their product): settling
many claims neither re-reads the rule objects nor calls a function per node.
:func:`reference` is the same reading node by node, the specification the
compiled functions are held to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from claimcalc.facts import FACTS, FactType
from claimcalc.money import to_decimal
from claimcalc.product.model import (
    AllOf,
    AnyOf,
    Condition,
    FactTest,
    Not,
)

Facts = Mapping[str, object]
Test = Callable[[Facts], bool | None]

# A tuple, built once: ``list | tuple`` in the isinstance call builds a union each time.
_COLLECTION = (list, tuple, set, frozenset)

# id(condition) → (condition, compiled); holding the condition keeps its id unique.
_COMPILED: dict[int, tuple[Condition, Test]] = {}
# (source, constants) → compiled: each load of a product (a batch run loads its
# own) makes new condition objects, whose tests are written already.
_WRITTEN: dict[tuple[object, ...], Test] = {}
# Entries each keeps at most: a long-lived process loads products again and
# again (each keeping its conditions alive here), and a product has some tens.
_KEPT = 4096


def reference(condition: Condition, facts: Facts) -> bool | None:
    """The condition read node by node, as docs/domain.md states it: the
    specification the compiled functions are tested against (tests/test_conditions.py).

    A fact the claim does not state is unknown (None), except a set fact (not
    stating any means none); "all" is false if any member is false, else unknown
    if any is unknown; "any" the mirror; "not" keeps unknown unknown.
    """
    if isinstance(condition, AllOf | AnyOf):
        decisive = isinstance(condition, AnyOf)
        results = [
            reference(c, facts)
            for c in (condition.any if isinstance(condition, AnyOf) else condition.all)
        ]
        if decisive in results:
            return decisive
        return None if None in results else not decisive
    if isinstance(condition, Not):
        inner = reference(condition.not_, facts)
        return None if inner is None else not inner
    spec = FACTS[condition.fact]
    value = facts.get(condition.fact)
    if value is None:
        if spec.type is not FactType.SET:
            return None
        value = []
    operator, operand = condition.operator, condition.operand
    if operator in ("has", "has_any"):
        wanted = set(operand) if isinstance(operand, tuple) else {operand}
        held = set(value) if isinstance(value, list) else {value}
        return bool(wanted & held)
    if operator == "is":
        return value == operand and isinstance(value, bool) == isinstance(operand, bool)
    if operator == "in":
        assert isinstance(operand, tuple)
        return value in operand
    assert isinstance(operand, Decimal) and isinstance(value, int | Decimal)
    return {
        "gt": value > operand,
        "ge": value >= operand,
        "lt": value < operand,
        "le": value <= operand,
    }[operator]


def evaluate(condition: Condition, facts: Facts) -> bool | None:
    return compiled(condition)(facts)


def compiled(condition: Condition) -> Test:
    """The condition as a function of the facts (compiled once, then kept)."""
    entry = _COMPILED.get(id(condition))
    if entry is None:
        if len(_COMPILED) >= _KEPT:
            _COMPILED.clear()
        entry = _COMPILED[id(condition)] = (condition, _compile(condition))
    return entry[1]


def _compile(condition: Condition) -> Test:
    """One generated function for the whole tree: no call per node. The same
    source with the same constants (types and values) is the same function:
    compiled once (Python's compiler is most of the cost)."""
    writer = _Writer()
    result = writer.node(condition, 1)
    source = "\n".join(["def test(facts):", *writer.lines, f"    return {result}"])
    key = (source, *((name, type(value), repr(value)) for name, value in writer.space.items()))
    test = _WRITTEN.get(key)
    if test is None:
        exec(source, writer.space)  # our own source, written from the condition tree
        test = writer.space["test"]
        if len(_WRITTEN) >= _KEPT:
            _WRITTEN.clear()
        _WRITTEN[key] = test
    return test


class _Writer:
    """Writes a condition as statements; each node's answer lands in a variable."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.space: dict[str, Any] = {
            "_COLLECTION": _COLLECTION,
            "_Decimal": Decimal,
            "_to_decimal": to_decimal,
        }
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, value: object) -> str:
        name = self.name("k")
        self.space[name] = value
        return name

    def write(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def node(self, condition: Condition, depth: int) -> str:
        """Write the node's statements at ``depth``; return the variable holding its answer."""
        if isinstance(condition, FactTest):
            return self.leaf(condition, depth)
        if isinstance(condition, Not):
            inner = self.node(condition.not_, depth)
            result = self.name("r")
            self.write(depth, f"{result} = None if {inner} is None else not {inner}")
            return result
        members = condition.all if isinstance(condition, AllOf) else condition.any
        # "all": False decides, "any": True decides; else unknown if any member is.
        decisive = isinstance(condition, AnyOf)
        result, decided, unknown = self.name("r"), self.name("d"), self.name("u")
        self.write(depth, f"{decided} = {unknown} = False")
        for k, member in enumerate(members):
            # A member is read only while none before it decided. Each sits one
            # level in, however many there are (Python allows 100 levels).
            level = depth
            if k:
                self.write(depth, f"if not {decided}:")
                level = depth + 1
            answer = self.node(member, level)
            self.write(level, f"if {answer} is {decisive}:")
            self.write(level + 1, f"{decided} = True")
            self.write(level, f"elif {answer} is None:")
            self.write(level + 1, f"{unknown} = True")
        self.write(
            depth, f"{result} = {decisive} if {decided} else None if {unknown} else {not decisive}"
        )
        return result

    def leaf(self, test: FactTest, depth: int) -> str:
        name, operator, operand = test.fact, test.operator, test.operand
        value, result = self.name("v"), self.name("r")
        # Not stating a set fact (circumstances) means the set is empty, not unknown.
        missing = "()" if FACTS[name].type is FactType.SET else "None"
        self.write(depth, f"{value} = facts.get({name!r}, {missing})")
        if operator in ("has", "has_any"):
            wanted = self.constant(
                frozenset(operand) if isinstance(operand, tuple) else frozenset({operand})
            )
            self.write(
                depth,
                f"{result} = not {wanted}.isdisjoint({value}) "
                f"if isinstance({value}, _COLLECTION) else {value} in {wanted}",
            )
            return result
        if operator == "is":
            # A boolean is not the number one, nor one the boolean.
            if isinstance(operand, bool):
                answer = f"{value} is {operand}"
            elif isinstance(operand, str):
                answer = f"{value} == {self.constant(operand)}"
            else:
                answer = f"{value} == {self.constant(operand)} and not isinstance({value}, bool)"
        elif operator == "in":
            allowed = self.constant(frozenset(operand if isinstance(operand, tuple) else ()))
            answer = f"{value} in {allowed}"
        else:
            assert isinstance(operand, Decimal)
            # Decimals compare exactly with ints: only text needs parsing.
            text = f"{value} is not None and type({value}) is not int"
            self.write(depth, f"if {text} and type({value}) is not _Decimal:")
            self.write(depth + 1, f"{value} = _to_decimal({value})")
            symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[operator]
            answer = f"{value} {symbol} {self.constant(operand)}"
        self.write(depth, f"{result} = None if {value} is None else {answer}")
        return result


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
