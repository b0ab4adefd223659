"""Values the project inferred are marked in ``products show``, table and JSON."""

from __future__ import annotations

import json

import pytest

from claimcalc.cli import main
from tests.conftest import product


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(list(args))
    out, _ = capsys.readouterr()
    return out


def test_imaway_inferred_cells() -> None:
    imaway = product("imaway")
    limits = {
        lim.id: imaway.inferred(lim)
        for s in imaway.sections
        for lim in (*s.limits, *(x for g in s.guarantees for x in g.limits))
    }
    assert {k for k, v in limits.items() if v} == {"E.zone", "H.max", "I.zone"}
    assert limits["E.zone"] == {("top", "italia"), ("smart", "italia")}
    assert limits["I.zone"] == {("top", "italia")}
    assert limits["H.max"] == {
        (level, zone) for level in ("top", "smart") for zone in ("italia", "mondo_escl_usa_canada")
    }


def test_products_show_marks_inferred_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    out = run(capsys, "products", "show", "imaway", "--level", "top")
    assert "€ 1.000,00*" in out  # E2 Italia, Europa's amount
    assert "€ 500,00*" in out  # I1 Italia
    assert "€ 200,00*" in out and "€ 500,00*" in out  # H Italia, Mondo escl. USA/Canada
    assert "* inferred, not printed in the contract: E.zone (E2), Italia." in out
    assert "* inferred, not printed in the contract: H.max (H1), Italia, Mondo escluso" in out
    assert "€ 1.250,00*" not in out  # E2 Mondo escluso USA/Canada is printed
    # Easy has no inferred value: no mark, no footnote
    easy = run(capsys, "products", "show", "imaway", "--level", "easy")
    assert "*" not in easy.replace("**", "")
    assert "inferred" not in easy


def test_products_show_json_gives_inferred_values(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(run(capsys, "products", "show", "imaway", "--format", "json"))
    limits = {
        lim["id"]: lim
        for s in document["sections"]
        for lim in (*s["limits"], *(x for g in s["guarantees"] for x in g["limits"]))
    }
    assert limits["E.zone"]["inferred"] == {"smart": ["italia"], "top": ["italia"]}
    assert limits["H.max"]["inferred"] == {
        "smart": ["italia", "mondo_escl_usa_canada"],
        "top": ["italia", "mondo_escl_usa_canada"],
    }
    assert limits["I.zone"]["inferred"] == {"top": ["italia"]}
    assert "inferred" not in limits["D.zone"]
    top = json.loads(
        run(capsys, "products", "show", "imaway", "--level", "top", "--format", "json")
    )
    e_zone = next(s for s in top["sections"] if s["code"] == "E")["limits"][0]
    assert e_zone["inferred"] == {"top": ["italia"]}
