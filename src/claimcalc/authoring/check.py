"""``claimcalc claim check``: every problem of a claim file at once, without settling it.

The problems are data, like the readers' and the settlement's messages: English
whatever the language, so that ``--format json`` is the same in every locale.

Three passes, all reported together, each problem located by its key path:
the claim format (the reader: every field, :mod:`claimcalc.claim.read`); what the
product needs of each line (the facts its requirements, prior authorisations and
formula read; expenses, objects, ``loss_date``), read from the document even when
the format has problems; and, when the claim reads, the settlement's own checks
(an unknown zone, a missing ECB rate, a booking date a waiting period needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claimcalc.authoring.questions import fact_questions, line_needs, unknown_guarantee
from claimcalc.errors import ClaimcalcError, ClaimError, ExitCode
from claimcalc.i18n import _
from claimcalc.product.schema import PriorAuthorisation, Product, Requires


@dataclass(frozen=True, slots=True)
class Problem:
    where: str  # key path in the claim, e.g. insured[0].lines[1].facts
    message: str

    def json(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


@dataclass(frozen=True, slots=True)
class Report:
    source: str
    problems: tuple[Problem, ...]
    #: 0 clean; 3 the claim has problems; 4 its product is unknown or invalid;
    #: 5 the file could not be read; 7 a bug met while settling it
    exit_code: ExitCode
    #: where a JSON syntax error is (1-based), when that is the problem
    line: int | None = None
    column: int | None = None

    @property
    def located(self) -> str:
        """The file, with line and column for a JSON syntax error (``a.json:1:7``)."""
        if self.line is None:
            return self.source
        return f"{self.source}:{self.line}:{self.column}"

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.source}
        if self.line is not None:  # the path stays a path: scripts open it
            out |= {"line": self.line, "column": self.column}
        return out | {
            "ok": not self.problems,
            "exit_code": int(self.exit_code),
            "problems": [p.json() for p in self.problems],
        }

    def lines(self) -> list[str]:
        at = self.located
        return [
            f"{at}: {p.where}: {p.message}" if p.where else f"{at}: {p.message}"
            for p in self.problems
        ]


#: how ``claim check -`` names standard input
STDIN = "<stdin>"


def check_file(name: str, product_ref: str | None = None) -> Report:
    """One claim file's report (``-``: one claim document on standard input); a file
    that cannot be read is its own report (exit 5, or 3 when it is not UTF-8 text or
    too large to be a claim), so the other files are still checked."""
    import sys
    from pathlib import Path

    from claimcalc.claim.sources import MAX_CLAIM_BYTES, NOT_UTF8, TOO_LARGE

    source = STDIN if name == "-" else name
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(MAX_CLAIM_BYTES + 1)
        else:
            with Path(name).open("rb") as handle:
                raw = handle.read(MAX_CLAIM_BYTES + 1)
    except OSError as exc:
        message = f"cannot read claim file: {exc.strerror or exc}"
        return Report(source, (Problem("", message),), ExitCode.IO)
    if len(raw) > MAX_CLAIM_BYTES:
        return Report(source, (Problem("", TOO_LARGE),), ExitCode.INVALID_CLAIM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Report(source, (Problem("", NOT_UTF8),), ExitCode.INVALID_CLAIM)
    return check_text(text, source, product_ref)


def check_text(text: str, source: str, product_ref: str | None = None) -> Report:
    """Every problem of one claim document; ``product_ref`` overrides the claim's product."""
    from claimcalc.claim.read import parse_claim
    from claimcalc.jsonio import loads

    problems: list[Problem] = []
    claim = None
    try:
        claim = parse_claim(text, source)
    except ClaimError as error:
        problems += [Problem(where, message) for where, message in error.problems]
        if error.source != source:  # a JSON syntax error: file:line:column
            line, column = _position(error.source.removeprefix(f"{source}:"))
            return Report(source, tuple(problems), ExitCode.INVALID_CLAIM, line, column)
    try:
        data = loads(text.removeprefix("\ufeff"))
    except Exception:  # reported by the reader above
        data = None
    if not isinstance(data, dict):
        return Report(source, tuple(problems), _code(problems))
    try:
        product = _product(data, product_ref)
    except ClaimError as error:  # the claim names no product: its own problem, said once
        said = {p.where for p in problems}  # the reader's "missing" or "expected a string"
        problems += [Problem(w, m) for w, m in error.problems if w not in said]
        return Report(source, tuple(problems), _code(problems))
    except ClaimcalcError as error:
        # An unknown product is exit 4 whether --product or the claim names it, as in
        # settle; a claim naming none is the claim's problem (exit 3).
        return Report(source, (*problems, Problem("product", str(error))), error.exit_code)
    found = _needs(product, data, reads=claim is not None)
    problems += [p for p in found if p not in problems]
    if claim is not None and not found:
        # The settlement's own checks (zones, rates, dates its rules need).
        from claimcalc.settling.engine import settle

        try:
            settle(claim, product, source=source)
        except ClaimError as error:
            problems += [Problem(w, m) for w, m in error.problems]
        except Exception as exc:  # a bug: reported as settle reports it (exit 7)
            from claimcalc.errors import InternalError

            bug = InternalError.of(source, exc)
            return Report(
                source,
                (*problems, Problem("", str(bug).removeprefix(f"{bug.source}: "))),
                bug.exit_code,
            )
    return Report(source, tuple(problems), _code(problems))


def _position(text: str) -> tuple[int | None, int | None]:
    """``line:column`` as numbers; anything else, none."""
    line, _sep, column = text.partition(":")
    if line.isdigit() and column.isdigit():
        return int(line), int(column)
    return None, None


def _code(problems: list[Problem]) -> ExitCode:
    return ExitCode.INVALID_CLAIM if problems else ExitCode.OK


def _product(data: dict[str, Any], product_ref: str | None) -> Product:
    from claimcalc.product.catalog import find_product, load_product

    if product_ref is not None:
        return load_product(product_ref)
    ref = data.get("product")
    if not isinstance(ref, str):
        raise ClaimError("product", [("product", _("missing: the claim names no product"))])
    edition = data.get("edition")
    if isinstance(edition, str) and "@" not in ref:
        ref = f"{ref}@{edition}"
    return load_product(find_product(ref, allow_path=False))  # a claim names no file


def _dicts(value: object) -> list[tuple[int, dict[str, Any]]]:
    return (
        [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]
        if isinstance(value, list)
        else []
    )


def _facts(holder: object) -> dict[str, Any]:
    facts = holder.get("facts") if isinstance(holder, dict) else None
    return facts if isinstance(facts, dict) else {}


def _needs(product: Product, data: dict[str, Any], reads: bool) -> list[Problem]:
    """What the product needs of each line that the document does not state.

    The facts a line needs: when the claim reads, the settlement's own pass (run
    after this one) names them, exactly as ``settle`` does — its eligibility order,
    exclusions and amounts decide (Imaway I1 with every motive false needs no
    ``unused_days``; Wi School B2's authorisation only above €1,000). When it does
    not read, the facts a rule needs are listed from the document as it stands:
    a requirement's while it is undecided by the facts stated, none for a line
    refused anyway (not covered at its level, a requirement already false)."""
    from claimcalc.claim.read import fact_problems
    from claimcalc.output.guide import fact_rules
    from claimcalc.settling import texts

    out: list[Problem] = []
    level = data.get("level")
    if isinstance(level, str) and level not in product.level_ids:
        out.append(Problem("level", texts.no_level(level, product.ref, product.level_ids)))
    for where in ("policy", "event"):
        zone = data[where].get("zone") if isinstance(data.get(where), dict) else None
        if isinstance(zone, str) and zone not in product.zone_ids:
            out.append(Problem(f"{where}.zone", texts.unknown_zone(zone, product.zone_ids)))
    holders: list[tuple[str, object]] = [("event", data.get("event"))]
    for i, person in _dicts(data.get("insured")):
        holders.append((f"insured[{i}]", person))
        holders += [(f"insured[{i}].lines[{j}]", line) for j, line in _dicts(person.get("lines"))]
    for at, holder in holders:
        out += [Problem(w, m) for w, m in fact_problems(_facts(holder), f"{at}.facts")]
    if not isinstance(level, str) or level not in product.level_ids:
        return out
    event = _facts(data.get("event"))
    for i, person in _dicts(data.get("insured")):
        stated = {**event, **_facts(person)}
        # the facts the settlement derives from the person (as settling/work.py)
        if type(person.get("age_at_subscription")) is int:
            stated["age"] = person["age_at_subscription"]
        if isinstance(person.get("role"), str):
            stated["role"] = person["role"]
        for j, line in _dicts(person.get("lines")):
            at = f"insured[{i}].lines[{j}]"
            code = line.get("guarantee")
            if not isinstance(code, str):
                continue
            if not product.has_guarantee(code):
                out.append(Problem(f"{at}.guarantee", unknown_guarantee(product, code)))
                continue
            section, guarantee = next(
                (s, g) for s in product.sections for g in s.guarantees if g.code == code
            )
            needs = line_needs(product, section, guarantee)
            # The settlement's own messages (claimcalc.settling.texts): one wording.
            if needs.expenses and not line.get("expenses"):
                out.append(Problem(f"{at}.expenses", texts.expenses_required(code)))
            if needs.objects and not line.get("objects"):
                out.append(Problem(f"{at}.objects", texts.objects_required(code)))
            if needs.loss_date and line.get("loss_date") is None:
                out.append(Problem(f"{at}.loss_date", texts.required_by(code, needs.loss_article)))
            if reads:
                continue  # the settlement's own pass says which facts it needs, exactly
            facts = {**stated, **_facts(line)}
            if _refused_anyway(product, section, guarantee, level, facts):
                continue  # settle refuses the line before it reads its other facts
            rules = fact_rules(product, section, guarantee)
            for question in fact_questions(product, section, guarantee):
                if (
                    question.required
                    and question.fact not in facts
                    and _needed(question.fact, rules[question.fact], facts, guarantee)
                ):
                    reason = question.reasons[0]
                    said = reason.quote or _(question.description)
                    message = texts.facts_required(code, question.fact, reason.article, said)
                    out.append(Problem(f"{at}.facts", message))
    return out


def _needed(fact: str, rules: list[Any], facts: dict[str, Any], guarantee: Any) -> bool:
    """Whether an unstated fact is needed by one of the rules that read it."""
    from claimcalc.settling.conditions import evaluate, unknown_facts

    for rule in rules:
        if rule is guarantee.formula or isinstance(rule, PriorAuthorisation):
            return True
        if isinstance(rule, Requires):
            try:
                undecided = evaluate(rule.when, facts) is None
            except Exception:  # a fact of the wrong type: the reader says so
                return True
            if undecided and fact in set(unknown_facts(rule.when, facts)):
                return True
    return False


def _refused_anyway(
    product: Product, section: Any, guarantee: Any, level: str, facts: dict[str, Any]
) -> bool:
    """Whether the line is refused whatever its unstated facts say: not covered at
    the level, or a requirement already false on the facts stated (Imaway I1 with
    every motive false asks for no ``unused_days``)."""
    from claimcalc.settling.conditions import evaluate

    if level not in product.covered_levels(section, guarantee):
        return True
    for rule in (*product.eligibility, *section.eligibility, *guarantee.eligibility):
        if isinstance(rule, Requires):
            try:
                if evaluate(rule.when, facts) is False:
                    return True
            except Exception:  # a fact of the wrong type: the reader says so
                return False
    return False
