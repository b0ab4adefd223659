"""Personal data in a claim's text is refused (issue #15 point 9).

The detectors (claimcalc.claim.personal) find Italian fiscal codes, IBANs,
e-mail addresses and phone numbers in text, checked against independent
implementations of the check character and the IBAN checksum written here;
they leave realistic refs, dates and amounts alone. Every text field of the
declaration refuses each kind, on the quick and the full reading, through
``parse_claim`` (json and orjson), the command line and a batch, with a
message that names the field and the kind and never quotes the value.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import string
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcalc.claim import personal, quick
from claimcalc.claim.model import MODELS, REF_FORM, Claim, FieldSpec, fields_of
from claimcalc.claim.personal import EMAIL, FISCAL_CODE, IBAN, PHONE, found, kinds, message
from claimcalc.claim.read import GIVES_UP, parse_claim, read_fully
from claimcalc.claim.values import Invalid, converter
from claimcalc.cli import main
from claimcalc.errors import ClaimError
from tests.conftest import FIXTURES

# --------------------------------------------------------------------------- independent checks

# Agenzia delle Entrate's tables, as published: odd positions (1st, 3rd, …).
_ODD = {
    **dict(zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21), strict=True)),
    **dict(zip("ABCDEFGHIJ", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21), strict=True)),
    **dict(zip("KLMNOPQRST", (2, 4, 18, 20, 11, 3, 6, 8, 12, 14), strict=True)),
    **dict(zip("UVWXYZ", (16, 10, 22, 25, 24, 23), strict=True)),
}


def check_letter(first15: str) -> str:
    total = 0
    for position, char in enumerate(first15.upper(), start=1):
        if position % 2:
            total += _ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - ord("A")
    return string.ascii_uppercase[total % 26]


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616's check digits: 98 - (BBAN + country + "00", as a number) mod 97."""
    digits = "".join(str(int(c, 36)) for c in (bban + country + "00").upper())
    return f"{98 - int(digits) % 97:02d}"


def test_the_independent_checks_agree_with_published_examples() -> None:
    assert check_letter("RSSMRA80A01H501") == "U"  # the Agenzia's own example
    assert iban_check_digits("IT", "X0542811101000000123456") == "60"
    assert iban_check_digits("GB", "WEST12345698765432") == "82"
    assert iban_check_digits("DE", "370400440532013000") == "89"


# --------------------------------------------------------------------------- fiscal codes

CF = "RSSMRA80A01H501U"


def omocodic(code15: str, level: int) -> str:
    """The code with its ``level`` rightmost digits written as letters, and its check letter."""
    chars = list(code15)
    for place in (14, 13, 12, 10, 9, 7, 6)[:level]:
        chars[place] = "LMNPQRSTUV"[int(chars[place])]
    body = "".join(chars)
    return body + check_letter(body)


@pytest.mark.parametrize(
    "text",
    [
        CF,
        CF.lower(),
        "BNCLRA85T45F205" + check_letter("BNCLRA85T45F205"),  # a woman: day 5 + 40
        omocodic("RSSMRA80A01H501", 1),  # RSSMRA80A01H50M + its letter
        omocodic("RSSMRA80A01H501", 3),
        omocodic("RSSMRA80A01H501", 6),
        f"CF {CF}",
        f"insured_{CF}",
        f"cf:{CF}.",
        f"X{CF}Y",  # glued to other letters: found all the same
    ],
)
def test_fiscal_codes_are_found(text: str) -> None:
    assert kinds(text) == (FISCAL_CODE,)


@pytest.mark.parametrize(
    "text",
    [
        *(CF[:15] + letter for letter in string.ascii_uppercase if letter != "U"),  # check letter
        "RSSMRA80A32H501" + check_letter("RSSMRA80A32H501"),  # day 32
        "RSSMRA80A00H501" + check_letter("RSSMRA80A00H501"),  # day 0
        "RSSMRA80F01H501" + check_letter("RSSMRA80F01H501"),  # F is no month
        "RSSMRA8LA01H501" + check_letter("RSSMRA8LA01H501"),  # omocodia not from the right
        omocodic("RSSMRA80A01H501", 7),  # every digit replaced: never issued, not found
        "RSSMRA80A01H501",  # 15 characters
        "01234567890",  # the 11-digit numeric form is not refused (companies)
        "12345678903",
    ],
)
def test_what_is_no_fiscal_code(text: str) -> None:
    assert FISCAL_CODE not in kinds(text)


# --------------------------------------------------------------------------- IBANs

IT_IBAN = "IT60X0542811101000000123456"


@pytest.mark.parametrize(
    "text",
    [
        IT_IBAN,
        IT_IBAN.lower(),
        "IT60 X054 2811 1010 0000 0123 456",
        "IT 60 X 05428 11101 000000123456",
        "IT60 X 05428 11101 000000123456",
        "Mario Rossi IBAN IT60X0542811101000000123456",
        f"IBAN:{IT_IBAN}, paid",
        "GB82 WEST 1234 5698 7654 32",
        "DE89370400440532013000",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "NO9386011117947",  # the shortest
        "MT84MALT011000012345MTLCAST001S",
        "SM86U0322509800000000270100",
        "BE68539007547034",
    ],
)
def test_ibans_are_found(text: str) -> None:
    assert kinds(text) == (IBAN,)


@pytest.mark.parametrize(
    "text",
    [
        "IT60X0542811101000000123457",  # one digit changed
        "IT61X0542811101000000123456",  # check digits changed
        "IT60X054281110100000012345",  # one character short
        "IT60X0542811101000000123456789",  # longer than Italy's 27
        "IT60 X054 2811 1010 0000 0123 4567",
        "XX60X0542811101000000123456",  # no such country
        "IT60X05428 1110 1000000123456",  # spaces where no layout has them
        "FR12 flight to Paris and back home",
        "AZ61 0 Roma-Milano 2026-03-04",
    ],
)
def test_what_is_no_iban(text: str) -> None:
    assert IBAN not in kinds(text)


def test_check_digits_00_01_and_99_are_no_iban() -> None:
    # Such a number is 1 modulo 97 with check digits 98 + 2 = 00 + 97 … only
    # outside 02–98, which ISO 13616 never issues.
    bban = "X0542811101000000123456"
    right = int(iban_check_digits("IT", bban))
    assert right + 97 > 98  # 60 + 97: no second pair of digits to test for Italy
    assert IBAN not in kinds("IT01" + bban) and IBAN not in kinds("IT99" + bban)


# --------------------------------------------------------------------------- e-mail addresses


@pytest.mark.parametrize(
    "text",
    [
        "mario.rossi@example.com",
        "Mario.Rossi+claims@mail.example.co.uk",
        "write to m_rossi-1@libero.it please",
        "a@b.it",
    ],
)
def test_email_addresses_are_found(text: str) -> None:
    assert kinds(text) == (EMAIL,)


@pytest.mark.parametrize(
    "text", ["mario@localhost", "@example.com", "a@b.c", "rossi at example dot com", "A&E visit"]
)
def test_what_is_no_email_address(text: str) -> None:
    assert EMAIL not in kinds(text)


# --------------------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    "text",
    [
        "+39 333 1234567",
        "+393331234567",
        "+39 06 1234 5678",
        "+1 (212) 555-0100",
        "+44 20 7946 0958",
        "0039 333 1234567",
        "00393331234567",
        "0044 20 7946 0958",
        "3331234567",
        "333 1234567",
        "333 123 4567",
        "333-123-4567",
        "333.123.4567",
        "333/1234567",
        "333123456",  # nine digits: older mobile numbers
        "02 1234 5678",
        "02 12345678",
        "06/12345678",
        "011-1234567",
        "0461 123456",
        "tel:+393331234567",
        "call 333 1234567 after 6 pm",
        "333 1234567 10 nights",  # the number ends where its count of digits is right
        "cell 333-123-4567",
    ],
)
def test_phone_numbers_are_found(text: str) -> None:
    assert kinds(text) == (PHONE,)


#: Refs, dates and amounts of the shapes the examples use, and other numbers
#: that are no phone numbers: none is refused.
REALISTIC = [
    "CLM-2026-000123",
    "IMA-2026-000417",
    "WIS-2026-00083",
    "MED-0000001",
    "BENCH-0001234",
    "TEST-0001",
    "IMW-123456",
    "IMW-12345678",
    "INS-7F3A",
    "INS-0C77",
    "STU-617",
    "EV-417",
    "FLIGHT-FCO-ATH-0808",
    "STRIKE-PARIS-0408",
    "D.medical_pharma.max",
    "products/imaway/2026-01.yaml",
    "imaway@2026-01",
    "2026-03-04",
    "04/03/2026",
    "04.03.2026",
    "04/03/2026 10:30",
    "from 2026-03-04 to 2026-03-10",
    "hotel, 5 nights with breakfast",
    "cancellation penalty at 60%",
    "return ticket MXP–JFK, renounced",
    "AZ 610 Roma-Milano, 1,234.50 EUR",
    "3500.00",
    "1.234.567,89",
    "+1000",  # a plus sign and a short number
    "0012345678",  # a serial with leading zeros: too short after 00
    "000123456789",  # and one with 00 then 0: no country code
    "IMW-0123456",
    "2026000417",  # a year and a number: starts with 2
    "12345678901",  # the 11-digit numeric fiscal code form is not refused
    "1234 5678 9012 3456",  # a card-like number: none of the kinds
    "ticket 0551234",  # 7 digits
    "room 312, 2 nights",
    # A national number as the tail of a reference is an id (review of issue 15).
    "IMW-3331234567",
    "WS-2023-0312345678",
    "CLM/2026/0612345678",
]


@pytest.mark.parametrize("text", REALISTIC)
def test_realistic_refs_dates_and_amounts_are_not_refused(text: str) -> None:
    assert kinds(text) == ()
    assert not found(text)


# --------------------------------------------------------------------------- messages


def test_the_message_names_the_kind_and_never_the_value() -> None:
    why = "a claim carries no personal data (GDPR art. 5(1)(c), data minimisation)"
    assert message(CF, reference=True) == (
        f"looks like an Italian fiscal code (codice fiscale); {why}: use a pseudonymous reference"
    )
    assert message(f"Mario Rossi IBAN {IT_IBAN}", reference=False) == (
        f"contains what looks like an IBAN; {why}: leave it out"
    )
    both = message(f"{CF} mario.rossi@example.com", reference=False)
    assert both == (
        "contains what looks like an Italian fiscal code (codice fiscale) and an e-mail "
        f"address; {why}: leave it out"
    )
    assert message("INS-7F3A", reference=True) is None


# --------------------------------------------------------------------------- property tests

_UPPER = st.sampled_from(string.ascii_uppercase)
_TEXT = st.text(alphabet=string.ascii_letters + " ,.;:()-/", max_size=20)


@st.composite
def fiscal_codes(draw: st.DrawFn) -> str:
    letters = "".join(draw(st.lists(_UPPER, min_size=6, max_size=6)))
    year = draw(st.integers(0, 99))
    month = draw(st.sampled_from("ABCDEHLMPRST"))
    day = draw(st.integers(1, 31)) + draw(st.sampled_from((0, 40)))
    place = draw(_UPPER) + f"{draw(st.integers(0, 999)):03d}"
    body = f"{letters}{year:02d}{month}{day:02d}{place}"
    code = omocodic(body, draw(st.integers(0, 6)))
    return code.lower() if draw(st.booleans()) else code


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country, length = draw(st.sampled_from(sorted(personal.IBAN_LENGTHS.items())))
    alphabet = string.digits + string.ascii_uppercase
    bban = "".join(
        draw(st.lists(st.sampled_from(alphabet), min_size=length - 4, max_size=length - 4))
    )
    iban = country + iban_check_digits(country, bban) + bban
    if draw(st.booleans()):  # the paper format: a space after every four
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban.lower() if draw(st.booleans()) else iban


@st.composite
def email_addresses(draw: st.DrawFn) -> str:
    local = draw(st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,15}", fullmatch=True))
    labels = draw(
        st.lists(st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True), min_size=1, max_size=3)
    )
    tld = draw(st.from_regex(r"[a-z]{2,6}", fullmatch=True))
    return f"{local}@{'.'.join(labels)}.{tld}"


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    sep = draw(st.sampled_from(["", " ", "-", ".", "/"]))
    kind = draw(st.sampled_from(["mobile", "landline", "plus", "00"]))
    if kind == "mobile":
        national = f"3{draw(st.integers(1, 9))}{draw(st.integers(0, 9))}"
        rest = f"{draw(st.integers(0, 10**7 - 1)):07d}"
        return national + sep + rest
    if kind == "landline":
        area = (
            "0"
            + str(draw(st.integers(1, 9)))
            + "".join(map(str, draw(st.lists(st.integers(0, 9), max_size=2))))
        )
        rest = "".join(
            map(
                str,
                draw(st.lists(st.integers(0, 9), min_size=9 - len(area), max_size=11 - len(area))),
            )
        )
        return area + sep + rest
    country = str(draw(st.integers(1, 999)))
    rest = "".join(map(str, draw(st.lists(st.integers(0, 9), min_size=10, max_size=12))))
    return ("+" if kind == "plus" else "00") + country + sep.replace("/", " ") + rest


def _embedded(data: st.DataObject, value: str) -> str:
    """The value in random text, after a space, and at the end or before a space."""
    before = data.draw(_TEXT)
    after = data.draw(_TEXT)
    return f"{before} {value} {after}" if data.draw(st.booleans()) else f"{before} {value}"


@given(st.data())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_random_valid_fiscal_codes_in_text_are_always_found(data: st.DataObject) -> None:
    code = data.draw(fiscal_codes())
    assert FISCAL_CODE in kinds(code)
    glued = data.draw(_TEXT) + code + data.draw(_TEXT)
    assert FISCAL_CODE in kinds(glued)
    assert found(glued)


@given(st.data())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_random_valid_ibans_in_text_are_always_found(data: st.DataObject) -> None:
    iban = data.draw(ibans())
    text = _embedded(data, iban)
    assert IBAN in kinds(text)
    assert found(text)


@given(st.data())
@settings(max_examples=200)
def test_random_email_addresses_and_phone_numbers_in_text_are_always_found(
    data: st.DataObject,
) -> None:
    email = data.draw(email_addresses())
    assert EMAIL in kinds(_embedded(data, email))
    phone = data.draw(phone_numbers())
    text = _embedded(data, phone)
    assert PHONE in kinds(text), text
    assert found(text)


@given(st.data())
@settings(max_examples=100)
def test_a_checksum_off_by_one_character_is_not_an_iban_or_fiscal_code(
    data: st.DataObject,
) -> None:
    code = data.draw(fiscal_codes()).upper()
    wrong = data.draw(st.sampled_from(string.ascii_uppercase.replace(code[-1], "")))
    assert FISCAL_CODE not in kinds(code[:-1] + wrong)
    iban = data.draw(ibans()).replace(" ", "").upper()
    # Of the same class, a digit for a digit, a letter for a letter: the number
    # then changes by (a - b) * 10**6 with 0 < |a - b| < 97, never 0 modulo 97.
    same = string.digits if iban[-1].isdigit() else string.ascii_uppercase
    last = data.draw(st.sampled_from(same.replace(iban[-1], "")))
    changed = iban[:-1] + last
    # Not the whole text: a shorter IBAN may stand inside it, checksum and all
    # (FK78W9O99T98SCK34E in AE090FK78W9O99T98SCK34E, drawn once).
    assert (0, len(changed)) not in personal.ibans(changed)


_PREFIX = st.from_regex(r"[A-Z]{2,6}", fullmatch=True)
_REFS = st.one_of(
    st.builds(  # IMA-2026-000417, WIS-2026-00083
        lambda p, y, n, w: f"{p}-{y}-{n:0{w}d}",
        _PREFIX,
        st.integers(1990, 2199),
        st.integers(0, 10**6 - 1),
        st.integers(3, 6),
    ),
    st.builds(lambda p, n: f"{p}-{n:07d}", _PREFIX, st.integers(0, 10**7 - 1)),  # MED-0000001
    st.builds(lambda p, n: f"{p}-{n}", _PREFIX, st.integers(0, 10**8 - 1)),  # IMW-123456
    st.builds(lambda n: f"INS-{n:04X}", st.integers(0, 0xFFFF)),  # INS-7F3A
    st.builds(lambda p, n: f"{p}{n}", st.sampled_from("PSTE"), st.integers(1, 999)),  # P1
    st.builds(  # FLIGHT-FCO-ATH-0808
        lambda w, a, b, m, d: f"{w}-{a}-{b}-{m:02d}{d:02d}",
        _PREFIX,
        st.from_regex(r"[A-Z]{3}", fullmatch=True),
        st.from_regex(r"[A-Z]{3}", fullmatch=True),
        st.integers(1, 12),
        st.integers(1, 31),
    ),
)
_WORDS = st.sampled_from(
    [
        "hotel",
        "night",
        "nights",
        "taxi",
        "to",
        "the",
        "hospital",
        "emergency",
        "room",
        "train",
        "ticket",
        "flight",
        "penalty",
        "clothes",
        "suitcase",
        "jacket",
        "shoes",
        "camera",
        "lenses",
        "with",
        "and",
        "for",
        "of",
        "breakfast",
        "EUR",
        "USD",
        "medicines",
        "visit",
        "X-ray",
        "A&E",
        "call-out",
        "labour",
        "ferry",
        "AZ",
        "FR",
        "U2",
        "MXP–JFK",
        "FCO",
        "ATH",
    ]
)
_NUMBERS = st.one_of(
    st.integers(1, 9999).map(str),  # 3 nights, room 312
    st.decimals(0, 99999, places=2).map(str),  # 1234.50
    st.dates(dt.date(1990, 1, 1), dt.date(2199, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%d.%m.%Y")])
    ),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.integers(1, 100).map(lambda n: f"{n}%"),
    st.builds(
        lambda a, n: f"{a}{n}", st.sampled_from(["AZ", "FR", "U2", "LH"]), st.integers(1, 9999)
    ),
)
# Words with a number or a date between them, as the examples' labels are.
_LABELS = st.lists(st.tuples(_WORDS, st.none() | _NUMBERS), min_size=1, max_size=6).map(
    lambda pairs: " ".join(f"{w} {n}" if n else w for w, n in pairs)
)


@given(_REFS)
@settings(max_examples=500)
def test_random_refs_of_the_examples_shapes_are_never_refused(ref: str) -> None:
    assert kinds(ref) == (), ref


@given(_LABELS)
@settings(max_examples=500)
def test_random_labels_with_numbers_dates_and_amounts_are_never_refused(label: str) -> None:
    assert kinds(label) == (), label


@given(st.text(max_size=60))
@settings(max_examples=500)
def test_the_cheap_test_misses_nothing_the_checks_find(text: str) -> None:
    """SHAPES (one search, the quick reader's) finds a shape wherever a detector finds data
    (an e-mail address: its "@")."""
    spans = (
        personal.fiscal_codes(text) or personal.ibans(text) or personal.emails(text)
    ) or personal.phones(text)
    if spans:
        assert "@" in text or personal.SHAPES(text) is not None
    assert found(text) == bool(spans)


@given(st.data())
@settings(max_examples=200)
def test_the_cheap_test_misses_no_generated_data(data: st.DataObject) -> None:
    value = data.draw(st.one_of(fiscal_codes(), ibans(), email_addresses(), phone_numbers()))
    text = _embedded(data, value)
    assert "@" in text or personal.SHAPES(text) is not None
    assert personal.confirmed(text)


def test_clean_texts_are_remembered_personal_data_never() -> None:
    personal.CLEAN.clear()
    assert not found("D.medical_pharma") and "D.medical_pharma" in personal.CLEAN
    assert found(CF) and found(CF) and CF not in personal.CLEAN
    for i in range(5000):
        found(f"label {i:06d}")
    assert len(personal.CLEAN) <= 4096


# --------------------------------------------------------------------------- the fields


def _declared_text_fields() -> set[tuple[str, str]]:
    """Every field whose type, under Annotated and Optional, is str and not a Literal:
    read from the dataclasses' annotations here, apart from fields_of."""
    found_fields = set()
    for model in MODELS:
        hints = typing.get_type_hints(model, include_extras=True)
        for declared in dataclasses.fields(model):
            hint = hints[declared.name]
            closed_text = False
            while True:
                origin = typing.get_origin(hint)
                if origin is typing.Annotated:
                    # A Choices marker makes text a closed set of values (categories).
                    closed_text |= any(type(m).__name__ == "Choices" for m in hint.__metadata__)
                    hint = typing.get_args(hint)[0]
                elif origin is types.UnionType or origin is typing.Union:
                    (hint,) = (a for a in typing.get_args(hint) if a is not type(None))
                else:
                    break
            if hint is str and not closed_text:
                found_fields.add((model.__name__, declared.name))
                continue
            # Anything else is a closed set of texts, a number, a date, an object, a list
            # of them or facts: a new kind of field has to be placed here.
            closed = typing.get_origin(hint) in (Literal, tuple, dict)
            known = closed or closed_text or hint in (bool, int, Decimal, dt.date, *MODELS)
            assert known, (model, hint)
    return found_fields


def _screened() -> list[tuple[type, FieldSpec]]:
    return [(model, spec) for model in MODELS for spec in fields_of(model) if spec.screened]


def test_every_text_field_of_the_declaration_is_screened() -> None:
    declared = _declared_text_fields()
    screened = {(model.__name__, spec.name) for model, spec in _screened()}
    assert screened == declared
    # The ones the issue names, by name: the derivation did not come out empty.
    assert {
        ("Claim", "claim_id"),
        ("Insured", "ref"),
        ("Line", "id"),
        ("Event", "id"),
        ("Expense", "label"),
        ("BaggageObject", "label"),
        ("PriorPayment", "guarantee"),
    } <= screened


def _document() -> dict[str, Any]:
    """A valid claim with every class of the format, every optional text field given."""
    data: dict[str, Any] = json.loads((FIXTURES / "claims" / "valid.json").read_text("utf-8"))
    data["edition"] = "2026-01"
    data["event"]["id"] = "EV-417"
    data["rates"] = [{"currency": "USD", "date": "2026-03-03", "units_per_eur": "1.08"}]
    person = data["insured"][0]
    person["prior_payments"] = [
        {"guarantee": "D.medical_pharma", "amount": "10.00", "date": "2026-02-01"}
    ]
    line = person["lines"][0]
    line["expenses"][0].update(currency="EUR", category="other", label="emergency room")
    line["objects"] = [
        {
            "label": "jacket",
            "value": "100.00",
            "currency": "EUR",
            "date": "2026-03-03",
            "category": "clothing",
        }
    ]
    return data


# Where each class of the format is in _document().
_WHERE: dict[str, tuple[str | int, ...]] = {
    "Claim": (),
    "Policy": ("policy",),
    "Trip": ("trip",),
    "Event": ("event",),
    "ExchangeRate": ("rates", 0),
    "Insured": ("insured", 0),
    "PriorPayment": ("insured", 0, "prior_payments", 0),
    "Line": ("insured", 0, "lines", 0),
    "Expense": ("insured", 0, "lines", 0, "expenses", 0),
    "BaggageObject": ("insured", 0, "lines", 0, "objects", 0),
}

#: A value of each kind, fitting a reference's form where the kind allows.
PERSONAL = {
    FISCAL_CODE: CF,
    IBAN: IT_IBAN,
    EMAIL: "mario.rossi@example.com",
    PHONE: "3331234567",
}
#: The same in free text.
IN_TEXT = {
    FISCAL_CODE: f"Mario Rossi {CF}",
    IBAN: f"Mario Rossi IBAN {IT_IBAN}",
    EMAIL: "write to mario.rossi@example.com",
    PHONE: "call +39 333 1234567",
}


def _path(loc: tuple[str | int, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")


def _cases() -> list[Any]:
    cases = []
    for model, spec in _screened():
        for kind in PERSONAL:
            for value in (PERSONAL[kind], IN_TEXT[kind]):
                cases.append(
                    pytest.param(
                        model.__name__,
                        spec,
                        kind,
                        value,
                        id=f"{model.__name__}.{spec.name}:{value}",
                    )
                )
    return cases


def test_the_document_is_valid_and_has_every_class() -> None:
    assert set(_WHERE) == {model.__name__ for model in MODELS}
    quick.claim(_document())
    parse_claim(json.dumps(_document()), "claim.json")


@pytest.mark.parametrize(("model", "spec", "kind", "value"), _cases())
def test_each_text_field_refuses_each_kind_on_every_reading(
    model: str, spec: FieldSpec, kind: str, value: str
) -> None:
    data = _document()
    loc = (*_WHERE[model], spec.name)
    target: Any = data
    for key in loc[:-1]:
        target = target[key]
    target[spec.name] = value
    expected = message(value, reference=spec.pattern == REF_FORM)
    assert expected is not None and kind in expected
    field = _path(loc)
    # The quick reading gives up, the full one says why, once.
    with pytest.raises(GIVES_UP):
        quick.claim(copy.deepcopy(data))
    problems: list[Any] = []
    read_fully(Claim, copy.deepcopy(data), (), problems)
    assert problems == [(loc, expected)]
    # Both JSON readings (json, orjson), as read_claim and a batch use them.
    for fast in (False, True):
        with pytest.raises(ClaimError) as caught:
            parse_claim(json.dumps(data), "claim.json", fast)
        assert list(caught.value.problems) == [(field, expected)]
        assert str(caught.value) == f"claim.json: {field}: {expected}"
        assert value not in str(caught.value)
        assert CF not in str(caught.value) and "1234567" not in str(caught.value)


def test_the_refusals_come_from_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the check, references and labels would take these values: the tests above
    would fail if it were gone from either reading."""
    accepted = 0
    for _model, spec in _screened():
        for value in [*PERSONAL.values(), *IN_TEXT.values()]:
            try:
                converter(spec)(value)
            except Invalid:
                continue
            accepted += 1
    assert accepted >= 20  # refs take the fiscal code, IBAN, phone; labels everything
    data = _document()
    data["insured"][0]["ref"] = CF
    data["insured"][0]["lines"][0]["expenses"][0]["label"] = IN_TEXT[IBAN]
    monkeypatch.setattr(quick, "unclean", lambda text: False)
    monkeypatch.setattr("claimcalc.claim.read.personal_data", lambda text, reference: None)
    claim = parse_claim(json.dumps(data), "claim.json", True)
    assert claim.insured[0].ref == CF


def test_the_issue_s_example_message() -> None:
    data = _document()
    data["insured"][0]["ref"] = CF
    with pytest.raises(ClaimError) as caught:
        parse_claim(json.dumps(data), "claim.json")
    assert str(caught.value) == (
        "claim.json: insured[0].ref: looks like an Italian fiscal code (codice fiscale); a claim "
        "carries no personal data (GDPR art. 5(1)(c), data minimisation): use a pseudonymous "
        "reference"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["trip"].__setitem__("departure_date", CF), "trip.departure_date"),
        (lambda d: d["trip"].__setitem__("cost", IT_IBAN), "trip.cost"),
        (lambda d: d.__setitem__("claim_format", CF), "claim_format"),
        (lambda d: d.__setitem__("policy", "mario.rossi@example.com"), "policy"),
        (lambda d: d["event"]["facts"].__setitem__("cause", "333 1234567"), "event.facts.cause"),
        (
            lambda d: d["event"]["facts"].__setitem__("hospital_days", CF),
            "event.facts.hospital_days",
        ),
        (
            lambda d: d["event"]["facts"].__setitem__("circumstances", [IT_IBAN]),
            "event.facts.circumstances",
        ),
        (lambda d: d["event"]["facts"].__setitem__(CF, True), "event.facts"),
        (lambda d: d["insured"][0].__setitem__(CF, 1), "insured[0]"),
    ],
)
def test_no_other_message_quotes_personal_data(change: Any, field: str) -> None:
    """Wrong values are quoted in messages ("not a valid date: '…'"): not personal data.
    Nor is a key, quoted in the field's path."""
    data = _document()
    change(data)
    for fast in (False, True):
        with pytest.raises(ClaimError) as caught:
            parse_claim(json.dumps(data), "claim.json", fast)
        text = str(caught.value)
        assert (
            CF not in text and IT_IBAN not in text and "rossi" not in text and "1234567" not in text
        )
        ((where, says),) = caught.value.problems
        assert where == field and personal.WHY in says


def test_a_fact_stated_right_is_not_screened() -> None:
    """Facts hold no free text: a decimal fact's digits are a number, not a phone."""
    data = _document()
    data["insured"][0]["lines"][0]["facts"] = {"carrier_compensation": "3331234567"}
    parse_claim(json.dumps(data), "claim.json")


def test_no_fact_value_of_the_vocabulary_is_refused() -> None:
    from claimcalc.facts import FACTS

    for spec in FACTS.values():
        for value in spec.values:
            assert not found(value), value


# --------------------------------------------------------------------------- command line, batch


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_settle_refuses_with_exit_code_3_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((FIXTURES / "claims" / "valid.json").read_text(encoding="utf-8"))
    data["claim_id"] = CF
    data["insured"][0]["lines"][0]["expenses"][0]["label"] = IN_TEXT[IBAN]
    path = _write(tmp_path / "claim.json", data)
    for extra in ([], ["--format", "json"], ["--explain"]):
        code = main(["settle", str(path), *extra])
        out, err = capsys.readouterr()
        assert code == 3
        assert out == ""
        label = "insured[0].lines[0].expenses[0].label"
        assert err.splitlines() == [
            f"{path}: claim_id: {message(CF, reference=True)}",
            f"{path}: {label}: {message(IN_TEXT[IBAN], reference=False)}",
        ]
        assert CF not in err and IT_IBAN not in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_in_a_batch_only_that_claim_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    """Claims 5 and 70: before and after the 64th, read with json and with orjson."""
    valid = json.loads((FIXTURES / "claims" / "valid.json").read_text(encoding="utf-8"))
    lines = []
    for i in range(1, 81):
        claim = copy.deepcopy(valid)
        claim["claim_id"] = f"C-{i:06d}"
        if i in (5, 70):
            claim["claim_id"] = CF
            claim["insured"][0]["ref"] = "3331234567"
        if i in (6, 71):
            claim["insured"][0]["lines"][0]["expenses"][0]["label"] = IN_TEXT[EMAIL]
        lines.append(json.dumps(claim))
    book = tmp_path / "book.ndjson"
    book.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["settle", str(book), "--format", "ndjson", "--explain", "--jobs", jobs])
    out, err = capsys.readouterr()
    assert code == 6
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["position"] for r in records] == list(range(1, 81))
    failed = {r["position"]: r for r in records if r["status"] == "error"}
    assert set(failed) == {5, 6, 70, 71}
    for position in (5, 70):
        assert failed[position]["claim_id"] is None  # not echoed either
        assert failed[position]["exit_code"] == 3
        assert failed[position]["errors"] == [
            {"field": "claim_id", "message": message(CF, reference=True)},
            {"field": "insured[0].ref", "message": message("3331234567", reference=True)},
        ]
    for position in (6, 71):
        assert failed[position]["claim_id"] == f"C-{position:06d}"
        assert failed[position]["errors"] == [
            {
                "field": "insured[0].lines[0].expenses[0].label",
                "message": message(IN_TEXT[EMAIL], reference=False),
            }
        ]
    assert all(r["status"] != "error" for p, r in enumerate(records, 1) if p not in failed)
    for text in (out, err):
        assert CF not in text and "3331234567" not in text and "rossi@" not in text
    assert "failed 4" in err
