"""The plain path: the fast path's claims read from JSON's values, not the claim's objects.

The fast path (:mod:`claimcalc.output.fastpath`) writes the record of a plain
claim without the engine's objects, but from the claim as read: a
:class:`~claimcalc.claim.model.Claim` with an object for every person, line
and expense, each made and then read back. For the commonest claims — people
with an age, lines of documented expenses in euro — this module goes from
orjson's dictionaries (the json module's for a batch's first claims, the
same for every claim it takes: :func:`~claimcalc.jsonio.loads_values`) to
the same record: the claim's insured persons, lines and expenses are
checked as the readers check them (the quick reader's own patterns and
screens, :func:`~claimcalc.claim.read.check_claim`'s checks between fields)
and settled by the fast path's steps
(:func:`~claimcalc.output.fastpath.line_row`,
:func:`~claimcalc.output.fastpath.person_text_cents`: in whole cents, as
every amount it reads is one, the record written as JSON text from templates
of the fast path's documents) without being made into objects. The policy,
trip and event are read by the quick reader into the claim's own objects
(few, and what the claim-wide rules read).

It only ever accepts: anything it does not take — a field it does not read
(birth dates, prior payments, objects, units, exchange rates), a currency
other than the euro, a value the readers would refuse or read otherwise, a
fact of an uncommon kind, a repeated key — makes :meth:`PlainPath.read_plain`
answer None, and the claim is read and settled as before. Any problem, the
readers report it. tests/test_plain.py holds it to the full reading and the
engine on the fast path's corpora and on claims broken one field at a time.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from claimcalc import jsonio
from claimcalc.claim.model import MAX_CLAIM_TEXT, MAX_LINES, Claim, product_ref
from claimcalc.claim.personal import CLEAN, unclean
from claimcalc.claim.quick import (
    _EXPENSE_CATEGORY,
    _MISSING,
    _match_edition,
    _new,
    event,
    policy,
    trip,
)
from claimcalc.claim.read import check_claim, common_facts
from claimcalc.claim.values import Invalid, amount, date, within_places
from claimcalc.errors import ClaimcalcError
from claimcalc.i18n import current_language
from claimcalc.money import from_cents, text_of_cents
from claimcalc.output.fastpath import (
    _UNKNOWN,
    _ZERO_CENTS,
    FastPath,
    Head,
    _escaped,
    _key,
    _roles,
    day_text,
    line_row,
    person_text_cents,
)
from claimcalc.settling.eligibility import within

if TYPE_CHECKING:
    from claimcalc.settling.settler import Settler


# The fields it reads, of each object of a claim; a claim with any other goes
# the full way. The claim's own fields but exchange rates; the policy's, the
# trip's and the event's all (the quick reader reads them).
_CLAIM = frozenset(
    {
        "claim_format",
        "claim_id",
        "product",
        "edition",
        "level",
        "policy",
        "trip",
        "event",
        "reported_on",
        "insured",
    }
)
_PERSON = frozenset({"ref", "age_at_subscription", "role", "facts", "lines"})
_LINE = frozenset({"id", "guarantee", "expenses", "facts"})
_EXPENSE = frozenset({"amount", "currency", "date", "category", "label"})

#: References found well formed and clean (:func:`_ref_read`).
_REFS_READ: set[str] = set()

#: A line as read: its id in the record, its guarantee's Spec, what it claims
#: (in cents: every amount it reads has at most two places), its facts.
PlainLine = tuple[str, Any, int, dict[str, object]]
#: A person as read: ref, age, role, the facts its lines are settled on (the
#: event's, the person's, age and role; while being read, the person's own), lines.
PlainPerson = tuple[str, int, str | None, dict[str, object], list[PlainLine]]


class Plain:
    """A claim read by :meth:`PlainPath.read_plain`: JSON's values, the claim's
    policy, trip and event (``header``: a Claim without insured persons) and
    each person's lines with their guarantee's Spec."""

    __slots__ = ("data", "head", "header", "persons")

    def __init__(self, data: Any, header: Claim, head: Head, persons: list[PlainPerson]) -> None:
        self.data = data
        self.header = header
        self.head = head
        self.persons = persons


class PlainPath(FastPath):
    """The fast path, reading plain claims from orjson's values too: one per
    batch run (or worker), beside its :class:`~claimcalc.settling.settler.Settler`.
    ``CLAIMCALC_PLAIN_PATH=0``: it reads none (measured so)."""

    def __init__(self) -> None:
        super().__init__()
        self._roles = frozenset(_roles())
        self._on = os.environ.get("CLAIMCALC_PLAIN_PATH") != "0"
        self.unknown: set[str] = set()  # products no claim could be settled under

    def read_plain(
        self, text: str, settler: Settler, fast: bool = True
    ) -> tuple[Plain | None, Any]:
        """The claim of ``text`` if it is plain and valid (the readers would read
        the same claim), else None; and orjson's reading of the text (None if
        not read, or refused, or not ``fast``), for the readers to take it from there.
        ``settler``: the run's, whose products it settles under. ``fast``: read
        with orjson, else with the json module (a batch's first claims,
        :data:`~claimcalc.jsonio.FAST_AFTER`), taking only a claim whose values
        orjson would give too (:func:`~claimcalc.jsonio.loads_values`)."""
        if not self._on or len(text) > MAX_CLAIM_TEXT or text[:1] == "\ufeff":
            return None, None  # the reader's to refuse, or to strip
        if current_language() != self.language:
            return None, None  # the Specs it makes keep texts in the language of its run
        try:
            data = jsonio.loads_values(text, fast)
        except (ValueError, RecursionError):
            return None, None
        if not fast:
            # orjson refuses a lone surrogate, the exact reading too (and says
            # why): an expense's label is free text the plain path takes.
            if "\\u" in text and jsonio.lone_surrogate(data):
                return None, None
            taken = self._plain(text, data, settler, False)
            return taken, None  # the exact reading reads the text again
        return self._plain(text, data, settler, True), data

    def _plain(self, text: str, data: Any, settler: Settler, fast: bool) -> Plain | None:
        try:
            taken = _read(self, data, settler)
        except (Invalid, KeyError, TypeError, ClaimcalcError):
            return None
        if taken is None:
            return None
        plain, keys = taken
        # A repeated key keeps its last value. Every key is followed by a colon:
        # a text with as many colons as the keys kept lost none
        # (jsonio.may_repeat_keys otherwise, which also counts a string's).
        if keys != text.count(":") and jsonio.may_repeat_keys(text, data, fast):
            return None
        return plain

    def record_plain(
        self, plain: Plain, position: int, source: str, fast: bool
    ) -> tuple[str, Decimal, Decimal] | None:
        """The batch record of a claim read by :meth:`read_plain`, its indemnity
        and advances, as :meth:`FastPath.record` writes them; None: the engine's."""
        if current_language() != self.language:
            return None
        header, head = plain.header, plain.head
        parts = head.record_parts
        if parts is None:
            return None  # a text of the product reads like a template's marker
        plan = head.plan
        answered: dict[int, bool] = {}
        event = header.event
        # The record as claim_record writes it and jsonio.dumps its dictionaries:
        # Head.record_parts with the claim's values between them.
        out = [
            parts[0],
            str(position),
            parts[1],
            _escaped(source, fast),
            parts[2],
            _escaped(header.claim_id, fast),
            parts[3],
            "null" if event.id is None else '"' + _escaped(event.id, fast) + '"',
            parts[4],
            day_text(event.date),
            parts[5],  # the event's zone is the Head's
            "[",
        ]
        indemnity = advances = claimed = 0  # in cents
        for k, (ref, age, role, base, lines) in enumerate(plain.persons):
            base_key = _key(base)
            rows = []
            for line_id, spec, documented, line_facts in lines:
                row = line_row(
                    spec,
                    plan,
                    header,
                    documented,
                    documented,
                    line_facts,
                    base,
                    base_key,
                    answered,
                    age,
                    role,
                    None,
                    True,
                )
                if row is None:
                    return None
                row[1] = line_id
                rows.append(row)
            if k:
                out.append(",")
            totals = person_text_cents(rows, ref, age, out, fast)
            indemnity += totals[0]
            advances += totals[1]
            claimed += totals[2]
            person_totals = totals
        paid_eur = from_cents(indemnity)
        # advances are seldom: the common case without a new Decimal
        advanced_eur = _ZERO_CENTS if advances == 0 else from_cents(advances)
        if len(plain.persons) == 1:  # most claims: the totals are the person's, written
            _, _, _, paid_text, advanced_text, claimed_text = person_totals
            if claimed_text is None:
                claimed_text = text_of_cents(claimed)
        else:
            paid_text, advanced_text = str(paid_eur), str(advanced_eur)
            claimed_text = text_of_cents(claimed)
        out += (
            "]",
            parts[6],
            claimed_text,
            parts[7],
            paid_text,
            parts[8],
            advanced_text,
            parts[9],
        )
        return "".join(out), paid_eur, advanced_eur


def _read(path: PlainPath, data: Any, settler: Settler) -> tuple[Plain, int] | None:
    """:meth:`PlainPath.read_plain`'s reading of orjson's ``data``, and how many keys
    its objects have; None: not plain. A function, its locals typed when
    compiled (plain.pxd): most of its work is looking up dictionaries."""
    if type(data) is not dict:
        return None
    for name in data:  # each field's name looked up (as _plain_shape)
        if name not in _CLAIM:
            return None
    if not _plain_shape(data.get("insured")):
        return None
    v = data["claim_format"]
    if type(v) is not int or v != 1:
        return None
    claim_id = data["claim_id"]
    if type(claim_id) is not str or not _ref_form(claim_id) or len(claim_id) > 64:
        return None
    name = data["product"]
    if type(name) is not str:
        return None
    edition = data.get("edition")
    if edition is not None and (type(edition) is not str or _match_edition(edition) is None):
        return None
    level = data["level"]
    if type(level) is not str:
        return None
    for text in (claim_id, name, edition, level):
        if text is not None and len(text) > 5 and text not in CLEAN and unclean(text):
            return None
    # The product and the claim's Head first, then every person and line: most
    # claims it does not take are known there, cheaply (a guarantee it does
    # not settle, a field it does not read). The event, policy and trip last,
    # with the checks between fields.
    named = settler.product or (name if edition is None else product_ref(name, edition))
    if named in path.unknown:
        return None
    try:
        product = settler.load(named, from_claim=settler.product is None)
    except ClaimcalcError:  # the readers' to say; looked up once a run here
        if len(path.unknown) >= 4096:  # claims may name any number of them
            path.unknown.clear()
        path.unknown.add(named)
        return None
    # the zones as written: the product's, or no Head (the event reads them again)
    event_data = data["event"]
    event_zone, policy_zone = event_data["zone"], data["policy"]["zone"]
    head = path.head(product, level, event_zone, policy_zone, edition)
    if head is None:
        return None
    keys = len(data)
    people = data["insured"]
    # every person, line and expense is an object of fields it reads (_plain_shape)
    if not people or len(people) > 1000:
        return None
    persons = []
    refs: set[str] = set()
    lines_in_all = 0
    windows = []  # (the time allowed after the event, an expense's day)
    for person in people:
        keys += len(person)
        ref = person["ref"]
        if ref not in _REFS_READ and not _ref_read(ref):
            return None
        if ref in refs:
            return None  # a duplicate: the reader's to say
        refs.add(ref)
        age = person["age_at_subscription"]
        if type(age) is not int or age < 0 or age > 130:
            return None
        role = person.get("role")
        if role is None:
            if head.plan.needs_role:
                return None  # the engine's to say: the product's age caps need it
        elif role not in path._roles:
            return None
        own = person.get("facts", _MISSING)
        if own is not _MISSING:
            if not common_facts(own):
                return None
            keys += len(own)
        lines = person["lines"]
        if not lines or len(lines) > 1000:
            return None
        lines_in_all += len(lines)
        ids: set[str] = set()
        read: list[PlainLine] = []
        for j, line in enumerate(lines):
            keys += len(line)
            line_id = line.get("id")
            if line_id is None:
                line_id = str(j + 1)
            else:
                if line_id not in _REFS_READ and not _ref_read(line_id):
                    return None
                if line_id in ids:
                    return None
                ids.add(line_id)
            code = line["guarantee"]
            if type(code) is not str:
                return None
            if len(code) > 5 and code not in CLEAN and unclean(code):
                return None
            spec = head.specs.get(code, _UNKNOWN)
            if spec is _UNKNOWN:
                if not product.has_guarantee(code):
                    return None
                spec = head.specs[code] = path.line_spec(head, code, level, event_zone, policy_zone)
            if spec is None or spec.renunciation:
                return None
            expenses = line["expenses"]
            if len(expenses) > 1000:
                return None
            window = spec.window
            documented = 0  # in cents
            for expense in expenses:
                keys += len(expense)
                v = expense["amount"]
                if type(v) is str:
                    cents = _cost_cents(v)
                    if cents < 0:
                        return None
                    documented += cents
                else:
                    number = amount(v)
                    if number > 1000000000000 or not within_places(number, 2):
                        return None
                    documented += int(number.scaleb(2))
                v = expense.get("currency", "EUR")
                if v != "EUR" or type(v) is not str:
                    return None  # converted at a rate: the fast path's from the claim
                day = date(expense["date"])
                if window is not None:
                    windows.append((window, day))
                v = expense.get("category", "other")
                if type(v) is not str or v not in _EXPENSE_CATEGORY:
                    return None
                v = expense.get("label")
                if v is not None:
                    if type(v) is not str or len(v) > 80:
                        return None
                    if len(v) > 5 and v not in CLEAN and unclean(v):
                        return None
            if documented <= 0:
                return None  # "nothing to pay": the engine's note
            v = line.get("facts", _MISSING)
            if v is _MISSING:
                line_facts: dict[str, object] = {}
            else:
                if not common_facts(v):
                    return None
                keys += len(v)
                line_facts = dict(v)
            read.append((line_id, spec, documented, line_facts))
        persons.append((ref, age, role, own, read))
    if len(people) > 1 and lines_in_all > MAX_LINES:
        return None
    the_event = event(event_data)
    facts = event_data.get("facts")
    keys += len(event_data) + (len(facts) if facts else 0)
    for window, day in windows:
        if not within(window, the_event.date, day):
            return None
    header: Claim = _new(Claim)
    header.claim_format = 1
    header.claim_id = claim_id
    header.product = name
    header.edition = edition
    header.level = level
    header.policy = policy(data["policy"])
    header.trip = trip(data["trip"])
    header.event = the_event
    header.reported_on = date(data["reported_on"])
    header.rates = ()
    header.insured = ()
    if check_claim(header):
        return None
    for k, (ref, age, role, own, read) in enumerate(persons):
        # the facts its lines are settled on: the event's, the person's, age and role
        base: dict[str, object] = {**the_event.facts}  # as check_claim left them
        if own is not _MISSING:
            base.update(own)
        base["age"] = age
        if role is not None:
            base["role"] = role
        persons[k] = (ref, age, role, base, read)
    keys += len(data["policy"]) + len(data["trip"])
    return Plain(data, header, head, persons), keys


def _cost_cents(text: str) -> int:
    """An expense's amount written as text, in cents, read digit by digit; -1 for
    a text the quick reader's pattern does not match (_match_cost: decimal text
    of ASCII digits, at most 1,000,000,000,000, two places but zeros after them;
    tests/test_cents.py holds the two to the same texts). Compiled, a loop over
    machine integers: a tenth of the pattern's match and the ints made of it."""
    euro = cents = 0
    digits = 0  # before the point
    places = -1  # after it; -1: no point yet
    for c in text:
        if "0" <= c <= "9":
            if places < 0:
                digits += 1
                euro = euro * 10 + (ord(c) - 48)
                if euro > 1000000000000:
                    return -1
            else:
                places += 1
                if places == 1:
                    cents = (ord(c) - 48) * 10
                elif places == 2:
                    cents += ord(c) - 48
                elif c != "0":
                    return -1
        elif c == "." and places < 0:
            places = 0
        else:
            return -1
    if digits == 0 or places == 0 or (euro == 1000000000000 and cents):
        return -1
    return euro * 100 + cents


def _ref_form(text: str) -> bool:
    """Whether ``text`` is of the claim format's reference form (model.REF_FORM,
    the quick reader's _match_claim_id: letters, digits and . _ : / - only),
    read character by character (compiled, a tenth of the pattern's match;
    tests/test_plain.py holds the two to the same characters)."""
    if not text:
        return False
    for c in text:  # noqa: SIM110  # a loop: c a machine character (plain.pxd), not all()'s
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in "._:/-"):
            return False
    return True


def _ref_read(ref: Any) -> bool:
    """Whether ``ref`` reads as a person's or a line's reference (the quick
    reader's checks of a Ref): remembered if so, as a batch's claims name the
    same few ("P1", "1", "2")."""
    if type(ref) is not str or not _ref_form(ref) or len(ref) > 64:
        return False
    if len(ref) > 5 and ref not in CLEAN and unclean(ref):
        return False
    if len(_REFS_READ) >= 4096:
        _REFS_READ.clear()
    _REFS_READ.add(ref)
    return True


def _plain_shape(people: Any) -> bool:
    """Whether every person, line and expense has only fields it reads, and every
    line expenses: asked first, as most claims it declines are known by their
    shape (lines of objects, birth dates, prior payments, a daily allowance)
    before anything else is read (the mixed corpus: 2,295 of the 2,650)."""
    if type(people) is not list:
        return False
    # each field's name looked up (a set's issuperset is a method call, and more)
    for person in people:
        if type(person) is not dict:
            return False
        for name in person:
            if name not in _PERSON:
                return False
        lines = person.get("lines")
        if type(lines) is not list:
            return False
        for line in lines:
            if type(line) is not dict:
                return False
            for name in line:
                if name not in _LINE:
                    return False
            expenses = line.get("expenses")
            if type(expenses) is not list or not expenses:
                return False
            for expense in expenses:
                if type(expense) is not dict:
                    return False
                for name in expense:
                    if name not in _EXPENSE:
                        return False
    return True
