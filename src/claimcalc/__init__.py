"""claimcalc: a claim calculator for Italian travel-insurance products.

Library first: load a product, read a claim, settle it; compare products;
``to_json`` gives any of the results as the JSON document the CLI prints.

>>> from claimcalc import load_product, read_claim, settle, to_json

Names are imported on first use, so a command pays only for what it needs.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimcalc import compiled as _compiled

__version__ = "0.1.0"

# The batch's hot modules, compiled at install, used while they match their
# sources (claimcalc.compiled).
_compiled.install(Path(__file__).parent)

_EXPORTS = {
    "Claim": "claimcalc.claim.model",
    "ClaimError": "claimcalc.errors",
    "ClaimcalcError": "claimcalc.errors",
    "ExitCode": "claimcalc.errors",
    "Impact": "claimcalc.compare.impact",
    "Product": "claimcalc.product.schema",
    "ProductDiff": "claimcalc.compare.diff",
    "ProductError": "claimcalc.errors",
    "RateTable": "claimcalc.settling.rates",
    "Settlement": "claimcalc.settlement",
    "diff_products": "claimcalc.compare.diff",
    "impact": "claimcalc.compare.impact",
    "load_product": "claimcalc.product.catalog",
    "load_product_file": "claimcalc.product.load",
    "load_product_text": "claimcalc.product.load",
    "parse_claim": "claimcalc.claim.read",
    "read_claim": "claimcalc.claim.read",
    "read_ecb_csv": "claimcalc.settling.rates",
    "settle": "claimcalc.settling.engine",
    "to_json": "claimcalc.output.documents",
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
    "to_json",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'claimcalc' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


if TYPE_CHECKING:
    from claimcalc.claim.model import Claim
    from claimcalc.claim.read import parse_claim, read_claim
    from claimcalc.compare.diff import ProductDiff, diff_products
    from claimcalc.compare.impact import Impact, impact
    from claimcalc.errors import ClaimcalcError, ClaimError, ExitCode, ProductError
    from claimcalc.output.documents import to_json
    from claimcalc.product.catalog import load_product
    from claimcalc.product.load import load_product_file, load_product_text
    from claimcalc.product.schema import Product
    from claimcalc.settlement import Settlement
    from claimcalc.settling.engine import settle
    from claimcalc.settling.rates import RateTable, read_ecb_csv
