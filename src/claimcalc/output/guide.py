"""A claim-writer's guide to a product: for every guarantee, what a claim line
needs (expenses, objects, facts or a ``loss_date``), the facts its rules read,
and an example.

Generated from the product file, so it cannot drift from the rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from claimcalc.facts import DERIVED_FACTS, FACTS, VALUE_LABELS, FactType
from claimcalc.i18n import N_, _, current_language
from claimcalc.money import format_eur
from claimcalc.product.model import (
    iter_fact_tests,
)
from claimcalc.product.schema import (
    AllOf,
    AnyOf,
    Condition,
    CoverEnds,
    DocumentedCost,
    FixedSum,
    Guarantee,
    Not,
    ObjectValues,
    PercentOfSumInsured,
    PriorAuthorisation,
    Product,
    ProRataTripCost,
    Requires,
    Section,
    UnitAllowance,
    WithinTimeOfEvent,
)

#: msgids (N_): translated where the guide is written, in the current language.
_HOW = {
    "documented_cost": N_("documented expenses (`expenses`)"),
    "object_values": N_("baggage objects at commercial value (`objects`)"),
    "unit_allowance": N_("a fixed sum per complete block of hours (fact `delay_hours`)"),
    "pro_rata_trip_cost": N_("trip cost pro rata (`trip.cost`, fact `unused_days`)"),
    "percent_of_sum_insured": N_("percentage of the sum insured (fact `invalidity_percent`)"),
    "fixed_sum": N_("the sum insured"),
}


def _eligibility(product: Product, section: Section, guarantee: Guarantee) -> Iterator[object]:
    """The eligibility rules a guarantee is settled under, as the engine's plan takes them."""
    yield from (*product.eligibility, *section.eligibility, *guarantee.eligibility)


def loss_window(
    product: Product, section: Section, guarantee: Guarantee
) -> WithinTimeOfEvent | None:
    """The time after the event a death or invalidity must occur in, read from the
    line's ``loss_date``: a ``within_time_of_event`` rule of a guarantee that does
    not pay documented costs (those apply it to each expense's date)."""
    if isinstance(guarantee.formula, DocumentedCost):
        return None
    return next(
        (r for r in _eligibility(product, section, guarantee) if isinstance(r, WithinTimeOfEvent)),
        None,
    )


def _loss_line(guarantee: Guarantee, rule: WithinTimeOfEvent) -> str:
    what = (
        _("the day the invalidity was established")
        if isinstance(guarantee.formula, PercentOfSumInsured)
        else _("the day of death")
    )
    if rule.days is not None:
        span = _("{n} days").format(n=rule.days)
    else:
        span = _("{n} years").format(n=rule.years)
    return _(
        "- Required: `loss_date`, {what}; it counts only within {span} of the event ({article})."
    ).format(what=what, span=span, article=rule.source.article)


def rule_conditions(
    product: Product, section: Section, guarantee: Guarantee
) -> Iterator[tuple[Any, Condition]]:
    """Every condition a guarantee is settled under, with the rule that holds it."""
    for owner in (product, section, guarantee):
        for rule in owner.eligibility:
            when = getattr(rule, "when", None)
            if when is not None:
                yield rule, when
        for exclusion in owner.exclusions:
            if owner is product and section.code in exclusion.not_for:
                continue
            yield exclusion, exclusion.when
            if exclusion.except_when is not None:
                yield exclusion, exclusion.except_when
    for owner_limits in (section.limits, guarantee.limits):
        for limit in owner_limits:
            if limit.applies_when is not None:
                yield limit, limit.applies_when
    for deductible in (*section.deductibles, *guarantee.deductibles):
        waived = getattr(deductible, "waived_when", None)
        if waived is not None:
            yield deductible, waived


def fact_rules(product: Product, section: Section, guarantee: Guarantee) -> dict[str, list[Any]]:
    """The claim facts a guarantee's rules read, each with the rules (each citing its
    ``source``) that read it: the one derivation behind the guide's "Facts read"
    and the questions ``claimcalc claim new`` asks."""
    found: dict[str, list[Any]] = {}

    def add(fact: str, rule: Any) -> None:
        rules = found.setdefault(fact, [])
        if rule not in rules:
            rules.append(rule)

    for rule, condition in rule_conditions(product, section, guarantee):
        for _path, test in iter_fact_tests(condition):
            add(test.fact, rule)
    formula = guarantee.formula
    if isinstance(formula, UnitAllowance):
        add(formula.units_fact, formula)
    elif isinstance(formula, PercentOfSumInsured):
        add(formula.percent_fact, formula)
    elif isinstance(formula, ProRataTripCost):
        add("unused_days", formula)
    if section.carrier_compensation is not None:  # taken off the section's loss (E4)
        add("carrier_compensation", section.carrier_compensation)
    for rule in (*section.eligibility, *guarantee.eligibility):
        if rule.kind == "prior_authorisation":
            add("authorised", rule)
    # Cover that ends at the first tourist service ends earlier when the trip has started.
    for rule in _eligibility(product, section, guarantee):
        if isinstance(rule, CoverEnds) and rule.at == "first_service":
            add("trip_started", rule)
    for derived in DERIVED_FACTS & found.keys():
        del found[derived]
    # The rule that makes a fact needed comes first (a requirement, a prior
    # authorisation, the formula; then the other eligibility rules), before an
    # exclusion, limit or deductible that merely reads it: the first is the reason
    # ``claim check`` and ``claim new`` cite, as the settlement does (Imaway E1, not 1.22 f).
    eligibility = list(_eligibility(product, section, guarantee))

    def rank(rule: Any) -> int:
        if isinstance(rule, Requires | PriorAuthorisation) or rule is formula:
            return 0
        return 1 if any(rule is r for r in eligibility) else 2

    return {fact: sorted(rules, key=rank) for fact, rules in found.items()}


def facts_read(product: Product, section: Section, guarantee: Guarantee) -> list[str]:
    """The claim facts a guarantee's rules test, sorted."""
    return sorted(fact_rules(product, section, guarantee))


def unpaid_categories(guarantee: Guarantee) -> list[str]:
    """The expense categories a guarantee does not pay: a limit of 0 on them (Imaway C1)."""
    return [
        c for lim in guarantee.limits if lim.applies_to and lim.amount == 0 for c in lim.applies_to
    ]


def _unpaid_line(guarantee: Guarantee) -> str:
    limit = next(lim for lim in guarantee.limits if lim.applies_to and lim.amount == 0)
    names = _(" or ").join(f'`"category": "{c}"`' for c in limit.applies_to)
    return _(
        "- Split the invoice: {limit} ({article}), so that part is an expense of its own "
        "({names}) and pays 0; the rest (call-out, labour, sending) is paid up to the limit."
    ).format(limit=limit.title or limit.id, article=limit.source.article, names=names)


def _penalty_line(guarantee: Guarantee) -> list[str]:
    """A cancellation reported late pays the penalty due on the event date (Wi School F7)."""
    rule = getattr(guarantee.formula, "penalty_at_event", None)
    if rule is None:
        return []
    return [
        _(
            "- Optional: `penalty_at_event` (EUR), the penalty due on the day of the event, "
            "beside the penalty charged: the lower is paid ({article})."
        ).format(article=rule.source.article)
    ]


def _meeting(condition: Condition, holds: bool = True) -> dict[str, Any]:
    """Facts under which ``condition`` holds (``holds``) or fails: the first way
    the condition offers; a set fact left unstated is the empty set."""
    if isinstance(condition, Not):
        return _meeting(condition.not_, not holds)
    if isinstance(condition, AllOf | AnyOf):
        members = condition.all if isinstance(condition, AllOf) else condition.any
        # "all" holds by all its members, "any" fails by all of them; else the first one.
        if isinstance(condition, AllOf) == holds:
            facts: dict[str, Any] = {}
            for member in members:
                facts.update(_meeting(member, holds))
            return facts
        return _meeting(members[0], holds)
    operator, operand = condition.operator, condition.operand
    if operator in ("has", "has_any"):  # not stating a set fact means the empty set
        return (
            {condition.fact: [operand[0] if isinstance(operand, tuple) else operand]}
            if holds
            else {}
        )
    if operator == "is":
        if holds or isinstance(operand, bool):
            return {condition.fact: operand if holds else not operand}
        return {}  # any other value would do: the writer states the true one
    if operator == "in":
        assert isinstance(operand, tuple)
        return {condition.fact: operand[0]} if holds else {}
    assert isinstance(operand, Decimal)
    # The bound itself where it is allowed, else one beyond it.
    inclusive = operator in ("ge", "le") if holds else operator in ("gt", "lt")
    upward = operator in ("gt", "ge") if holds else operator in ("lt", "le")
    value = operand if inclusive else operand + (1 if upward else -1)
    return {condition.fact: int(value) if value == value.to_integral_value() else str(value)}


def needed_facts(rules: Iterable[object]) -> dict[str, Any]:
    """Facts that meet the ``requires`` rules and prior authorisations among ``rules``:
    what an example line states so that its guarantee can pay."""
    facts: dict[str, Any] = {}
    for rule in rules:
        if isinstance(rule, Requires):
            facts.update(_meeting(rule.when))
        elif isinstance(rule, PriorAuthorisation):
            facts["authorised"] = True
    return facts


def example_line(
    guarantee: Guarantee, loss_date: bool = False, facts: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A claim line for the guarantee; ``loss_date``: with the day of death or
    invalidity; ``facts``: those its rules need to pay (:func:`needed_facts`)."""
    line: dict[str, Any] = {"id": "1", "guarantee": guarantee.code}
    if facts:
        line["facts"] = dict(sorted(facts.items()))
    formula = guarantee.formula
    if isinstance(formula, DocumentedCost):
        expense: dict[str, Any] = {"amount": "120.00", "currency": "EUR", "date": "2026-03-04"}
        if any(limit.scope.is_unit_rate for limit in guarantee.limits):
            expense["units"] = 2
        unpaid = unpaid_categories(guarantee)
        capped = [lim for lim in guarantee.limits if lim.applies_to and lim.amount != 0]
        if capped:
            expense["category"] = capped[0].applies_to[0]
        line["expenses"] = [expense]
        if unpaid:  # the invoice split: its unpaid part is an expense of its own
            line["expenses"].append(
                {"amount": "60.00", "currency": "EUR", "date": "2026-03-04", "category": unpaid[0]}
            )
    elif isinstance(formula, ObjectValues):
        line["objects"] = [
            {"label": "jacket", "value": "180.00", "date": "2026-03-04", "category": "clothing"}
        ]
    elif isinstance(formula, UnitAllowance):
        units = line.setdefault("facts", {})
        units[formula.units_fact] = max(17, units.get(formula.units_fact, 0))
    elif isinstance(formula, PercentOfSumInsured):
        line.setdefault("facts", {})[formula.percent_fact] = 8
    elif isinstance(formula, ProRataTripCost):
        line.setdefault("facts", {})["unused_days"] = 3
    elif isinstance(formula, FixedSum):
        pass
    if loss_date:
        line["loss_date"] = "2026-09-15"
    return line


_AFFECTED_PERSON = N_(
    "- `cause` says what happened and `affected_person` to whom (`insured`, `family_member`, …):"
    ' a family member\'s death is `"cause": "death", "affected_person": "family_member"`.'
)


def guide_example(product: Product, section: Section, guarantee: Guarantee) -> dict[str, Any]:
    """The guide's example line: with the facts the section's and guarantee's rules
    need to pay (the product-wide ones are the person's: :func:`person_facts`)."""
    window = loss_window(product, section, guarantee)
    facts = needed_facts((*section.eligibility, *guarantee.eligibility))
    return example_line(guarantee, window is not None, facts)


def person_facts(product: Product) -> dict[str, Any]:
    """The facts every insured person states for the product-wide rules to be met."""
    return dict(sorted(needed_facts(product.eligibility).items()))


def _presumed(product: Product, section: Section, guarantee: Guarantee) -> list[str]:
    """What the contract presumes of the unstated ``authorised`` (Imaway D2)."""
    rules = [
        r
        for r in (*section.eligibility, *guarantee.eligibility)
        if isinstance(r, PriorAuthorisation) and r.when_unstated is not None
    ]
    if not rules:
        return []
    above = min(r.above for r in rules)
    presumption = next(r.when_unstated for r in rules if r.above == above)
    assert presumption is not None
    presumed = _("authorised") if presumption.presumed else _("not authorised")
    if above == 0:
        expenses = _("its expenses")
    else:
        expenses = _("expenses above {amount}").format(amount=format_eur(above))
    return [
        _(
            '- Without `authorised`, {expenses} are presumed {presumed} ({article}: "{quote}").'
        ).format(
            expenses=expenses,
            presumed=presumed,
            article=presumption.source.article,
            quote=presumption.text,
        )
    ]


def claim_guide(product: Product) -> str:
    """Markdown: one entry per guarantee of the product."""
    person = person_facts(product)
    out = [
        _("# Claim lines for {name} ({edition})").format(
            name=product.name, edition=product.edition_label
        ),
        "",
        _(
            "Generated by `claimcalc products guide {id}` from `products/{id}/{edition}.yaml`."
        ).format(id=product.id, edition=product.edition),
        # TRANSLATORS: one paragraph, written on three lines as the Markdown source has it.
        _(
            "Facts go in `event.facts`, an insured person's `facts` or the line's `facts`\n"
            "(the line's win); their values are listed in `docs/claim-format.md`.\n"
            "Each example line states the facts its guarantee needs to pay; every insured\n"
            "person states {facts} in `facts` (the product-wide rules)."
        ).format(facts=json.dumps(person, ensure_ascii=False) if person else _("none")),
        "",
    ]
    for section in product.sections:
        levels = ", ".join(product.covered_levels(section))
        out += [
            f"## {section.code} — {section.title}",
            "",
            _("Levels: {levels}.").format(levels=levels),
            "",
        ]
        for guarantee in section.guarantees:
            facts = facts_read(product, section, guarantee)
            window = loss_window(product, section, guarantee)
            out += [
                f"### `{guarantee.code}` — {guarantee.title} ({guarantee.source.article})",
                "",
                _("- Kind: {kind}; settled on {how}.").format(
                    kind=guarantee.kind.value, how=_(_HOW[guarantee.formula.kind])
                ),
                _("- Facts read: {facts}.").format(
                    facts=", ".join(f"`{f}`" for f in facts) if facts else _("none")
                ),
                *([_loss_line(guarantee, window)] if window is not None else []),
                *([_(_AFFECTED_PERSON)] if "affected_person" in facts else []),
                *([_unpaid_line(guarantee)] if unpaid_categories(guarantee) else []),
                *_penalty_line(guarantee),
                *_presumed(product, section, guarantee),
                "",
                "```json",
                json.dumps(guide_example(product, section, guarantee), ensure_ascii=False),
                "```",
                "",
            ]
    if current_language() != "en":
        out += value_glossary(product)
    return "\n".join(out)


def value_glossary(product: Product) -> list[str]:
    """Markdown: each value of the enum and set facts the product's claims state, with
    what it is called. Only in a translated guide: the English one points to
    docs/claim-format.md, whose codes are English words already."""
    facts: set[str] = set()
    for section in product.sections:
        for guarantee in section.guarantees:
            facts.update(facts_read(product, section, guarantee))
            if isinstance(guarantee.formula, ObjectValues):
                facts.add("object_category")
    listed = [
        name
        for name in VALUE_LABELS
        if name in facts and FACTS[name].type in (FactType.ENUM, FactType.SET)
    ]
    if not listed:
        return []
    out = [
        _("## Values of the facts"),
        "",
        _("A claim states the code (on the left), never its name."),
        "",
    ]
    for name in listed:
        out += [f"### `{name}`", ""]
        out += [
            f"- `{code}` — {_(VALUE_LABELS[name][code])}" for code in sorted(FACTS[name].values)
        ]
        out.append("")
    return out
