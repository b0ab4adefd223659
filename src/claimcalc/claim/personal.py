"""Personal data in a claim's text: fiscal codes, IBANs, e-mail addresses, phone numbers.

A claim carries no personal data (GDPR art. 5(1)(c), data minimisation; the
privacy notices of the seeds 000, 002 and 004: only what is strictly
necessary). Fields such as ``name`` or ``iban`` are unknown fields, refused by
the readers; this module finds the same data written into the text a claim
does carry: references, ids, labels, and every other text field of the
format (``FieldSpec.screened`` in :mod:`claimcalc.claim.model`). The
readers refuse a text in which :func:`kinds` finds anything, naming the field
and the kind, never the value (it is the personal data).

It is a safety net against a slip, not anonymisation: a name alone, an
address, a fiscal code written with spaces or an e-mail address written
``mario at example dot com`` are not found.

The rules, each searched anywhere in the text (case-insensitive for letters):

* **fiscal code** (codice fiscale of a person, 16 characters): six letters,
  two digits (year), a month letter (``ABCDEHLMPRST``), two digits (day: 1–31,
  or 41–71 for women), a letter and three digits (the place), and the check
  letter, which must be the one computed from the first fifteen (Agenzia
  delle Entrate's odd/even tables, sum modulo 26). Omocodia: a digit may be
  written as the letters ``LMNPQRSTUV`` (0–9), replaced from the right as the
  Agenzia does; a code whose seven digits are all replaced (never seen in
  practice) is not found. The 11-digit numeric form is **not** refused: it is
  the fiscal code of companies and bodies (the partita IVA), not a person's,
  and its check digit lets one in ten of all 11-digit numbers through, so
  refusing it would refuse one ticket or booking number in ten.
* **IBAN** (ISO 13616): a country code of the IBAN registry, two check digits
  (02–98), then letters and digits, written without spaces
  (``IT60X0542811101000000123456``), in ISO 13616's paper format, a space
  after every four characters (``IT60 X054 2811 1010 0000 0123 456``), or,
  for Italy and San Marino, in their national layout of CIN, ABI, CAB and
  account, each part after a space or none (``IT 60 X 05428 11101
  000000123456``); exactly the country's length of letters and digits (27
  for Italy), not followed directly by a letter or digit; and the whole,
  its first four characters moved to the end and its letters written as
  numbers (A = 10 … Z = 35), is 1 modulo 97. Spaces anywhere else are not
  taken as part of an IBAN, so that words after a flight number
  ("FR12 flight …") are never read as one.
* **e-mail address**: one or more of letters, digits and ``. _ % + -``, an
  ``@``, then a domain: labels of letters, digits and ``-`` joined by dots,
  the last one (the top-level domain) of two or more letters.
* **phone number**, not preceded by a letter, a digit or ``+``, and not
  followed by a digit; digit groups may be separated by a space, ``.``,
  ``-`` or ``/``, one of them, the same throughout, each group after the
  first of two digits or more; the number counts up to the end of any of
  its groups where its count of digits is right (``333 1234567 10 nights``
  holds one):

  - international: ``+`` or ``00``, a digit 1–9 (the country code), in all 8
    to 15 digits after ``+``, 10 to 15 after ``00`` (``0012345678``, a serial
    number with leading zeros, is not a phone number; ``0039 02 12345678``
    is); after ``+`` the groups may also be separated by ``( )``;
  - an Italian mobile: ``3``, a digit 1–9, a digit, then 6 or 7 more digits
    (``333 1234567``, ``333-123-4567``), 9 or 10 digits in all;
  - an Italian landline: ``0``, a digit 1–9, up to two more digits (the area
    code), then more digit groups, 9 to 11 digits in all (``02 1234 5678``,
    ``06/12345678``).

  Refs such as ``CLM-2026-000123``, ``IMW-123456`` or ``INS-7F3A``, dates
  (``2026-03-04``, ``04/03/2026``) and amounts are none of these: a year
  starts with 1 or 2, a sequence number's leading zeros (``000123``) are
  neither an area code nor ``00`` and a country code, and a date has 8
  digits, and a national number after a letter or digit and a separator
  (``IMA-3312345678``, ``CLM/2026/0612345678``) is the tail of a reference.
  A reference that is only a 9- or 10-digit number starting with 3 and a
  digit 1–9, or 9 to 11 digits starting with 0 and a digit 1–9, is taken for
  a phone number: it is written as one. So is an 11-digit VAT number (partita
  IVA) starting with 0 and a digit 1–9 written alone, and a 13-digit airline
  ticket number starting ``00``: neither belongs in a claim either.

The test, :func:`found`, is cheap on ordinary text, for it runs on every
text of every claim: a text of fewer than 6 characters (``a@b.it``) holds
none of these; a longer one is looked at for an ``@`` and searched once for
the other shapes (:data:`SHAPES`, one regular expression that starts only at
a ``+`` or a digit that no digit precedes), and only a shape found is checked
(check character, checksum, length, digit count). A text found clean is
remembered (:data:`CLEAN`): the next claim's same guarantee name or label
costs a set lookup.
"""

from __future__ import annotations

import re

from claimcalc.i18n import N_, _

# The kinds and WHY are msgids: :func:`kinds` gives them in English, :func:`message`
# in the current language.
FISCAL_CODE = N_("an Italian fiscal code (codice fiscale)")
IBAN = N_("an IBAN")
EMAIL = N_("an e-mail address")
PHONE = N_("a phone number")
KINDS = (FISCAL_CODE, IBAN, EMAIL, PHONE)

#: Why such a text is refused; after "…; " in a problem's message.
WHY = N_("a claim carries no personal data (GDPR art. 5(1)(c), data minimisation)")

# --------------------------------------------------------------------------- shapes

_OMO = "0-9LMNPQRSTUVlmnpqrstuv"  # a digit, or its omocodia letter
_MONTH = "A-EHLMPR-Ta-ehlmpr-t"
_FISCAL_SHAPE = f"[A-Za-z]{{6}}[0-9][{_OMO}][{_MONTH}][{_OMO}]{{2}}[A-Za-z][{_OMO}]{{3}}[A-Za-z]"
# Without spaces, in groups of four, or in the Italian layout: CC dd X
# ABI(5) CAB(5) account(12). A longer run is cut at the country's length when
# checked.
_AN = "[A-Za-z0-9]"
_IBAN_SHAPE = (
    f"[A-Za-z]{{2}}[0-9]{{2}}(?:{_AN}{{11,30}}|(?: {_AN}{{4}}){{2,7}}(?: {_AN}{{1,4}})?)"
    f"|(?:[Ii][Tt]|[Ss][Mm]) ?[0-9]{{2}} ?[A-Za-z] ?[0-9]{{5}} ?[0-9]{{5}} ?{_AN}{{12}}"
)
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_EMAIL_SHAPE = rf"[\w.%+-]+@{_DOMAIN}"
# Phone numbers, each written from its first character on: "+" or "00"
# (international) or a mobile's 3xx or a landline's area code (national), then
# digit groups. After "+", separators and ( ) may mix ("+1 (212) 555-0100");
# otherwise one separator throughout. The lookahead asks for the fewest digits
# (8 after "+", 10 after "00", 9 in all), so that dates and short numbers
# are dismissed by the shape alone; phones() counts them exactly.
_PLUS = r"(?=(?:[ ./()-]{0,2}[0-9]){8})[1-9](?:[ ./()-]{0,2}[0-9])+"
_DOUBLE_ZERO = r"0(?=(?:[ ./-]?[0-9]){10})[1-9][0-9]*(?:(?P<s00>[ ./-])[0-9]+(?:(?P=s00)[0-9]+)*)?"
_NATIONAL = (
    r"(?=(?:[ ./-]?[0-9]){8})(?:(?<=3)[1-9][0-9]|(?<=0)[1-9][0-9]{0,2})"
    r"(?:(?P<s>[ ./-]?)[0-9]{2,}(?:(?P=s)[0-9]{2,})*)"
)
_PHONE_SHAPE = (
    rf"(?:\+(?<![A-Za-z0-9+]\+){_PLUS}|0(?<![A-Za-z0-9+]0){_DOUBLE_ZERO}"
    # A national number is not the tail of a reference: after a letter or
    # digit and a separator (IMA-3312345678, CLM/2026/0612345678) it is an id.
    rf"|[03](?<![A-Za-z0-9+][03])(?<![A-Za-z0-9][-/_.:][03]){_NATIONAL})(?![0-9])"
)

# The shapes, which the checks below then confirm or dismiss.
_FISCAL = re.compile(f"(?=({_FISCAL_SHAPE}))")  # overlapping: every start is tried
_IBAN = re.compile(f"(?=({_IBAN_SHAPE}))")
_EMAIL = re.compile(_EMAIL_SHAPE)
_PHONE = re.compile(_PHONE_SHAPE)


def _digits(count: int, separator: str) -> str:
    """``count`` digits, each after an optional separator (no repetition group: cheaper)."""
    return f"{separator}[0-9]" * count


#: Any of the shapes but the e-mail address's (its "@" is looked for apart),
#: in one search: what the readers run on every text. The detectors above
#: find more precisely; this only has to find a shape wherever they find data,
#: as cheaply as can be, for it runs on every text of every claim. Every shape
#: has, at a fixed place, a digit that no digit precedes, or a "+": the
#: search starts only at such a character (the regular expression engine
#: skips, in C, to the next digit or "+") and writes each shape from there,
#: forward first, what comes before asserted behind.
SHAPES = re.compile(
    "[0-9+](?<![0-9][0-9])(?:"
    + "|".join(
        (
            # the fiscal code, from its first digit (the 7th character)
            f"[{_OMO}][{_MONTH}][{_OMO}]{{2}}[A-Za-z][{_OMO}]{{3}}[A-Za-z]"
            f"(?<=[A-Za-z]{{6}}[0-9].{{9}})",
            # the IBAN, from its check digits: without spaces, in fours, in
            # the Italian layout (fewer characters than any IBAN has)
            f"[0-9](?:{_AN}{{11}}(?<=[A-Za-z]{{2}}[0-9]{{2}}.{{11}})"
            f"| {_AN}{{4}} {_AN}{{4}}(?<=[A-Za-z]{{2}}[0-9]{{2}}.{{10}})"
            "| ?[A-Za-z] ?[0-9]{5})",
            # the phone number: +, 3 or 0 then 1-9, not after a letter, digit
            # or +, at least 8 digits after + (9 in a national number) …
            f"[1-9](?<=[+03][1-9])(?<![A-Za-z0-9+][+03][1-9])(?={_digits(7, '[ ./()-]{0,2}')})",
            # … or 00 then 1-9 and at least 10 digits after the 00
            f"0[1-9](?<=00[1-9])(?<![A-Za-z0-9+]00[1-9])(?={_digits(9, '[ ./-]?')})",
        )
    )
    + ")"
).search


def found(text: str) -> bool:
    """Whether ``text`` holds personal data of any of the kinds: the readers' test.

    The quick reader (:mod:`claimcalc.claim.quick`) writes it in place:
    ``len(v) > 5 and v not in CLEAN and unclean(v)``.
    """
    return len(text) > 5 and text not in CLEAN and unclean(text)


#: Texts found clean, some thousands at most: the claims of a batch share
#: their product, level, zone, guarantee and category names and often their
#: labels, and a set lookup costs a tenth of a search.
CLEAN: set[str] = set()


def unclean(text: str) -> bool:
    """Whether ``text`` holds personal data; a clean one is remembered in :data:`CLEAN`."""
    if ("@" in text or SHAPES(text) is not None) and confirmed(text):
        return True
    if len(CLEAN) >= 4096:
        CLEAN.clear()
    CLEAN.add(text)
    return False


def confirmed(text: str) -> bool:
    """Whether a text with one of the shapes (:data:`SHAPES`) holds one of the kinds."""
    return bool(fiscal_codes(text) or ibans(text) or emails(text) or phones(text))


def kinds(text: str) -> tuple[str, ...]:
    """The kinds of personal data ``text`` holds, in the order of :data:`KINDS`."""
    return tuple(kind for kind, _span in _found(text))


def message(text: str, reference: bool) -> str | None:
    """The problem with ``text``, or None when it holds no personal data.

    It names the kinds and why, never the value. ``reference``: the field is
    a reference (an id), to be replaced by a pseudonymous one; other text
    (a label) is to leave the data out.
    """
    spans = _found(text)
    if not spans:
        return None
    what = _(spans[0][0])
    for kind, _span in spans[1:]:
        what = _("{kinds} and {kind}").format(kinds=what, kind=_(kind))
    stripped = (len(text) - len(text.lstrip()), len(text.rstrip()))
    whole = len(spans) == 1 and spans[0][1] == stripped
    says = (
        _("looks like {what}; {why}: {advice}")
        if whole
        else _("contains what looks like {what}; {why}: {advice}")
    )
    advice = _("use a pseudonymous reference") if reference else _("leave it out")
    return says.format(what=what, why=_(WHY), advice=advice)


def _found(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Each kind ``text`` holds, with where it first does."""
    if not (len(text) > 5 and ("@" in text or SHAPES(text) is not None)):
        return []
    return [
        (kind, spans[0])
        for kind, spans in (
            (FISCAL_CODE, fiscal_codes(text)),
            (IBAN, ibans(text)),
            (EMAIL, emails(text)),
            (PHONE, phones(text)),
        )
        if spans
    ]


# --------------------------------------------------------------------------- fiscal codes

# Agenzia delle Entrate: the value of each character in an odd position (1st,
# 3rd, … 15th), a digit as the letter in its place (0 as A, …, 9 as J).
# fmt: off
_ODD_VALUES = (
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,  # A–M
    20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,  # N–Z
)
# fmt: on
_ODD = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _ODD_VALUES, strict=True))
_ODD.update({str(d): _ODD["ABCDEFGHIJ"[d]] for d in range(10)})
# In an even position: A–Z are 0–25, digits 0–9.
_EVEN = {letter: i for i, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_EVEN.update({str(d): d for d in range(10)})
# Omocodia: the letters that stand for digits, and where digits are (0-based),
# replaced from the right.
_OMOCODIA = {letter: str(d) for d, letter in enumerate("LMNPQRSTUV")}
_DIGIT_PLACES = (6, 7, 9, 10, 12, 13, 14)


def fiscal_check(first15: str) -> str:
    """The check letter of a fiscal code's first fifteen characters (upper case)."""
    total = sum(_ODD[c] for c in first15[0::2]) + sum(_EVEN[c] for c in first15[1::2])
    return chr(ord("A") + total % 26)


def is_fiscal_code(code: str) -> bool:
    """Whether 16 characters of the fiscal code's shape are a valid code."""
    code = code.upper()
    places = [code[i] for i in _DIGIT_PLACES]
    replaced = [not c.isdigit() for c in places]
    # Replaced from the right: once one is, every later one is; one digit at least.
    if replaced[0] or replaced != sorted(replaced):
        return False
    day = int("".join(_OMOCODIA.get(c, c) for c in code[9:11]))
    if not (1 <= day <= 31 or 41 <= day <= 71):
        return False
    return fiscal_check(code[:15]) == code[15]


def fiscal_codes(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a fiscal code: (start, end) of each."""
    return [(m.start(), m.start() + 16) for m in _FISCAL.finditer(text) if is_fiscal_code(m[1])]


# --------------------------------------------------------------------------- IBANs

#: Each country's IBAN length (SWIFT's IBAN registry, with RU).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}  # fmt: skip


def iban_remainder(iban: str) -> int:
    """An IBAN (no spaces), its first four characters moved to the end, modulo 97."""
    moved = (iban[4:] + iban[:4]).upper()
    return int("".join(str(int(c, 36)) for c in moved)) % 97


def ibans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds an IBAN: (start, end) of each."""
    spans = []
    for m in _IBAN.finditer(text):
        candidate = m[1]
        length = IBAN_LENGTHS.get(candidate[:2].upper())
        if length is None:
            continue
        # Where its first `length` letters and digits end.
        end, count = 0, 0
        for end, c in enumerate(candidate, start=1):  # noqa: B007
            if c != " ":
                count += 1
                if count == length:
                    break
        after = m.start() + end
        if count < length or (
            after < len(text) and text[after].isascii() and text[after].isalnum()
        ):
            continue
        iban = candidate[:end].replace(" ", "")
        if 2 <= int(iban[2:4]) <= 98 and iban_remainder(iban) == 1:
            spans.append((m.start(), after))
    return spans


# --------------------------------------------------------------------------- e-mail, phones


def emails(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds an e-mail address: (start, end) of each."""
    return [m.span() for m in _EMAIL.finditer(text)] if "@" in text else []


_DIGIT_GROUP = re.compile("[0-9]+").findall


def phones(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a phone number: (start, end) of each.

    A number is taken up to the end of any of its digit groups where its
    count of digits is right ("333 1234567 10 nights" holds a mobile number).
    """
    spans = []
    for m in _PHONE.finditer(text):
        number = m[0]
        if number[0] == "+":
            prefix, least, most = 0, 8, 15
        elif number.startswith("00"):
            prefix, least, most = 2, 10, 15
        elif number[0] == "3":
            prefix, least, most = 0, 9, 10
        else:
            prefix, least, most = 0, 9, 11
        count = -prefix
        for group in _DIGIT_GROUP(number):
            count += len(group)
            if least <= count <= most:
                spans.append(m.span())
                break
            if count > most:
                break
    return spans
