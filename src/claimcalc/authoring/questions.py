"""What writing a claim for a product, level and guarantees asks, derived from the product.

The facts a guarantee's rules read come from :func:`claimcalc.output.guide.fact_rules`
(the derivation behind the guide's "Facts read"), each with the rules, and so the
articles, that read it. The answers are checked with the claim format's own field
declarations (:mod:`claimcalc.claim.model`) and the personal-data screen
(:mod:`claimcalc.claim.personal`): what the interview accepts, the readers accept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from claimcalc.claim.model import (
    FACT_DECIMAL,
    MAX_FACT_INT,
    REF_FORM,
    FieldSpec,
    fields_of,
)
from claimcalc.claim.personal import message as personal_data
from claimcalc.claim.values import Invalid, converter, decimal_within
from claimcalc.errors import UsageError
from claimcalc.facts import FACTS, FactLevel, FactType
from claimcalc.i18n import _
from claimcalc.output.guide import fact_rules, loss_window, unpaid_categories
from claimcalc.product.model import iter_fact_tests
from claimcalc.product.schema import (
    DocumentedCost,
    FixedSum,
    Guarantee,
    ObjectValues,
    PercentOfSumInsured,
    PriorAuthorisation,
    Product,
    ProRataTripCost,
    Requires,
    Section,
    UnitAllowance,
)
from claimcalc.settling.plan import ProductPlan

# --------------------------------------------------------------------------- why a question


@dataclass(frozen=True, slots=True)
class Reason:
    """A rule behind a question: its article, and its own words where the product quotes them."""

    article: str
    quote: str | None

    def text(self) -> str:
        return f"{self.article}: «{self.quote}»" if self.quote else self.article


def reason_of(rule: Any) -> Reason:
    source = rule.source
    presumed = getattr(rule, "when_unstated", None)  # Imaway D2: the contract's presumption
    quote = (
        getattr(rule, "text", None)
        or source.table
        or getattr(rule, "title", None)
        or (presumed and presumed.text)
    )
    return Reason(str(source.article), quote)


# --------------------------------------------------------------------------- fact questions

#: Object-level facts are the objects' own fields, asked with each object.
OBJECT_FIELDS = {
    "object_category": "category",
    "object_checked_in": "checked_in",
    "object_left_in_vehicle": "left_in_vehicle",
    "object_secured_in_vehicle": "secured_in_vehicle",
}


@dataclass(frozen=True, slots=True)
class FactQuestion:
    """One fact a guarantee's rules read."""

    fact: str
    type: FactType
    description: str
    #: the values to choose from: an enumerated fact's values; a set fact's, those its
    #: rules test (any other changes nothing)
    choices: tuple[str, ...]
    #: a requirement, a prior authorisation or the formula reads it: without it the
    #: claim is incomplete (exit 3) or the line refused
    required: bool
    reasons: tuple[Reason, ...]


def _set_values(fact: str, rules: Iterable[Any], product: Product) -> tuple[str, ...]:
    tested: set[str] = set()
    for rule in rules:
        conditions = [getattr(rule, n, None) for n in ("when", "except_when", "applies_when")]
        conditions.append(getattr(rule, "waived_when", None))
        for condition in conditions:
            if condition is None:
                continue
            for _path, test in iter_fact_tests(condition):
                if test.fact != fact:
                    continue
                operand = test.operand
                tested.update(operand if isinstance(operand, tuple) else [str(operand)])
    return tuple(sorted(tested & FACTS[fact].values))


def _required(fact: str, rules: Iterable[Any], guarantee: Guarantee) -> bool:
    if FACTS[fact].type is FactType.SET:
        return False  # not stating a set fact states the empty set
    for rule in rules:
        if isinstance(rule, Requires | PriorAuthorisation):
            return True
        if rule is guarantee.formula:
            return True
    return False


def fact_questions(product: Product, section: Section, guarantee: Guarantee) -> list[FactQuestion]:
    """The claim-level facts a guarantee's rules read, in the guide's order (by name)."""
    out = []
    for fact, rules in sorted(fact_rules(product, section, guarantee).items()):
        spec = FACTS[fact]
        if spec.level is FactLevel.OBJECT:
            continue
        if spec.type is FactType.SET:
            choices = _set_values(fact, rules, product)
        elif spec.type is FactType.ENUM:
            choices = tuple(sorted(spec.values))
        else:
            choices = ()
        reasons = tuple(dict.fromkeys(reason_of(rule) for rule in rules))
        out.append(
            FactQuestion(
                fact,
                spec.type,
                spec.description,
                choices,
                _required(fact, rules, guarantee),
                reasons,
            )
        )
    return out


def object_fields(product: Product, section: Section, guarantee: Guarantee) -> list[str]:
    """The baggage-object flags a guarantee's rules read (its objects' other fields)."""
    read = fact_rules(product, section, guarantee)
    return [name for fact, name in OBJECT_FIELDS.items() if fact in read and name != "category"]


# --------------------------------------------------------------------------- what a line holds


@dataclass(frozen=True, slots=True)
class LineNeeds:
    """What a claim line for one guarantee states, besides its facts."""

    code: str
    title: str
    article: str
    expenses: bool = False
    units: bool = False  # each expense's days, nights or hours (a per-unit limit)
    categories: tuple[str, ...] = ()  # expense categories its limits name
    objects: bool = False
    loss_date: bool = False
    loss_article: str = ""  # the rule that reads loss_date (Imaway L8)
    penalty_at_event: bool = False


def line_needs(product: Product, section: Section, guarantee: Guarantee) -> LineNeeds:
    formula = guarantee.formula
    code, title, article = guarantee.code, guarantee.title, str(guarantee.source.article)
    rule = loss_window(product, section, guarantee)
    window = rule is not None
    loss_article = str(rule.source.article) if rule is not None else ""
    if isinstance(formula, DocumentedCost):
        named = [c for lim in guarantee.limits if lim.applies_to for c in lim.applies_to]
        categories = tuple(dict.fromkeys([*named, *unpaid_categories(guarantee), "other"]))
        return LineNeeds(
            code,
            title,
            article,
            expenses=True,
            units=any(lim.scope.is_unit_rate for lim in guarantee.limits),
            categories=categories,
            loss_date=window,
            loss_article=loss_article,
            penalty_at_event=formula.penalty_at_event is not None,
        )
    if isinstance(formula, ObjectValues):
        return LineNeeds(
            code, title, article, objects=True, loss_date=window, loss_article=loss_article
        )
    assert isinstance(formula, UnitAllowance | PercentOfSumInsured | ProRataTripCost | FixedSum)
    return LineNeeds(code, title, article, loss_date=window, loss_article=loss_article)


def covered(product: Product, level: str) -> list[tuple[Section, Guarantee]]:
    """The guarantees a level includes, in the product's order."""
    return [
        (section, guarantee)
        for section in product.sections
        for guarantee in section.guarantees
        if level in product.covered_levels(section, guarantee)
    ]


def chosen(product: Product, level: str, codes: Iterable[str]) -> list[tuple[Section, Guarantee]]:
    """The guarantees named, each checked: known to the product and included at the level."""
    included = {g.code: (s, g) for s, g in covered(product, level)}
    out = []
    for code in codes:
        if code not in included:
            if product.has_guarantee(code):
                raise UsageError(
                    _("{code}: not included at level {level} of {product}").format(
                        code=code, level=level, product=product.ref
                    )
                )
            raise UsageError(unknown_guarantee(product, code))
        out.append(included[code])
    return out


def unknown_guarantee(product: Product, code: str) -> str:
    return _(
        "unknown guarantee {code!r} in {product} (its guarantees: claimcalc products guide {id})"
    ).format(code=code, product=product.ref, id=product.id)


def needs_role(product: Product) -> bool:
    """An insured person's role decides an age cap (Wi School): the claim states it."""
    return ProductPlan.of(product).needs_role


def shared_facts(per_line: list[list[FactQuestion]]) -> list[FactQuestion]:
    """The facts every line of a person reads: asked once, stated on the person."""
    if not per_line:
        return []
    common = set.intersection(*({q.fact for q in questions} for questions in per_line))
    seen: dict[str, FactQuestion] = {}
    for questions in per_line:
        for q in questions:
            if q.fact in common and q.fact not in seen:
                seen[q.fact] = q
    return [seen[name] for name in sorted(seen)]


# --------------------------------------------------------------------------- answers

_YES = frozenset({"y", "yes", "s", "si", "sì", "true", "1"})
_NO = frozenset({"n", "no", "false", "0"})


def yes_no(text: str) -> bool:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise Invalid(_("answer yes or no"))


def whole_number(text: str, most: int = MAX_FACT_INT) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip()):
        raise Invalid(_("expected a whole number such as 3"))
    value = int(text.strip())
    if value > most:
        raise Invalid(_("must be at most {most}").format(most=most))
    return value


def choice(text: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, by its number in the list or by its value."""
    word = text.strip()
    if word.isdigit() and 1 <= int(word) <= len(choices):
        return choices[int(word) - 1]
    if word in choices:
        return word
    raise Invalid(_("not one of the choices: answer with its number or its name"))


def choices_of(text: str, choices: tuple[str, ...]) -> list[str]:
    """Several of ``choices`` separated by commas (or spaces); nothing: none."""
    picked: list[str] = []
    for word in re.split(r"[,\s]+", text.strip()):
        if word:
            value = choice(word, choices)
            if value not in picked:
                picked.append(value)
    return picked


_fact_decimal = decimal_within(FACT_DECIMAL)


def fact_answer(question: FactQuestion, text: str) -> Any:
    """A fact's value as a claim states it (JSON), from what was typed."""
    if question.type is FactType.BOOL:
        return yes_no(text)
    if question.type is FactType.INT:
        return whole_number(text)
    if question.type is FactType.DECIMAL:
        return str(_fact_decimal(text.strip().replace(",", ".")))
    if question.type is FactType.ENUM:
        return choice(text, question.choices)
    return choices_of(text, question.choices)


def _spec(model: type, name: str) -> FieldSpec:
    return next(spec for spec in fields_of(model) if spec.name == name)


def field_answer(model: type, name: str, text: str) -> Any:
    """A field's value as a claim states it (JSON), checked as the readers check it:
    the field's declaration, and personal data refused in text."""
    spec = _spec(model, name)
    text = text.strip()
    if spec.choices:
        return choice(text, tuple(str(c) for c in spec.choices))
    if spec.kind is bool:
        return yes_no(text)
    if spec.kind is int:
        bounds = spec.bounds
        return whole_number(text, bounds.le if bounds and bounds.le is not None else MAX_FACT_INT)
    if spec.screened:
        leak = personal_data(text, spec.pattern == REF_FORM)
        if leak is not None:
            raise Invalid(leak)
    if spec.kind is Decimal:
        text = text.replace(",", ".")  # an Italian decimal comma
    value = converter(spec)(text)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def person_ref(text: str) -> str:
    """An insured person's reference: pseudonymous, so it holds a digit (``P1``,
    ``INS-0042``): a word alone may be a name."""
    from claimcalc.claim.model import Insured

    value = field_answer(Insured, "ref", text)
    assert isinstance(value, str)
    if not any(c.isdigit() for c in value):
        raise Invalid(
            _(
                "a reference holds at least one digit, such as P1 or INS-0042: "
                "a word alone may be a name, and a claim never holds names"
            )
        )
    return value


def iter_codes(product: Product, level: str) -> Iterator[tuple[str, str]]:
    """Each guarantee a level includes: its code and title (shell completion)."""
    for _section, guarantee in covered(product, level):
        yield guarantee.code, guarantee.title
