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

Claims are settled in batches, one transaction each (:class:`LedgerSettler`):
a recording batch locks its insured persons first (SQLite: the database's
write lock; PostgreSQL: advisory locks, in one order), so a per-period limit
is never paid twice; its claims see the ones before them, in the batch or
committed; its writes come at the commit, all or none, so a crash loses the
open batch whole and a rerun settles it again. Settling a claim id again
supersedes its current settlement; the same settlement again (same content)
records nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from claimcalc.claim.model import Claim, PriorPayment
from claimcalc.errors import ClaimError
from claimcalc.i18n import _, reader_language, speaking
from claimcalc.ledger.records import with_ledger_note
from claimcalc.ledger.store import (
    Ledger,
    LedgerConflict,
    LedgerError,
    PaymentRow,
    claim_lock_key,
    lock_key,
    now,
    sha256,
    to_cents,
)
from claimcalc.output.documents import settlement_text
from claimcalc.settlement import Settlement
from claimcalc.settling.eligibility import claim_period, in_period

if TYPE_CHECKING:
    from claimcalc.claim.sources import Item
    from claimcalc.output.formats import Format
    from claimcalc.output.records import Outcome
    from claimcalc.settling.rates import RateTable
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


#: Claims a transaction when recording, unless ``settle --ledger-batch`` says
#: otherwise: a commit (a disk flush) shared by 200 claims, a lock held for a
#: fraction of a second, and at most 200 claims to settle again after a crash.
BATCH_SIZE = 200

#: Times a batch is run again after PostgreSQL gave it up (a deadlock, a
#: serialization failure) before the run stops (exit 5).
RETRIES = 5

#: A settlement's id until its batch commits: above every real one, in the
#: order the real ones will be given (:meth:`Ledger.new_ids`).
_PROVISIONAL = 1 << 62

#: Insured persons whose payments a settler keeps between batches (SQLite).
VIEW_PERSONS = 100_000

#: The lock key's "policy" of a claim id (:func:`lock_key`).


#: Each insured person's ledger lines, each with the prior payment it is to the engine.
_Priors = dict[str, list[tuple[PaymentRow, PriorPayment]]]


@dataclass(slots=True)
class _Write:
    """A settlement to be written when its batch commits."""

    provisional: int
    row: dict[str, object]
    old: int | None  # the settlement it supersedes: a real id, or a provisional one
    payments: list[tuple[str, str, str, str, str, int, str]]


@dataclass(slots=True)
class _Batch:
    """An open transaction: its claims, read before it began (by item
    position: the claim, or why it could not be read), and the ledger as the
    batch sees it: each insured person's payments and each claim id's current
    settlement, read in a few statements when it began and kept up to date
    with what the batch records (its locks keep them so: no other writer
    changes them before the commit)."""

    claims: dict[int, Claim | Exception] = field(default_factory=dict)
    #: (policy, insured) → the current lines that paid, with their product id
    payments: dict[tuple[str, str], list[tuple[str, PaymentRow]]] = field(default_factory=dict)
    #: claim id → (settlement id, content hash, the claim's place), or None
    current: dict[str, tuple[int, str, int] | None] = field(default_factory=dict)
    writes: list[_Write] = field(default_factory=list)
    notes: list[LedgerNote] = field(default_factory=list)
    #: claim id → the (policy, insured) pairs of its current settlement
    earlier: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    #: item position → its place in the batch; the place of the claim being settled
    order: dict[int, int] = field(default_factory=dict)
    at: int = 0
    #: SQLite, recording: the database's data_version when the batch began
    #: (:meth:`LedgerSettler._keep_view`); None otherwise.
    version: int | None = None
    #: Whether ``payments`` is the ledger as the commit leaves it (not when
    #: worker processes settled the claims: their writes are not in it).
    whole_view: bool = True


class LedgerSettler:
    """Settles claims against a ledger; ``settle_text`` as :class:`Settler`'s.

    Claims go in batches (:meth:`settle_batch`), each one transaction: its
    claims are read first; a recording batch then locks them (SQLite: ``BEGIN
    IMMEDIATE``; PostgreSQL: advisory locks on each insured person and claim
    id, in ascending order, all before the first read), reads their ledger,
    settles them in input order (each seeing the ones before it, in the
    batch or committed) and writes them at the commit, in four statements.
    Their records are given out after the commit: a record that says
    ``recorded`` is recorded.

    ``add_prior``: a claim's own ``prior_payments`` count as well as the
    ledger's (``--prior-payments=add``); otherwise a claim that states them is
    refused. ``batch_size``: claims per transaction (:data:`BATCH_SIZE`).
    """

    def __init__(
        self,
        ledger: Ledger,
        settler: Settler,
        record: bool = False,
        add_prior: bool = False,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        from claimcalc import __version__

        self.ledger = ledger
        self.settler = settler
        self.record = record
        self.add_prior = add_prior
        self.batch_size = max(1, batch_size)
        self.version = __version__
        self.last: LedgerNote | None = None
        #: times a batch ran again after a conflict (PostgreSQL)
        self.retries = 0
        self._batch: _Batch | None = None
        #: SQLite, recording: each insured person's payments as this settler's
        #: last commit left them, valid while the database's data_version is
        #: the one kept with them (no other connection committed since): a batch
        #: then reads only the persons it lacks (:meth:`_keep_view`).
        self._view: dict[tuple[str, str], list[tuple[str, PaymentRow]]] = {}
        self._view_version: int | None = None
        #: the connection's total_changes after that commit: data_version does
        #: not change for a write through the same connection (another settler
        #: or manage.void given this ledger), total_changes does.
        self._view_changes: int | None = None
        #: what the last claim was settled on (:meth:`settled_again`)
        self._last_inputs: tuple[Claim, Any, str, _Priors] | None = None

    # ------------------------------------------------------------------ a batch

    def settle_batch(
        self,
        items: Sequence[Item],
        settle: Callable[[Item], Outcome],
        fmt: Format,
        workers: Workers | None = None,
    ) -> list[Outcome]:
        """Settle ``items`` (at most :attr:`batch_size`) in one transaction, each
        with ``settle`` (the batch's: a claim that fails is its error record),
        committed; their outcomes, with the ledger's notes. A batch PostgreSQL
        gives up (:class:`LedgerConflict`) is rolled back and run again whole:
        its claims are settled anew against what the other writer committed.
        Any other failure of the ledger stops the run (:class:`LedgerError`).

        With ``workers`` (``--jobs``), the claims are settled in worker
        processes (:meth:`_in_workers`); this process keeps the transaction."""
        for attempt in range(RETRIES + 1):
            done: list[tuple[Item, Outcome, LedgerNote | None]] = []
            try:
                self.begin(items)
                if workers is not None and len(items) > 1:
                    done = self._in_workers(items, workers)
                else:
                    for item in items:
                        outcome = settle(item)
                        if isinstance(outcome.error, LedgerError):
                            raise outcome.error
                        done.append((item, outcome, self.last))
                self.flush()
            except LedgerConflict as conflict:
                self._again(
                    conflict, attempt, _("the batch of {count} claims").format(count=len(items))
                )
                continue
            for item, outcome, note in done:
                with_ledger_note(outcome, note, fmt, item.fast)
            return [outcome for _item, outcome, _note in done]
        raise AssertionError("unreachable")  # pragma: no cover

    def settle_alone(self, item: Item) -> Settlement:
        """One claim on its own (``settle claim.json``): a batch of one,
        committed, or rolled back whole; run again as a batch is."""
        for attempt in range(RETRIES + 1):
            try:
                settlement = self.settle_text(item)
                self.flush()
            except LedgerConflict as conflict:
                self._again(conflict, attempt, _("the claim"))
                continue
            except BaseException:
                self.abandon()
                raise
            return settlement
        raise AssertionError("unreachable")  # pragma: no cover

    def _again(self, conflict: LedgerConflict, attempt: int, what: str) -> None:
        """Roll back what PostgreSQL gave up, to run it again, unless it was the last time."""
        self.abandon()
        if attempt == RETRIES:
            raise conflict
        self.retries += 1
        again = _("{conflict}: {what} runs again ({attempt} of {retries})")
        sys.stderr.write(
            again.format(conflict=conflict, what=what, attempt=attempt + 1, retries=RETRIES) + "\n"
        )
        # Apart, so that the two writers do not meet again at once.
        time.sleep(random.uniform(0.01, 0.1) * (attempt + 1))

    def begin(self, items: Sequence[Item]) -> None:
        """Open a batch's transaction: read its claims, lock them when
        recording, and read their ledger."""
        assert self._batch is None
        batch = _Batch()
        for index, item in enumerate(items):
            batch.order[item.position] = index
            try:
                batch.claims[item.position] = self.settler.parse(item)
            except Exception as exc:  # the claim's outcome, at its turn
                batch.claims[item.position] = exc
        claims = [claim for claim in batch.claims.values() if isinstance(claim, Claim)]
        claim_ids = [claim.claim_id for claim in claims]
        persons = {
            (claim.policy.ref, p.ref)
            for claim in claims
            if claim.policy.ref is not None
            for p in claim.insured
        }
        ledger = self.ledger
        with ledger.guard(_("cannot settle with the ledger")):
            ledger.begin(write=self.record)
            self._batch = batch
            if self.record and ledger.postgres:  # SQLite: BEGIN IMMEDIATE is the lock
                # The persons of a claim's current settlement too: settled anew, it
                # stops counting for them. Read before the locks, again after them:
                # changed meanwhile (another writer settled the claim), run again.
                earlier = ledger.persons_of(claim_ids)
                locked = persons.union(*earlier.values())
                ledger.lock(
                    [claim_lock_key(claim_id) for claim_id in claim_ids]
                    + [lock_key(policy, ref) for policy, ref in locked]
                )
            batch.earlier = ledger.persons_of(claim_ids)
            for claim_id, pairs in batch.earlier.items():
                if self.record and ledger.postgres and not pairs <= locked:
                    raise LedgerConflict(
                        _(
                            "{ledger}: claim {claim_id} was settled by another writer "
                            "while this batch took its locks"
                        ).format(ledger=ledger.name, claim_id=claim_id)
                    )
                persons |= pairs
            view = self._view
            if self.record and not ledger.postgres:
                # Under BEGIN IMMEDIATE: no other writer commits before ours.
                batch.version = ledger.data_version()
            if (
                batch.version is None
                or batch.version != self._view_version
                or ledger.total_changes() != self._view_changes
            ):
                view.clear()
            refs: dict[str, set[str]] = {}
            for policy, ref in persons:
                kept = view.get((policy, ref))
                if kept is not None:  # a copy: the batch changes its lists
                    batch.payments[(policy, ref)] = list(kept)
                else:
                    refs.setdefault(policy, set()).add(ref)
            for policy, found in refs.items():
                for ref, rows in ledger.payments_of(policy, sorted(found)).items():
                    batch.payments[(policy, ref)] = rows
            current = ledger.currents([claim.claim_id for claim in claims])
            for claim in claims:
                batch.current[claim.claim_id] = current.get(claim.claim_id)

    # ------------------------------------------------------------------ one claim

    def settle_text(self, item: Item) -> Settlement:
        """One claim of the open batch; a claim on its own (``settle
        claim.json``) is a batch of one, committed by :meth:`flush`."""
        self.last = None
        if self._batch is None:
            self.begin([item])
        assert self._batch is not None
        claim = self._batch.claims.pop(item.position)
        self._batch.at = self._batch.order[item.position]
        if isinstance(claim, Exception):
            raise claim
        self.check(claim, item.source)
        product = self.settler.product_of(claim, item.source)
        with self.ledger.guard(_("cannot settle with the ledger")):
            # A claim's writes wait for the commit, after every check and read:
            # a claim that fails writes nothing.
            settlement, note = self._settle(claim, product, item.source)
        self._batch.notes.append(note)
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
        batch = self._batch
        assert batch is not None
        policy_ref = claim.policy.ref
        assert policy_ref is not None
        claim_id, product_id, payments = claim.claim_id, product.id, batch.payments
        # Every row is a line that paid (payments_of and _write keep no other).
        rows = {
            person.ref: [
                row
                for paid_by, row in payments[(policy_ref, person.ref)]
                if paid_by == product_id and row.claim_id != claim_id
            ]
            for person in claim.insured
        }
        current = batch.current[claim_id]
        attempts: list[dict[str, list[PaymentRow]]] = [rows]
        if current is not None:
            seq = current[2]
            before = {ref: [r for r in found if r.seq < seq] for ref, found in rows.items()}
            # A part of the same rows: another as soon as one is left out.
            if any(len(found) != len(rows[ref]) for ref, found in before.items()):
                attempts.insert(0, before)
        note = LedgerNote(self.ledger.name, "record" if self.record else "dry-run")
        event_id, trip = claim.event.id, claim.trip
        trip_dates = (trip.departure_date, trip.return_date)
        for found in attempts:
            used = {
                ref: [(row, _prior(row, event_id, trip_dates)) for row in lines]
                for ref, lines in found.items()
            }
            settlement = self._settle_with(claim, product, source, used)
            document = settlement_text(settlement)
            digest = sha256(document.encode("utf-8")).hexdigest()
            if current is not None and current[1] == digest:
                note.outcome = "unchanged"
                note.settlement_id = current[0]
                break
        self._last_inputs = (claim, product, source, used)
        period = claim_period(claim, product)
        note.prior_payments = self._used(period, used)
        if self.record and note.outcome is None:
            self._write(claim, settlement, period, document, digest, note)
        return settlement, note

    def settled_again(self) -> Settlement:
        """The last claim settled again on the same prior payments, nothing read
        or written: its texts in the language now set. The ledger keeps English
        documents (their hash tells a rerun); a letter in Italian is made from this."""
        assert self._last_inputs is not None
        return self._settle_with(*self._last_inputs)

    def _settle_with(self, claim: Claim, product: Any, source: str, used: _Priors) -> Settlement:
        # The engine counts a person's own prior payments, then these; own ones
        # are there only with add_prior (check refuses them otherwise).
        priors = [tuple(prior for _, prior in used[person.ref]) for person in claim.insured]
        return self.settler.settle_claim(claim, product, source, priors)

    @staticmethod
    def _used(period: tuple[Any, Any], priors: _Priors) -> list[PriorUsed]:
        """The ledger's payments the engine counts: of the policy period, or of
        the same trip or accident."""
        used = []
        for ref, found in priors.items():
            for row, prior in found:
                if prior.same_trip or prior.same_accident or in_period(period, prior.date):
                    used.append(
                        PriorUsed(
                            row.claim_id, ref, row.guarantee, row.amount, row.date.isoformat()
                        )
                    )
        return used

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
            "event_date": settlement.event_date,
            "trip_departure": claim.trip.departure_date.isoformat(),
            "trip_return": claim.trip.return_date.isoformat(),
            "period_start": start.isoformat(),
            "period_end": None if end is None else end.isoformat(),
            "origin": "settled",
            "status": "current",
            "content_sha256": digest,
            "document": document,
        }
        day = settlement.event_date
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
        batch = self._batch
        assert batch is not None
        claim_id = claim.claim_id
        old = batch.current[claim_id]
        provisional = _PROVISIONAL + batch.at
        batch.writes.append(_Write(provisional, row, None if old is None else old[0], payments))
        # The batch's view, as it will be after the commit: the claim's place is
        # its first settlement's; its earlier lines stop counting, its new ones count.
        seq = provisional if old is None else old[2]
        batch.current[claim_id] = (provisional, digest, seq)
        if old is not None:
            for key, found in batch.payments.items():
                if any(r.claim_id == claim_id for _, r in found):
                    batch.payments[key] = [(p, r) for p, r in found if r.claim_id != claim_id]
        for person in settlement.insured:
            found = batch.payments[(policy_ref, person.ref)]
            for line in person.lines:
                if line.paid > 0 and line.kind != "advance":
                    found.append(
                        (
                            settlement.product_id,
                            PaymentRow(
                                claim_id=claim_id,
                                seq=seq,
                                insured_ref=person.ref,
                                guarantee=line.guarantee,
                                kind=line.kind,
                                amount=line.paid,
                                date=claim.event.date,
                                event_id=claim.event.id,
                                trip_departure=claim.trip.departure_date,
                                trip_return=claim.trip.return_date,
                            ),
                        )
                    )
        note.settlement_id = provisional
        note.supersedes = None if old is None else old[0]
        note.outcome = "recorded"

    # ------------------------------------------------------------------ the batch

    def _in_workers(
        self, items: Sequence[Item], workers: Workers
    ) -> list[tuple[Item, Outcome, LedgerNote | None]]:
        """The open batch's claims settled in worker processes: claims that share
        an insured person or a claim id (a group) go to the same worker, in
        input order, with the batch's reads of their persons and claim ids, so
        each still sees the ones before it; groups share nothing, so they may
        go in parallel. This process then writes in input order (the ids follow
        the claims' places in the batch) and commits."""
        batch = self._batch
        assert batch is not None
        batch.whole_view = False  # the workers' writes stay in the workers
        groups = _groups(items, batch.claims, batch.earlier)
        per_task = -(-len(items) // workers.count)  # ceiling
        tasks: list[_Task] = []
        task: list[Item] = []
        for group in groups:
            task.extend(group)
            if len(task) >= per_task:
                tasks.append(self._task(task))
                task = []
        if task:
            tasks.append(self._task(task))
        found: dict[int, tuple[Outcome, LedgerNote | None]] = {}
        for done, writes in workers.run(tasks):
            batch.writes.extend(writes)
            for position, outcome, note in done:
                found[position] = (outcome, note)
                if note is not None:
                    batch.notes.append(note)
        batch.writes.sort(key=lambda w: w.provisional)
        return [(item, *found[item.position]) for item in items]

    def _task(self, items: list[Item]) -> _Task:
        """A worker's share of the batch: its claims (in input order, with their
        places in the batch) and what the batch read for them."""
        batch = self._batch
        assert batch is not None
        payments: dict[tuple[str, str], list[tuple[str, PaymentRow]]] = {}
        current: dict[str, tuple[int, str, int] | None] = {}
        for item in items:
            claim = batch.claims[item.position]
            if isinstance(claim, Claim):
                current[claim.claim_id] = batch.current[claim.claim_id]
                for key in batch.earlier.get(claim.claim_id, ()):
                    payments[key] = batch.payments[key]
                if claim.policy.ref is not None:
                    for person in claim.insured:
                        key = (claim.policy.ref, person.ref)
                        payments[key] = batch.payments[key]
        return (
            [tuple(item) for item in items],  # type: ignore[misc]
            [batch.order[item.position] for item in items],
            payments,
            current,
        )

    def flush(self) -> None:
        """Write what the open batch recorded and commit it (a dry run's
        transaction is only closed); its notes get their settlement ids."""
        batch = self._batch
        if batch is None:
            return
        ledger = self.ledger
        with ledger.guard(_("cannot commit to the ledger")):
            real: dict[int, int] = {}
            places: dict[str, int] = {}
            if batch.writes:
                ids = ledger.new_ids(len(batch.writes))
                real = {w.provisional: sid for w, sid in zip(batch.writes, ids, strict=True)}
                replaced = {w.old for w in batch.writes}
                rows: list[dict[str, object]] = []
                # When the batch is recorded: its commit, the same moment for its claims.
                recorded_at = now()
                superseded: list[int] = []
                supersedes: list[tuple[int, int]] = []
                payments: list[tuple[object, ...]] = []
                for w, sid in zip(batch.writes, ids, strict=True):
                    # Superseded in the same batch: written as it ends up.
                    status = "superseded" if w.provisional in replaced else "current"
                    rows.append({"id": sid, **w.row, "status": status, "recorded_at": recorded_at})
                    if w.old is not None:
                        if w.old < _PROVISIONAL:
                            superseded.append(w.old)
                        supersedes.append((sid, real.get(w.old, w.old)))
                    payments.extend((sid, *line) for line in w.payments)
                ledger.write_settlements(rows, superseded, supersedes, payments)
                if batch.version is not None and batch.whole_view:
                    # The places of the claims first recorded here, as payments_of
                    # gives them: a claim voided before keeps its first settlement's.
                    first = [str(w.row["claim_id"]) for w in batch.writes if w.old is None]
                    places = ledger.places(first)
            if self.record:
                ledger.commit()
            else:
                ledger.rollback()
        self._batch = None
        self._keep_view(batch, places)
        for note in batch.notes:
            if note.settlement_id is not None:
                note.settlement_id = real.get(note.settlement_id, note.settlement_id)
            if note.supersedes is not None:
                note.supersedes = real.get(note.supersedes, note.supersedes)

    def _keep_view(self, batch: _Batch, places: dict[str, int]) -> None:
        """After a recording batch's commit (SQLite): its persons' payments, as
        the ledger now holds them, kept for the batches after it; the claims it
        recorded get their real places (``places``, by claim id). Another
        writer's commit changes the data_version, a write through this
        connection its total_changes: the next batch then reads everything again."""
        view = self._view
        if batch.version is None or not batch.whole_view:
            view.clear()
            self._view_version = self._view_changes = None
            return
        if len(view) + len(batch.payments) > VIEW_PERSONS:
            view.clear()  # a bound on memory: persons read again when they come back
        for key, rows in batch.payments.items():
            # The batch is over: its lists are kept as they are (the next batch
            # copies them), but for the lines it wrote, placed anew.
            if any(row.seq >= _PROVISIONAL for _, row in rows):
                rows = [
                    (product_id, _placed(row, places) if row.seq >= _PROVISIONAL else row)
                    for product_id, row in rows
                ]
            view[key] = rows
        self._view_version = batch.version
        self._view_changes = self.ledger.total_changes()

    def abandon(self) -> None:
        """Roll back the open batch (the run is failing, or runs it again)."""
        self._view.clear()
        self._view_version = self._view_changes = None
        self._batch = None
        with self.ledger.guard(_("cannot roll back the ledger")):
            self.ledger.rollback()


#: A worker's share of a batch: items (as tuples), their places in the batch,
#: the batch's payments and current settlements for them.
_Task = tuple[
    list[tuple[int, str, str, str | None]],
    list[int],
    dict[tuple[str, str], list[tuple[str, PaymentRow]]],
    dict[str, tuple[int, str, int] | None],
]
#: What comes back: (position, outcome, note) per claim, and the writes.
_TaskResult = tuple[list[tuple[int, "Outcome", LedgerNote | None]], list[_Write]]


class Workers(Protocol):
    """The batch's worker processes (``--jobs``), each started with
    :func:`start_worker`: ``run`` settles tasks (:func:`settle_task`) in them,
    results in the order of the tasks."""

    count: int

    def run(self, tasks: list[_Task]) -> list[_TaskResult]: ...


class _Offline:
    """A worker's stand-in for the ledger: its name (for the notes); no database."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.postgres = False

    def guard(self, doing: str) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


_worker: tuple[LedgerSettler, Callable[..., Outcome], Format, bool] | None = None


def start_worker(
    name: str,
    product: str | None,
    rates: RateTable | None,
    record: bool,
    add_prior: bool,
    settle_one: Callable[..., Outcome],
    fmt: Format,
    steps: bool,
) -> None:
    """A worker process's start: a settler without a database (the batch's
    reads come with each task) and the batch's ``settle_one``."""
    import signal

    from claimcalc.settling.settler import Settler

    global _worker
    # Ctrl-C is the parent's to handle (claimcalc.batch.ignore_interrupts: a
    # layer above, hence not imported).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    offline: Any = _Offline(name)
    settler = Settler(product, rates, steps)
    _worker = (LedgerSettler(offline, settler, record, add_prior), settle_one, fmt, steps)


def settle_task(task: _Task) -> _TaskResult:
    """In a worker: settle a task's claims in input order, against the batch's
    reads and what the task's earlier claims record."""
    from claimcalc.claim.sources import Item

    assert _worker is not None
    ledger, settle_one, fmt, steps = _worker
    fields, order, payments, current = task
    batch = _Batch(payments=payments, current=current)
    items = [Item(*f) for f in fields]
    for item, index in zip(items, order, strict=True):
        batch.order[item.position] = index
        try:
            batch.claims[item.position] = ledger.settler.parse(item)
        except Exception as exc:  # the claim's outcome, at its turn
            batch.claims[item.position] = exc
    ledger._batch = batch
    done: list[tuple[int, Outcome, LedgerNote | None]] = []
    for item in items:
        outcome = settle_one(ledger, item, fmt, steps)
        outcome.settlement = None  # only the record travels back
        done.append((item.position, outcome, ledger.last))
    ledger._batch = None
    return done, batch.writes


def _groups(
    items: Sequence[Item],
    claims: dict[int, Claim | Exception],
    earlier: dict[str, set[tuple[str, str]]],
) -> list[list[Item]]:
    """The items in groups that share no insured person (of the claim, or of its
    current settlement) and no claim id (each in input order; groups in the
    order of their first item)."""
    parent: dict[object, object] = {}

    def root(key: object) -> object:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    keys: dict[int, object] = {}
    for item in items:
        claim = claims[item.position]
        if not isinstance(claim, Claim):
            keys[item.position] = ("item", item.position)
            continue
        first: object = ("claim", claim.claim_id)
        pairs = set(earlier.get(claim.claim_id, ()))
        if claim.policy.ref is not None:
            pairs.update((claim.policy.ref, person.ref) for person in claim.insured)
        for pair in pairs:
            a, b = root(first), root(pair)
            if a != b:
                parent[b] = a
        keys[item.position] = first
    groups: dict[object, list[Item]] = {}
    for item in items:
        groups.setdefault(root(keys[item.position]), []).append(item)
    return list(groups.values())


def _placed(row: PaymentRow, places: dict[str, int]) -> PaymentRow:
    """A line written by the batch just committed, with its claim's real place."""
    return PaymentRow(
        row.claim_id,
        places[row.claim_id],
        row.insured_ref,
        row.guarantee,
        row.kind,
        row.amount,
        row.date,
        row.event_id,
        row.trip_departure,
        row.trip_return,
    )


def _prior(
    row: PaymentRow, event_id: str | None, trip_dates: tuple[dt.date, dt.date]
) -> PriorPayment:
    """A ledger line as a prior payment of the claim whose event and trip these are."""
    return PriorPayment(
        guarantee=row.guarantee,
        amount=row.amount,
        date=row.date,
        same_accident=event_id is not None and row.event_id == event_id,
        same_trip=(row.trip_departure, row.trip_return) == trip_dates,
        claim_id=row.claim_id,
    )
