"""The closed vocabulary of claim facts that product rules may test.

A product file's conditions (exclusions, exceptions, waivers, eligibility
requirements) name facts from this registry; the loader rejects any other
name or value, so a typo in a product file is an error, never a rule that
silently never fires. The claim model fills these facts from a claim file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from claimcalc.i18n import N_, _


class FactType(StrEnum):
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    ENUM = "enum"  # one value out of ``values``
    SET = "set"  # any number of values out of ``values``


class FactLevel(StrEnum):
    CLAIM = "claim"  # one value per sinistro (per insured person)
    OBJECT = "object"  # one value per baggage object


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    type: FactType
    description: str  # a msgid (English): translated where it is shown
    values: frozenset[str] = frozenset()
    level: FactLevel = FactLevel.CLAIM


CAUSES = frozenset(
    {
        "illness",
        "accident",
        "death",
        "hospitalisation",
        "fracture",
        "theft",
        "robbery",
        "snatch_theft",
        "fire",
        "carrier_loss",
        "carrier_damage",
        "carrier_late_delivery",
        "flight_delay",
        "road_accident",
        "public_transport_disruption",
        "natural_disaster",
        "adverse_weather",
        "sociopolitical_event",
        "property_damage",
        "transport_breakdown",
        "court_summons",
        "document_theft",
        "document_loss",
        "holiday_revoked",
        "new_job",
        "dismissal",
        "hijacking",
        "exam_date_change",
        "home_emergency",
        "legal_proceedings",
        "force_majeure",
    }
)

AFFECTED_PERSONS = frozenset(
    {
        "insured",
        "family_member",
        "travel_companion",
        "business_partner",
        "direct_superior",
        "parent_or_parent_in_law",
    }
)

# Values a claim may no longer state, with what to write instead: a cause says
# what happened and affected_person (with affected_person_age) to whom, so that
# one event has one spelling. The readers refuse them by name.
REPLACED_VALUES: dict[tuple[str, str], str] = {
    ("cause", "family_death"): "cause: death with affected_person: family_member",
    ("cause", "family_hospitalisation"): (
        "cause: hospitalisation with affected_person: family_member"
    ),
    ("affected_person", "minor_family_member"): (
        "affected_person: family_member with affected_person_age"
    ),
}

# Circumstances that general and section exclusions test. One flag each, in
# English; the product file cites the article letter that uses it.
CIRCUMSTANCES = frozenset(
    {
        # people's conduct
        "wilful_misconduct",
        "gross_negligence",
        "carelessness",
        "negligence",
        "reckless_act",
        "crime_by_insured",
        "active_participation",
        "suicide_or_attempt",
        "unlicensed_driving",
        "drunkenness",
        "alcohol_abuse",
        "psychotropic_abuse",
        "drug_use",
        "drug_trafficking",
        "political_demonstration",
        "law_269_1998_breach",
        "against_medical_advice",
        "travel_for_treatment",
        "voluntary_discharge",
        # political and natural events
        "war",
        "civil_war",
        "insurrection",
        "strike",
        "riot",
        "looting",
        "vandalism",
        "terrorism",
        "sabotage",
        "earthquake",
        "flood",
        "natural_disaster",
        "volcanic_eruption",
        "nuclear",
        "explosives_or_firearms",
        "belligerent_country",
        "travel_ban_at_departure",
        "remote_area",
        "epidemic_or_pandemic",
        "quarantine",
        "infectious_disease_assistance_blocked",
        "event_at_destination",
        "fear_of_event",
        "state_authority_order",
        # health
        "pre_existing_illness",
        "chronic_illness",
        "illness_at_booking",
        "mental_disorder",
        "neuropsychiatric_illness",
        "psychosomatic_illness",
        "pregnancy_related",
        "pregnancy_pathology_before_cover",
        "puerperium",
        "therapeutic_abortion",
        "childbirth",
        "surgery_not_needed_by_accident",
        "hernia_or_tendon_rupture",
        # trip and carrier
        "overbooking",
        "known_two_working_days_before",
        "organiser_insolvency",
        "organiser_misconduct",
        "tour_operator_cancellation",
        "flight_cancelled_by_operator",
        "missed_connection_time",
        "domestic_flight_outside_trip",
        "aircraft_pilot_or_crew",
        "aircraft_passenger",
        "air_travel_excluded_operator",
        "cause_before_booking",
        "work_or_study_commitment",
        "economic_reasons",
        "dangerous_work",
        "excluded_occupation",
        "uninsurable_condition",
        "caused_by_illness_or_accident",
        "surprised_by_war_abroad",
        "search_and_rescue_costs",
        # baggage and money
        "money_tickets_securities",
        "unattended_or_forgotten",
        "breakage_not_by_theft_or_carrier",
        # home assistance (Imaway C2)
        "tap_or_mobile_pipe_failure",
        "supply_interruption_or_external_pipe",
        "sewer_backflow",
        "sanitary_pipe_blockage",
        "short_circuit_by_insured",
        "supply_cable_upstream_of_meter",
    }
)

SPORTS = frozenset(
    {
        "mountaineering",
        "free_climbing",
        "rock_or_ice_climbing_over_grade_3",
        "air_sports",
        "hang_gliding",
        "ultralight",
        "parachuting",
        "ballooning",
        "paragliding",
        "motor_racing",
        "motor_sports",
        "bobsleigh",
        "luge_racing",
        "skeleton",
        "acrobatic_skiing",
        "ski_jumping",
        "kitesurfing",
        "scuba_diving",
        "boxing",
        "wrestling",
        "judo",
        "karate",
        "martial_arts",
        "weightlifting",
        "rugby",
        "american_football",
        "caving",
        "ski_mountaineering",
        "extreme_skiing",
        "river_canoeing",
        "rafting",
        "ice_or_roller_hockey",
        "skateboarding",
        "bungee_jumping",
        "football",
        "five_a_side",
        "cycling",
        "horse_riding",
        "skiing",
        "skating",
        "volleyball",
        "basketball",
        "water_polo",
        "handball",
        "modern_pentathlon",
        "fencing",
        "baseball",
        "rowing",
        "other",
    }
)

OBJECT_CATEGORIES = frozenset(
    {
        "clothing",
        "luggage",
        "jewellery",
        "precious",
        "watch",
        "fur",
        "other_valuable",
        "electronics",
        "photo_video",
        "audio_video",
        "documents",
        "other",
    }
)

#: Expense-line categories a limit may be restricted to (``Limit.applies_to``).
EXPENSE_CATEGORIES = frozenset(
    {
        "flight_tickets",
        "ground_services",
        "travel_ticket",
        "accommodation",
        "medical_aids",
        "materials",  # repair materials, on an invoice split from call-out and labour
        "medicines",  # the medicines themselves, apart from their sending
        "other",
    }
)

# What each value is called where a person chooses or reads it (``claim new``, the
# Italian guide): msgids, English; the Italian uses the contracts' own words
# (furto, rapina, scippo, pellicce...). The codes are the data and are never
# translated; a test holds every value of every enum and set fact labelled.
CAUSE_LABELS: dict[str, str] = {
    "accident": N_("accident"),
    "adverse_weather": N_("adverse weather"),
    "carrier_damage": N_("damage by the carrier"),
    "carrier_late_delivery": N_("late delivery by the carrier"),
    "carrier_loss": N_("loss by the carrier"),
    "court_summons": N_("court summons"),
    "death": N_("death"),
    "dismissal": N_("dismissal"),
    "document_loss": N_("loss of documents"),
    "document_theft": N_("theft of documents"),
    "exam_date_change": N_("exam date moved"),
    "fire": N_("fire"),
    "flight_delay": N_("flight delay"),
    "force_majeure": N_("force majeure"),
    "fracture": N_("fracture"),
    "hijacking": N_("hijacking"),
    "holiday_revoked": N_("holiday leave revoked"),
    "home_emergency": N_("home emergency"),
    "hospitalisation": N_("hospitalisation"),
    "illness": N_("illness"),
    "legal_proceedings": N_("legal proceedings"),
    "natural_disaster": N_("natural disaster"),
    "new_job": N_("new job"),
    "property_damage": N_("damage to property"),
    "public_transport_disruption": N_("public transport disruption"),
    "road_accident": N_("road accident"),
    "robbery": N_("robbery"),
    "snatch_theft": N_("snatch theft"),
    "sociopolitical_event": N_("socio-political event"),
    "theft": N_("theft"),
    "transport_breakdown": N_("breakdown of the means of transport"),
}

AFFECTED_PERSON_LABELS: dict[str, str] = {
    "business_partner": N_("business partner"),
    "direct_superior": N_("direct superior"),
    "family_member": N_("family member"),
    "insured": N_("the insured"),
    "parent_or_parent_in_law": N_("parent or parent-in-law"),
    "travel_companion": N_("travel companion"),
}

CIRCUMSTANCE_LABELS: dict[str, str] = {
    "active_participation": N_("active participation"),
    "against_medical_advice": N_("against medical advice"),
    "air_travel_excluded_operator": N_("excluded air carrier"),
    "aircraft_passenger": N_("aircraft passenger"),
    "aircraft_pilot_or_crew": N_("aircraft pilot or crew member"),
    "alcohol_abuse": N_("alcohol abuse"),
    "belligerent_country": N_("country at war"),
    "breakage_not_by_theft_or_carrier": N_("breakage not by theft or the carrier"),
    "carelessness": N_("carelessness"),
    "cause_before_booking": N_("cause before booking"),
    "caused_by_illness_or_accident": N_("caused by illness or accident"),
    "childbirth": N_("childbirth"),
    "chronic_illness": N_("chronic illness"),
    "civil_war": N_("civil war"),
    "crime_by_insured": N_("crime by the insured"),
    "dangerous_work": N_("dangerous work"),
    "domestic_flight_outside_trip": N_("domestic flight outside the trip"),
    "drug_trafficking": N_("drug trafficking"),
    "drug_use": N_("use of narcotics"),
    "drunkenness": N_("drunkenness"),
    "earthquake": N_("earthquake"),
    "economic_reasons": N_("economic reasons"),
    "epidemic_or_pandemic": N_("epidemic or pandemic"),
    "event_at_destination": N_("event at the destination"),
    "excluded_occupation": N_("excluded occupation"),
    "explosives_or_firearms": N_("explosives or firearms"),
    "fear_of_event": N_("fear of an event"),
    "flight_cancelled_by_operator": N_("flight cancelled by the carrier"),
    "flood": N_("flood"),
    "gross_negligence": N_("gross negligence"),
    "hernia_or_tendon_rupture": N_("hernia or tendon rupture"),
    "illness_at_booking": N_("illness known at booking"),
    "infectious_disease_assistance_blocked": N_("assistance blocked by an infectious disease"),
    "insurrection": N_("insurrection"),
    "known_two_working_days_before": N_("known two working days before"),
    "law_269_1998_breach": N_("breach of Law 269/1998"),
    "looting": N_("looting"),
    "mental_disorder": N_("mental illness"),
    "missed_connection_time": N_("connection time too short"),
    "money_tickets_securities": N_("money, tickets or securities"),
    "natural_disaster": N_("natural disaster"),
    "negligence": N_("negligence"),
    "neuropsychiatric_illness": N_("neuropsychiatric illness"),
    "nuclear": N_("nuclear energy or radiation"),
    "organiser_insolvency": N_("organiser's insolvency"),
    "organiser_misconduct": N_("organiser's failings"),
    "overbooking": N_("overbooking"),
    "political_demonstration": N_("political demonstration"),
    "pre_existing_illness": N_("pre-existing illness"),
    "pregnancy_pathology_before_cover": N_("pregnancy pathology before cover"),
    "pregnancy_related": N_("related to pregnancy"),
    "psychosomatic_illness": N_("psychosomatic disorder"),
    "psychotropic_abuse": N_("abuse of psychotropic drugs"),
    "puerperium": N_("puerperium"),
    "quarantine": N_("quarantine"),
    "reckless_act": N_("reckless act"),
    "remote_area": N_("remote area"),
    "riot": N_("riot"),
    "sabotage": N_("sabotage"),
    "sanitary_pipe_blockage": N_("blocked waste pipes"),
    "search_and_rescue_costs": N_("search and rescue costs"),
    "sewer_backflow": N_("sewer backflow"),
    "short_circuit_by_insured": N_("short circuit caused by the insured"),
    "state_authority_order": N_("order of a state authority"),
    "strike": N_("strike"),
    "suicide_or_attempt": N_("suicide or attempted suicide"),
    "supply_cable_upstream_of_meter": N_("supply cable upstream of the meter"),
    "supply_interruption_or_external_pipe": N_("supply interruption or external pipe"),
    "surgery_not_needed_by_accident": N_("surgery not needed because of the accident"),
    "surprised_by_war_abroad": N_("overtaken by war abroad"),
    "tap_or_mobile_pipe_failure": N_("failure of taps or flexible pipes"),
    "terrorism": N_("terrorism"),
    "therapeutic_abortion": N_("therapeutic abortion"),
    "tour_operator_cancellation": N_("cancelled by the tour operator"),
    "travel_ban_at_departure": N_("travel ban at departure"),
    "travel_for_treatment": N_("travel for medical treatment"),
    "unattended_or_forgotten": N_("left unattended or forgotten"),
    "uninsurable_condition": N_("uninsurable person"),
    "unlicensed_driving": N_("driving without a licence"),
    "vandalism": N_("vandalism"),
    "volcanic_eruption": N_("volcanic eruption"),
    "voluntary_discharge": N_("voluntary discharge"),
    "war": N_("war"),
    "wilful_misconduct": N_("wilful misconduct"),
    "work_or_study_commitment": N_("work or study commitment"),
}

SPORT_LABELS: dict[str, str] = {
    "acrobatic_skiing": N_("acrobatic skiing"),
    "air_sports": N_("air sports"),
    "american_football": N_("American football"),
    "ballooning": N_("ballooning"),
    "baseball": N_("baseball"),
    "basketball": N_("basketball"),
    "bobsleigh": N_("bobsleigh"),
    "boxing": N_("boxing"),
    "bungee_jumping": N_("bungee jumping"),
    "caving": N_("caving"),
    "cycling": N_("cycling"),
    "extreme_skiing": N_("extreme skiing"),
    "fencing": N_("fencing"),
    "five_a_side": N_("five-a-side football"),
    "football": N_("football"),
    "free_climbing": N_("free climbing"),
    "handball": N_("handball"),
    "hang_gliding": N_("hang-gliding"),
    "horse_riding": N_("horse riding"),
    "ice_or_roller_hockey": N_("ice or roller hockey"),
    "judo": N_("judo"),
    "karate": N_("karate"),
    "kitesurfing": N_("kitesurfing"),
    "luge_racing": N_("luge racing"),
    "martial_arts": N_("martial arts"),
    "modern_pentathlon": N_("modern pentathlon"),
    "motor_racing": N_("motor racing"),
    "motor_sports": N_("motor sports"),
    "mountaineering": N_("mountaineering"),
    "other": N_("another sport"),
    "parachuting": N_("parachuting"),
    "paragliding": N_("paragliding"),
    "rafting": N_("rafting"),
    "river_canoeing": N_("river canoeing"),
    "rock_or_ice_climbing_over_grade_3": N_("rock or ice climbing above grade 3"),
    "rowing": N_("rowing"),
    "rugby": N_("rugby"),
    "scuba_diving": N_("scuba diving"),
    "skateboarding": N_("skateboarding"),
    "skating": N_("skating"),
    "skeleton": N_("skeleton"),
    "ski_jumping": N_("ski jumping"),
    "ski_mountaineering": N_("ski mountaineering"),
    "skiing": N_("skiing"),
    "ultralight": N_("ultralight flying"),
    "volleyball": N_("volleyball"),
    "water_polo": N_("water polo"),
    "weightlifting": N_("weightlifting"),
    "wrestling": N_("wrestling"),
}

ROLE_LABELS: dict[str, str] = {
    "student": N_("student"),
    "teacher": N_("teacher or companion"),
}

OBJECT_CATEGORY_LABELS: dict[str, str] = {
    "audio_video": N_("radio and television equipment"),
    "clothing": N_("clothing"),
    "documents": N_("documents"),
    "electronics": N_("electronic equipment"),
    "fur": N_("fur"),
    "jewellery": N_("jewellery"),
    "luggage": N_("luggage"),
    "other": N_("other object"),
    "other_valuable": N_("other valuable"),
    "photo_video": N_("photographic and cine equipment"),
    "precious": N_("precious objects"),
    "watch": N_("watch"),
}
#: The labels of each enum or set fact's values, by fact name (msgids).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "cause": CAUSE_LABELS,
    "affected_person": AFFECTED_PERSON_LABELS,
    "circumstances": CIRCUMSTANCE_LABELS,
    "sport": SPORT_LABELS,
    "role": ROLE_LABELS,
    "object_category": OBJECT_CATEGORY_LABELS,
}


def value_label(fact: str, value: str) -> str | None:
    """What ``value`` of ``fact`` is called, in the current language; None: no label."""
    msgid = VALUE_LABELS.get(fact, {}).get(value)
    return None if msgid is None else _(msgid)


_SPECS: tuple[FactSpec, ...] = (
    FactSpec(
        "cause",
        FactType.ENUM,
        N_("What happened to cause the claim; to whom it happened is affected_person."),
        CAUSES,
    ),
    FactSpec(
        "affected_person",
        FactType.ENUM,
        # short: the claim interview's prompt, after the fact's name, fits 80 columns
        N_("To whom the cause happened (insured, family_member…)."),
        AFFECTED_PERSONS,
    ),
    FactSpec("affected_person_age", FactType.INT, N_("Age of the affected person, in years.")),
    FactSpec("circumstances", FactType.SET, N_("Exclusion-relevant circumstances."), CIRCUMSTANCES),
    FactSpec("sport", FactType.ENUM, N_("Sport being practised when the event happened."), SPORTS),
    FactSpec(
        "sport_recreational", FactType.BOOL, N_("The sport was purely recreational and occasional.")
    ),
    FactSpec("sport_professional", FactType.BOOL, N_("The sport was practised professionally.")),
    FactSpec(
        "sport_competition",
        FactType.BOOL,
        N_("In a federation race or competition (or its training)."),
    ),
    FactSpec(
        "safety_equipment_used", FactType.BOOL, N_("All recommended safety equipment was used.")
    ),
    FactSpec("pregnancy_week", FactType.INT, N_("Week of pregnancy at the event.")),
    FactSpec("hospital_days", FactType.INT, N_("Days of hospitalisation (ricovero).")),
    FactSpec("hospital_hours", FactType.INT, N_("Hours of hospitalisation.")),
    FactSpec("delay_hours", FactType.DECIMAL, N_("Hours of flight or baggage-delivery delay.")),
    FactSpec("invalidity_percent", FactType.DECIMAL, N_("Permanent invalidity, percent of total.")),
    FactSpec(
        "unused_days", FactType.INT, N_("Days of the trip not used (interruption, early return).")
    ),
    FactSpec("team_card_used", FactType.BOOL, N_("The TEAM (EHIC) card was used.")),
    FactSpec("hospital_in_eu", FactType.BOOL, N_("The hospital is in the European Union.")),
    FactSpec("carrier_compensation", FactType.DECIMAL, N_("What the carrier already paid, EUR.")),
    FactSpec(
        "authorised", FactType.BOOL, N_("Prior authorisation: the claim has a practice number.")
    ),
    FactSpec(
        "organised_by_assistance", FactType.BOOL, N_("Organised by the Struttura Organizzativa.")
    ),
    FactSpec(
        "self_organised", FactType.BOOL, N_("The insured organised the service and paid for it.")
    ),
    FactSpec(
        "search_by_public_authority", FactType.BOOL, N_("Search costs were borne by public bodies.")
    ),
    FactSpec(
        "paid_by_teacher",
        FactType.BOOL,
        N_("Expenses paid by the teacher/companion for a student."),
    ),
    FactSpec(
        "family_adult_on_site", FactType.BOOL, N_("An adult family member is already on site.")
    ),
    FactSpec("trip_started", FactType.BOOL, N_("The trip had started when the event happened.")),
    FactSpec(
        "same_ticket", FactType.BOOL, N_("Delayed and connecting flights are on the same ticket.")
    ),
    FactSpec("tickets_issued_to_insured", FactType.BOOL, N_("Tickets were issued to the insured.")),
    FactSpec(
        "baggage_not_delivered", FactType.BOOL, N_("The carrier never delivered the baggage.")
    ),
    FactSpec("resident_in_italy", FactType.BOOL, N_("Resident or domiciled in Italy.")),
    FactSpec(
        "reported_late", FactType.BOOL, N_("Reported after a deadline (computed by the engine).")
    ),
    FactSpec("role", FactType.ENUM, N_("Wi School role."), frozenset({"student", "teacher"})),
    FactSpec("age", FactType.INT, N_("Age in whole years at subscription.")),
    FactSpec(
        "object_category",
        FactType.ENUM,
        N_("Baggage object category."),
        OBJECT_CATEGORIES,
        level=FactLevel.OBJECT,
    ),
    FactSpec(
        "object_checked_in",
        FactType.BOOL,
        N_("Object was in checked-in baggage."),
        level=FactLevel.OBJECT,
    ),
    FactSpec(
        "object_left_in_vehicle",
        FactType.BOOL,
        N_("Object was left in a vehicle."),
        level=FactLevel.OBJECT,
    ),
    FactSpec(
        "object_secured_in_vehicle",
        FactType.BOOL,
        N_("Locked boot, not visible, vehicle in a paid guarded car park."),
        level=FactLevel.OBJECT,
    ),
)

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in _SPECS}
# Facts claimcalc computes (age and role from the insured person, reported_late
# from the reporting deadlines): a claim must not state them.
DERIVED_FACTS = frozenset({"age", "role", "reported_late"})
