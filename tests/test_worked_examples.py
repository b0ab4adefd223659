"""Worked examples that read like the contract: ``tests/worked/*.yaml``.

Each case is named after the article it checks; its expected amounts were
computed by hand from the contract.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from claimcalc.claim.model import claim_from_data
from claimcalc.output.documents import to_json
from claimcalc.product.model import freeze
from claimcalc.settle.engine import settle
from claimcalc.settlement import REASON_CODES, LineResult, Settlement
from tests.conftest import product

WORKED = Path(__file__).resolve().parent / "worked"


def merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base.get(key), value) if key in base else value
        return out
    return copy.deepcopy(override)


def load_cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    cases = []
    for path in sorted(WORKED.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            claim = merge(document["base"], case.get("claim", {}))
            if "insured" not in case.get("claim", {}):
                person = merge(document["person"], case.get("person", {}))
                person = {k: v for k, v in person.items() if v is not None}
                person["lines"] = case["lines"]
                claim["insured"] = [person]
            cases.append((f"{path.stem}: {case['name']}", claim, case["expect"]))
    return cases


CASES = load_cases()


def line_of(settlement: Settlement, key: str) -> LineResult:
    ref, _, line_id = key.rpartition(":")
    person = next(p for p in settlement.insured if p.ref == ref) if ref else settlement.insured[0]
    return next(ln for ln in person.lines if ln.line_id == line_id)


def test_there_are_at_least_sixty_worked_examples() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("name", "claim", "expect"), CASES, ids=[c[0] for c in CASES])
def test_worked_example(name: str, claim: dict[str, Any], expect: dict[str, Any]) -> None:
    parsed = claim_from_data(claim, name)
    settlement = settle(parsed, product(parsed.product))
    for key, paid in expect.get("paid", {}).items():
        result = line_of(settlement, key)
        assert str(result.paid) == paid, f"line {key}: {result.reason_text()}"
    for key, codes in expect.get("codes", {}).items():
        got = [r.code.value for r in line_of(settlement, key).reasons]
        if codes:
            assert set(codes) <= set(got), f"line {key}: reasons {got}"
        else:
            assert got == [], f"line {key}: expected no reduction, got {got}"
    if "indemnity" in expect:
        assert str(settlement.indemnity) == expect["indemnity"]
    if "advances" in expect:
        assert str(settlement.advances) == expect["advances"]


@pytest.mark.parametrize(("name", "claim", "expect"), CASES, ids=[c[0] for c in CASES])
def test_the_frozen_rulebook_settles_every_worked_example_the_same(
    name: str, claim: dict[str, Any], expect: dict[str, Any]
) -> None:
    """Batch and one-claim runs settle with the plain copy (rulebook.freeze): to the
    trace text, it must settle as the validated product does."""
    parsed = claim_from_data(claim, name)
    validated = product(parsed.product)
    assert to_json(settle(parsed, freeze(validated))) == to_json(settle(parsed, validated))


@pytest.mark.parametrize(("name", "claim", "expect"), CASES, ids=[c[0] for c in CASES])
def test_a_settlement_without_steps_keeps_every_reason(
    name: str, claim: dict[str, Any], expect: dict[str, Any]
) -> None:
    """``steps=False`` (a batch without --explain) leaves out only the steps that
    are not reasons: the record, amounts and statuses are the same."""
    parsed = claim_from_data(claim, name)
    full = settle(parsed, product(parsed.product))
    lean = settle(parsed, product(parsed.product), steps=False)
    assert to_json(lean, steps=False) == to_json(full, steps=False)
    for whole, reasons in zip(full.lines(), lean.lines(), strict=True):
        assert reasons.trace == [s for s in whole.trace if s.code in REASON_CODES]
