"""JSON text in and out of a batch: orjson where it gives what the json module gives.

Reading a claim and writing its record with the json module took a sixth
of a medical claim's instructions (265,000 of 1.5 million); orjson does both
in a fifth of that (README, "Performance"). But orjson takes ~20 ms to import, as long as a
whole one-claim run: so a batch reads and writes its first ``FAST_AFTER``
claims with the json module, the rest with orjson (``fast``). The result is
the same either way (tests/test_jsonio.py):

* reading: orjson makes a float of a number with a fraction or an exponent,
  or of an integer too long for 64 bits, where the json module gives us an
  exact Decimal or int. A claim refuses floats wherever they appear, so a
  claim read from orjson's values is the claim; when that reading fails,
  the text is read again with the json module, whose values and messages
  are the ones reported (claim.parse_claim). The plain path
  (output/plain.py) reads the first claims' values with the json module and
  takes only the claims where they are orjson's (:func:`loads_values`);
* writing: orjson refuses lone surrogates, integers beyond 64 bits and
  non-text keys; the json module then writes the record, or refuses it.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

FAST_AFTER = 64  # claims a batch settles before it imports orjson


class DuplicateKeyError(ValueError):
    """An object of the document has the same key twice (``key``)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key}: duplicate key")
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's pairs as a dict; raises :class:`DuplicateKeyError` on a repeated key."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


class NotJSONNumberError(ValueError):
    """A number the exact reading cannot take (``token``, as written): ``NaN``,
    ``Infinity`` or ``-Infinity``, which the json module reads as floats but JSON
    does not allow, or one whose exponent is beyond Decimal's (``1e1000000000000000000``)."""

    def __init__(self, token: str, out_of_range: bool = False) -> None:
        shown = token if len(token) <= 30 else token[:30] + "…"
        what = "a number out of range" if out_of_range else "not a number JSON allows"
        super().__init__(f"{shown} is {what}")
        self.token = token


def _not_a_json_number(constant: str) -> Any:
    raise NotJSONNumberError(constant)


def _exact(token: str) -> Decimal:
    try:
        return Decimal(token)
    except InvalidOperation:  # an exponent Decimal cannot hold: not a ValueError
        raise NotJSONNumberError(token, out_of_range=True) from None


def loads(text: str) -> Any:
    """Parse JSON exactly: numbers with a fraction or exponent become Decimal.

    Raises :class:`json.JSONDecodeError` on bad JSON, :class:`DuplicateKeyError`
    when an object repeats a key (where json and orjson keep the last),
    :class:`NotJSONNumberError` on ``NaN``, ``Infinity`` (orjson refuses them too) or
    a number out of Decimal's range.
    """
    return json.loads(
        text, parse_float=_exact, parse_constant=_not_a_json_number, object_pairs_hook=_unique_keys
    )


def may_repeat_keys(text: str, data: object, fast: bool = True) -> bool:
    """False if ``data``, orjson's reading of ``text`` (``fast``; else the json
    module's, :func:`loads_values`), surely lost no repeated key.

    Both keep a repeated key's last value and say nothing. Every key is
    followed by one colon; writing ``data`` back (~1 µs) gives the keys it
    kept and the colons inside its strings, so as many colons as the text
    has means that no key was lost — provided every colon of a string is
    written as one: a colon escaped (``\\u003a``) would balance a key repeated
    and hide it, so a text with such an escape is read again whatever the
    count. Otherwise (a key repeated), :func:`loads` reads the text and tells.
    """
    if "\\u003" in text:  # \u003a or \u003A: a colon not counted in the text
        return True
    try:
        written = _orjson().dumps(data) if fast else dumps(data).encode()
    except (TypeError, ValueError):  # orjson's refusal; the json module's (a lone surrogate)
        return True
    return written.count(b":") != text.count(":")


def loads_values(text: str, fast: bool) -> Any:
    """JSON's values as orjson reads them (``fast``), else as the json module
    does without the exact reading's hooks (a batch's first claims: orjson
    not imported for them). A repeated key keeps its last value either way.
    Where they differ, the callers refuse the values: the json module reads
    ``NaN`` and ``Infinity`` as floats, an integer beyond 64 bits exactly, a
    lone surrogate's escape as text (:func:`lone_surrogate`).

    Raises a ValueError (a JSONDecodeError) on what it refuses, RecursionError
    on a document nested too deeply.
    """
    return _orjson().loads(text) if fast else json.loads(text)


def lone_surrogate(value: object) -> bool:
    """Whether a decoded document holds text that is not Unicode (a lone
    surrogate: the json module reads its escape, orjson refuses it).

    A loop, not a recursion: compiled (claimcalc.compiled), a recursion would
    not count against Python's recursion limit, and a claim nested as deeply as
    the json module reads would fail differently compiled and from this source."""
    pending = [value]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def dumps(document: object, fast: bool = False) -> str:
    """One line of JSON: compact separators, non-ASCII text as it is."""
    if fast:
        orjson = _orjson()
        try:
            # Dataclasses and dates are refused, as by the json module.
            text: str = orjson.dumps(document, option=_PASSTHROUGH).decode()
            return text
        except TypeError:  # orjson.JSONEncodeError: the json module writes or refuses it
            pass
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


_orjson_module: Any = None
_PASSTHROUGH = 0


def _orjson() -> Any:
    """orjson, imported on first use (a global read after that, not an import)."""
    global _orjson_module, _PASSTHROUGH
    if _orjson_module is None:
        import orjson

        _PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
        _orjson_module = orjson
    return _orjson_module


def dumps_indented(document: object) -> str:
    """A document as claimcalc prints one: indented, non-ASCII text as it is, a newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
