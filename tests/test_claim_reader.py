"""The claim format's derived forms against its one declaration.

``claimcalc.claim.model`` declares the format; the quick reader
(``claim/quick.py``) is generated from it, the full reader and the JSON
Schema are derived from it at run time. Here: the generated reader is what the
generator writes today; the quick and the full reading give the same answers;
the readings keep every value of a valid claim; and the reader and the JSON
Schema refuse the same fields of a broken claim.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from claimcalc.claim import generate, quick
from claimcalc.claim.model import CLAIM_FORMAT, MODELS, Claim, fields_of
from claimcalc.claim.read import GIVES_UP, claim_from_data, read_fully
from claimcalc.claim.schema import json_schema
from claimcalc.errors import ClaimError, key_path
from tests.conftest import EXAMPLES, FIXTURES

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [*EXAMPLES, FIXTURES / "claims" / "valid.json"]
# As a validator reads the printed schema, numbers as decimals (multipleOf 0.01).
SCHEMA = json.loads(json.dumps(json_schema()), parse_float=Decimal)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return data


def _reader_problems(data: object) -> list[tuple[str, str]]:
    """The reader's problems with the fields (before the checks between fields)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    read_fully(Claim, data, (), problems)
    return [(key_path(loc), message) for loc, message in problems]


def _quick_reading(data: object) -> object:
    """What the quick path reads (valid claims only), or None where it gives up."""
    try:
        return quick.claim(data)
    except GIVES_UP:
        return None


def _full_reading(data: object) -> object:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    claim = read_fully(Claim, data, (), problems)
    return None if problems else claim


# --------------------------------------------------------------------------- derived forms


def test_the_generated_quick_reader_is_current() -> None:
    """Edit claim/model.py, then run ``python -m claimcalc.claim.generate``."""
    # its source: the module imported may be its compiled copy (claimcalc.compiled)
    assert generate.QUICK.read_text(encoding="utf-8") == generate.source()


def test_every_declared_field_is_in_the_schema_with_its_bounds() -> None:
    assert SCHEMA["title"] == "Claim"
    for model in MODELS:
        node = SCHEMA if model is Claim else SCHEMA["$defs"][model.__name__]
        specs = fields_of(model)
        assert list(node["properties"]) == [f.name for f in dataclasses.fields(model)]
        assert node["required"] == [s.name for s in specs if s.required]
        assert node["additionalProperties"] is False
        for spec in specs:
            text = json.dumps(node["properties"][spec.name], default=str)
            for bound in (spec.pattern and spec.pattern.regex, spec.doc, *spec.choices):
                if bound is not None:
                    assert json.dumps(bound)[1:-1] in text, (model.__name__, spec.name, bound)
            for key, limit in [
                ("minItems" if spec.many else "minLength", spec.length and spec.length.min),
                ("maxItems" if spec.many else "maxLength", spec.length and spec.length.max),
                ("minimum", spec.bounds and spec.bounds.ge),
                ("maximum", spec.bounds and spec.bounds.le),
                ("exclusiveMinimum", spec.bounds and spec.bounds.gt),
            ]:
                if limit is not None:
                    assert f'"{key}": {limit}' in text, (model.__name__, spec.name, key)
            if spec.nested:
                assert f'"#/$defs/{spec.kind.__name__}"' in text
            if spec.optional:
                assert '{"type": "null"}' in text
    rate = SCHEMA["$defs"]["ExchangeRate"]["properties"]["units_per_eur"]
    assert rate["anyOf"][0] == {
        "exclusiveMinimum": 0,
        "maximum": 1000000,
        "multipleOf": Decimal("0.000001"),
        "type": "number",
    }
    assert SCHEMA["properties"]["claim_format"]["const"] == CLAIM_FORMAT


def test_the_claim_format_documentation_names_every_field() -> None:
    text = (ROOT / "docs" / "claim-format.md").read_text(encoding="utf-8")
    quoted = " ".join(re.findall(r"`([^`]*)`", text))
    missing = [
        f"{model.__name__}.{spec.name}"
        for model in MODELS
        for spec in fields_of(model)
        if not re.search(rf"\b{spec.name}\b", quoted)
    ]
    assert missing == []


@pytest.mark.parametrize("path", CLAIMS, ids=lambda p: p.name)
def test_the_examples_are_valid_under_the_schema(path: Path) -> None:
    assert [error.message for error in VALIDATOR.iter_errors(_load(path))] == []


# --------------------------------------------------------------------------- valid claims


def _same(read: object, given: object, where: str) -> None:
    """``read`` is what a valid JSON value ``given`` declares (defaults filled in)."""
    if dataclasses.is_dataclass(read) and not isinstance(read, type):
        assert isinstance(given, dict), where
        for declared in dataclasses.fields(read):
            value = getattr(read, declared.name)
            if declared.name in given:
                _same(value, given[declared.name], f"{where}.{declared.name}")
            elif declared.default_factory is not dataclasses.MISSING:
                assert value == declared.default_factory(), f"{where}.{declared.name}"
            else:
                assert value == declared.default, f"{where}.{declared.name}"
    elif isinstance(read, tuple):
        assert isinstance(given, list) and len(read) == len(given), where
        for i, (item, raw) in enumerate(zip(read, given, strict=True)):
            _same(item, raw, f"{where}[{i}]")
    elif isinstance(read, Decimal):
        assert isinstance(given, str | int | Decimal) and not isinstance(given, bool), where
        assert str(read) == str(given), where  # exactly as written: "12.50" stays 12.50
    elif isinstance(read, dt.date):
        assert read.isoformat() == given, where
    else:
        assert type(read) is type(given) and read == given, where


@pytest.mark.parametrize("path", CLAIMS, ids=lambda p: p.name)
def test_a_valid_claim_is_read_to_its_values(path: Path) -> None:
    data = _load(path)
    claim = claim_from_data(data, path.name)
    _same(claim, data, "claim")
    assert claim.claim_format == CLAIM_FORMAT
    assert repr(_full_reading(data)) == repr(claim)


def test_facts_are_copied_from_the_document() -> None:
    data = _load(FIXTURES / "claims" / "valid.json")
    claim = claim_from_data(data, "x.json")
    data["event"]["facts"]["cause"] = "war"
    assert claim.event.facts.get("cause") != "war"


# --------------------------------------------------------------------------- broken claims

_BAD_VALUES: tuple[object, ...] = (
    None,
    "x",
    -1,
    True,
    {},
    [],
    Decimal("-0.5"),
    "2026-02-30",
    "EUR\n",
    "x" * 81,  # longer than a reference or a label may be
    131,  # older than an insured person may be
    # texts that amounts read (or refuse) with care
    " 12.50 ",
    "-0.5",
    "NaN",
    "1e3",
)


def _leaves(node: object, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "facts":  # facts are checked against their vocabulary, not a model
                continue
            yield (*path, key)
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _leaves(value, (*path, i))


def _mutations(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in _leaves(data):
        for value in _BAD_VALUES:
            changed = copy.deepcopy(data)
            parent = changed
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            yield f"{key_path(path)}={value!r}", changed
        if isinstance(path[-1], str):
            removed = copy.deepcopy(data)
            parent = removed
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
            yield f"{key_path(path)} removed", removed
            extra = copy.deepcopy(data)
            parent = extra
            for key in path[:-1]:
                parent = parent[key]
            parent["zz_unknown"] = 1
            yield f"{key_path(path[:-1])}.zz_unknown added", extra


def _schema_refuses(data: object) -> set[str]:
    """Where the JSON Schema finds a problem, as the reader locates it."""
    found = set()
    for error in VALIDATOR.iter_errors(data):
        path = tuple(error.absolute_path)
        if error.validator == "required":
            found |= {key_path((*path, name)) for name in _missing(error.instance, error)}
        elif error.validator == "additionalProperties":
            found |= {key_path((*path, name)) for name in _unknown(error.instance, error)}
        else:
            found.add(key_path(path))
    return found


def _missing(instance: dict[str, Any], error: Any) -> list[str]:
    return [name for name in error.validator_value if name not in instance]


def _unknown(instance: dict[str, Any], error: Any) -> list[str]:
    return [name for name in instance if name not in error.schema["properties"]]


@pytest.mark.parametrize("path", CLAIMS, ids=lambda p: p.name)
def test_quick_and_full_readings_agree(path: Path) -> None:
    checked = 0
    for name, data in _mutations(_load(path)):
        reader = _reader_problems(data)
        checked += 1
        # The quick path (valid claims) reads exactly what the full reading does.
        quick_claim = _quick_reading(data)
        assert (quick_claim is not None) == (reader == []), name
        assert repr(quick_claim) == repr(_full_reading(data)), name
    assert checked > 100


def test_the_reader_and_the_schema_refuse_the_same_fields() -> None:
    disagreements = []
    checked = set()
    for path in CLAIMS:
        for name, data in _mutations(_load(path)):
            # Each field and value once (validating is slow): one line's id
            # stands for every line's.
            kind = re.sub(r"\[\d+\]", "[]", name)
            if kind in checked:
                continue
            checked.add(kind)
            where_reader = {field for field, _ in _reader_problems(data)}
            where_schema = _schema_refuses(data)
            if where_reader == where_schema:
                continue
            disagreements.append((name, sorted(where_reader), sorted(where_schema)))
    assert len(checked) > 500
    assert disagreements == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("checked_in", 1, "expected true or false, got 1"),
        ("checked_in", "true", 'expected true or false, got "true"'),
        ("date", 1700000000, "not a valid date (YYYY-MM-DD): 1700000000"),
        ("date", "2026-03-04T00:00:00", "not a valid date (YYYY-MM-DD): '2026-03-04T00:00:00'"),
    ],
)
def test_reader_is_strict_about_types(field: str, value: object, message: str) -> None:
    data = _load(FIXTURES / "claims" / "valid.json")
    line = data["insured"][0]["lines"][0]
    line["objects"] = [{"value": "100", "date": "2026-03-03", field: value}]
    with pytest.raises(ClaimError) as caught:
        claim_from_data(data, "x.json")
    assert caught.value.problems == ((f"insured[0].lines[0].objects[0].{field}", message),)


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("claim_format",), True, "unsupported claim format true; this claimcalc reads format 1"),
        (("claim_id",), "", "String should have at least 1 character"),
        (("claim_id",), "x" * 65, "String should have at most 64 characters"),
        (("insured", 0, "age_at_subscription"), 131, "Input should be less than or equal to 130"),
        (("insured", 0, "role"), "pupil", "Input should be 'student' or 'teacher'"),
        (("rates", 0, "units_per_eur"), "0", "must be greater than 0"),
    ],
)
def test_bounds_from_the_declaration(
    where: tuple[str | int, ...], value: object, message: str
) -> None:
    data = _load(FIXTURES / "claims" / "valid.json")
    data["rates"] = [{"currency": "USD", "date": "2026-03-03", "units_per_eur": "1.1"}]
    parent: Any = data
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    with pytest.raises(ClaimError) as caught:
        claim_from_data(data, "x.json")
    assert caught.value.problems == ((key_path(where), message),)
