"""The seed contracts: every product names one, and CI never skips the tests that quote them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PRODUCT_IDS, ROOT, seed_text


@pytest.mark.parametrize("product_id", PRODUCT_IDS)
def test_every_product_names_its_seed_contract(product_id: str) -> None:
    assert len(seed_text(product_id)) > 1000


def test_a_missing_seed_skips_on_a_plain_checkout_and_fails_when_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAIMCALC_REQUIRE_SEEDS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found in"):
        seed_text(PRODUCT_IDS[0], tmp_path)
    monkeypatch.setenv("CLAIMCALC_REQUIRE_SEEDS", "1")
    with pytest.raises(pytest.fail.Exception, match="CLAIMCALC_REQUIRE_SEEDS=1"):
        seed_text(PRODUCT_IDS[0], tmp_path)


def test_ci_requires_the_seeds_before_it_runs_the_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index("export CLAIMCALC_REQUIRE_SEEDS=1") < script.index("python -m pytest")
