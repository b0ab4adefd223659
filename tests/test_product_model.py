"""The rule model is declared once (product/model.py); schema.py is generated from it."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel

from claimcalc.product import model, schema
from claimcalc.product.generate import SCHEMA_PATH, generate
from claimcalc.product.model import REQUIRED, Scope, meta_of, rule_classes, rule_fields


def test_schema_py_is_what_the_generator_writes_from_model_py() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == generate(), (
        "src/claimcalc/product/schema.py is not current: run python -m claimcalc.product.generate"
    )


@pytest.mark.parametrize("plain", rule_classes(), ids=lambda c: c.__name__)
def test_each_model_has_the_fields_defaults_and_aliases_of_its_declaration(plain: type) -> None:
    validated = getattr(schema, plain.__name__)
    assert issubclass(validated, plain)
    assert issubclass(validated, BaseModel)
    declared = {
        name: meta_of(hint)
        for name, hint in typing.get_type_hints(plain, include_extras=True).items()
        if not name.startswith("_")
    }
    assert list(validated.model_fields) == list(declared)
    for name, meta in declared.items():
        info = validated.model_fields[name]
        required = meta is None or (meta.default is REQUIRED and meta.default_factory is None)
        assert info.is_required() is required, name
        if meta is not None and meta.default is not REQUIRED:
            assert info.default == meta.default, name
        assert info.alias == (meta.alias if meta else None), name


def test_the_walk_yields_every_field_and_marks_documentation() -> None:
    fields = {(cls.__name__, name): descriptive for cls, name, descriptive in rule_fields()}
    for documentation in [
        ("Source", "table"),
        ("Source", "document"),
        ("Limit", "reading"),
        ("Franchigia", "discrepancy"),
        ("Guarantee", "note"),
        ("Guarantee", "title"),
        ("Product", "insurer"),
        ("Product", "seed"),
        ("Product", "edition_label"),
        ("Zone", "note"),
        ("Discrepancy", "text"),
        ("Discrepancy", "source"),
    ]:
        assert fields[documentation] is True, documentation
    for read in [("Limit", "scope"), ("Limit", "amount"), ("Franchigia", "amount"), ("Zone", "id")]:
        assert fields[read] is False, read
    assert ("Annotations", "source") not in fields  # only inherited from: not a rule of its own
    assert ("Product", "_settling_plan") not in fields
    expected = sum(
        len([n for n in typing.get_type_hints(c) if not n.startswith("_")])
        for c in rule_classes()
        if c is not model.Annotations
    )
    assert len(fields) == expected


def test_each_scope_has_one_text() -> None:
    assert Scope.PER_SINISTRO.value == "per_sinistro"
    assert Scope.PER_SINISTRO.text == "per sinistro (per insured)"
    assert Scope.PER_INSURED_PER_PERIOD.text == "per insured, per policy period"
    assert set(model.SCOPE_TEXTS) == set(Scope)
