"""The fast path: a batch record of a common claim written without the engine's objects.

Most claims of a book are plain: amounts in euro on documented-cost lines,
every eligibility rule met, no exclusion holding, limits and a section's
franchigia doing the arithmetic. For such a claim this module writes the
batch record (``--format ndjson|json``, no ``--explain``) straight from the
claim as read, with the product's rules found once per guarantee, level and
zone and the claim's facts answered once per set of values: no
:class:`~claimcalc.settling.work.LineWork`, trace or
:class:`~claimcalc.settlement.Settlement` is built.

Anything else — a rule kind or formula it does not know, a line refused by a
rule or excluded, an amount in a currency without its fixing, a prior
payment, a fact a rule needs and the claim does not state — makes it answer
``None``, and the engine settles the claim as always. So it never decides a
refusal: it only does the arithmetic of claims the engine would pay, with the
engine's own texts, chains and rounding. tests/test_fastpath.py holds every record it writes to the
engine's, byte for byte, on generated corpora that reach each of its exits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from claimcalc.claim.model import Claim, Insured, fields_of
from claimcalc.i18n import current_language
from claimcalc.jsonio import dumps
from claimcalc.money import (
    cents_text,
    floor_cents,
    from_cents,
    round_cents,
    text_of_cents,
    whole_cents,
)
from claimcalc.output.documents import SCHEMA_VERSION
from claimcalc.product.model import (
    DocumentedCost,
    EligibilityRule,
    EventDuringTrip,
    EventInDestination,
    Franchigia,
    Limit,
    MaxAge,
    MaxTripDays,
    PolicyWindow,
    PriorAuthorisation,
    Product,
    ReportingDeadline,
    Requires,
    Token,
)
from claimcalc.settlement import Code
from claimcalc.settling import texts
from claimcalc.settling.conditions import evaluate
from claimcalc.settling.eligibility import last_day, reported_after, within
from claimcalc.settling.plan import GuaranteePlan, ProductPlan
from claimcalc.settling.rates import Fixing, RateTable
from claimcalc.settling.work import age_at_subscription

ZERO = Decimal(0)
_ZERO_CENTS = Decimal("0.00")
_FRANCHIGIA, _LIMIT, _PERIOD_LIMIT_USED = (
    Code.FRANCHIGIA.value,
    Code.LIMIT.value,
    Code.PERIOD_LIMIT_USED.value,
)
#: The eligibility rules it answers; a guarantee with any other takes the engine.
_RULES = (
    Requires,
    MaxAge,
    MaxTripDays,
    PolicyWindow,
    EventInDestination,
    EventDuringTrip,
    ReportingDeadline,
    PriorAuthorisation,
)
_NO_RATES = RateTable()
_UNKNOWN: Any = object()  # not in a memo yet
_MEMO = 4096  # answers kept per guarantee's facts: a number fact could take many values

#: A claim-wide rule's check: whether the claim meets it.
ClaimCheck = Callable[[Claim], bool]
#: What a line's facts give: its chain of limits, and whether each franchigia of
#: its section is waived on them (empty: none can be).
Verdict = tuple[list[Limit], tuple[bool, ...]]
#: A limit's record and its reason when no other line used it, as JSON texts,
#: and its article as one (:func:`person_text_cents`).
LimitTexts = tuple[str, str, str]
#: A limit of a line's chain: the limit, its id, its cap, its record (``"limit"``),
#: its reason's text when no other line used it (texts.limit's), its cap in
#: cents (None: not a whole number of them) and its LimitTexts.
Capped = tuple[Limit, str, Decimal, dict[str, str], str, int | None, LimitTexts]


class Spec:
    """What the fast path needs of one guarantee at one level and zone (compiled,
    an extension type: fastpath.pxd declares its fields, as ``__slots__`` does)."""

    __slots__ = (
        "article",
        "authorised_above",
        "authorised_above_cents",
        "capped",
        "claim_wide",
        "code",
        "deadlines",
        "franchigie",
        "franchigie_cents",
        "kind",
        "language",
        "level",
        "line_parts",
        "max_ages",
        "plan",
        "renunciation",
        "requires",
        "section",
        "title",
        "unit_counted",
        "verdicts",
        "waivers",
        "window",
        "zone",
    )

    def __init__(
        self,
        plan: GuaranteePlan,
        verdicts: dict[object, Verdict | None],
        rule_sets: dict[tuple[int, ...], tuple[ClaimCheck, ...]],
        product: Product,
        level: str,
        zone: str,
    ) -> None:
        guarantee = plan.guarantee
        self.plan = plan
        self.language = current_language()  # its texts' (franchigie, caps)
        self.level, self.zone = level, zone  # its caps
        self.code = guarantee.code
        self.title = guarantee.title
        self.kind = plan.kind
        self.article = guarantee.source.article
        self.section = plan.section.code
        self.window = plan.window
        self.unit_counted = bool(
            plan.unit_count_limits
        )  # days of hospital: a line counting units takes the engine
        rules = [check.rule for check in plan.eligibility]
        self.requires = tuple(c.requirement for c in plan.eligibility if c.requirement is not None)
        # The rules that read only the claim's dates and zones (reporting deadlines
        # but from a line's renunciation among them): answered once a claim.
        wide = tuple(
            r
            for r in rules
            if isinstance(r, MaxTripDays | PolicyWindow | EventInDestination | EventDuringTrip)
            or (isinstance(r, ReportingDeadline) and r.from_ != "renunciation")
        )
        # one tuple for the same rules, whatever the guarantee: a claim answers it once
        self.claim_wide = rule_sets.setdefault(
            tuple(map(id, wide)), tuple(_claim_check(rule, product) for rule in wide)
        )
        self.deadlines = bool(plan.deadlines)  # the line states reported_late (False)
        self.renunciation = tuple(r for r in plan.deadlines if r.from_ == "renunciation")
        # The lowest age cap for a person of each role (a cap naming roles holds
        # for those only: eligibility._max_age), and the lowest amount above
        # which the Struttura's authorisation is required
        caps = [r for r in rules if isinstance(r, MaxAge)]
        self.max_ages: dict[str | None, int] = {}
        for role in (None, *_roles()):
            ages = [r.age for r in caps if not r.roles or role in r.roles]
            if ages:
                self.max_ages[role] = min(ages)
        above = [r.above for r in rules if isinstance(r, PriorAuthorisation)]
        self.authorised_above = min(above) if above else None
        # the same bound for an amount in cents (exact: money.floor_cents)
        self.authorised_above_cents = (
            None if self.authorised_above is None else floor_cents(self.authorised_above)
        )
        # Its lines' documents as JSON text cut where a line's own values stand
        # (person_text_cents; None: its lines are the engine's, line_row)
        quoted, whole = _QUOTED, _WHOLE
        self.line_parts = _template(
            line_fields(quoted, self, quoted, quoted, quoted, quoted, whole, quoted, whole), 8
        )
        # (amount, article, text, its text when one line takes it all) of each
        # franchigia of the section, in order
        self.franchigie = tuple(
            (
                d.amount,
                d.source.article,
                texts.franchigia(d.amount),
                texts.once_for_section(
                    texts.franchigia(d.amount), self.section, d.amount, d.amount
                ),
            )
            for d in plan.section.deductibles
            if isinstance(d, Franchigia)
        )
        # The same with their amounts in cents, for arithmetic in cents (plain
        # claims), then as JSON texts the reason when one line takes it all and
        # the article (person_text_cents); None: one is not a whole number of cents.
        in_cents = tuple(whole_cents(f[0]) for f in self.franchigie)
        self.franchigie_cents = (
            None
            if None in in_cents
            else tuple(
                (c, *f[1:], dumps(reason_fields(_FRANCHIGIA, f[1], f[3])), dumps(f[1]))
                for c, f in zip(in_cents, self.franchigie, strict=True)
            )
        )
        # Each franchigia's waiver, in the same order, if any can be waived: a
        # line whose facts meet it does not take that franchigia (the engine's
        # note says so with --explain only).
        waivers = tuple(
            d.waived_when for d in plan.section.deductibles if isinstance(d, Franchigia)
        )
        self.waivers = waivers if any(w is not None for w in waivers) else ()
        # The guarantee's chain of limits by the values of a line's facts (None: a
        # requirement not met, an exclusion holding), shared by its levels and zones.
        self.verdicts = verdicts
        # Each chain of limits (by id of the verdict's list) with its caps at this
        # spec's level and zone; None: a cap the fast path does not do.
        self.capped: dict[int, tuple[Capped, ...] | None] = {}


def _most_age() -> int:
    """The claim format's bound on an insured person's age at subscription."""
    (spec,) = (f for f in fields_of(Insured) if f.name == "age_at_subscription")
    assert spec.bounds is not None and spec.bounds.le is not None
    return int(spec.bounds.le)


@cache
def _roles() -> tuple[str, ...]:
    """The roles a claim's insured person may state (the claim format's)."""
    (spec,) = (f for f in fields_of(Insured) if f.name == "role")
    return tuple(map(str, spec.choices))


def _supported(plan: GuaranteePlan, product_plan: ProductPlan) -> bool:
    """Whether the fast path can settle lines of this guarantee at all."""
    guarantee, section = plan.guarantee, plan.section
    formula = guarantee.formula
    return (
        isinstance(formula, DocumentedCost)
        and formula.penalty_at_event is None
        and not formula.proportional_to_insured_value
        and not plan.rate_limits
        and not guarantee.deductibles
        and all(isinstance(d, Franchigia) for d in section.deductibles)
        and section.carrier_compensation is None
        and guarantee.code not in product_plan.alternating
        and guarantee.code not in product_plan.event_capped
        and all(isinstance(c.rule, _RULES) for c in plan.eligibility)
        and plan.trip_end is None  # applied per expense, as the window is not here
    )


class Head:
    """What the fast path needs of a claim's product, level, zones and edition:
    found once, then one look-up a claim."""

    __slots__ = ("plan", "product", "product_record", "record_parts", "specs")

    def __init__(self, product: Product, plan: ProductPlan, level: str, event_zone: str) -> None:
        self.product = product
        self.plan = plan
        self.product_record = {
            "id": product.id,
            "edition": product.edition,
            "level": level,
            "sha256": product.sha256,
        }
        # Its claims' records as JSON text cut where a claim's own values stand, the
        # event's zone its own (None: not to be written so, PlainPath.record_plain)
        quoted, whole = _QUOTED, _WHOLE
        self.record_parts = _template(
            claim_fields(
                self.product_record,
                whole,
                quoted,
                quoted,
                whole,
                quoted,
                event_zone,
                whole,
                *(quoted,) * 3,
            ),
            9,
        )
        # Each guarantee's Spec at this level and its section's zone (None: the
        # engine settles its lines), by code.
        self.specs: dict[str, Spec | None] = {}


class _Memos:
    """What the fast path works out from products (Heads, Specs, their verdicts
    and rule sets), kept for the process in each language: every batch run has
    its FastPath, and making them again (the product unpickled again) cost a
    run of 65 medical claims about 50M instructions, what 240 such claims cost
    (docs/performance.md, twelfth session). The rulebooks are the same objects
    from run to run (catalog.load_rulebook)."""

    __slots__ = ("heads", "products", "rule_sets", "specs", "verdicts")

    def __init__(self) -> None:
        # Keyed by id(product): the products are kept alive with them.
        self.products: dict[int, Product] = {}
        self.specs: dict[tuple[int, str, str, str], Spec | None] = {}
        self.heads: dict[tuple[int, str, str, str, str | None], Head] = {}
        self.verdicts: dict[tuple[int, str], dict[object, Verdict | None]] = {}
        self.rule_sets: dict[tuple[int, ...], tuple[ClaimCheck, ...]] = {}


#: A FastPath made when its language's memos hold this many products starts
#: them again (a host settling under edited product files all day: bounded).
MEMO_PRODUCTS = 16
_MEMOS: dict[str, _Memos] = {}


class FastPath:
    """Writes records of the claims it can settle; one per batch run, beside its
    :class:`~claimcalc.settling.settler.Settler`, its memos the process's
    (:class:`_Memos`)."""

    def __init__(self) -> None:
        # The texts it keeps (a franchigia's) are in the language of its run: in
        # another, the engine writes the record.
        self.language = current_language()
        memos = _MEMOS.get(self.language)
        if memos is None or len(memos.products) >= MEMO_PRODUCTS:
            memos = _MEMOS[self.language] = _Memos()
        self._products = memos.products
        self._specs = memos.specs
        self._heads = memos.heads
        self._verdicts = memos.verdicts
        self._rule_sets = memos.rule_sets

    def record(
        self,
        claim: Claim,
        product: Product,
        position: int,
        source: str,
        fast: bool,
        rates: RateTable | None = None,
    ) -> tuple[str, Decimal, Decimal] | None:
        """The batch record of ``claim`` settled under ``product``, its indemnity
        and advances; None: the engine settles it. ``rates``: the run's ECB
        fixings (``--rates``), beside the claim's own, as the engine takes them."""
        event = claim.event
        head = self._heads.get(
            (id(product), claim.level, event.zone, claim.policy.zone, claim.edition)
        )
        if head is None:
            head = self._head(claim, product)
        if head is None or current_language() != self.language:
            return None
        answered: dict[int, bool] = {}  # claim-wide rules
        # The rates a foreign amount is converted at (engine.settle's table), made
        # when a claim has one.
        table: list[RateTable | None] = [None, rates]
        insured = []
        claimed: list[Decimal] = []  # each line's, in the claim's order
        indemnity = advances = _ZERO_CENTS
        for person in claim.insured:
            if person.prior_payments:
                return None
            done = self._person(claim, head, person, answered, table, claimed)
            if done is None:
                return None
            document, paid, advanced = done
            insured.append(document)
            indemnity += paid
            advances += advanced
        claimed_total = str(round_cents(sum(claimed, ZERO)))
        record = claim_record(
            head,
            position,
            source,
            claim.claim_id,
            event,
            insured,
            claimed_total,
            indemnity,
            advances,
        )
        return dumps(record, fast), indemnity, advances

    def _head(self, claim: Claim, product: Product) -> Head | None:
        """The claim's Head, found and kept; None: a level, zone or edition the
        product does not have (the engine says so)."""
        return self.head(product, claim.level, claim.event.zone, claim.policy.zone, claim.edition)

    def head(
        self,
        product: Product,
        level: str,
        event_zone: str,
        policy_zone: str,
        edition: str | None,
    ) -> Head | None:
        """:meth:`_head` from the claim's level, zones and edition."""
        key = (id(product), level, event_zone, policy_zone, edition)
        head = self._heads.get(key)
        if head is not None:
            return head
        if not (
            level in product.level_ids
            and event_zone in product.zone_ids
            and policy_zone in product.zone_ids
            and (not edition or edition == product.edition)
        ):
            return None  # not kept: claims may name any number of unknown ones
        if current_language() != self.language:
            return None  # another thread's language (i18n.speaking): not kept
        head = Head(product, ProductPlan.of(product), level, event_zone)
        self._products[id(product)] = product
        self._heads[key] = head
        return head

    def _line_spec(self, claim: Claim, head: Head, code: str) -> Spec | None:
        """The Spec of a line's guarantee (one of the product's) at the claim's level,
        in the zone its section reads (the event's or the policy's); None: not one
        it settles."""
        return self.line_spec(head, code, claim.level, claim.event.zone, claim.policy.zone)

    def line_spec(
        self, head: Head, code: str, level: str, event_zone: str, policy_zone: str
    ) -> Spec | None:
        """:meth:`_line_spec` from the claim's level and zones."""
        product, plan = head.product, head.plan
        gplan = plan.guarantee(code)
        zone = event_zone if gplan.section.zone_basis == "event" else policy_zone
        return self._spec(product, plan, code, level, zone)

    def _spec(
        self, product: Product, plan: ProductPlan, code: str, level: str, zone: str
    ) -> Spec | None:
        key = (id(product), code, level, zone)
        try:
            return self._specs[key]
        except KeyError:
            pass
        if current_language() != self.language:
            return None  # its texts would be another language's: not kept
        spec = None
        self._products[id(product)] = product
        if product.has_guarantee(code):
            gplan = plan.guarantee(code)
            covered = level in product.covered_levels(gplan.section, gplan.guarantee) and not any(
                product.limit_amount(lim.id, level, zone) is Token.NOT_COVERED
                for lim in gplan.own_limits
            )
            if covered and _supported(gplan, plan):
                spec = Spec(
                    gplan,
                    self._verdicts.setdefault((id(product), code), {}),
                    self._rule_sets,
                    product,
                    level,
                    zone,
                )
        self._specs[key] = spec
        return spec

    def _person(
        self,
        claim: Claim,
        head: Head,
        person: Any,
        answered: dict[int, bool],
        table: list[RateTable | None],
        claimed: list[Decimal],
    ) -> tuple[dict[str, Any], Decimal, Decimal] | None:
        age = person.age_at_subscription
        if age is None:
            age = age_at_subscription(claim, person)
        role = person.role
        if role is None and head.plan.needs_role:
            return None  # the engine's problem to say: the product's age caps need it
        base: dict[str, object] = {**claim.event.facts, **person.facts, "age": age}
        if role is not None:
            base["role"] = role
        base_key = _key(base)  # the verdicts' key of a line stating no facts of its own
        product, plan, event = head.product, head.plan, claim.event
        specs = head.specs
        # Per line: spec, id, chain, claimed, value (after deductibles), deductible,
        # reasons, assessed loss, its section's franchigie waived (Verdict).
        rows: list[list[Any]] = []
        for j, line in enumerate(person.lines):
            if line.objects or line.penalty_at_event is not None or not line.expenses:
                return None
            spec = specs.get(line.guarantee, _UNKNOWN)
            if spec is _UNKNOWN:
                if not product.has_guarantee(line.guarantee):
                    return None  # not kept: claims may name any number of unknown ones
                spec = specs[line.guarantee] = self._line_spec(claim, head, line.guarantee)
            if spec is None:
                return None
            # 4. the documented cost: every expense in euro (at the ECB rate of its
            # day), within the time allowed; what the line claims, in its order
            documented = ZERO
            window, unit_counted = spec.window, spec.unit_counted
            in_euro: list[tuple[Any, Decimal]] | None = None  # (day, euro), if foreign
            for k, expense in enumerate(line.expenses):
                if (unit_counted and expense.units is not None) or (
                    window is not None and not within(window, event.date, expense.date)
                ):
                    return None
                eur = expense.amount
                if expense.currency != "EUR":
                    eur = _in_euro(claim, product, table, expense)
                    if eur is None:
                        return None  # no rate: the engine's problem to say
                    if in_euro is None:
                        in_euro = [(e.date, e.amount) for e in line.expenses[:k]]
                if in_euro is not None:
                    in_euro.append((expense.date, eur))
                documented += eur
            loss = documented
            if in_euro is not None and len(in_euro) > 1:  # quantify: summed in date order
                loss = ZERO
                for _, eur in sorted(in_euro, key=_first):
                    loss += eur
            if loss <= 0:
                return None  # "nothing to pay": the engine's note
            row = line_row(
                spec,
                plan,
                claim,
                documented,
                loss,
                line.facts,
                base,
                base_key,
                answered,
                age,
                role,
                line,
            )
            if row is None:
                return None
            row[1] = line.id or str(j + 1)
            rows.append(row)
        return person_document(rows, person.ref, age, claimed)


def claim_record(
    head: Head,
    position: int,
    source: str,
    claim_id: str,
    event: Any,
    insured: list[dict[str, Any]],
    claimed: str,
    indemnity: Decimal,
    advances: Decimal,
) -> dict[str, Any]:
    """The batch record of a claim settled, from its persons' documents
    (:func:`person_document`) and what their lines claim in all (as text)."""
    return claim_fields(
        head.product_record,
        position,
        source,
        claim_id,
        event.id,
        day_text(event.date),
        event.zone,
        insured,
        claimed,
        str(indemnity),
        str(advances),
    )


def claim_fields(
    product: dict[str, str],
    position: object,
    source: object,
    claim_id: object,
    event_id: object,
    event_date: object,
    event_zone: object,
    insured: object,
    claimed: object,
    indemnity: object,
    advances: object,
) -> dict[str, Any]:
    """A settled claim's record from its values (the fast path's one writing of
    it: :func:`claim_record`'s, and cut into :attr:`Head.record_parts`)."""
    return {
        "position": position,
        "source": source,
        "status": "settled",
        "schema_version": SCHEMA_VERSION,
        "claim_id": claim_id,
        "product": product,
        "event": {"id": event_id, "date": event_date, "zone": event_zone},
        "insured": insured,
        "totals": {"claimed": claimed, "indemnity": indemnity, "advances": advances},
    }


def person_fields(
    ref: object, age: object, lines: object, indemnity: object, advances: object
) -> dict[str, Any]:
    """An insured person's document in a record from its values (:func:`person_document`'s,
    and cut into ``_PERSON_PARTS``)."""
    return {
        "ref": ref,
        "age": age,
        "lines": lines,
        "totals": {"indemnity": indemnity, "advances": advances},
    }


def line_fields(
    line_id: object,
    spec: Spec,
    status: object,
    claimed: object,
    assessed_loss: object,
    deductible: object,
    limit: object,
    paid: object,
    reasons: object,
) -> dict[str, Any]:
    """A line's document in a record from its values (:func:`person_document`'s,
    and cut into :attr:`Spec.line_parts`)."""
    return {
        "line": line_id,
        "guarantee": spec.code,
        "title": spec.title,
        "kind": spec.kind,
        "article": spec.article,
        "status": status,
        "claimed": claimed,
        "assessed_loss": assessed_loss,
        "deductible": deductible,
        "limit": limit,
        "paid": paid,
        "reasons": reasons,
    }


def reason_fields(code: object, article: object, text: object) -> dict[str, Any]:
    """A reason of a line's document from its values (every step's here, and cut
    into ``_REASON_PARTS``)."""
    return {"code": code, "article": article, "text": text}


#: What stands for a value in a document cut into a template (:func:`_template`):
#: a text written between the template's quotes (as :func:`_escaped` gives it,
#: or one with nothing to escape: amounts, dates, statuses), and a value
#: written whole (its JSON text).
_QUOTED, _WHOLE = "\x00", "\x01"
_MARKERS = re.compile(r'\\u0000|"\\u0001"')


def _template(document: dict[str, Any], slots: int) -> tuple[str, ...] | None:
    """``document``'s JSON text (:func:`~claimcalc.jsonio.dumps`, a record's own)
    cut where its ``slots`` markers stand: the text of the same document with
    other values in their places is the pieces with each value's text between
    them, in order. None if a text of the document reads like a marker (a
    product's title holding the six characters ``\\u0000``, say): its markers
    are then more than ``slots``, and those records are the engine's."""
    pieces = tuple(_MARKERS.split(dumps(document)))
    return pieces if len(pieces) == slots + 1 else None


def _escaped(text: str, fast: bool) -> str:
    """``text`` as :func:`~claimcalc.jsonio.dumps` writes it between a JSON
    string's quotes: itself when it has no control character, quote or
    backslash (what the json module, without ``ensure_ascii``, and orjson
    escape; tests/test_plain.py holds the two to it), else as it writes it."""
    for c in text:
        if c < " " or c == '"' or c == "\\":
            return dumps(text, fast)[1:-1]
    return text


#: What :func:`person_text_cents` gives of a person's totals: in cents what it
#: pays, advances and claims, and as text what it pays and advances and, if
#: written already (one line), what it claims.
PersonTotals = tuple[int, int, int, str, str, str | None]
#: Ages as text, from 0 to the claim format's most (an insured's age at subscription).
_AGES = tuple(map(str, range(_most_age() + 1)))
_PERSON_PARTS: tuple[str, ...] = _template(  # type: ignore[assignment]  # no text of its own
    person_fields(_QUOTED, _WHOLE, _WHOLE, _QUOTED, _QUOTED), 5
)
_REASON_PARTS: tuple[str, ...] = _template(  # type: ignore[assignment]
    reason_fields(_WHOLE, _WHOLE, _QUOTED), 3
)
_FRANCHIGIA_TEXT, _PERIOD_LIMIT_USED_TEXT = dumps(_FRANCHIGIA), dumps(_PERIOD_LIMIT_USED)


#: Days as records write them (date.isoformat formats a string each time: a look-up
#: costs a tenth of it), some thousands at most: a book's claims share few days.
_DAYS: dict[dt.date, str] = {}


def day_text(day: dt.date) -> str:
    """``day.isoformat()``, remembered."""
    text = _DAYS.get(day)
    if text is None:
        if len(_DAYS) >= 4096:
            _DAYS.clear()
        text = _DAYS[day] = day.isoformat()
    return text


def _reason_text(code_text: str, article_text: str, text: str, fast: bool) -> str:
    """A reason's JSON text from its code's and article's (:func:`reason_fields`)."""
    parts = _REASON_PARTS
    return "".join(
        (parts[0], code_text, parts[1], article_text, parts[2], _escaped(text, fast), parts[3])
    )


def line_row(
    spec: Spec,
    plan: ProductPlan,
    claim: Claim,
    documented: Decimal | int,
    loss: Decimal | int,
    line_facts: dict[str, object],
    base: dict[str, object],
    base_key: object,
    answered: dict[int, bool],
    age: int,
    role: str | None,
    line: Any,
    cents: bool = False,
) -> list[Any] | None:
    """A line's row for :func:`person_document` once its rules are met (steps 2–3
    and 6: eligibility, requirements and exclusions, its chain of limits); None:
    the engine's. ``base``: the event's and the person's facts, with age and role;
    ``base_key``: their :func:`_key`; ``answered``: the claim-wide rules' answers;
    ``line``: read for its renunciation date (None: a deadline from it is the engine's).
    ``cents``: ``documented`` and ``loss`` are whole numbers of cents, the row for
    :func:`person_text_cents` (None if a cap or franchigia of the line is not, or
    its guarantee has no template: :attr:`Spec.line_parts`)."""
    # 2. eligibility: the claim's rules once a claim, then the line's
    met = answered.get(id(spec.claim_wide))  # by id: a rule hashes all its fields
    if met is None:
        met = True
        for check in spec.claim_wide:
            if not check(claim):
                met = False
                break
        answered[id(spec.claim_wide)] = met
    if not met:
        return None
    max_age = spec.max_ages.get(role)
    if max_age is not None and age > max_age:
        return None
    above = spec.authorised_above_cents if cents else spec.authorised_above
    if (
        above is not None
        and documented > above
        and line_facts.get("authorised", base.get("authorised")) is not True
    ):
        return None
    if spec.renunciation:
        if line is None:
            return None
        for deadline in spec.renunciation:
            if reported_after(claim, deadline, line) is not None:
                return None
    # 2–3 and 6: requirements and exclusions on the facts, and the chain of limits
    if line_facts:
        facts = {**base, **line_facts}
        if spec.deadlines:
            facts["reported_late"] = False
        verdict = _verdict(spec, plan, facts, None)
    else:
        verdict = _verdict(spec, plan, base, base_key)
    if verdict is None:
        return None
    limits, waived = verdict
    chain = spec.capped.get(id(limits), _UNKNOWN)
    if chain is _UNKNOWN:
        if current_language() != spec.language:
            return None  # its caps' texts would be another language's: not kept
        chain = spec.capped[id(limits)] = _capped(limits, plan.product, spec.level, spec.zone)
    if chain is None:
        return None
    if cents:
        if spec.franchigie_cents is None or spec.line_parts is None:
            return None  # the line's amounts or its document not written in cents
        for capped in chain:
            if capped[5] is None:
                return None
        return [spec, None, chain, documented, loss, 0, [], loss, waived]
    # spec, line id (the caller's), chain, claimed, value (after deductibles),
    # deductible, reasons, assessed loss, its section's franchigie waived
    return [spec, None, chain, documented, loss, ZERO, [], loss, waived]


def person_document(
    rows: list[list[Any]], ref: str, age: int, claimed: list[Decimal]
) -> tuple[dict[str, Any], Decimal, Decimal]:
    """A person's document from their lines' rows (:func:`line_row`), with what
    it pays and advances (steps 5–7); each line's claimed amount added to ``claimed``."""
    # 5. each section's franchigia once, where it costs the insured least
    if len(rows) == 1:
        sections = [rows]
    else:
        by_section: dict[str, list[list[Any]]] = {}
        for row in rows:
            by_section.setdefault(row[0].section, []).append(row)
        sections = list(by_section.values())
    for section_rows in sections:
        # the lines with something to pay before the section's first deductible
        # (deductibles._section_deductibles' live lines, found once)
        payable = [row for row in section_rows if row[4] > 0]
        section = section_rows[0][0]
        for k, (amount, article, text, whole) in enumerate(section.franchigie):
            takers = [row for row in payable if not row[8][k]] if section.waivers else payable
            for row, take in _cheapest(section_rows, takers, amount):
                row[5] += take
                row[4] -= take
                row[6].append(
                    reason_fields(
                        _FRANCHIGIA,
                        article,
                        whole
                        if take == amount
                        else texts.once_for_section(text, row[0].section, take, amount),
                    )
                )
    # 6. limits innermost first, in line order; 7. rounded
    consumed: dict[str, Decimal] = {}
    lines = []
    paid_total = advanced_total = _ZERO_CENTS
    for spec, line_id, chain, documented, value, deductible, reasons, loss, _ in rows:
        paid, limit = _apply(chain, value, consumed, reasons)
        status = "paid"
        if paid == 0:
            status = "refused"
        elif limit is not None:
            status = "reduced"
        if spec.kind == "advance":
            advanced_total += paid
        else:
            paid_total += paid
        claimed.append(documented)
        claimed_text = cents_text(documented)
        lines.append(
            line_fields(
                line_id,
                spec,
                status,
                claimed_text,
                claimed_text if loss is documented else cents_text(loss),
                "0.00" if deductible is ZERO else cents_text(deductible),
                limit,
                str(paid),
                reasons,
            )
        )
    document = person_fields(ref, age, lines, str(paid_total), str(advanced_total))
    return document, paid_total, advanced_total


def person_text_cents(
    rows: list[list[Any]], ref: str, age: int, out: list[str], fast: bool
) -> PersonTotals:
    """:func:`person_document` on rows in cents (:func:`line_row` with ``cents``:
    each line's guarantee with its template), the document written as JSON
    text, as :func:`~claimcalc.jsonio.dumps` writes the dictionaries (its
    pieces appended to ``out``), and its totals (:data:`PersonTotals`). Every
    amount — claimed, caps, franchigie — a whole number of cents, every sum,
    difference and minimum is one too: step 7's rounding changes none of them,
    and the arithmetic is exact in integers (tests/test_plain.py holds the two
    to one another on every claim of the fast path's corpora). Each ``_cents``
    function is its Decimal twin's steps in integers: change both."""
    # 5. each section's franchigia once, where it costs the insured least
    if len(rows) == 1:
        sections = [rows]
    else:
        by_section: dict[str, list[list[Any]]] = {}
        for row in rows:
            by_section.setdefault(row[0].section, []).append(row)
        sections = list(by_section.values())
    for section_rows in sections:
        payable = [row for row in section_rows if row[4] > 0]
        section = section_rows[0][0]
        for k, (amount, _, text, _, all_taken, article_text) in enumerate(section.franchigie_cents):
            takers = [row for row in payable if not row[8][k]] if section.waivers else payable
            for row, take in _cheapest_cents(section_rows, takers, amount):
                row[5] += take
                row[4] -= take
                row[6].append(
                    all_taken
                    if take == amount
                    else _reason_text(
                        _FRANCHIGIA_TEXT,
                        article_text,
                        texts.once_for_section(
                            text, row[0].section, from_cents(take), from_cents(amount)
                        ),
                        fast,
                    )
                )
    # 6. limits innermost first, in line order (7: nothing to round)
    consumed: dict[str, int] = {}
    paid_total = advanced_total = claimed_total = 0
    person_parts = _PERSON_PARTS
    age_text = _AGES[age] if 0 <= age < len(_AGES) else str(age)
    out += (person_parts[0], _escaped(ref, fast), person_parts[1], age_text, person_parts[2], "[")
    first = True
    for spec, line_id, chain, documented, value, deductible, reasons, loss, _ in rows:
        parts = spec.line_parts
        paid, limit = _apply_cents(chain, value, consumed, reasons, fast)
        status = "paid"
        if paid == 0:
            status = "refused"
        elif limit is not None:
            status = "reduced"
        if spec.kind == "advance":
            advanced_total += paid
        else:
            paid_total += paid
        if first:
            first = False
        else:
            out.append(",")
        claimed_total += documented
        claimed_text = text_of_cents(documented)
        paid_text = claimed_text if paid == documented else text_of_cents(paid)
        out += (
            parts[0],
            _escaped(line_id, fast),
            parts[1],
            status,
            parts[2],
            claimed_text,
            parts[3],
            # the same amount's text, not written again (most lines)
            claimed_text if loss == documented else text_of_cents(loss),
            parts[4],
            "0.00" if deductible == 0 else text_of_cents(deductible),
            parts[5],
            "null" if limit is None else limit,
            parts[6],
            paid_text,
            parts[7],
            "[" + ",".join(reasons) + "]" if reasons else "[]",
            parts[8],
        )
    if len(rows) == 1:  # most persons: the totals are the line's, written already
        paid_total_text = "0.00" if paid_total == 0 else paid_text
        advanced_text = "0.00" if advanced_total == 0 else paid_text
        claimed_total_text: str | None = claimed_text
    else:
        paid_total_text = text_of_cents(paid_total)
        advanced_text = "0.00" if advanced_total == 0 else text_of_cents(advanced_total)
        claimed_total_text = None
    out += (
        "]",
        person_parts[3],
        paid_total_text,
        person_parts[4],
        advanced_text,
        person_parts[5],
    )
    return (
        paid_total,
        advanced_total,
        claimed_total,
        paid_total_text,
        advanced_text,
        claimed_total_text,
    )


def _apply_cents(
    chain: tuple[Capped, ...],
    value: int,
    consumed: dict[str, int],
    reasons: list[str],
    fast: bool,
) -> tuple[int, str | None]:
    """:func:`_apply` in cents, the reasons and the limit as JSON texts
    (:func:`person_text_cents`). A Capped's fields are read by index: what is
    not read is not unpacked (compiled, a tuple's item is a load)."""
    limit_text = None
    for capped in chain:
        limit_id, cap = capped[1], capped[5]
        used_here = consumed.get(limit_id)
        if used_here is None:
            if value > cap:  # type: ignore[operator]  # a whole number (line_row)
                value = cap  # type: ignore[assignment]
                written = capped[6]
                limit_text = written[0]
                reasons.append(written[1])
            continue
        left = cap - used_here if cap > used_here else 0  # type: ignore[operator]
        if value > left:
            value = left
            written = capped[6]
            limit_text = written[0]
            reasons.append(
                # used by other lines: more than nothing (amounts paid are no less)
                _reason_text(
                    _PERIOD_LIMIT_USED_TEXT,
                    written[2],
                    capped[4] + texts.used_by_other_lines_cents(used_here),
                    fast,
                )
                if used_here
                else written[1]
            )
    for capped in chain:
        limit_id = capped[1]
        used = consumed.get(limit_id)
        consumed[limit_id] = value if used is None else used + value
    return value, limit_text


def _after_limits_cents(chain: tuple[Capped, ...], value: int, consumed: dict[str, int]) -> int:
    """:func:`_after_limits` in cents (a Capped read by index, as :func:`_apply_cents`)."""
    for capped in chain:
        limit_id, cap = capped[1], capped[5]
        used_here = consumed.get(limit_id)
        left = cap if used_here is None else cap - used_here if cap > used_here else 0  # type: ignore[operator]
        if value > left:  # type: ignore[operator]
            value = left  # type: ignore[assignment]
    for capped in chain:
        limit_id = capped[1]
        used = consumed.get(limit_id)
        consumed[limit_id] = value if used is None else used + value
    return value


def _cheapest_cents(
    rows: list[list[Any]], payable: list[list[Any]], amount: int
) -> list[tuple[list[Any], int]]:
    """:func:`_cheapest` in cents."""
    if not payable:
        return []
    if len(payable) == 1:
        take = min(amount, payable[0][4])
        return [(payable[0], take)] if take > 0 else []
    consumed: dict[str, int] = {}
    takes = [0] * len(payable)
    left = amount
    k = 0
    for row in rows:
        if k == len(payable) or left <= 0:
            break
        value = row[4]
        after = _after_limits_cents(row[2], value, consumed)
        if row is payable[k]:
            cut = value - after
            if cut > 0:  # min(left, cut, value), cut no less than zero
                takes[k] = min(left, cut, value)
                left -= takes[k]
            k += 1
    placed = []
    for k, row in enumerate(payable):
        take = takes[k]
        if left > 0:
            more = row[4] - take
            more = left if left <= more else more  # min(left, more), as min ties
            take += more
            left -= more
        if take > 0:
            placed.append((row, take))
    return placed


def _first(pair: tuple[Any, Decimal]) -> Any:
    return pair[0]  # a stable sort by day, as quantify's


def _in_euro(
    claim: Claim, product: Product, table: list[RateTable | None], expense: Any
) -> Decimal | None:
    """A foreign expense in euro, as engine.settle's table and Settling.eur give it;
    None without a fixing. ``table``: [the claim's table once made, the run's rates]."""
    rates = table[0]
    if rates is None:
        rates = table[1] or _NO_RATES
        if claim.rates:
            own = RateTable(
                Fixing(
                    currency=r.currency, date=r.date, units_per_eur=r.units_per_eur, source="claim"
                )
                for r in claim.rates
            )
            rates = own.merged(rates)
        table[0] = rates
    fixing = rates.lookup(expense.currency, expense.date, product.currency.fallback_days)
    if fixing is None:
        return None
    amount: Decimal = expense.amount / fixing.units_per_eur
    return amount


def _apply(
    chain: tuple[Capped, ...],
    value: Decimal,
    consumed: dict[str, Decimal],
    reasons: list[dict[str, str]],
) -> tuple[Decimal, dict[str, str] | None]:
    """The line's value after its chain, rounded, and the last limit that cut it;
    ``consumed`` charged (limits.apply_chain)."""
    limit_record = None
    for _, limit_id, cap, record, whole, _, _ in chain:
        used_here = consumed.get(limit_id)
        if used_here is None:
            if value > cap:
                value = cap
                limit_record = record
                reasons.append(reason_fields(_LIMIT, record["article"], whole))
            continue
        left = cap - used_here if cap > used_here else ZERO
        if value > left:
            value = left
            limit_record = record
            reasons.append(
                reason_fields(
                    _PERIOD_LIMIT_USED if used_here > 0 else _LIMIT,
                    record["article"],
                    # texts.limit(limit, cap, ZERO, used_here, None), from its first part
                    whole + texts.used_by_other_lines(used_here) if used_here else whole,
                )
            )
    rounded = round_cents(value)
    for _, limit_id, _, _, _, _, _ in chain:
        used = consumed.get(limit_id)
        consumed[limit_id] = rounded if used is None else used + rounded
    return rounded, limit_record


def _after_limits(
    chain: tuple[Capped, ...], value: Decimal, consumed: dict[str, Decimal]
) -> Decimal:
    """What :func:`_apply` pays, recording nothing (limits.apply_chain with ``record=False``)."""
    for _, limit_id, cap, _, _, _, _ in chain:
        used_here = consumed.get(limit_id)
        left = cap if used_here is None else cap - used_here if cap > used_here else ZERO
        if value > left:
            value = left
    rounded = round_cents(value)
    for _, limit_id, _, _, _, _, _ in chain:
        used = consumed.get(limit_id)
        consumed[limit_id] = rounded if used is None else used + rounded
    return rounded


def _cheapest(
    rows: list[list[Any]], payable: list[list[Any]], amount: Decimal
) -> list[tuple[list[Any], Decimal]]:
    """deductibles._cheapest_allocation on the fast path's rows (none refused)."""
    if not payable:
        return []
    if len(payable) == 1:
        take = min(amount, payable[0][4])
        return [(payable[0], take)] if take > 0 else []
    consumed: dict[str, Decimal] = {}
    takes = [ZERO] * len(payable)
    left = amount
    k = 0
    for row in rows:
        if k == len(payable) or left <= 0:
            break
        value = row[4]
        after = _after_limits(row[2], value, consumed)
        if row is payable[k]:
            cut = round_cents(value) - after
            if cut > 0:  # min(left, cut, value), cut no less than zero
                takes[k] = min(left, cut, value)
            # Every step the engine takes, a zero's too: a sum or difference of an
            # amount of more than 28 digits is rounded (a franchigia of 49.99…9).
            left -= takes[k]
            k += 1
    placed = []
    for k, row in enumerate(payable):
        more = row[4] - takes[k]
        more = left if left <= more else more  # min(left, more), as min ties
        take = takes[k] + more
        left -= more
        if take > 0:
            placed.append((row, take))
    return placed


def _key(facts: dict[str, object]) -> tuple[object, ...]:
    """The verdicts' key of a line's facts: each one's name, value and the value's
    type (True and 1 are one key, not one fact), in one flat tuple (hashed and
    compared in one pass, not as a tuple of tuples). Unhashable when a value is
    (a list fact): :func:`_verdict` then finds a TypeError and answers it each time."""
    key: list[object] = []
    for name, value in facts.items():
        key.append(name)
        key.append(value)
        key.append(type(value))
    return tuple(key)


def _verdict(
    spec: Spec, plan: ProductPlan, facts: dict[str, object], key: object
) -> Verdict | None:
    """The line's chain of limits and franchigie waived if every requirement holds
    on its facts and no exclusion does; None otherwise. Answered once per values
    of the facts.
    ``key``: the facts' :func:`_key` if known (``facts`` then lacks the
    ``reported_late`` a guarantee with a reporting deadline adds)."""
    if key is None:
        key = _key(facts)
    try:
        found = spec.verdicts.get(key, _UNKNOWN)
    except TypeError:  # a value that is no key (a list fact): answered each time
        key = None
        found = _UNKNOWN
    if found is not _UNKNOWN:
        return found  # type: ignore[no-any-return]
    if spec.deadlines:
        facts = {**facts, "reported_late": False}
    verdict = _answer(spec, plan, facts)
    if key is not None:
        if len(spec.verdicts) >= _MEMO:
            spec.verdicts.clear()
        spec.verdicts[key] = verdict
    return verdict


def _answer(spec: Spec, plan: ProductPlan, facts: dict[str, object]) -> Verdict | None:
    gplan = spec.plan
    if any(test(facts) is not True for test in spec.requires):
        return None
    if any(holds(facts) is True for _, holds, _ in gplan.exclusion_tests):
        return None
    # limits.chain: the candidates whose conditions hold, and their parents
    applies = tuple(test is None or test(facts) is True for test in gplan.chain_tests)
    found = plan.chains.get((spec.code, applies))
    if found is None:
        found = plan.chains[spec.code, applies] = plan.build_chain(
            [lim for lim, ok in zip(gplan.chain_candidates, applies, strict=True) if ok]
        )
    # deductibles._section_deductibles: waived when the condition holds (not when
    # a fact it reads is unknown)
    return found, tuple(w is not None and bool(evaluate(w, facts)) for w in spec.waivers)


def _capped(
    limits: list[Limit], product: Product, level: str, zone: str
) -> tuple[Capped, ...] | None:
    """limits.capped_chain: each limit that caps at the level and zone, with its cap
    and record; None for a cap the fast path does not do (the trip cost, categories,
    an amount of 10**26 or more, whose cents a Decimal context cannot hold)."""
    capped = []
    for limit in limits:
        if limit.applies_to:
            return None
        amount = product.limit_amount(limit.id, level, zone)
        if amount is Token.TRIP_COST:
            return None
        if isinstance(amount, Decimal):
            cap = amount
        elif amount is Token.NOT_COVERED:
            cap = ZERO
        else:
            continue  # unlimited, included, not applicable: no cap
        if cap.adjusted() > 25:  # its cents past 28 digits: the engine writes it if it binds
            return None
        article = limit.source.article
        record = {"id": limit.id, "amount": cents_text(cap), "article": article}
        whole = texts.limit(limit, cap, ZERO, ZERO, None)
        written = (dumps(record), dumps(reason_fields(_LIMIT, article, whole)), dumps(article))
        capped.append((limit, limit.id, cap, record, whole, whole_cents(cap), written))
    return tuple(capped)


def _claim_check(rule: EligibilityRule, product: Product) -> ClaimCheck:
    """Whether a claim meets a rule that reads only its dates and zones
    (eligibility's checks of the same kinds, answered as they answer)."""
    if isinstance(rule, MaxTripDays):
        days = rule.days

        def trip_days(claim: Claim) -> bool:
            trip = claim.trip
            return (trip.return_date - trip.departure_date).days + 1 <= days

        return trip_days
    if isinstance(rule, PolicyWindow):
        months = rule.duration_months

        def in_policy(claim: Claim) -> bool:
            trip, policy = claim.trip, claim.policy
            start = policy.start_date or policy.issue_date
            end = policy.end_date
            if end is None and months is not None:
                end = last_day(start, months)
            return trip.departure_date >= start and (end is None or trip.return_date <= end)

        return in_policy
    if isinstance(rule, EventInDestination):
        # Product.zone_index's order; the claim's zones are the product's (Head)
        index = {zone: k for k, zone in enumerate(product.zone_ids)}

        def in_destination(claim: Claim) -> bool:
            return index[claim.event.zone] <= index[claim.policy.zone]

        return in_destination
    if isinstance(rule, EventDuringTrip):
        after = rule.days_after_return

        def during_trip(claim: Claim) -> bool:
            trip, day = claim.trip, claim.event.date
            return day >= trip.departure_date and (day - trip.return_date).days <= after

        return during_trip
    if isinstance(rule, ReportingDeadline):
        deadline = rule

        def in_time(claim: Claim) -> bool:
            return reported_after(claim, deadline, None) is None

        return in_time
    raise AssertionError(f"not a claim-wide rule: {rule.kind}")
