"""The JSON Schema of claim files (``claimcalc schema claim``), derived from the declaration.

Written from :mod:`claimcalc.claim.model` in the form pydantic writes a model's
schema (one ``$defs`` entry per class, titles from the names, keys sorted),
so that editors and validators see the format the readers read, exactly:
a document is valid under the schema when the readers read its every field
(tests/test_schema_agreement.py). What the schema cannot state are the
relations between fields, which the reader checks once it has read them
(:func:`claimcalc.claim.read.check_claim`: return after departure, references
unique…).

Numbers: decimal text is matched by a pattern, the one the quick reader
matches (its bounds written into it, :func:`claimcalc.claim.model.decimal_text`);
a JSON number by ``minimum``/``maximum`` and ``multipleOf`` for its decimal
places. ``multipleOf`` is exact only when the validator reads numbers as
decimals (Python: ``json.loads(text, parse_float=Decimal)``, as claimcalc
reads claims); whole numbers are JSON integers, which by the standard include
``40.0`` and ``4e1``: the reader takes them as 40 (claim.values.whole).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from claimcalc.claim.model import (
    DATE_PATTERN,
    FACT_DECIMAL,
    MAX_FACT_INT,
    MODELS,
    Bounds,
    Claim,
    FieldSpec,
    decimal_text,
    fields_of,
)
from claimcalc.facts import DERIVED_FACTS, FACTS, FactLevel, FactType


def json_schema() -> dict[str, Any]:
    """The schema of a claim file (without ``$schema``; ``title`` is the class's)."""
    nested = sorted((m for m in MODELS if m is not Claim), key=lambda m: m.__name__)
    schema: dict[str, Any] = _sorted(
        {"$defs": {m.__name__: _object(m) for m in nested}, **_object(Claim)}
    )
    return schema


def description(model: type) -> str | None:
    """A class's docstring; None for the one dataclass writes (its signature)."""
    doc = model.__doc__
    if doc is None or doc.startswith(f"{model.__name__}("):
        return None
    return doc.strip()


def _object(model: type) -> dict[str, Any]:
    specs = fields_of(model)
    schema: dict[str, Any] = {
        "additionalProperties": False,
        "properties": {spec.name: _property(spec) for spec in specs},
        "title": model.__name__,
        "type": "object",
    }
    required = [spec.name for spec in specs if spec.required]
    if required:
        schema["required"] = required
    doc = description(model)
    if doc:
        schema["description"] = doc
    return schema


def _property(spec: FieldSpec) -> dict[str, Any]:
    if spec.nested and not spec.many:
        assert spec.required, f"{spec.name}: an optional object"
        return {"$ref": f"#/$defs/{spec.kind.__name__}"}  # as pydantic: no title
    schema = _value(spec)
    if spec.optional:
        schema = {"anyOf": [*schema.get("anyOf", [schema]), {"type": "null"}]}
    schema["title"] = spec.name.replace("_", " ").title()
    if not spec.required and spec.factory is None:
        schema["default"] = list(spec.default) if isinstance(spec.default, tuple) else spec.default
    if spec.doc:
        schema["description"] = spec.doc
    return schema


def _value(spec: FieldSpec) -> dict[str, Any]:
    """The schema of the field's value, null aside."""
    if spec.nested:  # a list of them
        array: dict[str, Any] = {"items": {"$ref": f"#/$defs/{spec.kind.__name__}"}}
        if spec.length and spec.length.max is not None:
            array["maxItems"] = spec.length.max
        if spec.length and spec.length.min is not None:
            array["minItems"] = spec.length.min
        return {**array, "type": "array"}
    json_type = {str: "string", bool: "boolean", int: "integer"}.get(spec.kind)
    if spec.choices:
        assert json_type is not None
        if len(spec.choices) == 1:
            return {"const": spec.choices[0], "type": json_type}
        return {"enum": list(spec.choices), "type": json_type}
    if spec.kind is dict:
        return _facts_schema()
    if spec.kind is dt.date:
        # the years of FIRST_DATE to LAST_DATE; the days of the month by format
        return {"format": "date", "pattern": DATE_PATTERN, "type": "string"}
    if spec.kind is Decimal:
        return _decimal(spec.bounds)
    assert json_type is not None, f"{spec.name}: no schema for {spec.kind}"
    schema: dict[str, Any] = {"type": json_type}
    if spec.pattern:
        schema["pattern"] = spec.pattern.regex
    if spec.length and spec.length.min is not None:
        schema["minLength"] = spec.length.min
    if spec.length and spec.length.max is not None:
        schema["maxLength"] = spec.length.max
    if spec.bounds and spec.bounds.ge is not None:
        schema["minimum"] = spec.bounds.ge
    if spec.bounds and spec.bounds.le is not None:
        schema["maximum"] = spec.bounds.le
    return schema


def _decimal(bounds: Bounds | None) -> dict[str, Any]:
    """A decimal number within ``bounds``: a JSON number, or decimal text."""
    floor = bounds.gt if bounds else None
    number: dict[str, Any] = {"minimum": 0} if floor is None else {"exclusiveMinimum": floor}
    if bounds and bounds.le is not None:
        number["maximum"] = bounds.le
    if bounds and bounds.places is not None:
        number["multipleOf"] = float(f"1e-{bounds.places}")  # written 0.01, 1e-06
    return {
        "anyOf": [
            {**number, "type": "number"},
            {"pattern": decimal_text(bounds), "type": "string"},
        ]
    }


def _facts_schema() -> dict[str, Any]:
    """The facts a claim may state, with their types and values (claimcalc.facts)."""
    kinds: dict[FactType, dict[str, Any]] = {
        FactType.BOOL: {"type": "boolean"},
        FactType.INT: {"type": "integer", "minimum": 0, "maximum": MAX_FACT_INT},
        FactType.DECIMAL: _decimal(FACT_DECIMAL),
    }
    properties: dict[str, Any] = {}
    for spec in FACTS.values():
        if spec.level is not FactLevel.CLAIM or spec.name in DERIVED_FACTS:
            continue
        if spec.type is FactType.ENUM:
            schema: dict[str, Any] = {"enum": sorted(spec.values)}
        elif spec.type is FactType.SET:
            schema = {
                "type": "array",
                "items": {"enum": sorted(spec.values), "type": "string"},
                "uniqueItems": True,
            }
        else:
            schema = dict(kinds[spec.type])
        properties[spec.name] = {**schema, "description": spec.description}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _sorted(value: Any, parent: str | None = None) -> Any:
    """Keys sorted at every level, as pydantic writes them, but for the order
    of ``properties`` (the declaration's) and of ``default`` values."""
    if isinstance(value, dict):
        keys = list(value) if parent in ("properties", "default") else sorted(value)
        return {key: _sorted(value[key], key) for key in keys}
    if isinstance(value, list):
        return [_sorted(item, parent) for item in value]
    return value
