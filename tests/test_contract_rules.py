"""Cover per level, deductibles, eligibility, deadlines, exclusions and
alternatives, each checked against the seed line that states it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from claimcalc.product.schema import (
    CoverEnds,
    EligibilityRule,
    Franchigia,
    InvalidityThreshold,
    MaxAge,
    MaxTripDays,
    OncePerPeriod,
    PolicyWindow,
    PriorAuthorisation,
    Product,
    ReportingDeadline,
    Requires,
    Scoperto,
    Section,
    UnitAllowance,
    WaitingPeriod,
    WithinTimeOfEvent,
)
from tests.conftest import product, seed_text, squash


def quoted(product_id: str, text: str) -> None:
    assert squash(text) in seed_text(product_id), f"not in the seed: {text!r}"


def section(loaded: Product, code: str) -> Section:
    return next(s for s in loaded.sections if s.code == code)


def rules_of(loaded: Product, code: str, kind: type[Any]) -> list[Any]:
    """Eligibility rules of a given kind for a section or a guarantee code."""
    if "." in code:
        owner: Any = loaded.guarantee(code)
        rules = [*loaded.section_of(code).eligibility, *owner.eligibility]
    else:
        rules = list(section(loaded, code).eligibility)
    return [r for r in rules if isinstance(r, kind)]


# --------------------------------------------------------------------------- cover per level

IMAWAY_COVER = [
    ("A", "A Assistenza in viaggio Inclusa Inclusa Inclusa NO Franchigia", {"top", "smart", "easy"}),
    ("B", "B Assistenza famigliari a casa Inclusa Inclusa Inclusa NO Franchigia", {"top", "smart", "easy"}),
    ("C", "C Assistenza abitazione (in Italia) durante il viaggio Inclusa Inclusa Inclusa NO Franchigia", {"top", "smart", "easy"}),
    ("D", "D Spese Mediche in Viaggio. Spese ospedaliere e chirurgiche Inclusa Inclusa Inclusa", {"top", "smart", "easy"}),
    ("E", "E Bagaglio Inclusa Inclusa Esclusa", {"top", "smart"}),
    ("F", "F Ritardata partenza volo Inclusa Inclusa Esclusa NO Franchigia", {"top", "smart"}),
    ("G", "G Rinuncia al volo a seguito a di ritardata partenza Inclusa Inclusa Esclusa NO Franchigia", {"top", "smart"}),
    ("H", "H Perdita dei Servizi Inclusa Inclusa Esclusa NO Franchigia", {"top", "smart"}),
    ("I", "I Interruzione del viaggio Inclusa Esclusa Esclusa NO Franchigia", {"top"}),
    ("L", "L Infortuni in viaggio compreso volo Inclusa Esclusa Esclusa", {"top"}),
    ("M", "M Annullamento viaggio Inclusa Esclusa Esclusa", {"top"}),
]


@pytest.mark.parametrize(("code", "quote", "levels"), IMAWAY_COVER, ids=[c[0] for c in IMAWAY_COVER])
def test_imaway_summary_table_cover_by_level(code: str, quote: str, levels: set[str]) -> None:
    quoted("imaway", quote)
    loaded = product("imaway")
    assert set(loaded.covered_levels(section(loaded, code))) == levels
    if "NO Franchigia" in quote:
        assert section(loaded, code).deductibles == ()
        assert all(g.deductibles == () for g in section(loaded, code).guarantees)


@pytest.mark.parametrize(
    ("code", "quote"),
    [
        ("A", "| A | Assistenza in viaggio NO Franchigia"),
        ("C", "Sottolimite: Spese di prima necessita (ritardo oltre 12 ore) €300,00 NO Franchigia"),
        ("E", "Per persona € 250,00 NO Franchigia"),
        ("F", "Europa e Mondo €2.000,00"),
    ],
)
def test_wi_school_sections_without_franchigia(code: str, quote: str) -> None:
    quoted("wi-school", quote)
    loaded = product("wi-school")
    assert section(loaded, code).deductibles == ()
    assert all(g.deductibles == () for g in section(loaded, code).guarantees)


def test_wi_school_c4_no_franchigia_on_baggage() -> None:
    quoted("wi-school", "Art. C4 - FRANCHIGIA Dall’ammontare del danno risarcibile non verra detratta franchigia.")
    assert section(product("wi-school"), "C").deductibles == ()


# --------------------------------------------------------------------------- deductibles


def test_imaway_d3_franchigia_50_once_per_sinistro() -> None:
    quoted("imaway", "Art. D3 - FRANCHIGIA APPLICATA I rimborsi tutti saranno effettuati con l’applicazione della franchigia di € 50,00 per sinistro.")
    (deductible,) = section(product("imaway"), "D").deductibles
    assert isinstance(deductible, Franchigia)
    assert (deductible.amount, deductible.waived_when) == (Decimal(50), None)


def test_imaway_e4_franchigia_50_not_when_carrier_paid() -> None:
    quoted("imaway", "Dall’ammontare del danno risarcibile verrà detratta una franchigia di € 50,00 per sinistro. Detta franchigia non si applicherà agli indennizzi dovuti ad integrazione del risarcimento effettuato dal vettore.")
    (deductible,) = section(product("imaway"), "E").deductibles
    assert isinstance(deductible, Franchigia)
    assert deductible.amount == Decimal(50)
    assert str(deductible.waived_when) == "carrier_compensation gt 0"


def test_imaway_m6_scoperto_20_percent_minimum_75_none_for_the_insureds_own_death_or_hospitalisation() -> None:
    quoted("imaway", "Nessuno scoperto in caso di decesso, ricovero dell'assicurato. Tutti gli altri casi scoperto del 20%, minimo 75€.")
    quoted("imaway", "Dall’ammontare del danno risarcibile verrà detratta una franchigia di € 75,00 per persona ovvero il 20% dell’importo liquidabile se maggiore.")
    (deductible,) = section(product("imaway"), "M").deductibles
    assert isinstance(deductible, Scoperto)
    assert (deductible.percent, deductible.minimum) == (Decimal(20), Decimal(75))
    assert str(deductible.waived_when) == "(cause in [death, hospitalisation] and affected_person is insured)"


def test_imaway_l9_absolute_invalidity_threshold_5_percent() -> None:
    quoted("imaway", "ART L9 - FRANCHIGIA ASSOLUTA SULLA INVALIDITÀ PERMANENTE La liquidazione dell’indennità dovuta per invalidità permanente verrà determinata applicando una franchigia del 5%.")
    quoted("imaway", "Se invece l’invalidità permanente è di grado superiore al 5% della totale, la Società liquida l’indennità solo per la parte eccedente.")
    (deductible,) = product("imaway").guarantee("L.permanent_invalidity").deductibles
    assert isinstance(deductible, InvalidityThreshold)
    assert (deductible.percent, deductible.mode) == (Decimal(5), "absolute")


def test_wi_school_b3_franchigia_50_per_sinistro_waived_with_team_card_in_eu_hospital() -> None:
    quoted("wi-school", "Art. B3 - FRANCHIGIA APPLICATA Per ogni sinistro verra applicata una franchigia assoluta di € 50,00 che rimane a carico dell'Assicurato.")
    quoted("wi-school", "In caso di ricovero ospedaliero nell’Unione Europea - Con l'uso della Tessera Sanitaria (Tessera Europea Assicurazione Malattia — TEAM)")
    (deductible,) = section(product("wi-school"), "B").deductibles
    assert isinstance(deductible, Franchigia)
    assert deductible.amount == Decimal(50)
    assert str(deductible.waived_when) == (
        "(team_card_used is true and hospital_in_eu is true and hospital_days ge 1)"
    )


def test_wi_school_d3_relative_invalidity_threshold_5_percent() -> None:
    quoted("wi-school", "Si conviene che non si dara luogo a indennizzo per invalidita permanente quando questa sia di grado pari o inferiore al 5% della totale.")
    (deductible,) = product("wi-school").guarantee("D.permanent_invalidity").deductibles
    assert isinstance(deductible, InvalidityThreshold)
    assert (deductible.percent, deductible.mode) == (Decimal(5), "relative")


# --------------------------------------------------------------------------- eligibility


def _one(rules: list[Any]) -> Any:
    assert len(rules) == 1, rules
    return rules[0]


def test_imaway_1_3_age_cap_75_at_subscription() -> None:
    quoted("imaway", "Art. 1.3 - Limite di età L’Assicurazione vale per le persone di età non superiore a 75 anni al momento della sottoscrizione della polizza.")
    rule = _one([r for r in product("imaway").eligibility if isinstance(r, MaxAge)])
    assert (rule.age, rule.at, rule.roles) == (75, "subscription", None)


def test_imaway_l6_accident_age_cap_75() -> None:
    quoted("imaway", "Art. L6 - LIMITI DI ETÀ L’assicurazione non vale per persone di età superiore a 75 anni al momento di sottoscrizione della Polizza.")
    assert _one(rules_of(product("imaway"), "L", MaxAge)).age == 75


def test_imaway_1_5_trips_of_at_most_60_days_1_2_policy_of_12_months() -> None:
    quoted("imaway", "di durata non superiore a 60 giorni per singolo viaggio nel periodo di validità della polizza.")
    quoted("imaway", "La durata della polizza è pari a 12 mesi decorrenti dalla data indicata nel Certificato di Assicurazione")
    loaded = product("imaway")
    assert _one([r for r in loaded.eligibility if isinstance(r, MaxTripDays)]).days == 60
    assert _one([r for r in loaded.eligibility if isinstance(r, PolicyWindow)]).duration_months == 12


def test_wi_school_1_1_teachers_up_to_70_students_any_age_trips_up_to_60_days() -> None:
    quoted("wi-school", "si assicurano gli studenti regolarmente iscritti all’istituto scolastico e i Docenti/Accompagnatori fino a 70 anni di eta")
    quoted("wi-school", "La durata dei servizi turistici non potra essere superiore a 60 giorni.")
    loaded = product("wi-school")
    age = _one([r for r in loaded.eligibility if isinstance(r, MaxAge)])
    assert (age.age, age.roles) == (70, ("teacher",))
    assert _one([r for r in loaded.eligibility if isinstance(r, MaxTripDays)]).days == 60


def test_imaway_m4_cancellation_cover_starts_at_24_00_of_day_30_after_issue_ends_at_departure() -> None:
    quoted("imaway", "La garanzia Annullamento Viaggio decorre dalle ore 24 del 30° (trentesimo) giorno successivo all’emissione della polizza ed è valida fino al giorno della partenza del viaggio.")
    loaded = product("imaway")
    waiting = _one(rules_of(loaded, "M", WaitingPeriod))
    assert (waiting.days, waiting.from_) == (30, "policy_issue")
    assert _one(rules_of(loaded, "M", CoverEnds)).at == "departure"


def test_imaway_1_5_cancellation_pays_once_per_policy_period() -> None:
    quoted("imaway", "La garanzia M - “ANNULLAMENTO VIAGGIO” è valida per una sola liquidazione di sinistro nell'arco di validità della polizza")
    loaded = product("imaway")
    assert _one(rules_of(loaded, "M", OncePerPeriod))
    others = [s.code for s in loaded.sections if s.code != "M" and rules_of(loaded, s.code, OncePerPeriod)]
    assert others == []


def test_wi_school_f2_cancellation_cover_from_enrolment_to_first_service() -> None:
    quoted("wi-school", "La Garanzia decorre dalla data d'iscrizione al viaggio e dura fino al momento in cui I’Assicurato inizia ad utilizzare il primo servizio turistico fornito dal Contraente.")
    loaded = product("wi-school")
    assert _one(rules_of(loaded, "F", WaitingPeriod)).from_ == "enrolment"
    assert _one(rules_of(loaded, "F", CoverEnds)).at == "first_service"


DEADLINES = [
    ("imaway", "D", "entro e non oltre 15 giorni dal verificarsi del sinistro, una denuncia", [(15, None, "event")]),
    ("imaway", "E", "In caso di danni o perdite al bagaglio, l’Assicurato, entro 15 giorni dalla data del rientro, dovrà denunciare il sinistro", [(15, None, "return")]),
    ("imaway", "F", "In caso di Ritardata Partenza, l’Assicurato, entro 15 giorni dalla data del rientro, dovrà denunciare il sinistro", [(15, None, "return")]),
    ("imaway", "G", "Art. G3 - COSA FARE IN CASO DI SINISTRO L’Assicurato, entro 5 giorni dalla rinuncia definitiva al viaggio", [(5, None, "renunciation")]),
    ("imaway", "H", "Art. I3- COSA FARE IN CASO DI SINISTRO L’Assicurato, entro 5 giorni dalla rinuncia definitiva al viaggio", [(5, None, "renunciation")]),
    ("imaway", "I", "l’Assicurato dovrà inviare alla Società, entro 15 giorni dalla data del rientro, la relativa denuncia", [(15, None, "return")]),
    ("imaway", "L", "devono darne avviso scritto alla Società entro 3 giorni da quando ne hanno avuto la possibilità.", [(3, None, "when_possible")]),
    ("imaway", "M", "denunciare l’annullamento alla Società entro 5 giorni dal verificarsi dell’evento che ha causato l’annullamento ma non oltre le 24 ore successive alla data di prevista partenza", [(5, None, "event"), (None, 24, "planned_departure")]),
    ("wi-school", "B", "I'Assicurato dovra effettuare, entro e non oltre 15 giorni dal verificarsi del sinistro, una denuncia", [(15, None, "event")]),
    ("wi-school", "C", "In caso di danni o perdite al bagaglio, I'Assicurato, entro 15 giorni dalla data del rientro, dovra denunciare il sinistro", [(15, None, "return")]),
    ("wi-school", "D", "devono darne avviso scritto alla Societa entro 3 giorni da quando ne hanno avuto la possibilita.", [(3, None, "when_possible")]),
    ("wi-school", "E", "entro 15 giorni dal verificarsi dell’evento e comunque entro e non oltre i 15 giorni dalla data del rientro.", [(15, None, "event"), (15, None, "return")]),
    ("wi-school", "F", "Denunciare I'annullamento alla Societa entro 5 giorni dal verificarsi dell'evento che ha causato I'annullamento e comunque non oltre le 24 ore successive alla data di partenza.", [(5, None, "event"), (None, 24, "planned_departure")]),
]


@pytest.mark.parametrize(
    ("product_id", "code", "quote", "expected"), DEADLINES, ids=[f"{d[0]}-{d[1]}" for d in DEADLINES]
)
def test_reporting_deadlines(
    product_id: str, code: str, quote: str, expected: list[tuple[int | None, int | None, str]]
) -> None:
    quoted(product_id, quote)
    rules: list[ReportingDeadline] = rules_of(product(product_id), code, ReportingDeadline)
    assert sorted(((r.days, r.hours, r.from_) for r in rules), key=repr) == sorted(expected, key=repr)


def test_imaway_f1_pays_per_complete_8_hour_block_only_beyond_8_hours() -> None:
    quoted("imaway", "A seguito di documentata ritardata partenza del volo di andata dall’Italia o di ritorno in Italia superiore alle 8 ore")
    loaded = product("imaway")
    formula = loaded.guarantee("F.flight_delay").formula
    assert isinstance(formula, UnitAllowance)
    assert (formula.rate_limit, formula.min_exclusive) == ("F.block", Decimal(8))
    assert loaded.limit("F.block").block_hours == 8


def test_imaway_g1_renunciation_needs_more_than_16_complete_hours() -> None:
    quoted("imaway", "ritardata partenza del volo di andata dall’Italia o di ritorno in Italia superiore a 16 ore complete")
    requires = rules_of(product("imaway"), "G.flight_renunciation", Requires)
    assert "delay_hours ge 17" in " ".join(str(r.when) for r in requires)


@pytest.mark.parametrize(
    ("product_id", "code", "quote", "hours"),
    [
        ("imaway", "E.essentials", "In caso di ritardata riconsegna del bagaglio non inferiore alle 8 ore o mancata riconsegna del bagaglio da parte del vettore", 8),
        ("wi-school", "C.essentials", "In caso di ritardata riconsegna del bagaglio non inferiore alle 12 ore o mancata riconsegna del bagaglio da parte del vettore", 12),
    ],
)
def test_essentials_need_a_baggage_delay_of_at_least(product_id: str, code: str, quote: str, hours: int) -> None:
    quoted(product_id, quote)
    (rule,) = [r for r in product(product_id).guarantee(code).eligibility if isinstance(r, Requires)]
    assert str(rule.when) == (
        "(cause in [carrier_late_delivery, carrier_loss] and"
        f" (delay_hours ge {hours} or baggage_not_delivered is true))"
    )


@pytest.mark.parametrize(
    ("product_id", "code", "quote", "days", "years"),
    [
        ("imaway", "D.return_care", "siano sostenute nei 30 giorni successivi all’infortunio stesso.", 30, None),
        ("wi-school", "B.return_care", "siano sostenute nei 60 giorni successivi all’infortunio stesso.", 60, None),
        ("imaway", "L.death", "la stessa si verifica, anche successivamente alla scadenza della polizza, entro 2 anni dal giorno dell’infortunio", None, 2),
        ("imaway", "L.permanent_invalidity", "verificata (anche successivamente alla scadenza dell’assicurazione) entro 2 anni dal giorno dell’infortunio.", None, 2),
    ],
)
def test_time_after_the_event(product_id: str, code: str, quote: str, days: int | None, years: int | None) -> None:
    quoted(product_id, quote)
    rule = _one(rules_of(product(product_id), code, WithinTimeOfEvent))
    assert (rule.days, rule.years) == (days, years)


def test_prior_authorisation_imaway_d2_always_wi_school_b2_above_1000() -> None:
    quoted("imaway", "Nessun rimborso è previsto senza alcuna preventiva autorizzazione della Struttura Organizzativa.")
    quoted("wi-school", "Per spese superiori a € 1.000,00 dovra invece essere sempre ottenuta I'autorizzazione preventiva della Struttura Organizzativa.")
    assert _one(rules_of(product("imaway"), "D", PriorAuthorisation)).above == 0
    assert _one(rules_of(product("wi-school"), "B", PriorAuthorisation)).above == 1000


# --------------------------------------------------------------------------- exclusions


def _exclusion(loaded: Product, exclusion_id: str) -> Any:
    return next(e for e in loaded.exclusions if e.id == exclusion_id)


def test_imaway_1_22_c_terrorism_not_excluded_for_assistance_and_medical() -> None:
    quoted("imaway", "c) atti di terrorismo. La presente esclusione non è operante per le garanzie Assistenza in Viaggio e Spese Mediche in Viaggio;")
    quoted("imaway", "l) gli infortuni derivanti da tumulti popolari o da atti di terrorismo, vandalismo, attentati, a condizione che l’Assicurato non vi abbia preso parte attiva.")
    # A and D as printed; L by the reading recorded on the rule (L1 l).
    assert _exclusion(product("imaway"), "1.22.c").not_for == ("A", "D", "L")


def test_imaway_1_22_f_bob_kitesurf_scuba_covered_when_recreational() -> None:
    quoted("imaway", "Per bob, Kitesurfing e immersioni con autorespiratore l’esclusione di cui sopra non sarà operante nel caso in cui detta attività sportiva sia svolta unicamente a carattere ricreativo ed occasionale.")
    exclusion = _exclusion(product("imaway"), "1.22.f")
    assert str(exclusion.except_when) == (
        "(sport in [bobsleigh, kitesurfing, scuba_diving] and sport_recreational is true)"
    )


@pytest.mark.parametrize(
    ("product_id", "exclusion_id", "quote"),
    [
        ("imaway", "1.22.s", "s) le spese per la ricerca di persone scomparse o disperse, tranne nel caso dette spese siano sostenute da Enti od Autorità pubbliche e comunque entro il limite massimo di € 1.500,00;"),
        ("wi-school", "1.21.i", "i) le spese per la ricerca di persone scomparse disperse; tranne nel caso dette spese siano sostenute da Enti od Autorita pubbliche e comunque entro il limite massimo di € 1.500,00;"),
    ],
)
def test_search_costs_by_public_bodies_up_to_1500(product_id: str, exclusion_id: str, quote: str) -> None:
    quoted(product_id, quote)
    exclusion = _exclusion(product(product_id), exclusion_id)
    assert exclusion.exception_limit == Decimal(1500)
    assert str(exclusion.except_when) == "search_by_public_authority is true"


def test_general_exclusion_lists_are_complete() -> None:
    imaway_ids = {e.id for e in product("imaway").exclusions}
    assert {f"1.22.{letter}" for letter in "abcdefghijklmnopqrstuvwxy"} <= imaway_ids
    wi_ids = {e.id for e in product("wi-school").exclusions}
    assert {f"1.21.{letter}" for letter in "abcdefghijklmno"} <= wi_ids


# --------------------------------------------------------------------------- alternatives


def test_imaway_alternatives_g_instead_of_f_h_not_with_i_or_m() -> None:
    quoted("imaway", "La garanzia opera in alternativa alla garanzia F - “RITARDATA PARTENZA VOLO”")
    quoted("imaway", "La presente garanzia non è cumulabile con la garanzia Interruzione Viaggio e con la garanzia (opzionale) Annullamento Viaggio.")
    pairs = {(a.guarantees, a.scope) for a in product("imaway").alternatives}
    assert pairs == {
        (("F.flight_delay", "G.flight_renunciation"), "same_flight"),
        (("H.missed_services", "I.trip_interruption"), "same_trip"),
        (("H.missed_services", "M.cancellation"), "same_trip"),
    }


def test_every_rule_cites_an_article() -> None:
    for product_id in ("imaway", "wi-school"):
        loaded = product(product_id)
        rules: list[EligibilityRule | Any] = [*loaded.eligibility, *loaded.exclusions]
        for sec in loaded.sections:
            rules += [*sec.limits, *sec.deductibles, *sec.eligibility, *sec.exclusions]
            for g in sec.guarantees:
                rules += [g, g.formula, *g.limits, *g.deductibles, *g.eligibility, *g.exclusions]
        assert all(rule.source.article.strip() for rule in rules)
