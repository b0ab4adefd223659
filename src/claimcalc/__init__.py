"""claimcalc: a claim calculator for Italian travel-insurance products.

Library first: load a product, read a claim, settle it; compare products.

>>> from claimcalc import load_product, read_claim, settle

Names are imported on first use, so a command pays only for what it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Claim": "claimcalc.claim",
    "ClaimError": "claimcalc.errors",
    "ClaimcalcError": "claimcalc.errors",
    "ExitCode": "claimcalc.errors",
    "Impact": "claimcalc.impact",
    "Product": "claimcalc.rules",
    "ProductDiff": "claimcalc.diff",
    "ProductError": "claimcalc.errors",
    "RateTable": "claimcalc.rates",
    "Settlement": "claimcalc.settlement",
    "diff_products": "claimcalc.diff",
    "impact": "claimcalc.impact",
    "load_product": "claimcalc.catalog",
    "load_product_file": "claimcalc.loader",
    "load_product_text": "claimcalc.loader",
    "parse_claim": "claimcalc.claim",
    "read_claim": "claimcalc.claim",
    "read_ecb_csv": "claimcalc.rates",
    "settle": "claimcalc.engine",
}
__all__ = [
    "Claim",
    "ClaimError",
    "ClaimcalcError",
    "ExitCode",
    "Impact",
    "Product",
    "ProductDiff",
    "ProductError",
    "RateTable",
    "Settlement",
    "diff_products",
    "impact",
    "load_product",
    "load_product_file",
    "load_product_text",
    "parse_claim",
    "read_claim",
    "read_ecb_csv",
    "settle",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'claimcalc' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


if TYPE_CHECKING:
    from claimcalc.catalog import load_product
    from claimcalc.claim import Claim, parse_claim, read_claim
    from claimcalc.diff import ProductDiff, diff_products
    from claimcalc.engine import settle
    from claimcalc.errors import ClaimcalcError, ClaimError, ExitCode, ProductError
    from claimcalc.impact import Impact, impact
    from claimcalc.loader import load_product_file, load_product_text
    from claimcalc.rates import RateTable, read_ecb_csv
    from claimcalc.rules import Product
    from claimcalc.settlement import Settlement
