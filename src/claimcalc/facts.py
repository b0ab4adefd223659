"""The closed vocabulary of claim facts that product rules may test.

A product file's conditions (exclusions, exceptions, waivers, eligibility
requirements) name facts from this registry; the loader rejects any other
name or value, so a typo in a product file is an error, never a rule that
silently never fires. The claim model fills these facts from a claim file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from claimcalc.i18n import N_


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
        N_(
            "To whom the cause happened, e.g. a family member's death: cause death with"
            " affected_person family_member."
        ),
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
