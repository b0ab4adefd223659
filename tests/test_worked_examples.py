"""Every product's cases (``products/<id>/cases/*.yaml``), run by ``claimcalc test``'s runner.

Each case is named after the article it checks; its expected amounts were
computed by hand from the contract. One pytest case per case, so a failure
names it.
"""

from __future__ import annotations

import pytest

from claimcalc.cases import Case, Runner, differences, find_case_files, load_cases
from claimcalc.output.documents import to_json
from claimcalc.product.model import freeze
from claimcalc.settlement import REASON_CODES
from claimcalc.settling.engine import settle
from tests.conftest import PRODUCT_IDS, product

CASES = load_cases(find_case_files())
RUNNER = Runner()
IDS = [f"{case.file.parent.parent.name}: {case.name}" for case in CASES]


def test_every_product_has_cases_and_there_are_at_least_110() -> None:
    assert {case.file.parent.parent.name for case in CASES} == set(PRODUCT_IDS)
    assert len(CASES) >= 110


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case(case: Case) -> None:
    found = [str(d) for d in differences(case.expect, RUNNER.settle(case))]
    assert not found, f"{case.where}: " + "; ".join(found)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_frozen_rulebook_settles_every_case_the_same(case: Case) -> None:
    """Batch and one-claim runs settle with the plain copy (product.model.freeze): to the
    trace text, it must settle as the validated product does."""
    claim = case.claim()
    validated = product(claim.product)
    assert to_json(settle(claim, freeze(validated))) == to_json(settle(claim, validated))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_settlement_without_steps_keeps_every_reason(case: Case) -> None:
    """``steps=False`` (a batch without --explain) leaves out only the steps that
    are not reasons: the record, amounts and statuses are the same."""
    claim = case.claim()
    full = settle(claim, product(claim.product))
    lean = settle(claim, product(claim.product), steps=False)
    assert to_json(lean, steps=False) == to_json(full, steps=False)
    for whole, reasons in zip(full.lines(), lean.lines(), strict=True):
        assert reasons.trace == [s for s in whole.trace if s.code in REASON_CODES]
