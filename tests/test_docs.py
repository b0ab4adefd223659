"""The docs stay in step with the code and the product files."""

from __future__ import annotations

import pytest

from claimcalc.facts import FACTS, FactLevel
from claimcalc.output.guide import claim_guide
from tests.conftest import PRODUCT_IDS, ROOT, product


@pytest.mark.parametrize("product_id", PRODUCT_IDS)
def test_the_generated_guarantee_guides_are_up_to_date(product_id: str) -> None:
    committed = (ROOT / "docs" / f"claims-{product_id}.md").read_text(encoding="utf-8")
    assert committed == claim_guide(product(product_id)) + "\n", (
        f"run: claimcalc products guide {product_id} > docs/claims-{product_id}.md"
    )


def test_every_claim_fact_is_documented() -> None:
    doc = (ROOT / "docs" / "claim-format.md").read_text(encoding="utf-8")
    for spec in FACTS.values():
        if spec.level is FactLevel.CLAIM and spec.name not in ("age", "role", "reported_late"):
            assert f"`{spec.name}`" in doc, spec.name
            for value in spec.values:
                assert f"`{value}`" in doc, (spec.name, value)
