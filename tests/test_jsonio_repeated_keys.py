"""orjson's reading (parse_claim fast=True) against the exact reading, on texts
where a key is repeated and colons are hidden in escapes."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from claimcalc.claim.read import parse_claim
from claimcalc.errors import ClaimError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "products").glob("*/examples/*.json"))
_KEY = re.compile(r'"([a-z_]+)":')


def _reading(text: str, fast: bool) -> str:
    try:
        return repr(parse_claim(text, "c.json", fast=fast))
    except ClaimError as error:
        return f"error: {error}"


def _escape_colons(text: str, rng: random.Random) -> str:
    """Some colons inside strings written as \\u003a / \\u003A (the keys' own stay)."""
    out, in_string, k = [], False, 0
    while k < len(text):
        ch = text[k]
        if in_string and ch == "\\":
            out.append(text[k : k + 2])
            k += 2
            continue
        if ch == '"':
            in_string = not in_string
        elif ch == ":" and in_string and rng.random() < 0.7:
            ch = rng.choice(["\\u003a", "\\u003A"])
        out.append(ch)
        k += 1
    return "".join(out)


def test_orjson_reading_equals_the_exact_one_with_repeated_keys_and_escaped_colons() -> None:
    rng = random.Random(15)
    templates = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    differ, duplicates = [], 0
    for i in range(1500):
        data = json.loads(json.dumps(rng.choice(templates)))
        # colons in strings the claim keeps: ids, labels, refs
        data["claim_id"] = ":".join(rng.choice("AB:") for _ in range(rng.randint(1, 6)))
        person = data["insured"][0]
        person["ref"] = "P" + ":" * rng.randint(0, 3)
        text = json.dumps(data, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.8:  # repeat one key, its first value with colons or not
            keys = list(_KEY.finditer(text))
            key = rng.choice(keys)
            value = rng.choice(['"x"', '"a:b"', '"a\\u003ab"', "1", "{}", '{"k:": "v:"}'])
            text = text[: key.start()] + f'"{key.group(1)}": {value}, ' + text[key.start() :]
            duplicates += 1
        if rng.random() < 0.7:
            text = _escape_colons(text, rng)
        exact, fast = _reading(text, False), _reading(text, True)
        if exact != fast:
            differ.append((i, exact[:200], fast[:200]))
    assert duplicates > 1000
    assert not differ, differ[:3]
