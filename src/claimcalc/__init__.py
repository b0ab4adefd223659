"""claimcalc: a claim calculator for Italian travel-insurance products.

Library first: load a product, read a claim, settle it.

>>> from claimcalc import load_product, read_claim, settle
"""

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
__version__ = "0.1.0"
