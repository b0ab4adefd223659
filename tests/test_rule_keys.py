"""The rule language promises nothing the engine ignores (issue #13).

Every field of the rule model is either marked documentation
(``Meta(descriptive=True)``: it changes no amount, status or reason code;
``show``, ``diff`` and texts may print it) or read by a settlement step. The
check is by observation: every product's cases and examples are settled with
the rule objects' attribute reads recorded where a step (or a product lookup
it calls) makes them — a text that only prints a key does not count — and a
field that no step read is named. Its limit: a step that reads a key only to
pass it to a text counts as reading it; that is left to review. A key whose type allows one value
only (``rule: more_favourable``, ``basis: commercial_value``) says what the
engine does by construction, and is allowed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from claimcalc import settling
from claimcalc.cases import find_case_files, load_cases
from claimcalc.claim.read import read_claim
from claimcalc.errors import ClaimcalcError
from claimcalc.product import model
from claimcalc.product.catalog import find_product
from claimcalc.product.load import load_product_text
from claimcalc.settling import engine
from claimcalc.settling.engine import settle
from tests.conftest import EXAMPLES, PRODUCT_IDS


def _single_valued(hint: object) -> bool:
    """A ``Literal`` of one value (or such a Literal or None)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is typing.Annotated:
        return _single_valued(args[0])
    if typing.get_origin(hint) is Literal:
        return len(args) == 1
    return len(args) == 1 and _single_valued(args[0])


def _claims() -> Iterator[Any]:
    for case in load_cases(find_case_files()):
        yield case.claim()
    for path in EXAMPLES:
        yield read_claim(path)


#: Where a read counts: a settlement step, or a product lookup it calls. A text
#: (settling/texts.py) only prints a key; the generic walkers of a fact test
#: (``operator``, ``operand``, ``__str__``) read every operator to find the one given.
_STEPS = str(Path(settling.__file__).parent)
_TEXTS = str(Path(settling.__file__).parent / "texts.py")
_MODEL = str(Path(model.__file__))
_WALKERS = frozenset({"operator", "operand", "__str__"})
#: The operators of a fact test, read by the condition compiler through
#: ``operator``/``operand``; tests/test_conditions.py holds each one to a
#: reference evaluator.
_OPERATORS = {
    ("FactTest", name) for name in ("is_", "in_", "has", "has_any", "gt", "ge", "lt", "le")
}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """(class, field) of every attribute a settlement step read on a rule object."""
    seen: set[tuple[str, str]] = set()
    for cls in model.rule_classes():

        def spy(self: object, name: str, cls: type = cls) -> object:
            caller = sys._getframe(1).f_code
            where = caller.co_filename
            if (where.startswith(_STEPS) and where != _TEXTS) or (
                where == _MODEL and caller.co_name not in _WALKERS
            ):
                seen.add((cls.__name__, name))
            return object.__getattribute__(self, name)

        monkeypatch.setattr(cls, "__getattribute__", spy)
    return seen


def test_every_rule_key_is_read_by_a_settlement_step_or_marked_documentation(
    reads: set[tuple[str, str]],
) -> None:
    if not str(engine.__file__).endswith(".py"):
        # The steps compiled (claimcalc.compiled) make no Python frames to see
        # the reads from: the same test on their sources, in a process of its own.
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"{__file__}::{test_every_rule_key_is_read_by_a_settlement_step_or_marked_documentation.__name__}"],
            capture_output=True, text=True, env={**os.environ, "CLAIMCALC_COMPILED": "0"},
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-4000:]
        assert "1 passed" in done.stdout
        return
    claims = list(_claims())
    # Fresh products, so that their lookups are worked out while settling.
    products = {
        pid: load_product_text(find_product(pid).read_text(encoding="utf-8"), pid)
        for pid in PRODUCT_IDS
    }
    reads.clear()  # what loading read does not count
    for claim in claims:
        # A case of a claim that does not fit the product still reads its rules.
        with contextlib.suppress(ClaimcalcError):
            settle(claim, products[claim.product])
    unread = []
    for cls, name, descriptive in model.rule_fields():
        hint = typing.get_type_hints(cls, include_extras=True)[name]
        # A field inherited from a base is read wherever the base's is.
        owners = {c.__name__ for c in cls.__mro__ if name in getattr(c, "__annotations__", {})}
        read = any((owner, name) in reads for owner in owners | {cls.__name__})
        allowed = descriptive or _single_valued(hint) or (cls.__name__, name) in _OPERATORS
        if not read and not allowed:
            unread.append(f"{cls.__name__}.{name}")
    assert not unread, (
        "keys no settlement step reads: implement them, refuse them, or mark them "
        "Meta(descriptive=True) if they are documentation: " + ", ".join(unread)
    )
