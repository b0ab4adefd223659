"""``claimcalc claim new``: a claim written by answering questions, never by writing JSON.

The questions come from the product (:mod:`claimcalc.authoring.questions`): the
event, the insured persons (pseudonymous references only: never a name), the
guarantees claimed, what each line is settled on, then only the facts those
guarantees' rules read. Every answer is checked at once, as the claim readers
check it, and asked again when wrong; ``?`` shows the articles behind a question.
The terminal is two functions (``ask``, ``say``), so this module prints nothing itself.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

from claimcalc.authoring.check import Report, check_text
from claimcalc.authoring.questions import (
    FactQuestion,
    LineNeeds,
    Reason,
    choice,
    choices_of,
    chosen,
    covered,
    fact_answer,
    fact_questions,
    field_answer,
    line_needs,
    needs_role,
    object_fields,
    person_ref,
    shared_facts,
    yes_no,
)
from claimcalc.claim.model import (
    BaggageObject,
    Claim,
    Event,
    ExchangeRate,
    Expense,
    Insured,
    Line,
    Policy,
    Trip,
    fields_of,
)
from claimcalc.claim.values import Invalid
from claimcalc.facts import FactType, value_label
from claimcalc.i18n import _, current_language
from claimcalc.jsonio import dumps_indented
from claimcalc.product.schema import Product

Ask = Callable[[str], str]  # shows a prompt, returns the line typed
Say = Callable[[str], None]

_NONE = object()  # an optional question left empty


class Prompter:
    """Questions on a terminal: each answer checked, asked again until it is right."""

    def __init__(self, ask: Ask, say: Say) -> None:
        self._ask = ask
        self._say = say

    def say(self, text: str) -> None:
        """Show ``text``, wrapped between words to the terminal's width (:func:`fit`)."""
        self._say(fit(text))

    def ask(
        self,
        prompt: str,
        parse: Callable[[str], Any],
        *,
        default: str | None = None,
        optional: bool = False,
        why: tuple[Reason, ...] | str | None = None,
        choices: tuple[str, ...] = (),
        labels: Mapping[str, str] | None = None,
    ) -> Any:
        """Ask until the answer parses; ``?`` shows why it is asked (and ``choices``, the
        values shown numbered: ``parse`` takes a number or a value; ``labels``, what
        each value is called: shown beside it in Italian, and taken for it when typed)."""
        labels = labels or {}
        if choices:
            self._show_choices(choices, labels)
        hint = ""
        if default is not None:
            hint = _(" [Enter: {default}]").format(default=default)
        elif optional:
            hint = _(" [Enter: not stated]")
        while True:
            text = self._ask(_question(f"{prompt}{hint}")).strip()
            if text == "?":
                self._why(why)
                if choices:
                    self._show_choices(choices, labels)
                continue
            if not text:
                if default is not None:
                    text = default
                elif optional:
                    return _NONE
                else:
                    self.say(_("  ✗ an answer is needed (? explains the question)"))
                    continue
            if labels:
                text = _codes_for_labels(text, labels)
            try:
                return parse(text)
            except Invalid as invalid:
                self.say(_("  ✗ {problem}").format(problem=invalid.message))

    def _why(self, why: tuple[Reason, ...] | str | None) -> None:
        if not why:
            self.say(_("  (no article: a fact of the claim itself)"))
        elif isinstance(why, str):
            self.say(f"  {why}")
        else:
            for reason in why:
                self.say(
                    textwrap.fill(
                        reason.text(), _columns(), initial_indent="  ", subsequent_indent="    "
                    )
                )

    def _show_choices(self, choices: tuple[str, ...], labels: Mapping[str, str]) -> None:
        # The code is what a claim holds and what is typed; in English it says what
        # it is, in Italian the label beside it does (the English layout is kept).
        named = current_language() != "en"
        cells = [
            f"{n:>2}) {value} — {labels[value]}"
            if named and value in labels
            else f"{n:>2}) {value}"
            for n, value in enumerate(choices, 1)
        ]
        width = max(len(c) for c in cells) + 2
        per_row = max(1, (_columns() - 2) // width)
        if per_row == 1:  # one a line, a long label folded under its own text
            for cell in cells:
                self.say(
                    textwrap.fill(cell, _columns(), initial_indent="  ", subsequent_indent=" " * 6)
                )
            return
        for start in range(0, len(cells), per_row):
            self.say(
                "  " + "".join(c.ljust(width) for c in cells[start : start + per_row]).rstrip()
            )

    def field(
        self,
        model: type,
        name: str,
        prompt: str,
        *,
        default: str | None = None,
        optional: bool = False,
    ) -> Any:
        """A field of the claim format, checked by its declaration."""
        spec = next(s for s in fields_of(model) if s.name == name)
        if spec.kind is dt.date:
            prompt = _("{what} (YYYY-MM-DD)").format(what=prompt)
        choices = tuple(str(c) for c in spec.choices)
        fact = _FIELD_FACTS.get((model, name))
        return self.ask(
            prompt,
            lambda text: field_answer(model, name, text),
            default=default,
            optional=optional,
            why=_(spec.doc) if spec.doc else None,  # declared as a msgid (claim.model)
            choices=choices,
            labels=_labels(fact, choices) if fact else None,
        )

    def pick(
        self,
        prompt: str,
        values: tuple[str, ...],
        default: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        picked = self.ask(
            prompt,
            lambda text: choice(text, values),
            default=default,
            choices=values,
            labels=labels,
        )
        assert isinstance(picked, str)
        return picked

    def confirm(self, prompt: str, default: bool = False) -> bool:
        answer = self.ask(prompt, yes_no, default=_("yes") if default else _("no"))
        return bool(answer)


class Interview(Prompter):
    """One claim, asked question by question."""

    def __init__(self, product: Product, level: str, ask: Ask, say: Say) -> None:
        super().__init__(ask, say)
        self.product = product
        self.level = level
        self.rates: list[dict[str, Any]] = []

    def run(self) -> dict[str, Any]:
        """Every question; the claim as a JSON document."""
        say, product = self.say, self.product
        say(
            _(
                "A claim for {product} ({edition}), level {level}. "
                "Type ? at any question to see why it is asked."
            ).format(product=product.name, edition=product.edition_label, level=self.level)
        )
        say("")
        say(_("— The policy and the trip —"))
        claim_id = self.field(Claim, "claim_id", _("Claim reference (the file number, no names)"))
        policy: dict[str, Any] = {}
        policy_ref = self.field(Policy, "ref", _("Policy number (pseudonymous)"), optional=True)
        if policy_ref is not _NONE:
            policy["ref"] = policy_ref
        policy["issue_date"] = self.field(Policy, "issue_date", _("Policy issue date"))
        zones = product.zone_ids
        policy["zone"] = self.pick(_("Destination zone bought"), zones)
        trip: dict[str, Any] = {}
        booking = self.field(Trip, "booking_date", _("Trip booking date"), optional=True)
        if booking is not _NONE:
            trip["booking_date"] = booking
        trip["departure_date"] = self.field(Trip, "departure_date", _("Departure date"))
        trip["return_date"] = self.field(Trip, "return_date", _("Return date"))
        cost = self.field(Trip, "cost", _("Trip cost per insured person, EUR"), optional=True)
        if cost is not _NONE:
            trip["cost"] = cost
        say("")
        say(_("— The event (the sinistro) —"))
        event: dict[str, Any] = {}
        event["date"] = self.field(Event, "date", _("Date of the event"))
        event["country"] = self.field(
            Event, "country", _("Country where it happened (IT, FR, US…)")
        )
        event["zone"] = self.pick(_("Zone where it happened"), zones, default=policy["zone"])
        reported = self.field(Claim, "reported_on", _("Date the claim was reported"))
        event_facts: dict[str, Any] = {}
        persons: list[dict[str, Any]] = []
        while True:
            say("")
            persons.append(self.person(len(persons) + 1, event_facts, {p["ref"] for p in persons}))
            if not self.confirm(_("Another insured person in this claim?")):
                break
        if event_facts:
            event["facts"] = event_facts
        data: dict[str, Any] = {
            "claim_format": 1,
            "claim_id": claim_id,
            "product": product.id,
            "edition": product.edition,
            "level": self.level,
            "policy": policy,
            "trip": trip,
            "event": event,
            "reported_on": reported,
        }
        if self.rates:
            data["rates"] = self.rates
        data["insured"] = persons
        return data

    def person(self, n: int, event_facts: dict[str, Any], refs: set[str]) -> dict[str, Any]:
        say, product = self.say, self.product
        say(_("— Insured person {n} —").format(n=n))

        def ref(text: str) -> str:
            value = person_ref(text)
            if value in refs:
                raise Invalid(_("{ref} is already in this claim").format(ref=value))
            return value

        person: dict[str, Any] = {
            "ref": self.ask(
                _("Pseudonymous reference of insured person {n} (e.g. P{n}; never a name)").format(
                    n=n
                ),
                ref,
                why=_(
                    "A claim holds no names, fiscal codes, e-mail addresses or IBANs (GDPR art. 5)."
                ),
            )
        }
        person["age_at_subscription"] = self.field(
            Insured, "age_at_subscription", _("Age at the policy's issue, in years")
        )
        if needs_role(product):
            person["role"] = self.field(Insured, "role", _("Role"))
        included = covered(product, self.level)
        codes = tuple(g.code for _s, g in included)
        titles = {g.code: g.title for _s, g in included}
        say(_("Guarantees of level {level}:").format(level=self.level))
        picked = self.ask(
            _("Guarantees claimed (numbers or codes, separated by commas)"),
            lambda text: choices_of(text, codes) or _refuse(_("name at least one guarantee")),
            why=_(
                "The guarantees the level includes; the guide explains each: "
                "claimcalc products guide {id}"
            ).format(id=product.id),
            choices=tuple(f"{c} ({titles[c]})" for c in codes),
        )
        lines: list[dict[str, Any]] = []
        plan = chosen(product, self.level, picked)
        per_line = [fact_questions(product, s, g) for s, g in plan]
        for k, (section, guarantee) in enumerate(plan, 1):
            needs = line_needs(product, section, guarantee)
            say("")
            say(
                _("— Line {k}: {code}, {title} ({article}) —").format(
                    k=k, code=needs.code, title=needs.title, article=needs.article
                )
            )
            line = {
                "id": str(k),
                "guarantee": guarantee.code,
                **self.line(needs, product, section, guarantee),
            }
            lines.append(line)
        common = shared_facts(per_line)
        facts = self.facts(
            common, event_facts, _("— Facts of insured person {ref} —").format(ref=person["ref"])
        )
        if facts:
            person["facts"] = facts
        asked = {q.fact for q in common}
        for line, questions in zip(lines, per_line, strict=True):
            rest = [q for q in questions if q.fact not in asked and q.fact not in event_facts]
            own = self.facts(
                rest,
                {},
                _("— Facts of line {id} ({code}) —").format(id=line["id"], code=line["guarantee"]),
            )
            if own:
                line["facts"] = own
        person["lines"] = lines
        return person

    def line(
        self, needs: LineNeeds, product: Product, section: Any, guarantee: Any
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if needs.expenses:
            expenses: list[dict[str, Any]] = []
            while True:
                expenses.append(self.expense(len(expenses) + 1, needs))
                if not self.confirm(_("Another expense for this line?")):
                    break
            out["expenses"] = expenses
        if needs.objects:
            flags = object_fields(product, section, guarantee)
            objects: list[dict[str, Any]] = []
            while True:
                objects.append(self.baggage_object(len(objects) + 1, flags))
                if not self.confirm(_("Another object for this line?")):
                    break
            out["objects"] = objects
        if needs.loss_date:
            out["loss_date"] = self.field(
                Line, "loss_date", _("Day of the death or of the invalidity")
            )
        if needs.penalty_at_event:
            penalty = self.field(
                Line,
                "penalty_at_event",
                _("Penalty due on the day of the event, EUR"),
                optional=True,
            )
            if penalty is not _NONE:
                out["penalty_at_event"] = penalty
        return out

    def expense(self, n: int, needs: LineNeeds) -> dict[str, Any]:
        expense: dict[str, Any] = {}
        expense["amount"] = self.field(Expense, "amount", _("Expense {n}: amount").format(n=n))
        expense["currency"] = self.field(Expense, "currency", _("Currency"), default="EUR")
        expense["date"] = self.field(Expense, "date", _("Date of the expense"))
        if len(needs.categories) > 1:
            expense["category"] = self.pick(_("Category"), needs.categories, default="other")
        if needs.units:
            expense["units"] = self.field(Expense, "units", _("Days, nights or hours it covers"))
        self.rate(expense["currency"], expense["date"])
        return expense

    def baggage_object(self, n: int, flags: list[str]) -> dict[str, Any]:
        item: dict[str, Any] = {}
        label = self.field(
            BaggageObject,
            "label",
            _("Object {n}: what it is (e.g. jacket)").format(n=n),
            optional=True,
        )
        if label is not _NONE:
            item["label"] = label
        item["value"] = self.field(BaggageObject, "value", _("Commercial value"))
        item["currency"] = self.field(BaggageObject, "currency", _("Currency"), default="EUR")
        item["date"] = self.field(BaggageObject, "date", _("Date of the loss"))
        item["category"] = self.field(BaggageObject, "category", _("Category"), default="other")
        prompts = {
            "checked_in": _("Was it in checked-in baggage?"),
            "left_in_vehicle": _("Was it left in a vehicle?"),
            "secured_in_vehicle": _("Locked boot, out of sight, in a paid guarded car park?"),
        }
        for flag in flags:
            item[flag] = self.field(BaggageObject, flag, prompts[flag], default=_("no"))
        self.rate(item["currency"], item["date"])
        return item

    def rate(self, currency: str, day: str) -> None:
        """A foreign amount needs the ECB rate of its day (Imaway 1.15, Wi School 1.15)."""
        if currency == "EUR" or any(
            r["currency"] == currency and r["date"] == day for r in self.rates
        ):
            return
        rate = self.field(
            ExchangeRate,
            "units_per_eur",
            _("ECB reference rate on {day}: {currency} per 1 EUR").format(
                day=day, currency=currency
            ),
        )
        self.rates.append({"currency": currency, "date": day, "units_per_eur": rate})

    def facts(
        self, questions: list[FactQuestion], into: dict[str, Any], title: str
    ) -> dict[str, Any]:
        """Asks ``questions`` (the required first); the answers, by fact."""
        out: dict[str, Any] = {}
        todo = [q for q in questions if q.fact not in into]
        if not todo:
            return out
        self.say("")
        self.say(title)
        required = [q for q in todo if q.required]
        optional = [q for q in todo if not q.required]
        for question in required:
            self.answer(question, out)
        if optional:
            # Exclusions and reductions: unstated, they do not apply. One question
            # for all of them, so that a plain claim is not twenty Enters.
            self.say(_("Other facts the articles read (unstated, they do not apply):"))
            for question in optional:
                self.say(f"  - {question.fact}: {_(question.description).rstrip('.')}")
            reasons = tuple(dict.fromkeys(r for q in optional for r in q.reasons))
            if self.ask(_("Does any of them apply?"), yes_no, default=_("no"), why=reasons):
                for question in optional:
                    self.answer(question, out)
        return out

    def answer(self, question: FactQuestion, into: dict[str, Any]) -> None:
        value = self.fact(question)
        if value is not _NONE and value != []:
            into[question.fact] = value

    def fact(self, question: FactQuestion) -> Any:
        prompts = {
            FactType.BOOL: _("{description} [yes/no]"),
            FactType.SET: _("{description} (numbers or names, separated by commas)"),
        }
        prompt = prompts.get(question.type, "{description}").format(
            description=_(question.description).rstrip(".")
        )
        return self.ask(
            f"{question.fact}: {prompt}",
            lambda text: fact_answer(question, text),
            optional=not question.required,
            why=question.reasons,
            choices=question.choices,
            labels=_labels(question.fact, question.choices),
        )

    # ------------------------------------------------------------------ the end

    def complete(self, data: dict[str, Any], source: str, rounds: int = 3) -> Report:
        """What ``claimcalc claim check`` says of the claim; a field it names as missing
        or wrong (a booking date a waiting period runs from) is asked again."""
        for _round in range(rounds):
            report = check_text(self.text(data), source)
            fixable = [(p, at) for p in report.problems if (at := _field_at(data, p.where))]
            if not fixable:
                return report
            self.say("")
            for problem, (model, holder, name) in fixable:
                self.say(
                    _("  ✗ {where}: {problem}").format(where=problem.where, problem=problem.message)
                )
                holder[name] = self.field(model, name, problem.where)
        return check_text(self.text(data), source)

    def destination(self, path: str) -> str | None:
        """Where the claim is written: ``path``, or when that file exists and is to be
        kept, another one; None: on the screen (the answers are never lost)."""
        from pathlib import Path

        while Path(path).exists() and not self.confirm(
            _("{path} exists: replace it?").format(path=path)
        ):
            other = self.ask(_("Write it to another file"), str, optional=True)
            if other is _NONE:
                return None
            path = str(other)
        return path

    @staticmethod
    def text(data: dict[str, Any]) -> str:
        return dumps_indented(data)


def _field_at(data: dict[str, Any], where: str) -> tuple[type, dict[str, Any], str] | None:
    """The scalar field of the claim format at a key path (``trip.booking_date``): its
    model, the object holding it, its name; None for anything else (facts, lists)."""

    parts = re.findall(r"[^.\[\]]+|\[[0-9]+\]", where)
    if not parts:
        return None
    model: type = Claim
    node: Any = data
    for part in parts[:-1]:
        if part.startswith("["):
            if not isinstance(node, list) or int(part[1:-1]) >= len(node):
                return None
            node = node[int(part[1:-1])]
            continue
        spec = next((s for s in fields_of(model) if s.name == part), None)
        if spec is None or not spec.nested or not isinstance(node, dict):
            return None
        model = spec.kind
        node = node.setdefault(part, [] if spec.many else {})
    name = parts[-1]
    spec = next((s for s in fields_of(model) if s.name == name), None)
    if spec is None or spec.nested or spec.kind is dict or not isinstance(node, dict):
        return None
    return model, node, name


#: Fields of the claim format whose values are a fact's (the same codes, labelled once).
_FIELD_FACTS: dict[tuple[type, str], str] = {
    (Insured, "role"): "role",
    (BaggageObject, "category"): "object_category",
}


def _labels(fact: str, values: tuple[str, ...]) -> dict[str, str]:
    """The labels of ``values`` of ``fact``, in the current language."""
    return {v: label for v in values if (label := value_label(fact, v)) is not None}


def _codes_for_labels(text: str, labels: Mapping[str, str]) -> str:
    """``text`` with each label typed (any case) replaced by its code, labels and codes
    separated by commas: a label has spaces, which lists of codes split on, and may
    have a comma of its own (the longest label that matches is taken)."""
    codes = {re.sub(r"\s*,\s*", ",", label.casefold()): code for code, label in labels.items()}
    pieces = [p.strip() for p in text.split(",")]
    out: list[str] = []
    start = 0
    while start < len(pieces):
        for end in range(len(pieces), start, -1):
            code = codes.get(",".join(pieces[start:end]).casefold())
            if code is not None:
                out.append(code)
                start = end
                break
        else:
            out.append(pieces[start])
            start += 1
    return text if out == pieces else ", ".join(out)


def _refuse(message: str) -> Any:
    raise Invalid(message)


#: Cells a question's last line leaves for the answer typed after it (a date, a
#: code, an amount): else the terminal folds the answer onto a line of its own.
_ANSWER_ROOM = 12


def fit(text: str, width: int | None = None) -> str:
    """``text`` wrapped between words to ``width`` (the terminal's: :func:`_columns`),
    line by line: a terminal folds a longer line where its edge falls, mid-word.
    An indented line's continuations are indented two more; a word longer than
    the width (a path) is left whole."""
    width = width or _columns()
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.append(
            textwrap.fill(
                line,
                width,
                subsequent_indent=indent + "  " if indent else "",
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(out)


def _question(prompt: str) -> str:
    """A question as asked: wrapped between words (:func:`fit`), its last line
    leaving room for the answer."""
    width = _columns()
    lines = fit(f"{prompt}:", width).split("\n")
    if len(lines[-1]) > width - _ANSWER_ROOM:
        lines[-1:] = fit(lines[-1], width - _ANSWER_ROOM).split("\n")
    return "\n".join(lines) + " "


def _columns() -> int:
    """The terminal's width (``COLUMNS``, else the terminal's, else 80): lists and
    quotes fit it rather than fold mid-word."""
    return max(40, shutil.get_terminal_size((80, 24)).columns - 1)
