"""Every JSON document claimcalc writes, built in one place from the library's records.

Settlements (with their lines and steps), batch records and error records,
products and the catalog, diffs and impacts, the JSON Schemas. Amounts are
decimal strings, never floats. The builders return JSON-ready dicts; the
writers (:mod:`claimcalc.output.records`) turn them into text.

Only the settlement records are imported at start-up: a one-claim JSON run
pays for no rule model, no pydantic, no comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from claimcalc.errors import ClaimcalcError, ClaimError, ProductFileError
from claimcalc.jsonio import dumps
from claimcalc.money import cents_text
from claimcalc.product.model import Amount, Token
from claimcalc.settlement import (
    REASON_CODES,
    Code,
    InsuredResult,
    LineResult,
    Settlement,
    Status,
    Step,
    TraceStep,
)

if TYPE_CHECKING:
    from claimcalc.cases import Report
    from claimcalc.compare.diff import Difference, ProductDiff
    from claimcalc.compare.impact import ClaimChange, Impact
    from claimcalc.product.schema import Deductible, EligibilityRule, Limit, Product

#: Version of the JSON documents claimcalc prints. Bump on breaking changes.
SCHEMA_VERSION = "1"

_ZERO_CENTS = Decimal("0.00")

# The plain text of each step, code and status (an enum's ``.value`` is a
# Python-level property: this is a dict lookup, on the per-claim path).
_TEXT: dict[StrEnum, str] = {m: m.value for e in (Step, Code, Status) for m in e}


def to_json(document: object, steps: bool = True) -> dict[str, Any]:
    """The JSON document of a settlement, or of any record below it, a product
    diff, an impact or a product; ``steps=False`` leaves out the step-by-step
    trace of a settlement's lines."""
    if isinstance(document, Settlement):
        return settlement_json(document, steps)
    if isinstance(document, InsuredResult):
        return insured_json(document, steps)
    if isinstance(document, LineResult):
        return line_json(document, steps)
    if isinstance(document, TraceStep):
        return step_json(document)
    # Imported only here: each brings pydantic and the rule model.
    from claimcalc.compare.diff import Difference, ProductDiff
    from claimcalc.compare.impact import ClaimChange, Impact
    from claimcalc.product.schema import Product

    if isinstance(document, ProductDiff):
        return diff_json(document)
    if isinstance(document, Difference):
        return difference_json(document)
    if isinstance(document, Impact):
        return impact_json(document)
    if isinstance(document, ClaimChange):
        return change_json(document)
    if isinstance(document, Product):
        return product_json(document)
    raise TypeError(f"no JSON document for {type(document).__name__}")


# --------------------------------------------------------------------------- settlements


def step_json(step: TraceStep) -> dict[str, Any]:
    return {
        "step": _TEXT[step.step],
        "code": _TEXT[step.code],
        "article": step.article,
        "text": step.text,
        "amount": None if step.amount is None else cents_text(step.amount),
    }


def line_json(line: LineResult, steps: bool = True) -> dict[str, Any]:
    limit = line.limit
    document = {
        "line": line.line_id,
        "guarantee": line.guarantee,
        "title": line.title,
        "kind": line.kind,
        "article": line.article,
        "status": _TEXT[line.status],
        "claimed": None if line.claimed is None else cents_text(line.claimed),
        "assessed_loss": cents_text(line.assessed_loss),
        "deductible": cents_text(line.deductible),
        "limit": None
        if limit is None
        else {"id": limit.id, "amount": cents_text(limit.amount), "article": limit.article},
        "paid": str(line.paid),
        "reasons": [
            {"code": _TEXT[r.code], "article": r.article, "text": r.text}
            for r in line.trace
            if r.code in REASON_CODES
        ],
    }
    if steps:
        document["steps"] = [step_json(s) for s in line.trace]
    return document


def insured_json(
    person: InsuredResult, steps: bool = True, totals: tuple[Decimal, Decimal] | None = None
) -> dict[str, Any]:
    indemnity, advances = totals or person.totals()
    return {
        "ref": person.ref,
        "age": person.age,
        "lines": [line_json(ln, steps) for ln in person.lines],
        "totals": {"indemnity": str(indemnity), "advances": str(advances)},
    }


def settlement_json(settlement: Settlement, steps: bool = True) -> dict[str, Any]:
    """A settlement, as ``settle --format json`` prints it for one claim."""
    document: dict[str, Any] = {}
    _add_settlement(document, settlement, steps)
    return document


#: The last settlement whose compact JSON :func:`settlement_text` made, and that text.
_last_text: tuple[Settlement, str] | None = None


def settlement_text(settlement: Settlement) -> str:
    """``settlement_json(settlement, steps=False)`` as one compact line, made once
    per settlement: the claims ledger stores and hashes it, and the batch's record
    of the same settlement then reuses it (:func:`made_text`)."""
    global _last_text
    text = dumps(settlement_json(settlement, steps=False), fast=True)
    _last_text = (settlement, text)
    return text


def made_text(settlement: Settlement) -> str | None:
    """:func:`settlement_text` of this very settlement, if it was made; else None."""
    last = _last_text
    return last[1] if last is not None and last[0] is settlement else None


def settlement_record(
    position: int, source: str, settlement: Settlement, steps: bool
) -> dict[str, Any]:
    """A batch's record of a settled claim: where it came from, then its settlement."""
    document: dict[str, Any] = {"position": position, "source": source, "status": "settled"}
    _add_settlement(document, settlement, steps)
    return document


def _add_settlement(document: dict[str, Any], settlement: Settlement, steps: bool) -> None:
    # One dict filled in place: a batch builds ~12,000 of these a second.
    insured = []
    indemnity = advances = _ZERO_CENTS
    for person in settlement.insured:
        totals = person.totals()
        indemnity += totals[0]
        advances += totals[1]
        insured.append(insured_json(person, steps, totals))
    document["schema_version"] = SCHEMA_VERSION
    document["claim_id"] = settlement.claim_id
    document["product"] = {
        "id": settlement.product_id,
        "edition": settlement.edition,
        "level": settlement.level,
        "sha256": settlement.product_sha256,
    }
    document["event"] = {
        "id": settlement.event_id,
        "date": settlement.event_date,
        "zone": settlement.zone,
    }
    document["insured"] = insured
    document["totals"] = {
        "claimed": str(settlement.claimed),
        "indemnity": str(indemnity),
        "advances": str(advances),
    }


def error_record(position: int, source: str, text: str, error: ClaimcalcError) -> dict[str, Any]:
    """A batch's record of a claim that could not be settled."""
    if isinstance(error, ClaimError):
        problems = [{"field": f, "message": m} for f, m in error.problems]
    elif isinstance(error, ProductFileError):
        problems = [{"field": p.path, "message": str(p)} for p in error.problems]
    else:
        problems = [{"field": "", "message": str(error)}]
    return {
        "schema_version": SCHEMA_VERSION,
        "position": position,
        "source": source,
        "claim_id": _claim_id(text),
        "status": "error",
        "exit_code": int(error.exit_code),
        "errors": problems,
    }


def _claim_id(text: str) -> str | None:
    """The claim id of a claim that failed, if it can be read."""
    import json
    import re

    from claimcalc.claim.model import REF_FORM
    from claimcalc.claim.personal import found

    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None
    claim_id = data.get("claim_id") if isinstance(data, dict) else None
    if (
        not isinstance(claim_id, str)
        or len(claim_id) > 64
        or not re.fullmatch(REF_FORM.regex, claim_id)
    ):
        # Not a claim id: a record must not echo it (a lone surrogate, a page, a
        # spreadsheet formula such as =HYPERLINK(…) in a CSV cell).
        return None
    if found(claim_id):
        return None  # personal data (a fiscal code, an e-mail address…): never echoed
    return claim_id


# --------------------------------------------------------------------------- products


def amount_json(value: Amount) -> str:
    """Amounts as decimal strings, tokens as their names: never a float."""
    return value.value if isinstance(value, Token) else str(value)


def _limit_json(product: Product, limit: Limit, levels: Iterable[str]) -> dict[str, Any]:
    values = {
        level: {
            zone: amount_json(product.amount(limit.amount, level, zone))
            for zone in product.zone_ids
        }
        for level in levels
    }
    out: dict[str, Any] = {
        "id": limit.id,
        "title": limit.title,
        "scope": limit.scope.value,
        "unit": limit.unit.value,
        "parent": limit.parent,
        "values": values,
        "source": limit.source.model_dump(exclude_none=True),
    }
    if limit.max_units is not None:
        out["max_units"] = {
            level: {
                z: amount_json(product.amount(limit.max_units, level, z)) for z in product.zone_ids
            }
            for level in levels
        }
    if limit.block_hours is not None:
        out["block_hours"] = limit.block_hours
    if limit.percent_of_parent is not None:
        out["percent_of_parent"] = str(limit.percent_of_parent)
    if limit.applies_when is not None:
        out["applies_when"] = str(limit.applies_when)
    if limit.applies_to:
        out["applies_to"] = list(limit.applies_to)
    inferred = product.inferred(limit)
    if inferred:
        by_level = {
            level: [z for z in product.zone_ids if (level, z) in inferred] for level in levels
        }
        out["inferred"] = {level: zones for level, zones in by_level.items() if zones}
    if limit.reading:
        out["reading"] = limit.reading
    return out


def _deductible_json(rule: Deductible) -> dict[str, Any]:
    from claimcalc.output.tables import deductible_text

    return {"text": deductible_text(rule), "kind": rule.kind, "source": rule.source.article}


def _eligibility_json(rule: EligibilityRule) -> dict[str, Any]:
    from claimcalc.output.tables import eligibility_text

    return {"text": eligibility_text(rule), "kind": rule.kind, "source": rule.source.article}


def product_json(product: Product, level: str | None = None) -> dict[str, Any]:
    """A product's cover (``products show --format json``), at one level or all."""
    levels = [level] if level else list(product.level_ids)
    sections = []
    for section in product.sections:
        guarantees = []
        for guarantee in section.guarantees:
            covered = product.covered_levels(section, guarantee)
            guarantees.append(
                {
                    "code": guarantee.code,
                    "title": guarantee.title,
                    "kind": guarantee.kind.value,
                    "source": guarantee.source.article,
                    "covered": {lv: lv in covered for lv in levels},
                    "formula": guarantee.formula.kind,
                    "limits": [_limit_json(product, lim, levels) for lim in guarantee.limits],
                    "deductibles": [_deductible_json(d) for d in guarantee.deductibles],
                    "eligibility": [_eligibility_json(r) for r in guarantee.eligibility],
                    "exclusions": [e.id for e in guarantee.exclusions],
                }
            )
        covered = product.covered_levels(section)
        sections.append(
            {
                "code": section.code,
                "title": section.title,
                "source": section.source.article,
                "covered": {lv: lv in covered for lv in levels},
                "limits": [_limit_json(product, lim, levels) for lim in section.limits],
                "deductibles": [_deductible_json(d) for d in section.deductibles],
                "eligibility": [_eligibility_json(r) for r in section.eligibility],
                "exclusions": [e.id for e in section.exclusions],
                "guarantees": guarantees,
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "product": {
            "id": product.id,
            "edition": product.edition,
            "name": product.name,
            "insurer": product.insurer,
            "sha256": product.sha256,
            "levels": [lv.id for lv in product.levels],
            "zones": [z.id for z in product.zones],
        },
        "level": level,
        "eligibility": [_eligibility_json(r) for r in product.eligibility],
        "exclusions": [
            {"id": e.id, "text": e.text, "source": e.source.article} for e in product.exclusions
        ],
        "sections": sections,
    }


def catalog_json(products: Iterable[Product]) -> dict[str, Any]:
    """The shipped products (``products list --format json``)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "products": [
            {
                "id": p.id,
                "edition": p.edition,
                "ref": p.ref,
                "name": p.name,
                "insurer": p.insurer,
                "levels": list(p.level_ids),
                "path": p.path,
            }
            for p in products
        ],
    }


def claim_schema() -> dict[str, Any]:
    """The JSON Schema of claim files (``schema claim``)."""
    from claimcalc.claim.schema import json_schema

    return _schema(json_schema(), "claimcalc claim file (format 1)")


def cases_json(report: Report) -> dict[str, Any]:
    """A ``claimcalc test`` run: each case's result with every difference."""
    from claimcalc.cases import shown_path  # the runner reads YAML: not on other paths

    return {
        "schema_version": SCHEMA_VERSION,
        "passed": report.count("pass"),
        "failed": report.count("fail"),
        "errors": report.count("error"),
        "cases": [
            {
                "file": shown_path(r.case.file),
                "line": r.case.line,
                "name": r.case.name,
                "status": r.status,
                "differences": [
                    {"what": d.what, "expected": d.expected, "got": d.got} for d in r.differences
                ],
                "error": None if r.error is None else str(r.error),
            }
            for r in report.results
        ],
    }


def product_schema() -> dict[str, Any]:
    """The JSON Schema of product files (``schema product``)."""
    from claimcalc.product.schema import Product

    return _schema(Product.model_json_schema(by_alias=True), "claimcalc product file")


def _schema(schema: dict[str, Any], title: str) -> dict[str, Any]:
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return schema


# --------------------------------------------------------------------------- comparisons


def _value_json(value: object) -> object:
    if isinstance(value, Decimal | Token):
        return amount_json(value)
    return value


def difference_json(difference: Difference) -> dict[str, Any]:
    return {
        "section": difference.section,
        "guarantee": difference.guarantee,
        "subject": difference.subject,
        "field": difference.field,
        "zone": difference.zone,
        "old": _value_json(difference.old),
        "new": _value_json(difference.new),
        "old_article": difference.old_article,
        "new_article": difference.new_article,
        "change": difference.change.value,
        "effect": difference.effect.value,
        "unit": difference.unit,
    }


def diff_json(diff: ProductDiff, impact: Impact | None = None) -> dict[str, Any]:
    """A product diff (``diff --format json``), with its impact on claims if measured."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "old": {
            "product": diff.old.product.ref,
            "level": diff.old.level,
            "sha256": diff.old.product.sha256,
        },
        "new": {
            "product": diff.new.product.ref,
            "level": diff.new.level,
            "sha256": diff.new.product.sha256,
        },
        "equivalent": diff.equivalent,
        "differences": [difference_json(d) for d in diff.differences],
    }
    if impact is not None:
        document["impact"] = impact_json(impact)
    return document


def change_json(change: ClaimChange) -> dict[str, Any]:
    return {
        "claim_id": change.claim_id,
        "source": change.source,
        "old": str(change.old),
        "new": str(change.new),
        "delta": str(change.delta),
        "why": list(change.why),
    }


def impact_json(impact: Impact) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "old": impact.old.label,
        "new": impact.new.label,
        "claims": impact.claims,
        "compared": impact.compared,
        "failed": impact.failed,
        "skipped_other_product": impact.skipped,
        "changed": impact.changed,
        "old_total": str(impact.old_total),
        "new_total": str(impact.new_total),
        "delta": str(impact.new_total - impact.old_total),
        "by_guarantee": {
            code: {"old": str(old), "new": str(new), "delta": str(new - old)}
            for code, (old, new) in sorted(impact.by_guarantee.items())
        },
        "largest_changes": [change_json(c) for c in impact.largest],
        "errors": impact.errors,
    }
