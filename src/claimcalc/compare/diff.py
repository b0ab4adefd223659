"""What changed between two product editions, or two levels: a semantic diff.

Each side is flattened into facts keyed by what they are about — a limit's
amount in a zone, a deductible's percentage, a reporting deadline, an
exclusion's condition — never by their place in the file, so reordering or
reformatting a product file changes nothing. Every difference carries the
old and new value, both articles, and whether it gives more or less cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from claimcalc.errors import UsageError
from claimcalc.i18n import _
from claimcalc.product.catalog import check_level, load_product, split_level
from claimcalc.product.model import (
    Token,
)
from claimcalc.product.schema import (
    AllOf,
    AnyOf,
    Condition,
    Deductible,
    EligibilityRule,
    Exclusion,
    FactTest,
    Guarantee,
    Limit,
    Not,
    Product,
    Section,
)


class Effect(StrEnum):
    MORE_COVER = "more_cover"
    LESS_COVER = "less_cover"
    CHANGED = "changed"  # no direction: a condition, a wording


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    INCREASED = "increased"
    DECREASED = "decreased"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Fact:
    """One comparable fact of a product side."""

    value: object
    article: str
    section: str
    guarantee: str | None
    subject: str  # "limit D.zone", "franchigia", "reporting deadline from event"…
    field: str
    zone: str | None = None
    polarity: int = 0  # +1: larger gives more cover; -1: larger gives less; 0: no order
    unit: str = ""  # "eur", "hours", "days", "%": how to show the value
    zoned: bool = False  # one fact per zone


@dataclass(frozen=True, slots=True)
class Difference:
    section: str
    guarantee: str | None
    subject: str
    field: str
    zone: str | None
    old: object
    new: object
    old_article: str | None
    new_article: str | None
    change: Change
    effect: Effect
    unit: str = ""
    zoned: bool = False


@dataclass(frozen=True, slots=True)
class Side:
    product: Product
    level: str | None

    @property
    def label(self) -> str:
        return self.product.ref + (f":{self.level}" if self.level else "")

    @classmethod
    def load(cls, ref: str) -> Side:
        """The side a reference names: a product, edition or file, with ``:LEVEL`` or not.

        The level is checked by :func:`diff_products`.
        """
        product_ref, level = split_level(ref)
        return cls(load_product(product_ref), level)


@dataclass(frozen=True, slots=True)
class ProductDiff:
    old: Side
    new: Side
    differences: tuple[Difference, ...]

    @property
    def equivalent(self) -> bool:
        return not self.differences


def diff_products(
    old: Product, new: Product, old_level: str | None = None, new_level: str | None = None
) -> ProductDiff:
    """Every difference in cover between two products, or two levels of them.

    Give a level on both sides (``imaway:easy`` vs ``imaway:top``) or on
    neither (two editions: every level is compared with the level of the
    same name).
    """
    if (old_level is None) != (new_level is None):
        raise UsageError(_("give a level on both sides of the diff, or on neither"))
    for product, level in ((old, old_level), (new, new_level)):
        if level is not None:
            check_level(product, level)
    before = dict(_facts(old, old_level))
    after = dict(_facts(new, new_level))
    items_before = {_item(k) for k in before}
    items_after = {_item(k) for k in after}
    differences: list[Difference] = []
    reported: set[Key] = set()
    for key in sorted(before.keys() | after.keys(), key=_sort_key(before, after)):
        if _value(before.get(key)) == _value(after.get(key)):
            continue
        fact = after.get(key) or before[key]
        guarantee = ("guarantee", fact.guarantee) if fact.guarantee else None
        item = _item(key)
        if (
            guarantee
            and item != guarantee
            and (guarantee in items_before) != (guarantee in items_after)
        ):
            continue  # part of a guarantee added or removed: reported with it
        if (item in items_before) != (item in items_after) and item[0] != "cover":
            if item not in reported:  # a whole item added or removed: once
                reported.add(item)
                differences.append(_presence(item, fact, added=item in items_after))
            continue
        differences.append(_difference(key, before.get(key), after.get(key)))
    zones = set(old.zone_ids) | set(new.zone_ids)
    return ProductDiff(Side(old, old_level), Side(new, new_level), _merge_zones(differences, zones))


def _merge_zones(differences: list[Difference], zones: set[str]) -> tuple[Difference, ...]:
    """One entry for a change that is the same in several zones (``None``: in all)."""
    groups: dict[tuple[object, ...], list[Difference]] = {}
    for difference in differences:
        key = (
            difference.section,
            difference.guarantee,
            difference.subject,
            difference.field,
            repr(difference.old),
            repr(difference.new),
            difference.old_article,
            difference.new_article,
        )
        groups.setdefault(key, []).append(difference)
    merged = []
    for group in groups.values():
        first = group[0]
        if first.zone is None:
            merged.extend(group)
            continue
        covered = {d.zone for d in group}
        zone = None if covered == zones else ", ".join(sorted(z for z in covered if z))
        merged.append(replace(first, zone=zone))
    return tuple(merged)


# --------------------------------------------------------------------------- flattening

Key = tuple[str, ...]


def _facts(product: Product, level: str | None) -> Iterator[tuple[Key, Fact]]:
    levels = [level] if level is not None else list(product.level_ids)
    tag = (lambda lv: ()) if level is not None else (lambda lv: (f"level {lv}",))
    yield from _rules(product, None, None, product.eligibility, product.exclusions, (), levels, tag)
    for alternative in product.alternatives:
        yield (
            ("alternative", *sorted(alternative.guarantees)),
            Fact(
                f"{alternative.rule} ({alternative.scope})",
                alternative.source.article,
                "—",
                None,
                "alternative " + " / ".join(sorted(alternative.guarantees)),
                "rule",
            ),
        )
    yield (
        ("currency", "fallback_days"),
        Fact(
            product.currency.fallback_days,
            product.currency.source.article,
            "—",
            None,
            "currency conversion",
            "days back to the last ECB fixing",
            polarity=+1,
        ),
    )
    for section in product.sections:
        for lv in levels:
            covered = lv in product.covered_levels(section)
            yield (
                ("cover", section.code, *tag(lv)),
                Fact(
                    covered,
                    section.source.article,
                    section.code,
                    None,
                    _tagged(f"section {section.code} {section.title}", tag(lv)),
                    "covered",
                    polarity=+1,
                ),
            )
        yield from _limits(product, section, None, section.limits, levels, tag)
        if section.carrier_compensation is not None:  # its absence: no such fact
            yield (
                ("carrier_compensation", section.code),
                Fact(
                    "taken off the loss once",
                    section.carrier_compensation.source.article,
                    section.code,
                    None,
                    f"section {section.code} carrier's compensation",
                    "rule",
                ),
            )
        yield from _rules(
            product,
            section,
            None,
            section.eligibility,
            section.exclusions,
            section.deductibles,
            levels,
            tag,
        )
        for guarantee in section.guarantees:
            yield from _guarantee(product, section, guarantee, levels, tag)


def _guarantee(
    product: Product, section: Section, guarantee: Guarantee, levels: list[str], tag: Any
) -> Iterator[tuple[Key, Fact]]:
    code, article = guarantee.code, guarantee.source.article
    yield ("guarantee", code), Fact(guarantee.title, article, section.code, code, code, "exists")
    yield (
        ("guarantee", code, "kind"),
        Fact(guarantee.kind.value, article, section.code, code, code, "kind"),
    )
    for lv in levels:
        yield (
            ("cover", code, *tag(lv)),
            Fact(
                lv in product.covered_levels(section, guarantee),
                article,
                section.code,
                code,
                _tagged(code, tag(lv)),
                "covered",
                polarity=+1,
            ),
        )
    formula = guarantee.formula.model_dump(exclude={"source", "reading", "note", "discrepancy"})
    for name, value in sorted(formula.items()):
        article = guarantee.formula.source.article
        polarity = _FORMULA_POLARITY.get(name, 0)
        option = getattr(guarantee.formula, name, None)
        if name in _FORMULA_OPTIONS:  # an option with its own provenance: on or off
            value = option is not None
            if option is not None:
                article = option.source.article
        yield (
            ("formula", code, name),
            Fact(
                _plain(value) if not isinstance(value, bool) else value,
                article,
                section.code,
                code,
                f"formula of {code}",
                name,
                polarity=polarity,
            ),
        )
    yield from _limits(product, section, guarantee, guarantee.limits, levels, tag)
    yield from _rules(
        product,
        section,
        guarantee,
        guarantee.eligibility,
        guarantee.exclusions,
        guarantee.deductibles,
        levels,
        tag,
    )


def _limits(
    product: Product,
    section: Section,
    guarantee: Guarantee | None,
    limits: Iterable[Limit],
    levels: list[str],
    tag: Any,
) -> Iterator[tuple[Key, Fact]]:
    code = guarantee.code if guarantee else None
    for limit in limits:
        subject = f"limit {limit.id}" + (f" ({limit.title})" if limit.title else "")
        base = Fact(None, limit.source.article, section.code, code, subject, "")
        for lv in levels:
            for zone in product.zone_ids:
                cells = [("amount", product.limit_amount(limit.id, lv, zone), limit.unit.value)]
                units = product.limit_max_units(limit.id, lv, zone)
                if units is not None:
                    cells.append(("max units", units, ""))
                for name, value, unit in cells:
                    yield (
                        ("limit", limit.id, name.replace(" ", "_"), *tag(lv), zone),
                        replace(
                            base,
                            value=value,
                            field=_tagged(name, tag(lv)),
                            zone=zone,
                            polarity=+1,
                            unit=unit,
                            zoned=True,
                        ),
                    )
        yield ("limit", limit.id, "scope"), replace(base, value=limit.scope.value, field="scope")
        yield ("limit", limit.id, "unit"), replace(base, value=limit.unit.value, field="unit")
        for name in ("parent", "block_hours", "percent_of_parent", "applies_when", "applies_to"):
            value = getattr(limit, name)
            if value not in (None, ()):
                polarity = (
                    +1 if name == "percent_of_parent" else (-1 if name == "block_hours" else 0)
                )
                yield (
                    ("limit", limit.id, name),
                    replace(
                        base,
                        value=_plain(value),
                        field=name.replace("_", " "),
                        polarity=polarity,
                        unit="%" if name == "percent_of_parent" else "",
                    ),
                )


_POLARITY = {
    # larger means more cover (+1) or less (-1)
    "amount": -1,
    "percent": -1,
    "minimum": -1,  # deductibles
    "age": +1,
    "days": +1,
    "hours": +1,
    "years": +1,
    "duration_months": +1,
    "above": +1,
    "days_after_return": +1,
}


def _rules(
    product: Product,
    section: Section | None,
    guarantee: Guarantee | None,
    eligibility: Iterable[EligibilityRule],
    exclusions: Iterable[Exclusion],
    deductibles: Iterable[Deductible],
    levels: list[str],
    tag: Any,
) -> Iterator[tuple[Key, Fact]]:
    owner = guarantee.code if guarantee else (section.code if section else "product")
    where = section.code if section else "—"
    code = guarantee.code if guarantee else None
    for deductible in deductibles:
        data = _fields(deductible)
        for name, value in sorted(data.items()):
            if value is None:
                continue
            polarity = _POLARITY.get(name, 0) if name != "per" else 0
            if deductible.kind == "invalidity_threshold" and name == "percent":
                polarity = -1
            yield (
                ("deductible", owner, deductible.kind, name),
                Fact(
                    _plain(value),
                    deductible.source.article,
                    where,
                    code,
                    f"{deductible.kind} ({owner})",
                    name.replace("_", " "),
                    polarity=polarity,
                    unit={"amount": "eur", "minimum": "eur", "percent": "%"}.get(name, ""),
                ),
            )
    seen: dict[tuple[str, ...], int] = {}
    for rule in eligibility:
        data = _fields(rule)
        discriminator = _rule_key(rule, data)
        index = seen.get(discriminator, 0)
        seen[discriminator] = index + 1
        name_of_rule = (
            f"requires: {data['text']}" if rule.kind == "requires" else " ".join(discriminator)
        )
        subject = name_of_rule.replace("_", " ") + f" ({owner})"
        key_base = ("eligibility", owner, *discriminator, str(index))
        if not data:
            yield (
                (*key_base, "present"),
                Fact(True, rule.source.article, where, code, subject, "applies"),
            )
        for name, value in sorted(data.items()):
            if value is None or name in {"from"} or (rule.kind == "requires" and name == "text"):
                continue
            polarity = _POLARITY.get(name, 0)
            if rule.kind == "waiting_period" and name == "days":
                polarity = -1
            yield (
                (*key_base, name),
                Fact(
                    _plain(value),
                    rule.source.article,
                    where,
                    code,
                    subject,
                    name.replace("_", " "),
                    polarity=polarity,
                ),
            )
    for exclusion in exclusions:
        subject = f"exclusion {exclusion.id} ({owner})"
        article = exclusion.source.article
        base = ("exclusion", owner, exclusion.id)
        yield (
            (*base, "when"),
            Fact(
                canonical(exclusion.when),
                article,
                where,
                code,
                subject,
                "excludes when",
                polarity=-1,
            ),
        )
        if exclusion.except_when is not None:
            yield (
                (*base, "except_when"),
                Fact(
                    canonical(exclusion.except_when), article, where, code, subject, "except when"
                ),
            )
        if exclusion.not_for:
            yield (
                (*base, "not_for"),
                Fact(
                    ",".join(sorted(exclusion.not_for)),
                    article,
                    where,
                    code,
                    subject,
                    "not for sections",
                ),
            )
        if exclusion.exception_limit is not None:
            yield (
                (*base, "exception_limit"),
                Fact(
                    exclusion.exception_limit,
                    article,
                    where,
                    code,
                    subject,
                    "exception limit",
                    polarity=+1,
                    unit="eur",
                ),
            )


_NOT_COMPARED = frozenset({"source", "reading", "note", "discrepancy", "kind"})


def _fields(rule: Deductible | EligibilityRule) -> dict[str, Any]:
    """A rule's fields by their names in the file, values kept as objects."""
    return {
        (info.alias or name): getattr(rule, name)
        for name, info in type(rule).model_fields.items()
        if name not in _NOT_COMPARED
    }


def _rule_key(rule: EligibilityRule, data: dict[str, Any]) -> tuple[str, ...]:
    if rule.kind == "reporting_deadline":
        return (rule.kind, f"from {data['from']}")
    if rule.kind == "requires":
        return (rule.kind, canonical(data["when"]))
    if rule.kind == "max_age" and data.get("roles"):
        return (rule.kind, "/".join(sorted(data["roles"])))
    return (rule.kind,)


# --------------------------------------------------------------------------- comparing


def canonical(condition: Condition) -> str:
    """A condition's text with values and parts sorted: order means nothing there."""
    if isinstance(condition, FactTest):
        operand = condition.operand
        if isinstance(operand, tuple):
            operand = "[" + ", ".join(sorted(operand)) + "]"
        elif isinstance(operand, bool):
            operand = str(operand).lower()
        return f"{condition.fact} {condition.operator} {operand}"
    if isinstance(condition, AllOf | AnyOf):
        word = " and " if isinstance(condition, AllOf) else " or "
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        return "(" + word.join(sorted(canonical(c) for c in parts)) + ")"
    return f"not {canonical(condition.not_)}"


def _item(key: Key) -> Key:
    """The rule a fact belongs to: added or removed whole, it is reported once."""
    kind = key[0]
    if kind == "limit":
        return key[:2]
    if kind in ("deductible", "exclusion"):
        return key[:3]
    if kind == "eligibility":
        return key[:-1]
    if kind in ("guarantee", "formula"):
        return ("guarantee", key[1])
    return key


#: Formula options that are rules of their own (a source, a note): compared on
#: or off, their notes are documentation.
_FORMULA_OPTIONS = frozenset({"penalty_at_event"})

#: Formula options that, switched on, give less cover (-1).
_FORMULA_POLARITY = {"penalty_at_event": -1, "proportional_to_insured_value": -1}


# Adding one of these gives more cover (+1) or less (-1).
_ADDED_EFFECT = {
    "guarantee": +1,
    "exclusion": -1,
    "deductible": -1,
    "limit": -1,
    "eligibility": -1,
    "alternative": -1,
}


def _presence(item: Key, fact: Fact, added: bool) -> Difference:
    sign = _ADDED_EFFECT.get(item[0], 0) * (1 if added else -1)
    effect = Effect.MORE_COVER if sign > 0 else (Effect.LESS_COVER if sign < 0 else Effect.CHANGED)
    subject = fact.guarantee if item[0] == "guarantee" and fact.guarantee else fact.subject
    present = "present"
    return Difference(
        section=fact.section,
        guarantee=fact.guarantee,
        subject=subject,
        field="exists",
        zone=None,
        old=None if added else present,
        new=present if added else None,
        old_article=None if added else fact.article,
        new_article=fact.article if added else None,
        change=Change.ADDED if added else Change.REMOVED,
        effect=effect,
    )


def _plain(value: object) -> object:
    if isinstance(value, AllOf | AnyOf | FactTest | Not):
        return canonical(value)
    if isinstance(value, list | tuple):
        return ", ".join(sorted(str(_plain(v)) for v in value))
    if isinstance(value, dict):
        return str(value)
    if hasattr(value, "value") and isinstance(value, StrEnum):
        return value.value
    return str(value) if not isinstance(value, bool | int | Decimal | Token) else value


def _value(fact: Fact | None) -> object:
    return None if fact is None else fact.value


def _tagged(text: str, tag: tuple[str, ...]) -> str:
    return f"{text} ({tag[0]})" if tag else text


def _rank(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if value in (Token.UNLIMITED, Token.INCLUDED, Token.NOT_APPLICABLE):
        return Decimal("Infinity")
    if value is Token.NOT_COVERED:
        return Decimal(-1)
    return None


def _difference(key: Key, old: Fact | None, new: Fact | None) -> Difference:
    fact = new or old
    assert fact is not None
    if old is None or new is None:
        change = Change.ADDED if old is None else Change.REMOVED
        effect = Effect.CHANGED
        if fact.field == "exists":  # a guarantee added gives more cover
            effect = Effect.MORE_COVER if old is None else Effect.LESS_COVER
        elif fact.field == "excludes when":  # an exclusion added gives less
            effect = Effect.LESS_COVER if old is None else Effect.MORE_COVER
    else:
        a, b = _rank(old.value), _rank(new.value)
        if a is not None and b is not None and a != b and fact.polarity:
            change = Change.INCREASED if b > a else Change.DECREASED
            better = (b > a) == (fact.polarity > 0)
            effect = Effect.MORE_COVER if better else Effect.LESS_COVER
        else:
            change, effect = Change.CHANGED, Effect.CHANGED
    return Difference(
        section=fact.section,
        guarantee=fact.guarantee,
        subject=fact.subject,
        field=fact.field,
        zone=fact.zone,
        old=None if old is None else old.value,
        new=None if new is None else new.value,
        old_article=None if old is None else old.article,
        new_article=None if new is None else new.article,
        change=change,
        effect=effect,
        unit=fact.unit,
        zoned=fact.zoned,
    )


def _sort_key(before: dict[Key, Fact], after: dict[Key, Fact]) -> Any:
    def key(k: Key) -> tuple[str, str, Key]:
        fact = after.get(k) or before[k]
        return (fact.section, fact.guarantee or "", k)

    return key
