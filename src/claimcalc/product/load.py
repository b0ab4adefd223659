"""Load and validate product files, reporting every problem at once.

Each problem is one line, ``file:line:column: key.path: message``. Loading
is in three passes: YAML (:mod:`claimcalc.product.yamlfile`: safe loader, C
implementation when available, floats read as exact decimals, duplicate keys
refused), the pydantic model, then cross-checks that need the whole file
(references, nesting of limits, matrices against the declared levels and
zones, facts in conditions).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claimcalc.errors import KeyPath, Problem, ProductFileError, key_path
from claimcalc.facts import EXPENSE_CATEGORIES, FACTS, REPLACED_VALUES, FactType
from claimcalc.i18n import N_, _, ngettext
from claimcalc.money import END
from claimcalc.product import cache
from claimcalc.product.model import (
    RETIRED_KEYS,
    Amount,
    Condition,
    FactTest,
    Token,
    iter_fact_tests,
    resolve_cells,
    resolve_matrix,
)
from claimcalc.product.schema import (
    AllOf,
    AnyOf,
    DocumentedCost,
    Exclusion,
    FixedSum,
    Guarantee,
    Limit,
    Not,
    PercentOfSumInsured,
    Product,
    Section,
    UnitAllowance,
)
from claimcalc.product.source import read_product_bytes


def _step(current: object, part: str | int) -> tuple[bool, object]:
    if isinstance(current, Mapping) and part in current:
        return True, current[part]
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return True, current[part]
    return False, None


def _data_path(data: object, loc: Sequence[str | int], missing: bool) -> KeyPath:
    """Map a pydantic error location to a key path in the data.

    Pydantic inserts union tags (``AllOf``, ``FactTest``…) into locations;
    keep only the parts that exist in the document.
    """
    path: list[str | int] = []
    current = data
    last = len(loc) - 1
    for index, part in enumerate(loc):
        found, child = _step(current, part)
        if found:
            path.append(part)
            current = child
        elif missing and index == last and isinstance(current, Mapping) and isinstance(part, str):
            path.append(part)  # name the missing key
        # else: a union tag pydantic added; it is not in the document
    return tuple(path)


#: pydantic's messages, by error type, word for word as msgids: English output is
#: pydantic's own (a test holds them to it); another language translates them.
#: Placeholders are the error's context.
_PYDANTIC: dict[str, str] = {
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "string_type": N_("Input should be a valid string"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "decimal_type": N_("Decimal input should be an integer, float, string or Decimal object"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid tuple"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "date_type": N_("Input should be a valid date"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, {error}"),
    "date_from_datetime_inexact": N_(
        "Datetimes provided to dates should have zero time - e.g. be exact dates"
    ),
}


def _pydantic_message(kind: str, ctx: Mapping[str, Any]) -> str | None:
    """pydantic's message for an error of ``kind``, in the language set; None
    for a kind not listed (its own English is then used)."""
    try:
        if kind in _PYDANTIC:
            return _(_PYDANTIC[kind]).format(**ctx)
        counted = _pydantic_counted(kind, ctx)
        return None if counted is None else counted.format(**ctx)
    except (KeyError, IndexError, TypeError, ValueError):
        return None  # a context this pydantic does not give: its own words


def _pydantic_counted(kind: str, ctx: Mapping[str, Any]) -> str | None:
    """The messages with a count (plural forms), as calls the catalog's
    extraction reads."""
    if kind == "string_too_short":
        n = int(ctx["min_length"])
        return ngettext(
            "String should have at least {min_length} character",
            "String should have at least {min_length} characters",
            n,
        )
    if kind == "string_too_long":
        n = int(ctx["max_length"])
        return ngettext(
            "String should have at most {max_length} character",
            "String should have at most {max_length} characters",
            n,
        )
    if kind == "too_short":
        n = int(ctx["min_length"])
        return ngettext(
            "{field_type} should have at least {min_length} item after validation, "
            "not {actual_length}",
            "{field_type} should have at least {min_length} items after validation, "
            "not {actual_length}",
            n,
        )
    if kind == "too_long":
        n = int(ctx["max_length"])
        return ngettext(
            "{field_type} should have at most {max_length} item after validation, "
            "not {actual_length}",
            "{field_type} should have at most {max_length} items after validation, "
            "not {actual_length}",
            n,
        )
    if kind == "decimal_max_places":
        n = int(ctx["decimal_places"])
        return ngettext(
            "Decimal input should have no more than {decimal_places} decimal place",
            "Decimal input should have no more than {decimal_places} decimal places",
            n,
        )
    return None


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        retired = RETIRED_KEYS.get(str(error["loc"][-1]))
        return _(retired) if retired else _("unknown key")
    if kind == "missing":
        return _("missing required key")
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return _("unknown kind {tag!r}; expected one of: {tags}").format(
            tag=ctx.get("tag"), tags=ctx.get("expected_tags", "")
        )
    if kind == "string_pattern_mismatch":
        form = str(error["ctx"]["pattern"]).removesuffix(END)
        return _("{value!r} is not of the form {form}").format(value=error["input"], form=form)
    if kind == "union_tag_not_found":
        return _("missing required key 'kind'")
    translated = _pydantic_message(kind, error.get("ctx") or {})
    if translated is not None:
        return translated
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


#: The line every product file has (``format: 1``), at the top level.
_FORMAT_LINE = re.compile(r"^format:[ \t]*1[ \t]*(#.*)?$", re.MULTILINE)


def load_product_file(path: str | Path) -> Product:
    """Read, validate and cross-check one product file."""
    return load_product_bytes(read_product_bytes(path), path)


def load_product_bytes(raw: bytes, path: str | Path) -> Product:
    """Validate and cross-check a product file's bytes; ``path`` names the file."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        message = _("not UTF-8 text: byte 0x{byte:02x} cannot be decoded").format(
            byte=raw[exc.start]
        )
        raise ProductFileError([Problem(str(path), line, column, "", message)]) from None
    sha256 = hashlib.sha256(raw).hexdigest()
    cached = cache.get(sha256, "product", Product)
    product = cached if cached is not None else load_product_text(text, str(path))
    if cached is None:
        cache.put(sha256, "product", product)
    product._sha256 = sha256
    product._path = str(path)
    return product


def load_product_text(text: str, file: str = "<string>") -> Product:
    """Validate product YAML given as text; ``file`` names it in error lines."""
    # Imported here: a product found in the cache never needs the YAML parser.
    from claimcalc.product.yamlfile import parse_yaml

    # A file that does not say it is one is not parsed, nor quoted: its lines
    # (say, /etc/shadow's) are never echoed as YAML errors or unknown keys.
    not_product = ProductFileError([Problem(file, 1, 1, "", _("not a claimcalc product file"))])
    if not _FORMAT_LINE.search(text):
        raise not_product
    data, marks = parse_yaml(text, file)
    if not isinstance(data, Mapping) or data.get("format") != 1:
        raise not_product
    problems = [
        Problem(file, line, col, key_path(path), _("duplicate key"))
        for path, (line, col) in marks.duplicates
    ]

    def problem(path: KeyPath, message: str) -> Problem:
        line, col = marks.locate(path)
        return Problem(file, line, col, key_path(path), message)

    if not isinstance(data, Mapping):
        raise ProductFileError([problem((), _("a product file must be a mapping of keys"))])
    try:
        product = Product.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            path = _data_path(data, error["loc"], missing=error["type"] == "missing")
            problems.append(problem(path, _message(error)))
        raise ProductFileError(_sorted(problems)) from None
    problems.extend(problem(path, message) for path, message in cross_check(product))
    if problems:
        raise ProductFileError(_sorted(problems))
    return product


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.line, p.column, p.path, p.message))


# --------------------------------------------------------------------------- cross-checks


def cross_check(product: Product) -> Iterator[tuple[KeyPath, str]]:
    """Checks that need the whole file. Yields (key path, message)."""
    levels, zones = product.level_ids, product.zone_ids
    yield from _check_non_empty(product)
    every = [g for s in product.sections for g in s.guarantees]
    yield from _check_expense_rules(product.eligibility, every, ("eligibility",))
    yield from _unique(product.levels, ("levels",), N_("duplicate level {id!r}"))
    yield from _unique(product.zones, ("zones",), N_("duplicate zone {id!r}"))
    overlap = set(levels) & set(zones)
    for name in sorted(overlap):
        yield ("zones",), _("{name!r} is both a level and a zone").format(name=name)

    limits: dict[str, tuple[KeyPath, Limit]] = {}
    guarantees: dict[str, KeyPath] = {}
    sections: dict[str, KeyPath] = {}
    for s_index, section in enumerate(product.sections):
        s_path: KeyPath = ("sections", s_index)
        if section.code in sections:
            yield (
                (*s_path, "code"),
                _("duplicate section code {code!r}").format(code=section.code),
            )
        sections.setdefault(section.code, s_path)
        yield from _levels_known(section.levels, (*s_path, "levels"), levels)
        for l_index, limit in enumerate(section.limits):
            yield from _register_limit(limits, limit, (*s_path, "limits", l_index))
        for g_index, guarantee in enumerate(section.guarantees):
            g_path: KeyPath = (*s_path, "guarantees", g_index)
            if guarantee.code in guarantees:
                yield (
                    (*g_path, "code"),
                    _("duplicate guarantee code {code!r}").format(code=guarantee.code),
                )
            guarantees.setdefault(guarantee.code, g_path)
            if not guarantee.code.startswith(section.code + "."):
                yield (
                    (*g_path, "code"),
                    _("guarantee code must start with {start!r}").format(start=section.code + "."),
                )
            yield from _levels_known(guarantee.levels, (*g_path, "levels"), levels)
            if guarantee.levels is not None and section.levels is not None:
                for i, level in enumerate(guarantee.levels):
                    if level in levels and level not in section.levels:
                        yield (
                            (*g_path, "levels", i),
                            _("level {level!r} is not in section {section}").format(
                                level=level, section=section.code
                            ),
                        )
            for l_index, limit in enumerate(guarantee.limits):
                yield from _register_limit(limits, limit, (*g_path, "limits", l_index))

    resolved: dict[str, dict[tuple[str, str], Amount]] = {}
    for limit_id, (path, limit) in limits.items():
        values, problems = resolve_matrix(limit.amount, levels, zones)
        for sub, message in problems:
            yield (*path, "amount", *sub), message
        if not problems:
            resolved[limit_id] = values
        if limit.inferred is not None:
            _cells, problems = resolve_cells(limit.inferred, levels, zones)
            for sub, message in problems:
                yield (*path, "inferred", *sub), message
            if not limit.reading:
                yield (*path, "inferred"), _("inferred values need a reading saying how")
        if limit.max_units is not None:
            units, problems = resolve_matrix(limit.max_units, levels, zones)
            for sub, message in problems:
                yield (*path, "max_units", *sub), message
            fractions = sorted(
                {v for v in units.values() if isinstance(v, Decimal) and v != v.to_integral_value()}
            )
            if fractions:
                yield (
                    (*path, "max_units"),
                    _("a number of units must be whole, got {got}").format(got=fractions[0]),
                )

    yield from _check_parents(limits, resolved, levels, zones)

    for s_index, section in enumerate(product.sections):
        s_path = ("sections", s_index)
        for g_index, guarantee in enumerate(section.guarantees):
            g_path = (*s_path, "guarantees", g_index)
            yield from _check_formula(guarantee, g_path, limits)
            yield from _check_expense_rules(guarantee.eligibility, [guarantee], g_path)
        yield from _check_expense_rules(section.eligibility, section.guarantees, s_path)
        yield from _check_exclusions(section.exclusions, (*s_path, "exclusions"), sections)
        for g_index, guarantee in enumerate(section.guarantees):
            g_path = (*s_path, "guarantees", g_index)
            yield from _check_exclusions(guarantee.exclusions, (*g_path, "exclusions"), sections)
    yield from _check_exclusions(product.exclusions, ("exclusions",), sections)

    for a_index, alternative in enumerate(product.alternatives):
        for i, code in enumerate(alternative.guarantees):
            if code not in guarantees:
                yield (
                    ("alternatives", a_index, "guarantees", i),
                    _("unknown guarantee {code!r}").format(code=code),
                )

    for path, condition in _conditions(product):
        yield from _check_condition(condition, path)


def _unique(items: Sequence[Any], path: KeyPath, says: str) -> Iterator[tuple[KeyPath, str]]:
    """Items with an id given twice; ``says`` is the message (a msgid with ``{id!r}``)."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            yield (*path, index, "id"), _(says).format(id=item.id)
        seen.add(item.id)


def _levels_known(
    given: tuple[str, ...] | None, path: KeyPath, levels: tuple[str, ...]
) -> Iterator[tuple[KeyPath, str]]:
    for index, level in enumerate(given or ()):
        if level not in levels:
            yield (
                (*path, index),
                _("unknown level {level!r} (levels: {levels})").format(
                    level=level, levels=", ".join(levels)
                ),
            )


def _register_limit(
    limits: dict[str, tuple[KeyPath, Limit]], limit: Limit, path: KeyPath
) -> Iterator[tuple[KeyPath, str]]:
    if limit.id in limits:
        yield (*path, "id"), _("duplicate limit id {id!r}").format(id=limit.id)
        return
    limits[limit.id] = (path, limit)


def _check_parents(
    limits: dict[str, tuple[KeyPath, Limit]],
    resolved: dict[str, dict[tuple[str, str], Amount]],
    levels: tuple[str, ...],
    zones: tuple[str, ...],
) -> Iterator[tuple[KeyPath, str]]:
    for limit_id, (path, limit) in limits.items():
        if limit.parent is None:
            continue
        if limit.parent not in limits:
            yield (*path, "parent"), _("unknown limit {id!r}").format(id=limit.parent)
            continue
        # Walk up the chain to refuse cycles.
        seen = {limit_id}
        current: str | None = limit.parent
        while current is not None and current in limits:
            if current in seen:
                yield (*path, "parent"), _("limit {id!r} nests in itself").format(id=limit_id)
                break
            seen.add(current)
            current = limits[current][1].parent
        parent = limits[limit.parent][1]
        if parent.unit is not limit.unit:
            yield (
                (*path, "parent"),
                _("cannot nest {unit} in {parent!r}, which counts {parent_unit}").format(
                    unit=limit.unit.value, parent=limit.parent, parent_unit=parent.unit.value
                ),
            )
            continue
        yield from _sub_not_larger(limit, parent, path, resolved, levels, zones)


def _sub_not_larger(
    limit: Limit,
    parent: Limit,
    path: KeyPath,
    resolved: dict[str, dict[tuple[str, str], Amount]],
    levels: tuple[str, ...],
    zones: tuple[str, ...],
) -> Iterator[tuple[KeyPath, str]]:
    sub, top = resolved.get(limit.id), resolved.get(parent.id)
    if sub is None or top is None:
        return
    for level in levels:
        for zone in zones:
            a, b = sub[(level, zone)], top[(level, zone)]
            if {a, b} & {Token.NOT_COVERED, Token.NOT_APPLICABLE, Token.TRIP_COST}:
                continue
            too_large = (isinstance(a, Decimal) and isinstance(b, Decimal) and a > b) or (
                a is Token.UNLIMITED and isinstance(b, Decimal)
            )
            if too_large:
                yield (
                    (*path, "amount"),
                    _(
                        "sub-limit {sub} is larger than its parent {parent!r} ({top}) "
                        "at level {level!r}, zone {zone!r}"
                    ).format(sub=a, parent=parent.id, top=b, level=level, zone=zone),
                )
                return


def _check_formula(
    guarantee: Guarantee, path: KeyPath, limits: dict[str, tuple[KeyPath, Limit]]
) -> Iterator[tuple[KeyPath, str]]:
    formula = guarantee.formula
    refs: list[tuple[str, str]] = []
    if isinstance(formula, UnitAllowance):
        refs.append(("rate_limit", formula.rate_limit))
    elif isinstance(formula, PercentOfSumInsured | FixedSum):
        refs.append(("sum_insured", formula.sum_insured))
        if isinstance(formula, FixedSum) and formula.only_if_sum_exceeds:
            refs.append(("only_if_sum_exceeds", formula.only_if_sum_exceeds))
    for key, ref in refs:
        if ref not in limits:
            yield (*path, "formula", key), _("unknown limit {id!r}").format(id=ref)
        elif key == "rate_limit" and not limits[ref][1].scope.is_unit_rate:
            yield (*path, "formula", key), _("limit {id!r} is not a per-unit rate").format(id=ref)


def _check_expense_rules(
    rules: Sequence[Any], guarantees: Sequence[Guarantee], path: KeyPath
) -> Iterator[tuple[KeyPath, str]]:
    """A rule read per expense applies only to guarantees paying expenses: on one
    that pays none (or a section or product holding one) the engine would not read it."""
    if all(isinstance(g.formula, DocumentedCost) for g in guarantees):
        return
    for index, rule in enumerate(rules):
        if rule.kind == "expenses_during_trip":
            yield (
                (*path, "eligibility", index, "kind"),
                _("expenses_during_trip applies only to guarantees paying documented costs"),
            )


def _check_exclusions(
    exclusions: Sequence[Exclusion], path: KeyPath, sections: Mapping[str, KeyPath]
) -> Iterator[tuple[KeyPath, str]]:
    seen: set[str] = set()
    for index, exclusion in enumerate(exclusions):
        if exclusion.id in seen:
            yield (*path, index, "id"), _("duplicate exclusion id {id!r}").format(id=exclusion.id)
        seen.add(exclusion.id)
        for i, code in enumerate(exclusion.not_for):
            if code not in sections:
                yield (*path, index, "not_for", i), _("unknown section {code!r}").format(code=code)


def _conditions(product: Product) -> Iterator[tuple[KeyPath, Condition]]:
    """Every condition in the product, with its key path."""

    def rules_of(
        owner: Product | Section | Guarantee, path: KeyPath
    ) -> Iterator[tuple[KeyPath, Condition]]:
        for index, rule in enumerate(owner.eligibility):
            when = getattr(rule, "when", None)
            if when is not None:
                yield (*path, "eligibility", index, "when"), when
        for index, exclusion in enumerate(owner.exclusions):
            yield (*path, "exclusions", index, "when"), exclusion.when
            if exclusion.except_when is not None:
                yield (*path, "exclusions", index, "except_when"), exclusion.except_when
        if isinstance(owner, Section | Guarantee):
            for index, limit in enumerate(owner.limits):
                if limit.applies_when is not None:
                    yield (*path, "limits", index, "applies_when"), limit.applies_when
            for index, deductible in enumerate(owner.deductibles):
                waived = getattr(deductible, "waived_when", None)
                if waived is not None:
                    yield (*path, "deductibles", index, "waived_when"), waived

    yield from rules_of(product, ())
    for s_index, section in enumerate(product.sections):
        yield from rules_of(section, ("sections", s_index))
        for g_index, guarantee in enumerate(section.guarantees):
            yield from rules_of(guarantee, ("sections", s_index, "guarantees", g_index))


def _check_condition(condition: Condition, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    for sub, test in iter_fact_tests(condition):
        yield from _check_fact_test(test, (*path, *sub))


_OPERATORS = {
    FactType.BOOL: {"is"},
    FactType.INT: {"is", "gt", "ge", "lt", "le"},
    FactType.DECIMAL: {"gt", "ge", "lt", "le"},
    FactType.ENUM: {"is", "in"},
    FactType.SET: {"has", "has_any"},
}


def _check_fact_test(test: FactTest, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    spec = FACTS.get(test.fact)
    if spec is None:
        yield (*path, "fact"), _("unknown fact {fact!r}").format(fact=test.fact)
        return
    operator, operand = test.operator, test.operand
    allowed = _OPERATORS[spec.type]
    if operator not in allowed:
        yield (
            (*path, operator),
            _(
                "operator {operator!r} does not apply to {type} fact {fact!r} (use {allowed})"
            ).format(
                operator=operator,
                type=spec.type.value,
                fact=test.fact,
                allowed=", ".join(sorted(allowed)),
            ),
        )
        return
    if spec.type is FactType.BOOL and not isinstance(operand, bool):
        yield (
            (*path, operator),
            _("fact {fact!r} is true or false, got {got!r}").format(fact=test.fact, got=operand),
        )
    elif (
        spec.type is FactType.INT
        and operator == "is"
        and (isinstance(operand, bool) or not isinstance(operand, int))
    ):
        yield (
            (*path, operator),
            _("fact {fact!r} is a whole number, got {got!r}").format(fact=test.fact, got=operand),
        )
    elif spec.type in (FactType.ENUM, FactType.SET):
        values = operand if isinstance(operand, tuple) else (operand,)
        for i, value in enumerate(values):
            if value not in spec.values:
                sub = (*path, operator, i) if isinstance(operand, tuple) else (*path, operator)
                replaced = REPLACED_VALUES.get((test.fact, value))
                says = (
                    _("{value!r} is not a value of fact {fact!r}; write {new}")
                    if replaced
                    else _("{value!r} is not a value of fact {fact!r}")
                )
                yield sub, says.format(value=value, fact=test.fact, new=replaced)


def _check_non_empty(product: Product) -> Iterator[tuple[KeyPath, str]]:
    for key, says in (
        ("levels", N_("at least one level is required")),
        ("zones", N_("at least one zone is required")),
        ("sections", N_("at least one section is required")),
    ):
        if not getattr(product, key):
            yield (key,), _(says)
    for s_index, section in enumerate(product.sections):
        if not section.guarantees:
            yield ("sections", s_index, "guarantees"), _("at least one guarantee is required")
    for a_index, alternative in enumerate(product.alternatives):
        if len(alternative.guarantees) < 2:
            yield (
                ("alternatives", a_index, "guarantees"),
                _("an alternative needs two guarantees or more"),
            )
    for path, condition in _conditions(product):
        for sub, test in _empty_groups(condition):
            yield (*path, *sub), _("{test} needs at least one condition").format(test=test)
    for owner_path, limits in _all_limits(product):
        for index, limit in enumerate(limits):
            for i, category in enumerate(limit.applies_to):
                if category not in EXPENSE_CATEGORIES:
                    yield (
                        (*owner_path, "limits", index, "applies_to", i),
                        _("unknown expense category {category!r}").format(category=category),
                    )


def _empty_groups(condition: Condition, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(condition, AllOf | AnyOf):
        key = "all" if isinstance(condition, AllOf) else "any"
        children = condition.all if isinstance(condition, AllOf) else condition.any
        if not children:
            yield (*path, key), f"'{key}'"
        for i, child in enumerate(children):
            yield from _empty_groups(child, (*path, key, i))
    elif isinstance(condition, Not):
        yield from _empty_groups(condition.not_, (*path, "not"))


def _all_limits(product: Product) -> Iterator[tuple[KeyPath, Sequence[Limit]]]:
    for s_index, section in enumerate(product.sections):
        yield ("sections", s_index), section.limits
        for g_index, guarantee in enumerate(section.guarantees):
            yield ("sections", s_index, "guarantees", g_index), guarantee.limits
