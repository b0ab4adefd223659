"""Reason codes are declared once, each with its step and effect; their page is generated."""

from __future__ import annotations

from claimcalc.output.reference import reason_codes_page
from claimcalc.settlement import CAPPING, REASON_CODES, Code, Effect, Step
from tests.conftest import ROOT


def test_the_reason_codes_page_is_current() -> None:
    committed = (ROOT / "docs" / "reason-codes.md").read_text(encoding="utf-8")
    assert committed == reason_codes_page(), "run: python -m claimcalc.output.reference"


def test_every_code_is_classified() -> None:
    for code in Code:
        assert isinstance(code.step, Step), code
        assert isinstance(code.effect, Effect), code
        assert code.meaning.endswith("."), code


def test_a_lines_reasons_are_the_codes_that_refuse_cap_or_deduct() -> None:
    assert {c for c in Code if c.effect is Effect.INFORMS}.isdisjoint(REASON_CODES)
    assert CAPPING <= REASON_CODES
    assert Code.FRANCHIGIA in REASON_CODES and Code.FRANCHIGIA not in CAPPING
    assert Code.LIMIT in CAPPING and Code.WITHIN_LIMIT not in REASON_CODES
