"""Step 1, cover: the guarantee exists at the policy's level and in the zone.

Imaway Bagaglio is "Esclusa" for Easy; a limit that says "not covered" in a
zone refuses the line there.
"""

from __future__ import annotations

from claimcalc.product.model import Limit, Token
from claimcalc.settlement import Code
from claimcalc.settling import texts
from claimcalc.settling.plan import GuaranteePlan
from claimcalc.settling.work import LineWork, Settling


def cover(s: Settling) -> None:
    for person in s.persons:
        for work in person.lines:
            _cover(s, work)


def _cover(s: Settling, work: LineWork) -> None:
    product, section, guarantee = s.product, work.section, work.guarantee
    if s.level not in product.covered_levels(section, guarantee):
        name = next(lv.name for lv in product.levels if lv.id == s.level)
        article = (guarantee.source if guarantee.levels else section.source).article
        work.refuse(
            Code.NOT_COVERED_AT_LEVEL, article, texts.not_covered_at_level(section.title, name)
        )
        return
    limit = _uncovered_by(s, work.plan, work.zone)
    if limit is not None:
        zone = next(z.name for z in product.zones if z.id == work.zone)
        work.refuse(Code.NOT_COVERED_IN_ZONE, limit.source.article, texts.not_covered_in_zone(zone))


def _uncovered_by(s: Settling, plan: GuaranteePlan, zone: str) -> Limit | None:
    """The guarantee's first limit that says "not covered" at the level and zone."""
    key = (s.level, zone)
    try:
        return plan.uncovered_by[key]
    except KeyError:
        found = plan.uncovered_by[key] = next(
            (
                limit
                for limit in plan.own_limits
                if s.product.limit_amount(limit.id, s.level, zone) is Token.NOT_COVERED
            ),
            None,
        )
        return found
