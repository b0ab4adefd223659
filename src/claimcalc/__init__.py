"""claimcalc: a claim calculator for Italian travel-insurance products."""

from claimcalc.catalog import load_product
from claimcalc.errors import ClaimcalcError, ExitCode
from claimcalc.loader import load_product_file, load_product_text
from claimcalc.rules import Product

__all__ = [
    "ClaimcalcError",
    "ExitCode",
    "Product",
    "load_product",
    "load_product_file",
    "load_product_text",
]
__version__ = "0.1.0"
