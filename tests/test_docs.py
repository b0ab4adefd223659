"""The docs stay in step with the code and the product files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.facts import FACTS, FactLevel
from claimcalc.output.guide import claim_guide, example_line, facts_read, loss_window
from claimcalc.product.schema import CoverEnds
from tests.conftest import EXAMPLES, PRODUCT_IDS, ROOT, product


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


@pytest.mark.parametrize("product_id", PRODUCT_IDS)
def test_the_guide_asks_for_what_the_rules_read(product_id: str) -> None:
    """A death or invalidity's time window reads the line's ``loss_date``; cover
    ending at the first tourist service reads ``trip_started``."""
    loaded = product(product_id)
    for section in loaded.sections:
        for guarantee in section.guarantees:
            rules = (*loaded.eligibility, *section.eligibility, *guarantee.eligibility)
            window = guarantee.formula.kind != "documented_cost" and any(
                r.kind == "within_time_of_event" for r in rules
            )
            assert (loss_window(loaded, section, guarantee) is not None) == window
            assert ("loss_date" in example_line(guarantee, window)) == window
            if any(isinstance(r, CoverEnds) and r.at == "first_service" for r in rules):
                assert "trip_started" in facts_read(loaded, section, guarantee), guarantee.code


def test_an_example_line_without_the_loss_date_its_guide_requires_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    checked = 0
    for path in EXAMPLES:
        claim = json.loads(path.read_text(encoding="utf-8"))
        before = checked
        for person in claim["insured"]:
            for line in person["lines"]:
                if "loss_date" not in line:
                    continue
                guide = claim_guide(product(claim["product"]))
                entry = guide.split(f"### `{line['guarantee']}`")[1].split("###")[0]
                assert "- Required: `loss_date`" in entry
                del line["loss_date"]
                checked += 1
        if checked > before:
            (tmp_path / path.name).write_text(json.dumps(claim), encoding="utf-8")
            assert main(["settle", str(tmp_path / path.name)]) == ExitCode.INVALID_CLAIM
            assert ".loss_date: required by " in capsys.readouterr().err
    assert checked
