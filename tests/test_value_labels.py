"""What the facts' values are called (issue 18): every value of every enum and set
fact has an English label and an Italian one, shown beside the code where a claims
handler chooses it (``claim new``) or reads it (the Italian guide). The codes stay
the data: what is typed, accepted and written."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pexpect
import pytest
from babel.messages.pofile import read_po

from claimcalc import i18n
from claimcalc.authoring.interview import Prompter
from claimcalc.authoring.questions import choice, choices_of
from claimcalc.claim.model import BaggageObject, Insured
from claimcalc.facts import FACTS, VALUE_LABELS, FactType, value_label
from claimcalc.output.guide import claim_guide
from tests.conftest import product
from tests.test_claim_authoring import _answer, _spawn

LISTED = [name for name, spec in FACTS.items() if spec.type in (FactType.ENUM, FactType.SET)]


def _italian_catalog() -> dict[str, str]:
    _pot, po, _mo = i18n.catalog_paths()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="it")
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and isinstance(m.string, str) and not m.context
    }


@pytest.mark.parametrize("fact", LISTED)
def test_every_value_has_an_english_and_an_italian_label_distinct_within_the_fact(
    fact: str,
) -> None:
    labels = VALUE_LABELS[fact]
    assert set(labels) == set(FACTS[fact].values)
    english = list(labels.values())
    assert all(label.strip() and "_" not in label for label in english), english
    assert len(set(english)) == len(english), "two values of one fact called alike"
    catalog = _italian_catalog()
    italian = [catalog.get(msgid, "") for msgid in english]
    assert all(italian), [m for m, it in zip(english, italian, strict=True) if not it]
    assert len(set(italian)) == len(italian), sorted(italian)
    with i18n.speaking("it"):
        assert [value_label(fact, code) for code in labels] == italian
    # A label typed is taken for its own value: it is never another value's code.
    codes = set(labels)
    for code, label in labels.items():
        assert {label, catalog[label]}.isdisjoint(codes - {code}), (code, label)


def test_every_listed_fact_is_labelled() -> None:
    assert set(VALUE_LABELS) == set(LISTED)


def _prompter(answers: list[str]) -> tuple[Prompter, list[str]]:
    shown: list[str] = []
    typed = iter(answers)

    def ask(prompt: str) -> str:
        shown.append(prompt)
        return next(typed)

    return Prompter(ask, shown.append), shown


def test_choices_show_the_italian_label_beside_the_code_and_take_it_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    causes = tuple(sorted(FACTS["cause"].values))
    labels = {c: VALUE_LABELS["cause"][c] for c in causes}
    with i18n.speaking("it"):
        italian = {c: i18n._(m) for c, m in labels.items()}
        prompter, shown = _prompter(["Scippo"])
        picked = prompter.ask("cause", lambda t: choice(t, causes), choices=causes, labels=italian)
    assert picked == "snatch_theft"
    number = causes.index("illness") + 1
    assert any(f"{number:>2}) illness — malattia" in line for line in shown), shown
    # Several values of a set fact, labels (one with a comma of its own) and codes mixed.
    values = tuple(sorted(FACTS["circumstances"].values))
    with i18n.speaking("it"):
        named = {c: i18n._(VALUE_LABELS["circumstances"][c]) for c in values}
        prompter, shown = _prompter(
            ["atti di terrorismo, strike, Denaro, biglietti di viaggio o titoli"]
        )
        picked = prompter.ask(
            "circumstances", lambda t: choices_of(t, values), choices=values, labels=named
        )
    assert picked == ["terrorism", "strike", "money_tickets_securities"]
    # On an 80-column terminal a long label folds under its own text, never past the edge.
    lines = [line for said in shown for line in said.splitlines()]
    assert all(len(line) <= 80 for line in lines), [ln for ln in lines if len(ln) > 80]
    assert "      vettore" in lines  # folded, indented under the code


def test_choices_in_english_stay_bare_codes() -> None:
    causes = tuple(sorted(FACTS["cause"].values))
    prompter, shown = _prompter(["road accident"])  # the English label is taken too
    picked = prompter.ask(
        "cause",
        lambda t: choice(t, causes),
        choices=causes,
        labels={c: VALUE_LABELS["cause"][c] for c in causes},
    )
    assert picked == "road_accident"
    assert not any("—" in line for line in shown)
    assert any(re.search(r"\d\) illness\b", line) for line in shown)


def test_the_claim_fields_that_hold_a_facts_values_show_its_labels() -> None:
    """An object's category and a person's role are the facts' codes: labelled alike."""
    with i18n.speaking("it"):
        prompter, shown = _prompter(["Pellicce", "docente o accompagnatore"])
        category = prompter.field(BaggageObject, "category", "Categoria", default="other")
        role = prompter.field(Insured, "role", "Ruolo")
    assert (category, role) == ("fur", "teacher")
    text = "\n".join(shown)
    assert "fur — pellicce" in text and "photo_video — apparecchiature fotocineottiche" in text
    assert "teacher — docente o accompagnatore" in text


def test_the_italian_guide_lists_the_values_with_their_names() -> None:
    with i18n.speaking("it"):
        italian = claim_guide(product("imaway"))
    assert "## Valori dei fatti" in italian
    assert "- `snatch_theft` — scippo" in italian
    assert "- `fur` — pellicce" in italian
    assert "- `mountaineering` — alpinismo" in italian
    english = claim_guide(product("imaway"))
    assert "snatch_theft` —" not in english  # docs/claims-*.md are English and unchanged


def test_claim_new_in_italian_shows_the_labels_and_takes_the_number(tmp_path: Path) -> None:
    out = tmp_path / "claim.json"
    screen = io.StringIO()
    child = _spawn("--product", "imaway", "--level", "smart", "-o", str(out), locale="it_IT.UTF-8")
    child.logfile_read = screen
    _answer(child, "Riferimento della richiesta", "CL-2026-IT1")
    _answer(child, "Numero di polizza", "")
    _answer(child, "Data di emissione", "2026-01-05")
    _answer(child, "Destinazione acquistata", "2")
    _answer(child, "Data di prenotazione", "2026-01-20")
    _answer(child, "Data di partenza", "2026-03-01")
    _answer(child, "Data di rientro", "2026-03-10")
    _answer(child, "Costo del viaggio", "1500")
    _answer(child, "Data del sinistro", "2026-03-03")
    _answer(child, "Paese", "ES")
    _answer(child, "Zona in cui", "")
    _answer(child, "Data della denuncia", "2026-03-05")
    _answer(child, "Riferimento pseudonimo", "P1")
    _answer(child, "Età all", "40")
    _answer(child, "Garanzie richieste", "D.medical_pharma")
    _answer(child, "Spesa 1: importo", "300")
    _answer(child, "Valuta", "")
    _answer(child, "Data della spesa", "2026-03-04")
    _answer(child, "altra spesa", "")
    _answer(child, "authorised", "sì")
    child.expect("cause: ")
    listed = str(child.before)
    found = re.search(r"(\d+)\) illness — malattia", listed)
    assert found, listed
    assert "snatch_theft — scippo" in listed
    child.expect(r": $")
    child.sendline(found.group(1))  # by its number, as in English
    _answer(child, "resident_in_italy", "sì")
    _answer(child, "Qualcuno di questi si applica", "")
    _answer(child, "Un altro assicurato", "")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, screen.getvalue()
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["insured"][0]["facts"]["cause"] == "illness"
