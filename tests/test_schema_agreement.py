"""The JSON Schemas say what the readers accept, exactly (issue #15, point 6).

``claimcalc schema claim`` and ``claimcalc schema product`` are derived from
the one declaration of each format (claim/model.py, product/model.py). Here a
real JSON Schema validator (``jsonschema``, Draft 2020-12, formats checked)
holds them to the readers:

* every shipped product, example claim and case claim is valid under its schema;
* claims generated from the claim schema (a strategy built from the schema
  document itself) are read;
* claims and products changed in ways the schema refuses (number text with
  ``_``, ``+``, a leading ``.``, spaces or non-ASCII digits; values out of
  bounds; empty lists; unknown keys; wrong types; dates out of range) are
  refused by the readers, and the other way round.

Documents are validated as claimcalc reads them: JSON with numbers that have
a fraction or an exponent as decimals (``parse_float=Decimal``), YAML through
the product loader's YAML pass (floats as exact decimals; a YAML date would
stay a date, which no product field takes). The schemas are read back from
the text the CLI prints, numbers as decimals too, so that ``multipleOf: 0.01``
is exact.

What a JSON Schema cannot say, the readers check after reading: relations
between a claim's fields (:data:`RELATIONS`), and a product's references,
matrices against its levels and zones, and facts in conditions (the loader's
third pass). Those are left out of the comparison.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, ValidationError, validators
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from claimcalc.cases import find_case_files, load_cases
from claimcalc.claim.personal import WHY
from claimcalc.claim.read import claim_from_data
from claimcalc.errors import ClaimError
from claimcalc.facts import EXPENSE_CATEGORIES
from claimcalc.jsonio import dumps_indented
from claimcalc.output.documents import claim_schema, product_schema
from claimcalc.product import model
from claimcalc.product.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = sorted(ROOT.glob("products/*/*.yaml"))
EXAMPLES = sorted(ROOT.glob("products/*/examples/*.json"))
CASE_FILES = sorted(ROOT.glob("products/*/cases/*.yaml"))


def _printed(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as a validator reads what ``claimcalc schema …`` prints."""
    document: dict[str, Any] = json.loads(dumps_indented(schema), parse_float=Decimal)
    return document


def _integer(checker: object, instance: object) -> bool:
    """JSON Schema's integer: a number with a zero fractional part (40, and 40.0
    read as an exact decimal), as the standard says."""
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return isinstance(instance, int) and not isinstance(instance, bool)


#: Draft 2020-12 with decimals counted as the standard counts numbers: the claim
#: reader takes 40.0 for a whole number, as a validator reading floats would.
_WHOLE_DECIMALS = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _integer),
)


class _Validator:
    """A Draft 2020-12 validator, formats checked, numbers as exact decimals.

    ``multipleOf`` on decimals needs the precision of the number's digits
    (JSON integers have at most 4,300, the reader's limit): jsonschema
    computes ``instance % multipleOf`` in the current decimal context.
    """

    def __init__(self, schema: dict[str, Any], check: bool = True, whole: bool = False) -> None:
        if check:
            Draft202012Validator.check_schema(schema)
        kind = _WHOLE_DECIMALS if whole else Draft202012Validator
        self.validator = kind(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def is_valid(self, document: object) -> bool:
        with decimal.localcontext(prec=10_000):
            return self.validator.is_valid(document)

    def iter_errors(self, document: object) -> list[ValidationError]:
        with decimal.localcontext(prec=10_000):
            return list(self.validator.iter_errors(document))


def _validator(schema: dict[str, Any]) -> _Validator:
    return _Validator(schema)


CLAIM_SCHEMA = _printed(claim_schema())
CLAIMS = _Validator(CLAIM_SCHEMA, whole=True)
PRODUCT_SCHEMA = _printed(product_schema())
PRODUCT_FILES = _validator(PRODUCT_SCHEMA)


def _as_json(value: object) -> Any:
    """A value read from YAML as a JSON document writes it: dates as text."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return data


def _errors(validator: _Validator, document: object) -> list[str]:
    return [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


# --------------------------------------------------------------------------- shipped files


def test_there_are_shipped_files_to_check() -> None:
    assert len(PRODUCTS) >= 2 and len(EXAMPLES) >= 10 and len(CASE_FILES) >= 5


@pytest.mark.parametrize("path", PRODUCTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_product_is_valid_under_the_product_schema(path: Path) -> None:
    data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    assert _errors(PRODUCT_FILES, data) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_shipped_example_is_valid_under_the_claim_schema(path: Path) -> None:
    assert _errors(CLAIMS, _load_json(path)) == []


def test_every_case_claim_is_valid_under_the_claim_schema() -> None:
    cases = load_cases(find_case_files([str(path) for path in CASE_FILES]))
    assert len(cases) > 50
    invalid = {
        case.where: errors
        for case in cases
        if (errors := _errors(CLAIMS, _as_json(case.claim_data)))
    }
    assert invalid == {}


# --------------------------------------------------------------------------- the claim reader

#: The relations between a claim's fields the reader checks once it has read
#: them (claimcalc.claim.read.check_claim), which no JSON Schema states.
RELATIONS = (
    "is before departure",
    "is after departure",
    "exceeds trip cost",
    "exceed trip cost",
    "is before issue",
    "is before the policy starts",
    "is before the event",
    "duplicate insured reference",
    "duplicate line id",
    "give birth_date or age_at_subscription",
    "birth date is after the policy was issued",
    "at the policy's issue",  # a birth date making the insured older than 130 then
    "a second rate for",
    "lines in all; a claim holds at most",
)


def _field_problems(data: object) -> list[tuple[str, str]]:
    """The reader's problems with a claim's fields, relations between them aside."""
    try:
        claim_from_data(data, "claim.json")
    except ClaimError as error:
        # Text that looks like personal data (a phone number made of a pattern's
        # digits) is refused by the readers in every text field, which no JSON
        # Schema can state, and it stops the checks after it: such a claim is
        # outside the comparison (claimcalc.claim.personal).
        if any(WHY in message for _, message in error.problems):
            reject()
        return [
            (field, message)
            for field, message in error.problems
            if not any(relation in message for relation in RELATIONS)
        ]
    return []


def _schema_accepts(data: object) -> bool:
    return CLAIMS.is_valid(data)


# ----------------------------------------------- claims generated from the schema document


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        node = CLAIM_SCHEMA["$defs"][name]
    return node


_LOOKAROUND = re.compile(r"\(\?[=!][^()]*(\([^()]*\)[^()]*)*\)")


def _text(node: dict[str, Any]) -> st.SearchStrategy[str]:
    """Text matching a string schema: its pattern, its length, its format."""
    pattern = node.get("pattern")
    if node.get("format") == "date":
        # Dates around the pattern's years; the pattern decides.
        days = st.dates(dt.date(1800, 1, 1), dt.date(2299, 12, 31)).map(dt.date.isoformat)
        return days.filter(lambda day: re.search(pattern, day) is not None) if pattern else days
    if pattern is not None:
        # Hypothesis does not generate lookarounds: the pattern without them,
        # then the pattern itself decides.
        body = _LOOKAROUND.sub("", pattern)
        whole = re.compile(pattern)
        return st.from_regex(body, fullmatch=True).filter(
            lambda text: whole.search(text) is not None
        )
    low = node.get("minLength", 0)
    return st.text(min_size=low, max_size=min(node.get("maxLength", 12), low + 12))


def _number(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum")
    step = node.get("multipleOf")
    exponent = Decimal(step).as_tuple().exponent if step is not None else -3
    assert isinstance(exponent, int)
    places = -exponent
    decimals = st.decimals(
        min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False
    )
    whole = st.integers(
        min_value=None if low is None else int(low), max_value=None if high is None else int(high)
    )
    values: st.SearchStrategy[Any] = st.one_of(whole, decimals)
    if "exclusiveMinimum" in node:
        values = values.filter(lambda number: number > node["exclusiveMinimum"])
    return values


def from_schema(node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values valid under a node of the claim schema (the keywords it uses)."""
    node = _resolve(node)
    if "anyOf" in node:
        return st.one_of([from_schema(option, depth) for option in node["anyOf"]])
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        return _object(node, depth)
    if kind == "array":
        low = node.get("minItems", 0)
        return st.lists(
            from_schema(node["items"], depth + 1),
            min_size=low,
            max_size=min(node.get("maxItems", 3), low + (2 if depth < 2 else 0)),
            unique_by=(lambda item: json.dumps(item, default=str))
            if node.get("uniqueItems")
            else None,
        )
    if kind == "string":
        return _text(node)
    if kind == "integer":
        return st.integers(node.get("minimum"), node.get("maximum"))
    if kind == "number":
        return _number(node)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    raise AssertionError(f"no strategy for {node}")


def _object(node: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    required = set(node.get("required", ()))
    properties = node.get("properties", {})
    return st.fixed_dictionaries(
        {name: from_schema(properties[name], depth) for name in properties if name in required},
        optional={
            name: from_schema(properties[name], depth)
            for name in properties
            if name not in required
        },
    )


CLAIM_DOCUMENTS = from_schema(CLAIM_SCHEMA)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(CLAIM_DOCUMENTS)
def test_the_reader_reads_every_claim_the_schema_accepts(data: dict[str, Any]) -> None:
    assert _schema_accepts(data), _errors(CLAIMS, data)
    assert _field_problems(data) == []


# ----------------------------------------------- claims changed: both refuse, or neither

#: Number text around the grammar: the digits of other scripts, "_", "+",
#: spaces, a leading ".", an exponent, a minus.
NUMBERISH = st.from_regex(r"[-+ ._eE0-9\u0660-\u0669\uff10-\uff19]{0,9}", fullmatch=True)
#: Date text around the format: other scripts' digits, years out of range.
DATEISH = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.from_regex(r"[0-9\u0660-\u0669]{4}-[0-9]{2}-[0-9]{2}\n?", fullmatch=True),
)
ODD_VALUES: list[object] = [
    None,
    True,
    0,
    -1,
    131,
    10**12 + 1,
    10**1001,
    Decimal("-0.0"),
    Decimal("0.001"),
    Decimal("1E+13"),
    Decimal("12.5"),
    "",
    "x",
    " 180.00 ",
    "1_80",
    "+180",
    ".5",
    "180.",
    "-0",
    "\u0661\u0668\u0660",
    "0",
    "1e3",
    "1000000000000.01",
    "9999-01-01",
    "1899-12-31",
    "2200-01-01",
    "2026-02-30",
    "EUR\n",
    "x" * 81,
    [],
    {},
    [{}],
]
MUTATION_VALUES = st.one_of(st.sampled_from(ODD_VALUES), NUMBERISH, DATEISH)


def _paths(node: object, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*path, index)
            yield from _paths(value, (*path, index))


def _mutate(data: dict[str, Any], path: tuple[Any, ...], how: str, value: object) -> Any:
    changed = copy.deepcopy(data)
    parent: Any = changed
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if how == "set":
        parent[last] = value
    elif how == "delete" and isinstance(parent, dict):
        del parent[last]
    elif how == "empty" and isinstance(parent[last], list):
        parent[last] = []
    elif how == "add" and isinstance(parent[last], dict):
        parent[last]["zz_unknown"] = value
    else:
        parent[last] = value
    return changed


BASES = [_load_json(path) for path in EXAMPLES]


@st.composite
def changed_claims(draw: st.DrawFn) -> tuple[str, Any]:
    base = draw(st.one_of(st.sampled_from(BASES), CLAIM_DOCUMENTS))
    paths = list(_paths(base))
    path = draw(st.sampled_from(paths))
    how = draw(st.sampled_from(["set", "set", "set", "delete", "empty", "add"]))
    value = draw(MUTATION_VALUES)
    return f"{'.'.join(map(str, path))} {how} {value!r}", _mutate(base, path, how, value)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(changed_claims())
def test_the_schema_refuses_a_changed_claim_if_and_only_if_the_reader_does(
    change: tuple[str, Any],
) -> None:
    name, data = change
    schema_refuses = not _schema_accepts(data)
    reader_problems = _field_problems(data)
    assert schema_refuses == bool(reader_problems), (name, _errors(CLAIMS, data), reader_problems)


@pytest.mark.parametrize(
    "text",
    ["1_80", "+180", ".5", " 180.00 ", "180 ", "\u0661\u0668\u0660", "1e3", "NaN", "-0", "0x10"],
)
@pytest.mark.parametrize(
    "where", [("trip", "cost"), ("rates", 0, "units_per_eur"), ("event", "facts", "delay_hours")]
)
def test_number_text_outside_the_grammar_is_refused_by_both(
    text: str, where: tuple[str | int, ...]
) -> None:
    data = _load_json(ROOT / "products" / "imaway" / "examples" / "D-medical-usa.json")
    data.setdefault("rates", [{"currency": "USD", "date": "2026-04-07", "units_per_eur": "1"}])
    data["event"].setdefault("facts", {})
    changed = _mutate(data, where, "set", text)
    assert not _schema_accepts(changed)
    assert _field_problems(changed) != []


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("insured",), []),
        (("insured", 0, "lines"), []),
        (("rates", 0, "units_per_eur"), "0"),
        (("rates", 0, "units_per_eur"), "0.000"),
        (("trip", "cost"), "1" * 1001),
        (("trip", "cost"), 10**1001),
        (("reported_on",), "9999-04-16"),
        (("reported_on",), "\u0662\u0660\u0662\u0666-04-16"),
        (("insured", 0, "lines", 0, "expenses", 0, "category"), "bogus"),
        (("event", "facts", "circumstances"), ["war", "war"]),
        (("event", "facts", "circumstances"), [["war"]]),
    ],
)
def test_the_issues_examples_are_refused_by_both(
    where: tuple[str | int, ...], value: object
) -> None:
    data = _load_json(ROOT / "products" / "imaway" / "examples" / "D-medical-usa.json")
    data.setdefault("rates", [{"currency": "USD", "date": "2026-04-07", "units_per_eur": "1"}])
    changed = _mutate(data, where, "set", value)
    assert not _schema_accepts(changed)
    assert _field_problems(changed) != []


# --------------------------------------------------------------------------- the product loader


def _instances(data: object, node: dict[str, Any], found: dict[str, list[Any]]) -> None:
    """Each object of a product document under the schema class it is an instance of."""
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        if isinstance(data, dict):
            found.setdefault(name, []).append(data)
        _instances(data, PRODUCT_SCHEMA["$defs"][name], found)
        return
    for union in ("anyOf", "oneOf"):
        if union in node:
            for option in node[union]:
                if _might_be(data, option):
                    _instances(data, option, found)
                    break
            return
    if isinstance(data, dict) and "properties" in node:
        for key, value in data.items():
            if key in node["properties"]:
                _instances(value, node["properties"][key], found)
    elif isinstance(data, list) and "items" in node:
        for item in data:
            _instances(item, node["items"], found)


_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: type(value) is int,
    "number": lambda value: isinstance(value, int | Decimal) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _might_be(data: object, node: dict[str, Any]) -> bool:
    """Whether a value is of a union's member, by its type, required keys and ``kind``."""
    while "$ref" in node:
        node = PRODUCT_SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")]
    if "anyOf" in node or "oneOf" in node:
        options: list[dict[str, Any]] = node.get("anyOf") or node["oneOf"]
        return any(_might_be(data, option) for option in options)
    if "type" in node and not _TYPES[node["type"]](data):
        return False
    if isinstance(data, dict):
        if not set(node.get("required", ())) <= set(data):
            return False
        for key, value in node.get("properties", {}).items():
            if "const" in value and key in data and data[key] != value["const"]:
                return False
    return "enum" not in node or data in node["enum"]


def _first_items(value: object) -> Any:
    """A product cut down to the first item of every list: small to validate, still valid."""
    if isinstance(value, dict):
        return {key: _first_items(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_first_items(item) for item in value[:1]]
    return value


def _own_paths(instance: dict[str, Any], nested: set[int]) -> Iterator[tuple[Any, ...]]:
    """Key paths inside an object, but not inside another instance of a class."""
    for path in _paths(instance):
        node: Any = instance
        inside = False
        for key in path[:-1]:
            node = node[key]
            inside = inside or id(node) in nested
        if not inside:
            yield path


PRODUCT_DATA = {
    path.parent.name: parse_yaml(path.read_text(encoding="utf-8"), str(path))[0]
    for path in PRODUCTS
}
_ODD_RULE_VALUES: list[object] = [
    None,
    True,
    "yes",
    "5",
    7,
    -1,
    Decimal("-0.5"),
    Decimal("5.0"),
    "-0",
    "1_80",
    "+5",
    ".5",
    " 5 ",
    "\u0665",
    "150",
    Decimal("150"),
    "",
    "bogus",
    "per_claim",
    [],
    {},
]
PRODUCT_CHANGES: list[tuple[str, object]] = [
    *(("set", value) for value in _ODD_RULE_VALUES),
    ("delete", None),
    ("add", 1),
]


def _product_mutations() -> Iterator[tuple[str, str, Any]]:
    """(class, change, changed object): each field of one instance of each class,
    the instance's lists cut to their first item."""
    found: dict[str, list[Any]] = {}
    for data in PRODUCT_DATA.values():
        found.setdefault("Product", []).append(data)
        _instances(data, PRODUCT_SCHEMA, found)
    nested = {id(instance) for instances in found.values() for instance in instances}
    for name, instances in sorted(found.items()):
        instance = instances[0]
        small = _first_items(instance)  # quicker to validate
        for path in _own_paths(instance, nested - {id(instance)}):
            if any(key != 0 for key in path if isinstance(key, int)):
                continue  # cut from the small copy
            for how, value in PRODUCT_CHANGES:
                change = f"{'.'.join(map(str, path))} {how} {value!r}"
                yield name, change, _mutate(small, path, how, value)


def _matrices(rule: object) -> Iterator[object]:
    """The matrices (limits' amounts and units) in a validated rule: the loader
    checks their cells in its third pass, once it knows the levels and zones."""
    if isinstance(rule, tuple):
        for item in rule:
            yield from _matrices(item)
    elif isinstance(rule, model.Limit):
        yield rule.amount
        if rule.max_units is not None:
            yield rule.max_units
    elif isinstance(rule, BaseModel):
        for name in type(rule).model_fields:
            yield from _matrices(getattr(rule, name))


def _categories(rule: object) -> Iterator[str]:
    """The expense categories limits name (the loader's third pass checks them)."""
    if isinstance(rule, tuple):
        for item in rule:
            yield from _categories(item)
    elif isinstance(rule, model.Limit):
        yield from rule.applies_to
    elif isinstance(rule, BaseModel):
        for name in type(rule).model_fields:
            yield from _categories(getattr(rule, name))


def _bad_cell(matrix: object) -> bool:
    """Whether a cell of a matrix is not an amount or a token (the loader's third pass)."""
    if isinstance(matrix, dict):
        return any(map(_bad_cell, matrix.values()))
    if isinstance(matrix, list):
        return True
    try:
        model.parse_cell(matrix)
    except ValueError:
        return True
    return False


def test_the_product_schema_refuses_a_changed_rule_if_and_only_if_the_loader_does() -> None:
    """Each class of the rule model, one instance from the shipped products, each
    of its fields changed: the schema's class and the loader's model agree."""
    from claimcalc.product import schema

    validators: dict[str, _Validator] = {}
    disagreements = []
    classes = set()
    for name, change, data in _product_mutations():
        classes.add(name)
        if name not in validators:
            node = PRODUCT_SCHEMA if name == "Product" else {"$ref": f"#/$defs/{name}"}
            validators[name] = _Validator({"$defs": PRODUCT_SCHEMA["$defs"], **node}, False)
        validator = validators[name]
        schema_refuses = not validator.is_valid(data)
        try:
            rule = getattr(schema, name).model_validate(data)
        except PydanticError:
            loader_refuses = True
        else:
            loader_refuses = any(map(_bad_cell, _matrices(rule))) or any(
                category not in EXPENSE_CATEGORIES for category in _categories(rule)
            )
        if schema_refuses != loader_refuses:
            refuses = "the schema refuses" if schema_refuses else "the loader refuses"
            disagreements.append(f"{name}: {change}: only {refuses}")
    assert len(classes) > 30
    assert disagreements == []


def test_the_product_schema_takes_the_source_shorthand() -> None:
    source = PRODUCT_SCHEMA["$defs"]["Limit"]["properties"]["source"]
    assert {"minLength": 1, "type": "string"}.items() <= source["anyOf"][0].items()
    assert source["anyOf"][1] == {"$ref": "#/$defs/Source"}


@pytest.mark.parametrize(("number", "whole"), [("40.0", True), ("4e1", True), ("40.5", False)])
def test_a_json_number_with_a_zero_fraction_is_a_whole_number_to_both(
    number: str, whole: bool
) -> None:
    """JSON Schema counts 40.0 an integer; so does the reader (fields and facts)."""
    text = (EXAMPLES[0]).read_text(encoding="utf-8")
    data = json.loads(text, parse_float=Decimal)
    person = data["insured"][0]
    person.pop("birth_date", None)
    person["age_at_subscription"] = Decimal(number)
    person.setdefault("facts", {})["hospital_days"] = Decimal(number)
    data["claim_format"] = Decimal("1.0")
    assert _schema_accepts(data) is whole
    assert (_field_problems(data) == []) is whole
    if whole:
        claim = claim_from_data(data, "claim.json")
        assert type(claim.insured[0].age_at_subscription) is int
        assert claim.insured[0].facts["hospital_days"] == 40
        assert type(claim.insured[0].facts["hospital_days"]) is int
