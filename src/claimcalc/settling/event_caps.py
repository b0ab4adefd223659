"""Per-event caps (cumulo) across the insured persons of one event.

When one event hits several insured persons and their indemnities under a
guarantee with a per-event limit add up to more than the cap, each is
reduced in proportion (Imaway F5, G5; Wi School D4, E3). The shares add up
to the cap exactly: each rounded down to the cent, the cents left over one
each to the largest remainders, ties to the earlier line (docs/domain.md
"Per-event caps").
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from claimcalc.money import CENT
from claimcalc.product.model import Limit, Scope
from claimcalc.settlement import Code, LimitApplied
from claimcalc.settling import texts
from claimcalc.settling.limits import cap_value
from claimcalc.settling.work import ZERO, LineWork, Settling


def event_caps(s: Settling) -> None:
    capped = s.plan.event_capped
    by_limit: dict[str, list[tuple[LineWork, Limit]]] = {}
    for person in s.persons:
        for work in person.lines:
            if work.guarantee.code not in capped or work.paid <= 0:
                continue
            for limit in work.plan.own_limits:
                if limit.scope is Scope.PER_EVENT:
                    by_limit.setdefault(limit.id, []).append((work, limit))
    for limit_id, members in by_limit.items():
        limit = members[0][1]
        zone = members[0][0].zone
        cap = cap_value(s, s.product.limit_amount(limit_id, s.level, zone))
        total = sum((work.paid for work, _ in members), ZERO)
        if cap is None or total <= cap:
            continue
        shares = proportional_shares([work.paid for work, _ in members], cap)
        for (work, _), share in zip(members, shares, strict=True):
            before = work.paid
            work.paid = share
            work.limit = LimitApplied(id=limit_id, amount=cap, article=limit.source.article)
            # Recorded whatever the trace keeps: it is a reason.
            work.note(
                Code.EVENT_CAP,
                limit.source.article,
                texts.event_cap(cap, len(members), total, before),
                share,
            )


def proportional_shares(amounts: Sequence[Decimal], cap: Decimal) -> list[Decimal]:
    """Reduce amounts in proportion so they add up to ``cap`` exactly, to the cent.

    Each share is rounded down to the cent; the cents left over go one each to
    the largest remainders, ties to the earlier amount (domain.md "cumulo").
    """
    total = sum(amounts, ZERO)
    if total <= cap:
        return list(amounts)
    exact = [a * cap / total for a in amounts]
    floors = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int(((cap - sum(floors, ZERO)) / CENT).to_integral_value())
    order = sorted(range(len(amounts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += CENT
    return floors
