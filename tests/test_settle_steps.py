"""The engine is domain.md's order of steps, each a function of the claim being settled."""

from __future__ import annotations

import dataclasses
import inspect
from decimal import Decimal

from claimcalc.settlement import LineResult, Settlement
from claimcalc.settling import engine
from claimcalc.settling.work import LineWork


def test_the_steps_run_in_domain_order() -> None:
    names = [step.__name__ for step in engine.STEPS]
    # docs/domain.md "How a line is settled": cover, eligibility, exclusions,
    # quantification, deductibles, limits (and rounding); event caps last.
    order = ["cover", "eligibility", "exclusions", "quantify", "deductibles", "limits"]
    assert [n for n in names if n in order] == order
    assert names.index("alternatives") < names.index("deductibles")  # see alternatives.py
    assert names[-1] == "event_caps"


def test_every_step_takes_the_claim_being_settled_and_nothing_else() -> None:
    for step in engine.STEPS:
        parameters = list(inspect.signature(step).parameters.values())
        assert [p.annotation for p in parameters] == ["Settling"], step.__name__


def test_records_built_positionally_keep_their_field_order() -> None:
    """The engine builds these positionally on the hot path (keyword calls cost
    more in CPython 3.11): a moved field would put an amount in another's place."""
    assert [f.name for f in dataclasses.fields(LineResult)] == [
        "line_id",
        "guarantee",
        "title",
        "kind",
        "article",
        "claimed",
        "assessed_loss",
        "deductible",
        "limit",
        "paid",
        "status",
        "trace",
    ]
    assert [f.name for f in dataclasses.fields(Settlement)] == [
        "claim_id",
        "product_id",
        "edition",
        "level",
        "product_sha256",
        "event_id",
        "event_date",
        "zone",
        "insured",
    ]
    assert [f.name for f in dataclasses.fields(LineWork)][:9] == [
        "position",
        "line_id",
        "line",
        "plan",
        "section",
        "guarantee",
        "facts",
        "zone",
        "all_steps",
    ]


def test_the_library_names_hold_whatever_submodules_are_loaded() -> None:
    """``claimcalc.settling`` is the function, even once every subpackage is imported
    (a subpackage of that name would replace it on first import)."""
    import importlib
    import pkgutil

    import claimcalc

    for module in pkgutil.walk_packages(claimcalc.__path__, "claimcalc."):
        if module.name not in ("claimcalc.__main__",):
            importlib.import_module(module.name)
    from claimcalc import diff_products, impact, load_product, read_claim, settle

    for function in (diff_products, impact, load_product, read_claim, settle):
        assert callable(function), function


def test_a_line_kept_over_an_alternative_is_settled_once() -> None:
    """G (rinuncia al volo) and F (ritardata partenza) for one flight: F is
    refused as the less favourable before deductibles and limits run, so G's
    trace has each of its steps once (it used to be settled twice, and show
    its rounding twice)."""
    import json

    from claimcalc.claim.read import claim_from_data
    from claimcalc.settling.engine import settle
    from tests.conftest import example, product

    data = json.loads(example("imaway", "G-flight-renunciation.json").read_text(encoding="utf-8"))
    data["insured"][0]["lines"][0]["expenses"][0].update({"amount": "480.37", "currency": "USD"})
    data["rates"] = [{"currency": "USD", "date": "2026-06-30", "units_per_eur": "1.1371"}]
    data["insured"][0]["lines"].append({"id": "2", "guarantee": "F.flight_delay"})
    kept, dropped = settle(claim_from_data(data, "G+F"), product("imaway")).insured[0].lines
    assert [s.code.value for s in kept.trace] == [
        "currency",
        "documented",
        "within_limit",
        "rounded",
    ]
    assert (kept.paid, dropped.paid) == (Decimal("422.45"), Decimal("0.00"))
    assert [r.code.value for r in dropped.reasons] == ["alternative"]


def test_a_trace_step_is_built_positionally_in_a_pinned_order() -> None:
    """Every recorded step is a TraceStep built positionally (work.py): its
    article and text are both text, so their order is pinned."""
    from claimcalc.settlement import TraceStep

    assert list(inspect.signature(TraceStep).parameters) == [
        "step",
        "code",
        "article",
        "text",
        "amount",
    ]


def test_an_ecb_fixing_is_built_positionally_in_a_pinned_order() -> None:
    """ECB's file has some 200,000 fixings, built positionally (settling/rates.py)."""
    from claimcalc.settling.rates import Fixing

    assert [f.name for f in dataclasses.fields(Fixing)] == [
        "currency",
        "date",
        "units_per_eur",
        "source",
    ]
