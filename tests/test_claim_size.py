"""A claim's size is bounded as a whole, not only list by list (issue #15): 1,000
persons of 1,000 lines each would each be within the per-list bound."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from claimcalc.claim.model import MAX_CLAIM_TEXT, MAX_LINES
from claimcalc.claim.read import parse_claim
from claimcalc.errors import ClaimError
from tests.conftest import FIXTURES


def _claim() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "claims" / "valid.json").read_text("utf-8"))
    return data


def _with_lines(persons: int, lines: int) -> dict[str, Any]:
    data = _claim()
    template = data["insured"][0]
    line = template["lines"][0]
    data["insured"] = []
    for p in range(persons):
        person = copy.deepcopy(template)
        person["ref"] = f"P{p}"
        person["lines"] = [{**line, "id": f"L{p}-{i}"} for i in range(lines)]
        data["insured"].append(person)
    return data


@pytest.mark.parametrize("fast", [False, True])
def test_lines_in_all_are_bounded(fast: bool) -> None:
    persons = MAX_LINES // 1000 + 1
    with pytest.raises(ClaimError) as caught:
        parse_claim(json.dumps(_with_lines(persons, 1000)), "big.json", fast)
    assert caught.value.problems == (
        ("insured", f"{persons * 1000:,} lines in all; a claim holds at most {MAX_LINES:,}"),
    )


def test_lines_up_to_the_bound_are_read() -> None:
    claim = parse_claim(json.dumps(_with_lines(MAX_LINES // 1000, 1000)), "big.json")
    assert sum(len(p.lines) for p in claim.insured) == MAX_LINES


@pytest.mark.parametrize("fast", [False, True])
def test_a_claim_text_is_bounded_before_it_is_parsed(fast: bool) -> None:
    text = json.dumps(_claim())
    text = text[:-1] + " " * (MAX_CLAIM_TEXT - len(text) + 1) + "}"
    with pytest.raises(ClaimError) as caught:
        parse_claim(text, "huge.json", fast)
    assert caught.value.problems == (
        ("", f"{len(text):,} characters; a claim holds at most {MAX_CLAIM_TEXT:,}"),
    )
    # One character less is parsed (and valid).
    parse_claim(text[: MAX_CLAIM_TEXT - 1] + "}", "huge.json", fast)
