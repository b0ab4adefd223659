"""A limit on some expense categories is charged only with their part of a payment."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from claimcalc.claim.read import read_claim
from claimcalc.product.load import load_product_file
from claimcalc.settling.engine import settle
from claimcalc.settling.limits import category_charge
from tests.conftest import ROOT

IMAWAY_FILE = ROOT / "products" / "imaway" / "2026-01.yaml"
# The rule, whatever its source quotes (the settlement letter cites it).
ONCE = re.compile(
    r'      - kind: once_per_period\n        source: \{article: "1\.5, M4".*\}\n'
    r"        reading: A second cancellation in the same policy period pays 0 \(domain\.md\)\.\n"
)


def _claim(tmp_path: Path, prior: str) -> Path:
    claim = {
        "claim_format": 1,
        "claim_id": "PRIOR",
        "product": "imaway",
        "level": "top",
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-10"},
        "event": {
            "date": "2026-02-20",
            "country": "IT",
            "zone": "italia",
            "facts": {"cause": "hospitalisation", "affected_person": "insured"},
        },
        "reported_on": "2026-02-21",
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": 40,
                "facts": {"resident_in_italy": True},
                "prior_payments": [
                    {"guarantee": "M.cancellation", "amount": prior, "date": "2026-02-01"}
                ],
                "lines": [
                    {
                        "id": "1",
                        "guarantee": "M.cancellation",
                        "expenses": [
                            {
                                "amount": "1000.00",
                                "date": "2026-02-20",
                                "category": "flight_tickets",
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / f"claim-{prior}.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    return path


def test_a_prior_payment_is_not_charged_to_a_category_limit(tmp_path: Path) -> None:
    # Without M4's one cancellation per period, an earlier payment in the period
    # could meet the flights sub-limit; it does not say what it paid for flights.
    text = IMAWAY_FILE.read_text(encoding="utf-8")
    assert len(ONCE.findall(text)) == 1
    variant = tmp_path / "2026-01.yaml"
    variant.write_text(ONCE.sub("", text), encoding="utf-8")
    product = load_product_file(variant)
    # €500 earlier: M.max has €2,500 left; the flights sub-limit its whole €1,400.
    settlement = settle(read_claim(_claim(tmp_path, "500.00")), product)
    assert settlement.insured[0].lines[0].paid == Decimal("1000.00")
    # €2,500 earlier: M.max (no category) has €500 left.
    settlement = settle(read_claim(_claim(tmp_path, "2500.00")), product)
    assert settlement.insured[0].lines[0].paid == Decimal("500.00")


def test_category_charge_is_the_categories_part_of_the_payment() -> None:
    # the categories were €800 of a line of €1,800; a later cut paid €900 of it
    assert category_charge(Decimal("900"), Decimal("800"), Decimal("1800")) == Decimal("400.00")
    assert category_charge(Decimal("1800"), Decimal("800"), Decimal("1800")) == Decimal("800.00")
    assert category_charge(Decimal("500"), Decimal("500"), Decimal("500")) == Decimal("500")
    assert category_charge(Decimal("0"), Decimal("800"), Decimal("1800")) == Decimal("0")
    assert category_charge(Decimal("100"), Decimal("0"), Decimal("1800")) == Decimal("0")
