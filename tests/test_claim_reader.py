"""The hand-written claim reader against the pydantic mirror of the format.

``claimcalc.claim.model`` reads claims without pydantic (speed); ``claim_schema``
is the same format as a pydantic model (the published JSON Schema). Here the
two must agree: same values for every valid claim, and for every broken one
the same fields and messages, except where the reader is deliberately
stricter than pydantic's lax mode (the JSON Schema already says so).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from claimcalc.claim import model as claim_module
from claimcalc.claim import schema as claim_schema
from claimcalc.claim.model import CLAIM_FORMAT, claim_from_data
from claimcalc.errors import ClaimError, key_path
from tests.conftest import EXAMPLES, FIXTURES

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [*EXAMPLES, FIXTURES / "claims" / "valid.json"]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return data


def _mirror_problems(data: object) -> list[tuple[str, str]]:
    """What the pydantic mirror says about a document, in the reader's words."""
    try:
        claim_schema.Claim.model_validate(data)
    except ValidationError as exc:
        return [(key_path(e["loc"]), _message(e)) for e in exc.errors()]
    return []


def _reader_problems(data: object) -> list[tuple[str, str]]:
    """The reader's problems with the fields (before the checks between fields)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    claim_module._CLAIM(data, (), problems)
    return [(key_path(loc), message) for loc, message in problems]


def _quick_reading(data: object) -> object:
    """What the quick path reads (valid claims only), or None where it gives up."""
    try:
        return claim_module._CLAIM.quick(data)
    except claim_module._GIVES_UP:
        return None


def _full_reading(data: object) -> object:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    claim = claim_module._CLAIM(data, (), problems)
    return None if problems else claim


_TYPE_TEXT = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "list_type": "a list",
    "tuple_type": "a list",
}
_PATTERN_TEXT = {
    "currency": "an ISO 4217 currency code such as EUR or USD",
    "country": "an ISO 3166 country code such as IT or FR",
    "edition": "YYYY-MM, e.g. 2026-01",
    "ref": "letters, digits and . _ : / - only",
    "id": "letters, digits and . _ : / - only",
    "claim_id": "letters, digits and . _ : / - only",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing required field"
    if kind.startswith("date_"):
        return f"not a valid date (YYYY-MM-DD): {error['input']!r}"
    if kind == "literal_error" and error["loc"] == ("claim_format",):
        return f"unsupported claim format {error['input']!r}; this claimcalc reads format 1"
    if kind == "string_pattern_mismatch":
        expected = _PATTERN_TEXT[str(error["loc"][-1])]
        return f"expected {expected}, got {error['input']!r}"
    if kind in _TYPE_TEXT:
        return f"expected {_TYPE_TEXT[kind]}, got {json.dumps(error['input'], default=str)}"
    return str(error["msg"]).removeprefix("Value error, ")


# --------------------------------------------------------------------------- valid claims


@pytest.mark.parametrize("path", CLAIMS, ids=lambda p: p.name)
def test_reader_and_mirror_read_a_valid_claim_to_the_same_values(path: Path) -> None:
    data = _load(path)
    mirror = claim_schema.Claim.model_validate(data).model_dump()
    read = dataclasses.asdict(claim_from_data(data, path.name))
    assert read == mirror
    assert read["claim_format"] == CLAIM_FORMAT


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


_FORMAT_TRUE = "unsupported claim format True; this claimcalc reads format 1"


@pytest.mark.parametrize("path", CLAIMS, ids=lambda p: p.name)
def test_reader_and_mirror_find_the_same_problems(path: Path) -> None:
    disagreements = []
    checked = 0
    for name, data in _mutations(_load(path)):
        mirror = _mirror_problems(data)
        reader = _reader_problems(data)
        checked += 1
        # The quick path (valid claims) reads exactly what the full reading does.
        quick = _quick_reading(data)
        assert (quick is not None) == (reader == []), name
        assert repr(quick) == repr(_full_reading(data)), name
        if name == "claim_format=True":  # Literal[1] takes True in pydantic (True == 1)
            assert reader == [("claim_format", _FORMAT_TRUE)]
            continue
        if mirror != reader:
            disagreements.append((name, mirror, reader))
    assert checked > 100
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
def test_reader_is_strict_where_pydantic_is_lax(field: str, value: object, message: str) -> None:
    data = _load(FIXTURES / "claims" / "valid.json")
    line = data["insured"][0]["lines"][0]
    line["objects"] = [{"value": "100", "date": "2026-03-03", field: value}]
    with pytest.raises(ClaimError) as caught:
        claim_from_data(data, "x.json")
    assert caught.value.problems == ((f"insured[0].lines[0].objects[0].{field}", message),)
