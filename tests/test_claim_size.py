"""Checks of a claim as a whole (issue #15): its size, not only list by list (1,000
persons of 1,000 lines each are each within the per-list bound), and its rates."""

from __future__ import annotations

import copy
import json
from pathlib import Path
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


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_an_ndjson_line_of_the_largest_claim_is_a_claim(tmp_path: Path, ending: str) -> None:
    """The bound is the claim's text, not its line ending's: a line of exactly
    MAX_CLAIM_TEXT characters before its ending is read as a file of them is."""
    from claimcalc.claim.sources import iter_items

    text = json.dumps(_claim())
    text = text[:-1] + " " * (MAX_CLAIM_TEXT - len(text)) + "}"
    assert len(text) == MAX_CLAIM_TEXT
    path = tmp_path / "big.ndjson"
    path.write_bytes((text + ending + text + ending).encode("utf-8"))
    items = list(iter_items([str(path)]))
    assert [(item.text, item.unreadable) for item in items] == [(text, None)] * 2
    assert items[0].claim().claim_id == _claim()["claim_id"]


def test_a_second_rate_for_the_same_currency_and_day_is_refused() -> None:
    """Two fixings of one day: the last one would win silently, and change the payout."""
    data = _claim()
    data["rates"] = [
        {"currency": "USD", "date": "2026-04-07", "units_per_eur": "1.08"},
        {"currency": "GBP", "date": "2026-04-07", "units_per_eur": "0.85"},
        {"currency": "USD", "date": "2026-04-07", "units_per_eur": "0.5"},
    ]
    with pytest.raises(ClaimError) as caught:
        parse_claim(json.dumps(data), "rates.json")
    assert caught.value.problems == (("rates[2]", "a second rate for USD on 2026-04-07"),)


def test_a_key_with_control_characters_is_printed_escaped() -> None:
    """A key cannot move the terminal or forge a second error line."""
    data = _claim()
    data["x\u001b]0;t\u0007\r\nfake.json: ok"] = 1
    with pytest.raises(ClaimError) as caught:
        parse_claim(json.dumps(data), "keys.json")
    ((field, message),) = caught.value.problems
    assert (field, message) == ("x\\x1b]0;t\\x07\\r\\nfake.json: ok", "unknown field")
    assert field.isprintable()


@pytest.mark.parametrize(
    "value",
    [["mario.rossi@example.com"], {"a": "RSSMRA85T10A562S"}, ["x" * 100_000]],
    ids=["list", "object", "huge"],
)
def test_a_wrong_value_that_is_a_list_or_an_object_is_not_shown(value: object) -> None:
    data = _claim()
    data["claim_id"] = value
    data["event"]["date"] = value
    with pytest.raises(ClaimError) as caught:
        parse_claim(json.dumps(data), "wrong.json")
    text = "\n".join(f"{field}: {message}" for field, message in caught.value.problems)
    assert "mario" not in text and "RSSMRA" not in text and "xxxx" not in text
    assert len(text) < 400


def test_a_file_or_line_too_large_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    """A multi-gigabyte line cannot take the batch's memory: it is that claim's error."""
    from claimcalc.batch import run
    from claimcalc.claim.sources import MAX_CLAIM_BYTES, TOO_LARGE, iter_items
    from claimcalc.output.formats import Format

    good = json.dumps(_claim())
    book = tmp_path / "book.ndjson"
    with book.open("w", encoding="utf-8") as handle:
        handle.write(good + "\n")
        handle.write('{"claim_id": "' + "x" * (MAX_CLAIM_BYTES + 10) + '"}\n')
        handle.write(good + "\n")
    big = tmp_path / "big.json"
    big.write_text(" " * (MAX_CLAIM_BYTES + 1) + good, encoding="utf-8")
    items = list(iter_items([str(book), str(big)]))
    assert [(i.source.rsplit("/", 1)[-1], i.unreadable) for i in items] == [
        ("book.ndjson:1", None),
        ("book.ndjson:2", TOO_LARGE),
        ("book.ndjson:3", None),
        ("big.json", TOO_LARGE),
    ]
    outcomes = list(run(items, Format.NDJSON))
    assert [o.error is None for o in outcomes] == [True, False, True, False]
    assert outcomes[1].error is not None and TOO_LARGE in str(outcomes[1].error)
