"""Settle claim texts one after another, loading each product once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from claimcalc.claim.sources import Item, claim_of
from claimcalc.errors import ClaimcalcError, UnknownProductError
from claimcalc.settlement import Settlement
from claimcalc.settling.rates import RateTable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from claimcalc.claim.model import Claim, PriorPayment


class Settler:
    """Settles claim texts; loads each product once and keeps it.

    ``steps=False``: each line's trace keeps only its reasons (see
    :func:`claimcalc.settling.engine.settle`), for records written without steps.
    """

    def __init__(
        self, product: str | None = None, rates: RateTable | None = None, steps: bool = True
    ) -> None:
        # Imported here, once, not per claim: a function-level import is a
        # lookup on every call.
        from claimcalc.claim.read import parse_claim
        from claimcalc.product.catalog import load_rulebook
        from claimcalc.settling.engine import settle

        self.product = product
        self.rates = rates
        self.steps = steps
        self._products: dict[tuple[str, bool], Any] = {}
        self._load_rulebook = load_rulebook
        self._parse_claim = parse_claim
        self._settle = settle

    def load(self, ref: str, from_claim: bool = False) -> Any:
        """A product by reference; one named in a claim is never a path (catalog only).
        The run's own product (``from_claim`` False) that cannot be loaded is
        remembered: each claim after the first gets its error without loading it
        again (a large product file took 70 ms a claim)."""
        product = self._products.get((ref, from_claim))
        if product is None:
            try:
                product = self._load_rulebook(ref, allow_path=not from_claim)
            except ClaimcalcError as error:
                if from_claim:  # a batch's claims may name any number of products
                    raise
                product = error
            self._products[(ref, from_claim)] = product
        if isinstance(product, ClaimcalcError):
            raise product.with_traceback(None)  # a traceback would grow with each claim
        return product

    def _known(self, product_id: str) -> bool:
        """Whether the catalog has this product (then its edition is what is unknown)."""
        from claimcalc.product.catalog import find_product

        try:
            find_product(product_id, allow_path=False)
        except UnknownProductError:
            return False
        return True

    def settle_text(self, item: Item) -> Settlement:
        """The item's claim read and settled (:meth:`parse`, :meth:`product_of`,
        :meth:`settle_claim`: a batch may take the three apart)."""
        claim = self.parse(item)
        return self.settle_claim(claim, self.product_of(claim, item.source), item.source)

    def parse(self, item: Item, data: object = None) -> Claim:
        """The item's claim, validated (the claims ledger reads it before settling).
        ``data``: orjson's reading of its text, if already read (None: not read)."""
        if data is not None and item.unreadable is None:
            return self._parse_claim(item.text, item.source, item.fast, data)
        return claim_of(item, self._parse_claim)

    def product_of(self, claim: Claim, source: str) -> Any:
        """The product the claim is settled under (``--product``, else the claim's)."""
        ref = self.product or claim.product_ref
        try:
            return self.load(ref, from_claim=self.product is None)
        except UnknownProductError as exc:
            if self.product is not None:
                raise
            field = "edition" if claim.edition and self._known(claim.product) else "product"
            raise UnknownProductError(f"{source}: {field}: {exc}") from None

    def settle_claim(
        self,
        claim: Claim,
        product: Any,
        source: str,
        priors: Sequence[tuple[PriorPayment, ...]] | None = None,
    ) -> Settlement:
        """Settle a parsed claim; ``priors``: a claims ledger's payments, per person."""
        return self._settle(claim, product, self.rates, source, self.steps, priors)
