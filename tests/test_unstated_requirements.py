"""A requirement the claim does not state (issue #14 point 7).

Where the contract presumes the fact (Imaway D2, Wi School B2: "La mancanza di
un numero di pratica si assume come mancanza di contatto ..., salvo prova
contraria"), the line is refused citing the presumption and naming the fact;
elsewhere the claim is incomplete (exit 3) naming it. The guides' example
lines state every fact their guarantee needs to pay.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from claimcalc.claim.read import claim_from_data
from claimcalc.cli import main
from claimcalc.errors import ClaimError, ExitCode
from claimcalc.output.guide import guide_example, person_facts
from claimcalc.product.load import load_product_text
from claimcalc.product.schema import Product
from claimcalc.settlement import Code, Settlement
from claimcalc.settling.engine import settle
from tests.conftest import PRODUCT_IDS, ROOT, product

#: A claim for each product the guide's example lines are set in: a trip with its
#: event, booked well before it (cancellations settle on events before departure).
_BASES: dict[str, dict[str, Any]] = {
    "imaway": {
        "level": "top",
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {
            "booking_date": "2026-01-20",
            "departure_date": "2026-03-01",
            "return_date": "2026-03-10",
            "cost": "1500.00",
        },
        "event": {"date": "2026-03-03", "country": "ES", "zone": "europa", "facts": {}},
        "reported_on": "2026-03-05",
        "person": {"age_at_subscription": 40},
    },
    "wi-school": {
        "level": "standard",
        "policy": {"issue_date": "2026-02-01", "zone": "europa"},
        "trip": {
            "booking_date": "2026-02-01",
            "departure_date": "2026-03-01",
            "return_date": "2026-03-10",
            "cost": "600.00",
        },
        "event": {"date": "2026-03-03", "country": "FR", "zone": "europa", "facts": {}},
        "reported_on": "2026-03-05",
        "person": {"age_at_subscription": 16, "role": "student"},
    },
}


def _claim(loaded: Product, level: str, line: dict[str, Any]) -> dict[str, Any]:
    base = copy.deepcopy(_BASES[loaded.id])
    person = base.pop("person")
    return {
        "claim_format": 1,
        "claim_id": "GUIDE",
        "product": loaded.id,
        **base,
        "level": level,
        "insured": [{"ref": "P1", **person, "facts": person_facts(loaded), "lines": [line]}],
    }


def _settle(loaded: Product, data: dict[str, Any]) -> Settlement:
    return settle(claim_from_data(data, "test"), loaded)


@pytest.mark.parametrize("product_id", PRODUCT_IDS)
def test_every_guide_example_line_states_the_facts_its_guarantee_needs(product_id: str) -> None:
    """Settled as written in the guide, no example line is incomplete (a claim
    problem) or refused for a fact it does not state."""
    loaded = product(product_id)
    unstated = {Code.PRESUMED_NOT_AUTHORISED}
    settled = 0
    for section in loaded.sections:
        for guarantee in section.guarantees:
            line = guide_example(loaded, section, guarantee)
            levels = [
                lv
                for lv in loaded.covered_levels(section)
                if guarantee.levels in (None, ()) or lv in guarantee.levels
            ]
            data = _claim(loaded, levels[-1], line)
            try:
                result = _settle(loaded, data)
            except ClaimError as error:
                pytest.fail(f"{guarantee.code}: the guide's example line is incomplete: {error}")
            (paid,) = result.insured[0].lines
            codes = {step.code for step in paid.trace}
            assert not codes & unstated, (guarantee.code, [s.text for s in paid.trace])
            settled += 1
    assert settled == sum(len(s.guarantees) for s in loaded.sections)


def _without_presumptions(product_id: str, edition: str) -> Product:
    """The product file with every ``when_unstated`` taken out (its four lines)."""
    path = ROOT / "products" / product_id / f"{edition}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept: list[str] = []
    skip = 0
    for text in lines:
        if skip:
            skip -= 1
            continue
        if text.strip() == "when_unstated:":
            skip = 3
            continue
        kept.append(text)
    return load_product_text("".join(kept), str(path))


def _medical(authorised: bool | None, amount: str = "300.00") -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": "1",
        "guarantee": "D.medical_pharma",
        "facts": {"cause": "illness"},
        "expenses": [{"amount": amount, "date": "2026-03-04"}],
    }
    if authorised is not None:
        line["facts"]["authorised"] = authorised
    return line


def test_d2_presumes_no_contact_without_a_practice_number() -> None:
    """D2: the unstated ``authorised`` is refused citing the presumption, naming the fact."""
    loaded = product("imaway")
    result = _settle(loaded, _claim(loaded, "top", _medical(None)))
    (line,) = result.insured[0].lines
    assert line.paid == 0
    refusal = next(s for s in line.trace if s.code is Code.PRESUMED_NOT_AUTHORISED)
    assert refusal.article == "D2"
    assert "authorised not stated" in refusal.text
    assert "si assume come mancanza di contatto" in refusal.text
    stated = _settle(loaded, _claim(loaded, "top", _medical(True)))
    assert stated.insured[0].lines[0].paid == 250  # €300 − franchigia €50 (D3)


def test_an_unstated_authorisation_the_contract_does_not_presume_is_a_claim_problem() -> None:
    """Without a written presumption, prior authorisation behaves as ``requires``: exit 3."""
    loaded = _without_presumptions("imaway", product("imaway").edition)
    with pytest.raises(ClaimError) as raised:
        _settle(loaded, _claim(loaded, "top", _medical(None)))
    assert raised.value.exit_code == ExitCode.INVALID_CLAIM
    ((where, message),) = raised.value.problems
    assert where == "insured[0].lines[0].facts"
    assert message.startswith("D.medical_pharma needs authorised (D2")
    # Stated either way, it settles: paid, or refused for want of authorisation.
    assert _settle(loaded, _claim(loaded, "top", _medical(True))).insured[0].lines[0].paid == 250
    refused = _settle(loaded, _claim(loaded, "top", _medical(False))).insured[0].lines[0]
    assert Code.NO_AUTHORISATION in {s.code for s in refused.trace}


def test_an_unstated_requirement_without_presumption_exits_3_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1.1 "Residenti o domiciliati in Italia": not stated, the claim is incomplete."""
    import json

    loaded = product("imaway")
    data = _claim(loaded, "top", _medical(True))
    data["insured"][0]["facts"] = {}
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["settle", str(path)]) == ExitCode.INVALID_CLAIM
    assert "needs resident_in_italy (1.1" in capsys.readouterr().err
