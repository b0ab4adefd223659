"""The settlement letter: one claim's settlement as a self-contained HTML page.

``claimcalc settle claim.json --format html -o letter.html`` writes it: the
claim reference, the product, edition and level, each insured person's lines
(claimed, assessed, deductions, limit applied, paid) and, beside every line a
rule reduced or refused, the article and the contract's own sentence (the
rule's ``source.quote`` in the product file); then the totals and advances,
and the product file's sha256 in the footer.

The page needs nothing but itself: CSS inline, no script, no link, no font or
image to fetch; an A4 print stylesheet. Texts are English msgids translated
with :func:`claimcalc.i18n.translations` (Jinja2's i18n extension); amounts
are written as the tables write them (:func:`claimcalc.money.format_eur`),
whatever the language. Templates: ``templates/`` beside this module, shipped
in the wheel. Every amount is marked with the JSON path of the same amount in
``settle --format json`` (``data-json``): the tests check one against the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimcalc.errors import InternalError
from claimcalc.i18n import LANGUAGES, translations
from claimcalc.money import format_eur
from claimcalc.product.model import Scope
from claimcalc.settlement import REASON_CODES, Code, Effect, Settlement

if TYPE_CHECKING:
    from claimcalc.product.model import Product, Source

TEMPLATES = Path(__file__).resolve().parent / "templates"
LETTER_TEMPLATE = "letter.html.j2"

# Codes whose cap is the line's applied limit: its own quote, not the article's.
_LIMIT_CODES = frozenset({Code.LIMIT, Code.PERIOD_LIMIT_USED, Code.EVENT_CAP})
# Caps by a limit of the article: its limits' quotes before its other rules'.
_CAP_CODES = _LIMIT_CODES | {Code.PER_OBJECT_CAP, Code.PER_UNIT_CAP, Code.UNITS_CAP}


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount as printed, and where ``settle --format json`` has the same amount."""

    text: str
    path: str


@dataclass(frozen=True, slots=True)
class Reason:
    article: str
    effect: str  # an Effect value: what the step did to the line
    code: str
    text: str  # claimcalc's account of the step, as in the JSON
    path: str  # the JSON path of that text
    quotes: tuple[str, ...]  # the contract's sentences (none: the product file quotes none)


@dataclass(frozen=True, slots=True)
class UnitCap:
    """A per-unit limit's value as shown (``€ 120,00`` ``al giorno``; ``10`` ``ore``),
    marked with its limit (``data-limit``: the tests check it against the product)."""

    value: str
    per: str
    limit: str


@dataclass(frozen=True, slots=True)
class LetterLine:
    line_id: str
    guarantee: str
    title: str
    article: str
    kind: str
    status: str
    claimed: Amount | None
    assessed: Amount
    deductible: Amount
    limit: Amount | None
    #: what the limit is, for the insured: its title or scope (never its id)
    limit_text: str
    limit_article: str
    #: per-unit caps (a rate a day, a count of units): no line limit, their values shown
    unit_caps: tuple[UnitCap, ...]
    paid: Amount
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class LetterInsured:
    ref: str
    age: int
    lines: tuple[LetterLine, ...]
    indemnity: Amount
    advances: Amount


class ContractQuotes:
    """The contract's sentences a product's rules quote (``source.quote``).

    A reason cites an article; an article may hold several rules (Imaway E2:
    the sum insured and the per-object limit; D2: the limits and the prior
    authorisation). So a cap by a limit quotes that limit (the line's applied
    limit, or the per-object limit), a cap by a rate or a count quotes the
    article's limits, and any other reason the article's other rules; each
    falls back on every quote of the article.
    """

    def __init__(self, product: Product) -> None:
        from claimcalc.product.model import Section, Source

        self.by_limit: dict[str, str | None] = {}
        self.limits: dict[str, list[str]] = {}  # limits' quotes, by article
        self.per_object: dict[str, list[str]] = {}  # per-object limits' quotes, by article
        self.rules: dict[str, list[str]] = {}  # the other rules' quotes, by article
        self.sections: dict[str, list[str]] = {}  # sections' quotes (their cover by level)
        self.by_article: dict[str, list[str]] = {}  # every quote but sections', by article
        # Exclusions and excluded objects, by their text: the step's text names
        # the one that applied (Wi School F5 holds six under one article).
        self.by_text: dict[str, str | None] = {}
        for owner, source in _sources(product, Source, set()):
            quote = getattr(source, "quote", None)  # a rulebook cached before quotes: none
            owner_id = getattr(owner, "id", None)
            scope = getattr(owner, "scope", None)
            is_limit = isinstance(owner_id, str) and scope is not None
            if is_limit:
                self.by_limit[str(owner_id)] = quote
            text = getattr(owner, "text", None)
            if isinstance(owner_id, str) and isinstance(text, str) and hasattr(owner, "when"):
                self.by_text[text] = quote
            if not quote:
                continue
            if isinstance(owner, Section):  # a section: its sentence says which levels
                _add(self.sections, source.article, quote)  # it covers, and nothing else
                continue
            _add(self.by_article, source.article, quote)
            _add(self.limits if is_limit else self.rules, source.article, quote)
            if scope == Scope.PER_OBJECT:
                _add(self.per_object, source.article, quote)

    def of(self, code: Code, article: str, limit_id: str | None, text: str = "") -> tuple[str, ...]:
        """The quotes for a reason: its code, article, the line's applied limit
        and the step's text."""
        if code in _LIMIT_CODES and limit_id is not None and limit_id in self.by_limit:
            quote = self.by_limit[limit_id]
            return (quote,) if quote else ()
        if code in (Code.EXCLUDED, Code.OBJECT_EXCLUDED):
            for rule_text, quote in self.by_text.items():
                if text.endswith(f": {rule_text}"):
                    return (quote,) if quote else ()
        if code is Code.PER_OBJECT_CAP and article in self.per_object:
            return tuple(self.per_object[article])
        if code is Code.NOT_COVERED_AT_LEVEL and article in self.sections:
            return tuple(self.sections[article])
        preferred = self.limits if code in _CAP_CODES else self.rules
        return tuple(preferred.get(article) or self.by_article.get(article) or ())


def _add(index: dict[str, list[str]], article: str, quote: str) -> None:
    quotes = index.setdefault(article, [])
    if quote not in quotes:
        quotes.append(quote)


def _sources(value: object, source_type: type[Source], seen: set[int]) -> Iterator[Any]:
    """(owner, source) for every Source in a frozen product, each object once."""
    if isinstance(value, tuple | list):
        for item in value:
            yield from _sources(item, source_type, seen)
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from _sources(item, source_type, seen)
        return
    fields = getattr(value, "__dict__", None)
    if fields is None or id(value) in seen:
        return
    seen.add(id(value))
    for name, item in list(fields.items()):
        if name.startswith("_"):
            continue
        if isinstance(item, source_type):
            yield value, item
        else:
            yield from _sources(item, source_type, seen)


def rulebook_for(settlement: Settlement, product: str | None) -> Product:
    """The product a settlement was made under: ``--product`` if given, else the
    claim's edition in the catalog; the same file (its sha256) or an internal error."""
    from claimcalc.product.catalog import load_rulebook

    if product is None:
        book = load_rulebook(f"{settlement.product_id}@{settlement.edition}", allow_path=False)
    else:
        book = load_rulebook(product)
    if book.sha256 != settlement.product_sha256:
        # Only if the file changed between settling and writing: never quote another text.
        raise InternalError(settlement.claim_id, "the product file changed while settling")
    return book


def _eur(value: Decimal, path: str) -> Amount:
    return Amount(format_eur(value), path)


def letter_lines(
    settlement: Settlement,
    quotes: ContractQuotes,
    book: Product | None = None,
    gettext: Any = None,
) -> list[LetterInsured]:
    """The letter's content, with each amount's JSON path; ``book`` and ``gettext``
    (the letter's language) describe its limits."""
    say = gettext or (lambda text: text)
    people = []
    for p, person in enumerate(settlement.insured):
        lines = []
        for n, line in enumerate(person.lines):
            at = f"insured.{p}.lines.{n}"
            limit_id = line.limit.id if line.limit is not None else None
            reasons = []
            # The JSON's reasons are the trace's steps with a reason code, in order.
            for r, step in enumerate(s for s in line.trace if s.code in REASON_CODES):
                reasons.append(
                    Reason(
                        article=step.article,
                        effect=step.code.effect.value,
                        code=step.code.value,
                        text=step.text,
                        path=f"{at}.reasons.{r}.text",
                        quotes=quotes.of(step.code, step.article, limit_id, step.text),
                    )
                )
            lines.append(
                LetterLine(
                    line_id=line.line_id,
                    guarantee=line.guarantee,
                    title=line.title,
                    article=line.article,
                    kind=line.kind,
                    status=line.status.value,
                    claimed=None if line.claimed is None else _eur(line.claimed, f"{at}.claimed"),
                    assessed=_eur(line.assessed_loss, f"{at}.assessed_loss"),
                    deductible=_eur(line.deductible, f"{at}.deductible"),
                    limit=None
                    if line.limit is None
                    else _eur(line.limit.amount, f"{at}.limit.amount"),
                    limit_text=""
                    if line.limit is None
                    else _limit_text(book, line.limit.id, line.limit.id, say),
                    limit_article=line.limit.article if line.limit is not None else "",
                    unit_caps=_unit_caps(settlement, book, line, say) if line.limit is None else (),
                    paid=_eur(line.paid, f"{at}.paid"),
                    reasons=tuple(reasons),
                )
            )
        indemnity, advances = person.totals()
        people.append(
            LetterInsured(
                ref=person.ref,
                age=person.age,
                lines=tuple(lines),
                indemnity=_eur(indemnity, f"insured.{p}.totals.indemnity"),
                advances=_eur(advances, f"insured.{p}.totals.advances"),
            )
        )
    return people


def _limit_text(book: Product | None, limit_id: str, fallback: str, say: Any) -> str:
    """A limit as the insured reads it: its title, else its scope ("per sinistro")."""
    from claimcalc.product.model import SCOPE_TEXTS

    if book is None:
        return fallback
    try:
        limit = book.limit(limit_id)
    except KeyError:
        return fallback
    return str(limit.title or say(SCOPE_TEXTS[limit.scope]))


def _unit_caps(
    settlement: Settlement, book: Product | None, line: Any, say: Any
) -> tuple[UnitCap, ...]:
    """The rate or count a per-unit cap held the line to (Imaway A1.8: € 120 a day;
    C1.2: 10 hours): the limit column shows it instead of "—"."""
    from claimcalc.product.model import SCOPE_TEXTS

    steps = [s for s in line.trace if s.code in (Code.PER_UNIT_CAP, Code.UNITS_CAP)]
    if book is None or not steps or not book.has_guarantee(line.guarantee):
        return ()
    guarantee = book.guarantee(line.guarantee)
    limits = (*book.section_of(line.guarantee).limits, *guarantee.limits)
    out: list[UnitCap] = []
    for step in steps:
        for limit in limits:
            if str(limit.source.article) != step.article:
                continue
            value = book.limit_amount(limit.id, settlement.level, settlement.zone)
            if not isinstance(value, Decimal):
                continue
            if step.code is Code.PER_UNIT_CAP and limit.scope.is_unit_rate:
                cap = UnitCap(format_eur(value), say(SCOPE_TEXTS[limit.scope]), limit.id)
            elif step.code is Code.UNITS_CAP and limit.unit.value != "eur":
                cap = UnitCap(f"{value.normalize():f}", say(limit.unit.value), limit.id)
            else:
                continue
            if cap not in out:
                out.append(cap)
    return tuple(out)


def _environment(lang: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # claim texts (ids, titles) are data, never markup
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def settlement_letter(
    settlement: Settlement,
    product: str | None = None,
    lang: str = "en",
    today: dt.date | None = None,
) -> str:
    """The settlement letter of one claim, as one HTML page, in ``lang``."""
    from claimcalc import __version__

    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    book = rulebook_for(settlement, product)
    indemnity, advances = settlement.totals()
    day = today or dt.date.today()
    levels = {level.id: level.name for level in book.levels}
    zones = {zone.id: zone.name for zone in book.zones}
    return str(
        _environment(lang)
        .get_template(LETTER_TEMPLATE)
        .render(
            lang=lang,
            claim_id=settlement.claim_id,
            insurer=book.insurer,
            product_name=book.name,
            product_id=settlement.product_id,
            edition=settlement.edition,
            edition_label=book.edition_label or settlement.edition,
            level=levels.get(settlement.level, settlement.level),
            event_date=_date_text(dt.date.fromisoformat(settlement.event_date), lang),
            zone=zones.get(settlement.zone, settlement.zone),
            settled_on=_date_text(day, lang),
            insured=letter_lines(
                settlement, ContractQuotes(book), book, translations(lang).gettext
            ),
            claimed=_eur(settlement.claimed, "totals.claimed"),
            indemnity=_eur(indemnity, "totals.indemnity"),
            advances=_eur(advances, "totals.advances"),
            sha256=settlement.product_sha256,
            version=__version__,
            refuses=Effect.REFUSES.value,
            caps=Effect.CAPS.value,
            deducts=Effect.DEDUCTS.value,
        )
    )


def _date_text(day: dt.date, lang: str) -> str:
    """A date as an Italian letter writes it (02/12/2026), or ISO in English."""
    return day.strftime("%d/%m/%Y") if lang == "it" else day.isoformat()
