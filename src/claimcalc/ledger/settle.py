"""Settling with a ledger: prior payments read from it, settlements recorded in it.

The engine is the one ``settle`` uses. What the ledger adds is the claim's
``prior_payments``: each current settlement of the same insured person on the
same policy and product becomes one prior payment per line that paid,
carrying its claim id (the reasons cite it). The engine then applies them as
it applies typed ones: per-period limits and once-per-period rules for
payments dated in the policy period, per-trip limits for the same trip,
death after invalidity for the same accident.

The mapping, a ledger line → :class:`~claimcalc.claim.model.PriorPayment`:

- ``guarantee``, ``amount``: the line's guarantee and what it paid;
- ``date``: the date of the event it paid for (a payment belongs to the
  period of its event, whenever it was recorded);
- ``same_accident``: both claims state the same ``event.id``;
- ``same_trip``: the same departure and return dates;
- ``claim_id``: the claim that paid it.

Lines that paid nothing and advances (``kind: advance``: repaid, not an
indemnity) are not prior payments.

With ``record``, each claim is settled in a write transaction that first
locks its insured persons (:meth:`Ledger.lock_insured`), reads their
payments, settles and writes, so a per-period limit is never paid twice.
Settling a claim id again supersedes its current settlement; the same
settlement again (same content) records nothing. On SQLite several claims
share a transaction (:attr:`LedgerSettler.commit_every`): each claim is a
whole or absent: its writes come after every check and read, and a failure
of the database rolls the whole transaction back and stops the batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from claimcalc.claim.model import Claim, PriorPayment
from claimcalc.errors import ClaimError
from claimcalc.i18n import _, reader_language, speaking
from claimcalc.jsonio import dumps
from claimcalc.ledger.store import Ledger, PaymentRow, now, to_cents
from claimcalc.output.documents import settlement_json
from claimcalc.settlement import Settlement
from claimcalc.settling.eligibility import claim_period, in_period

if TYPE_CHECKING:
    from claimcalc.claim.sources import Item
    from claimcalc.settling.settler import Settler


@dataclass(frozen=True, slots=True)
class PriorUsed:
    """A payment from the ledger that the settlement counted."""

    claim_id: str
    insured: str
    guarantee: str
    amount: Decimal
    date: str

    def json(self) -> dict[str, str]:
        return {
            "claim_id": self.claim_id,
            "insured": self.insured,
            "guarantee": self.guarantee,
            "amount": str(self.amount),
            "date": self.date,
        }


@dataclass(slots=True)
class LedgerNote:
    """What the ledger did for one claim."""

    ledger: str
    mode: str  # "record" or "dry-run"
    prior_payments: list[PriorUsed] = field(default_factory=list)
    #: "recorded", "unchanged" (the same settlement was already current), or None (dry run)
    outcome: str | None = None
    settlement_id: int | None = None
    supersedes: int | None = None

    def json(self) -> dict[str, Any]:
        return {
            "ledger": self.ledger,
            "mode": self.mode,
            "outcome": self.outcome,
            "settlement_id": self.settlement_id,
            "supersedes": self.supersedes,
            "prior_payments": [p.json() for p in self.prior_payments],
        }

    def line(self) -> str:
        """One line for a person reading a table: in their language, though the
        settlement's texts stay English with a ledger (:func:`reader_language`)."""
        with speaking(reader_language()):
            return self._line()

    def _line(self) -> str:
        if self.prior_payments:
            used = "; ".join(
                _("{claim_id} {insured} {guarantee} {amount} on {date}").format(
                    claim_id=p.claim_id,
                    insured=p.insured,
                    guarantee=p.guarantee,
                    amount=p.amount,
                    date=p.date,
                )
                for p in self.prior_payments
            )
            text = _("ledger {ledger}: prior payments used: {used}").format(
                ledger=self.ledger, used=used
            )
        else:
            text = _("ledger {ledger}: no prior payments").format(ledger=self.ledger)
        if self.outcome == "recorded":
            text += _("; recorded as settlement {id}").format(id=self.settlement_id)
            if self.supersedes is not None:
                text += _(", superseding settlement {id}").format(id=self.supersedes)
        elif self.outcome == "unchanged":
            text += _("; already recorded as settlement {id}, nothing new").format(
                id=self.settlement_id
            )
        else:
            text += _("; dry run, nothing recorded (--record records)")
        return text


class LedgerSettler:
    """Settles claims against a ledger; ``settle_text`` as :class:`Settler`'s,
    so a batch runs it as it runs a settler (in this process, in input order).

    ``add_prior``: a claim's own ``prior_payments`` count as well as the
    ledger's (``--prior-payments=add``); otherwise a claim that states them is
    refused. ``commit_every``: claims per transaction when recording (SQLite;
    PostgreSQL commits each claim, so that two processes' locks never wait
    on each other in a cycle).
    """

    def __init__(
        self,
        ledger: Ledger,
        settler: Settler,
        record: bool = False,
        add_prior: bool = False,
        commit_every: int = 200,
        commit_seconds: float = 0.5,
    ) -> None:
        from claimcalc import __version__

        self.ledger = ledger
        self.settler = settler
        self.record = record
        self.add_prior = add_prior
        self.commit_every = 1 if ledger.postgres else max(1, commit_every)
        self.commit_seconds = commit_seconds
        self.version = __version__
        self.last: LedgerNote | None = None
        self._pending = 0
        self._since = 0.0

    # ------------------------------------------------------------------ one claim

    def settle_text(self, item: Item) -> Settlement:
        self.last = None
        claim = self.settler.parse(item)
        self.check(claim, item.source)
        product = self.settler.product_of(claim, item.source)
        ledger = self.ledger
        with ledger.guard(_("cannot settle with the ledger")):
            if not self.record:
                settlement, note = self._settle(claim, product, item.source)
            elif self.commit_every == 1:  # a transaction per claim: whole or rolled back
                with ledger.transaction(write=True, doing=_("cannot settle with the ledger")):
                    settlement, note = self._settle(claim, product, item.source)
            else:  # several claims a transaction (SQLite: BEGIN IMMEDIATE, the only writer)
                if not ledger.in_transaction:
                    ledger.begin(write=True)
                    self._since = time.monotonic()
                # A claim's writes come last, after every check and read: a claim
                # that fails writes nothing; a database failure stops the batch
                # and rolls the transaction back (the batch's hook, abandon()).
                settlement, note = self._settle(claim, product, item.source)
                self._pending += 1
                if (
                    self._pending >= self.commit_every
                    or time.monotonic() - self._since >= self.commit_seconds
                ):
                    self.flush()
        self.last = note
        return settlement

    def check(self, claim: Claim, source: str) -> None:
        """A claim settled with a ledger names its policy; it states no prior
        payments unless they are to be added to the ledger's."""
        problems: list[tuple[str, str]] = []
        if claim.policy.ref is None:
            problems.append(
                (
                    "policy.ref",
                    _(
                        "required to settle with a ledger ({ledger}): the policy's "
                        "pseudonymous number, the same in every claim of the policy"
                    ).format(ledger=self.ledger.name),
                )
            )
        if not self.add_prior:
            for i, person in enumerate(claim.insured):
                if person.prior_payments:
                    problems.append(
                        (
                            f"insured[{i}].prior_payments",
                            _(
                                "stated, and the ledger {ledger} supplies the prior payments: "
                                "remove them, or pass --prior-payments=add to count both"
                            ).format(ledger=self.ledger.name),
                        )
                    )
        if problems:
            raise ClaimError(source, problems)

    def _settle(self, claim: Claim, product: Any, source: str) -> tuple[Settlement, LedgerNote]:
        """Settle against the ledger; record when asked.

        A claim already recorded is first settled again as it was then, seeing
        only the claims recorded before it: the same claim gives the same
        settlement, and nothing is recorded (a batch run twice records
        nothing twice). If that differs, the claim has changed: it is settled
        seeing every other current payment (so a limit is never paid twice)
        and supersedes its settlement, unless that too is what is recorded.
        """
        ledger = self.ledger
        policy_ref = claim.policy.ref
        assert policy_ref is not None
        if self.record:
            for ref in sorted({person.ref for person in claim.insured}):
                # Always in the same order: no two writers wait on each other.
                ledger.lock_insured(policy_ref, ref)
        rows = {
            person.ref: ledger.payments(policy_ref, person.ref, product.id, claim.claim_id)
            for person in claim.insured
        }
        current = ledger.current(claim.claim_id)
        attempts: list[dict[str, list[PaymentRow]]] = [rows]
        if current is not None:
            seq = current[2]
            before = {ref: [r for r in found if r.seq < seq] for ref, found in rows.items()}

            if before != rows:
                attempts.insert(0, before)
        note = LedgerNote(ledger.name, "record" if self.record else "dry-run")
        for used in attempts:
            settlement = self._settle_with(claim, product, source, used)
            document = dumps(settlement_json(settlement, steps=False), fast=True)
            digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
            if current is not None and current[1] == digest:
                note.outcome = "unchanged"
                note.settlement_id = current[0]
                break
        period = claim_period(claim, product)
        note.prior_payments = self._used(claim, period, used)
        if self.record and note.outcome is None:
            self._write(claim, settlement, period, document, digest, note)
        return settlement, note

    def _settle_with(
        self, claim: Claim, product: Any, source: str, rows: dict[str, list[PaymentRow]]
    ) -> Settlement:
        persons = []
        for person in claim.insured:
            priors = [self._prior(row, claim) for row in rows[person.ref] if _counts(row)]
            own = person.prior_payments if self.add_prior else ()
            persons.append(dataclasses.replace(person, prior_payments=(*own, *priors)))
        return self.settler.settle_claim(
            dataclasses.replace(claim, insured=tuple(persons)), product, source
        )

    def _used(
        self, claim: Claim, period: tuple[Any, Any], rows: dict[str, list[PaymentRow]]
    ) -> list[PriorUsed]:
        """The ledger's payments the engine counts: of the policy period, or of
        the same trip or accident."""
        used = []
        for ref, found in rows.items():
            for row in found:
                if not _counts(row):
                    continue
                prior = self._prior(row, claim)
                if prior.same_trip or prior.same_accident or in_period(period, prior.date):
                    used.append(
                        PriorUsed(
                            row.claim_id, ref, row.guarantee, row.amount, row.date.isoformat()
                        )
                    )
        return used

    @staticmethod
    def _prior(row: PaymentRow, claim: Claim) -> PriorPayment:
        trip = claim.trip
        return PriorPayment(
            guarantee=row.guarantee,
            amount=row.amount,
            date=row.date,
            same_accident=claim.event.id is not None and row.event_id == claim.event.id,
            same_trip=row.trip_departure == trip.departure_date
            and row.trip_return == trip.return_date,
            claim_id=row.claim_id,
        )

    def _write(
        self,
        claim: Claim,
        settlement: Settlement,
        period: tuple[Any, Any],
        document: str,
        digest: str,
        note: LedgerNote,
    ) -> None:
        policy_ref = claim.policy.ref
        assert policy_ref is not None
        start, end = period
        row: dict[str, object] = {
            "claim_id": claim.claim_id,
            "policy_ref": policy_ref,
            "product_id": settlement.product_id,
            "edition": settlement.edition,
            "level": settlement.level,
            "product_sha256": settlement.product_sha256,
            "claimcalc_version": self.version,
            "event_id": claim.event.id,
            "event_date": claim.event.date.isoformat(),
            "trip_departure": claim.trip.departure_date.isoformat(),
            "trip_return": claim.trip.return_date.isoformat(),
            "period_start": start.isoformat(),
            "period_end": None if end is None else end.isoformat(),
            "origin": "settled",
            "status": "current",
            "content_sha256": digest,
            "document": document,
            "recorded_at": now(),
        }
        day = claim.event.date.isoformat()
        payments = [
            (
                policy_ref,
                person.ref,
                line.line_id,
                line.guarantee,
                line.kind,
                to_cents(line.paid),
                day,
            )
            for person in settlement.insured
            for line in person.lines
        ]
        note.settlement_id, note.supersedes = self.ledger.add_settlement(row, payments)
        note.outcome = "recorded"

    # ------------------------------------------------------------------ the batch

    def flush(self) -> None:
        """Commit what is recorded so far."""
        with self.ledger.guard(_("cannot commit to the ledger")):
            self.ledger.commit()
        self._pending = 0

    def abandon(self) -> None:
        """Roll back what is not committed (the run is failing)."""
        with self.ledger.guard(_("cannot roll back the ledger")):
            self.ledger.rollback()
        self._pending = 0


def _counts(row: PaymentRow) -> bool:
    """A ledger line that is a prior payment: it paid, and it is not an advance."""
    return row.amount > 0 and row.kind != "advance"
