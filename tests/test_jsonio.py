"""orjson reads and writes a batch's later claims: the results must be the same.

``claimcalc.jsonio`` trusts two facts, checked here: a claim refuses floats
wherever they appear (so a claim read from orjson's values, where a number
with a fraction is a float, is the claim the json module's Decimals give),
and orjson writes the same text as the json module, or refuses what it
would not write the same way.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimcalc import jsonio
from claimcalc.batch import settle_one
from claimcalc.claim.model import Claim
from claimcalc.claim.read import parse_claim
from claimcalc.claim.sources import Item
from claimcalc.errors import ClaimError
from claimcalc.output.formats import Format
from claimcalc.settling.settler import Settler
from tests.conftest import FIXTURES
from tests.test_claim_reader import CLAIMS, _load, _mutations

ROOT = Path(__file__).resolve().parent.parent
BAD = sorted((FIXTURES / "claims" / "bad").glob("*.json"))

# Numbers the json module reads exactly and orjson does not (a float, or a
# float for an integer beyond 64 bits), and texts orjson reads differently
# or refuses.
_NUMBERS = (Decimal("1.5"), Decimal("1E+2"), Decimal("0.10"), 2**70, -(2**64), 10**19)


def _text(data: object) -> str:
    """JSON text with Decimals written as numbers, as a claim file may hold them."""
    marked = json.dumps(data, default=lambda d: f"@@{d}@@", ensure_ascii=False)
    return re.sub(r'"@@(.*?)@@"', r"\1", marked)


def _outcome(text: str, fast: bool) -> object:
    try:
        claim: Claim = parse_claim(text, "c.json", fast=fast)
    except ClaimError as error:
        return ("error", error.source, error.problems)
    return ("claim", repr(claim))  # repr: Decimal("1.50") is not Decimal("1.5") here


def _number_mutations(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every amount, age and fact set to each of _NUMBERS."""
    documents = []
    marked = _text(data)
    slots = re.finditer(
        r'("amount"|"value"|"cost"|"age_at_subscription"|"claim_format"|'
        r'"units_per_eur"|"units"|"[a-z_]+"(?=: (?:true|false|"[a-z_]+")))'
        r': ("[^"]*"|\d+|true|false)',
        marked,
    )
    for slot in slots:
        for number in _NUMBERS:
            text = marked[: slot.start(2)] + str(number) + marked[slot.end(2) :]
            documents.append(json.loads(text, parse_float=Decimal))
    return documents


@pytest.mark.parametrize("path", CLAIMS, ids=lambda p: p.name)
def test_fast_reading_gives_the_same_claim_or_the_same_errors(path: Path) -> None:
    data = _load(path)
    numbers = _number_mutations(data)
    assert len(numbers) >= 4 * len(_NUMBERS)  # amounts, ages, facts: found in every claim
    documents = [data, *(d for _, d in _mutations(data)), *numbers]
    checked = 0
    for document in documents:
        text = _text(document)
        assert _outcome(text, fast=True) == _outcome(text, fast=False), text
        checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    "text",
    [
        '{"a": NaN}',
        '"\\ud800"',
        "\ufeff{}",
        "",
        "[" * 2000 + "]" * 2000,
        # deep enough for the json module to give up where orjson does not
        '{"claim_format": 1, "insured": [' + "[" * 990 + "]" * 990 + "]}",
        '{"claim_format": 1, "claim_id": "A", "claim_id": 5}',
        "1.5",
        str(2**70),
    ],
)
def test_fast_reading_of_texts_orjson_reads_otherwise(text: str) -> None:
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


def _at(record: str, position: int) -> str:
    """A record as written for a claim at ``position`` rather than at 1."""
    record = record.replace('"position":1,', f'"position":{position},')
    return re.sub(r"(?m)^1,c\.json,", f"{position},c.json,", record)


@pytest.mark.parametrize("path", [*CLAIMS, *BAD], ids=lambda p: p.name)
def test_a_batch_writes_the_same_record_before_and_after_it_switches(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    settler = Settler()
    early = Item(1, "c.json", text)
    late = Item(jsonio.FAST_AFTER + 1, "c.json", text)
    assert not early.fast and late.fast
    for fmt in (Format.NDJSON, Format.CSV):
        first = settle_one(settler, early, fmt).record
        assert settle_one(settler, late, fmt).record == _at(first, late.position)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_fast_writing_gives_the_json_modules_text(document: object) -> None:
    assert jsonio.dumps(document, fast=True) == jsonio.dumps(document, fast=False)


@pytest.mark.parametrize("document", [Decimal("1.5"), {"a": {1, 2}}, {"d": Path("x")}])
def test_fast_writing_refuses_what_the_json_module_refuses(document: object) -> None:
    with pytest.raises(TypeError):
        jsonio.dumps(document, fast=False)
    with pytest.raises(TypeError):
        jsonio.dumps(document, fast=True)
