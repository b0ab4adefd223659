"""What a product change does to a book of claims.

Every claim is settled under both sides (at the side's level, when the sides
are levels) and compared: how many settlements change, the total paid before
and after, the change by guarantee, and the largest individual changes with
why. Claims are read one at a time; only totals and the largest changes are
kept.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from claimcalc.claim.model import Claim
from claimcalc.claim.sources import Item
from claimcalc.compare.diff import Side
from claimcalc.errors import ClaimcalcError
from claimcalc.settlement import Settlement
from claimcalc.settling.engine import settle
from claimcalc.settling.rates import RateTable

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ClaimChange:
    claim_id: str
    source: str
    old: Decimal
    new: Decimal
    why: tuple[str, ...]

    @property
    def delta(self) -> Decimal:
        return self.new - self.old


@dataclass(slots=True)
class Impact:
    old: Side
    new: Side
    claims: int = 0
    compared: int = 0
    failed: int = 0
    skipped: int = 0  # claims of another product
    changed: int = 0
    old_total: Decimal = ZERO
    new_total: Decimal = ZERO
    by_guarantee: dict[str, list[Decimal]] = field(default_factory=dict)
    largest: list[ClaimChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _product_id(ref: str) -> str:
    """``imaway@2026-01`` or ``products/imaway/2026-01.yaml`` → ``imaway``."""
    if ref.endswith((".yaml", ".yml")):
        # A product file is <id>/<edition>.yaml: its folder names the product.
        return Path(ref.replace("\\", "/")).parent.name or Path.cwd().name
    return ref.split("@")[0]


def _settle_side(claim: Claim, item: Item, side: Side, rates: RateTable | None) -> Settlement:
    if side.level is not None:
        claim = dataclasses.replace(claim, level=side.level)
    return settle(claim, side.product, rates, source=item.source)


def _lines(settlement: Settlement) -> dict[tuple[str, str], tuple[str, Decimal, str]]:
    return {
        (person.ref, line.line_id): (
            line.guarantee,
            line.paid,
            " ".join(f"{r.code.value}:{r.article}" for r in line.reasons) or "paid in full",
        )
        for person in settlement.insured
        for line in person.lines
    }


def _why(before: Settlement, after: Settlement) -> tuple[str, ...]:
    old, new = _lines(before), _lines(after)
    reasons = []
    for key in old.keys() | new.keys():
        (g_old, p_old, r_old), (g_new, p_new, r_new) = (
            old.get(key, ("", ZERO, "")),
            new.get(key, ("", ZERO, "")),
        )
        if p_old != p_new:
            reasons.append(
                f"{key[0]} line {key[1]} {g_old or g_new}: {p_old} → {p_new} ({r_old} → {r_new})"
            )
    return tuple(sorted(reasons))


def impact(
    old: Side,
    new: Side,
    items: Iterable[Item],
    rates: RateTable | None = None,
    top: int = 10,
    max_errors: int = 20,
) -> Impact:
    """Settle every claim under both sides and sum up the differences."""
    result = Impact(old, new)
    heap: list[tuple[Decimal, int, ClaimChange]] = []
    for item in items:
        result.claims += 1
        try:
            claim = item.claim()
            if _product_id(claim.product) not in (old.product.id, new.product.id):
                result.skipped += 1
                continue
            before = _settle_side(claim, item, old, rates)
            after = _settle_side(claim, item, new, rates)
        except ClaimcalcError as error:
            result.failed += 1
            if len(result.errors) < max_errors:
                result.errors.append(str(error).splitlines()[0])
            continue
        result.compared += 1
        result.old_total += before.indemnity
        result.new_total += after.indemnity
        for settlement, index in ((before, 0), (after, 1)):
            for line in settlement.lines():
                if line.kind != "advance":
                    result.by_guarantee.setdefault(line.guarantee, [ZERO, ZERO])[index] += line.paid
        if before.indemnity != after.indemnity or _lines(before) != _lines(after):
            result.changed += 1
            change = ClaimChange(
                before.claim_id, item.source, before.indemnity, after.indemnity, _why(before, after)
            )
            # The claim's rank in this run breaks ties (earlier first) and is
            # unique, so the heap never has to compare two ClaimChanges.
            entry = (abs(change.delta), -result.claims, change)
            if len(heap) < top:
                heapq.heappush(heap, entry)
            else:
                heapq.heappushpop(heap, entry)
    result.largest = [c for _, _, c in sorted(heap, key=lambda e: (-e[0], -e[1]))]
    result.by_guarantee = {
        code: values for code, values in result.by_guarantee.items() if values[0] != values[1]
    }
    return result
