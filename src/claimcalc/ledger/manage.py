"""Reading and keeping the ledger: history, export, void, import, purge.

Nothing here deletes a settlement but :func:`purge`, the retention rule
(privacy notices: data kept no longer than needed). A void is a reversal
appended to the ledger; an import is one transaction, whole or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from claimcalc.errors import ClaimcalcError, ExitCode, FileAccessError, UsageError
from claimcalc.i18n import _
from claimcalc.jsonio import dumps, loads
from claimcalc.ledger.store import (
    Ledger,
    claim_lock_key,
    from_cents,
    lock_key,
    now,
    to_cents,
)

#: The columns ``history`` and the CSV export show, one row per settlement line.
HISTORY_COLUMNS = (
    "settlement_id",
    "claim_id",
    "status",
    "origin",
    "recorded_at",
    "policy_ref",
    "insured_ref",
    "product_id",
    "edition",
    "level",
    "period_start",
    "period_end",
    "line_id",
    "guarantee",
    "kind",
    "amount",
    "date",
    "void_reason",
)

_HISTORY_SQL = (
    "SELECT s.id, s.claim_id, s.status, s.origin, s.recorded_at, s.policy_ref, p.insured_ref, "
    "s.product_id, s.edition, s.level, s.period_start, s.period_end, p.line_id, p.guarantee, "
    "p.kind, p.amount_cents, p.date, (SELECT MAX(v.reason) FROM ledger_voids v "
    "WHERE v.settlement_id = s.id) FROM ledger_settlements s "
    "JOIN ledger_payments p ON p.settlement_id = s.id"
)


def history(
    ledger: Ledger,
    policy: str | None = None,
    insured: str | None = None,
    on: dt.date | None = None,
    current_only: bool = False,
) -> list[dict[str, Any]]:
    """Settlement lines, oldest first: of a policy, an insured person, the policy
    period that contains the day ``on``; superseded and voided ones included
    unless ``current_only``."""
    where: list[str] = []
    params: list[object] = []
    if policy is not None:
        where.append("s.policy_ref = ?")
        params.append(policy)
    if insured is not None:
        where.append("p.insured_ref = ?")
        params.append(insured)
    if on is not None:
        where.append("s.period_start <= ? AND (s.period_end IS NULL OR s.period_end >= ?)")
        params += [on.isoformat(), on.isoformat()]
    if current_only:
        where.append("s.status = 'current'")
    sql = _HISTORY_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.id, p.id"
    with ledger.guard(_("cannot read the ledger")):
        found = ledger.rows(sql, params)
    out = []
    for row in found:
        entry = dict(zip(HISTORY_COLUMNS, row, strict=True))
        entry["amount"] = str(from_cents(int(entry["amount"])))
        entry["settlement_id"] = int(entry["settlement_id"])
        out.append(entry)
    return out


def export_settlements(ledger: Ledger) -> Iterator[dict[str, Any]]:
    """Every settlement, oldest first, whole: its row, its document, its lines, its void."""
    with ledger.guard(_("cannot read the ledger")):
        columns = [
            "id",
            "claim_id",
            "status",
            "origin",
            "superseded_by",
            "recorded_at",
            "policy_ref",
            "product_id",
            "edition",
            "level",
            "product_sha256",
            "claimcalc_version",
            "event_id",
            "event_date",
            "trip_departure",
            "trip_return",
            "period_start",
            "period_end",
            "content_sha256",
            "document",
        ]
        settlements = ledger.rows(
            f"SELECT {', '.join(columns)} FROM ledger_settlements ORDER BY id"
        )
        lines: dict[int, list[dict[str, Any]]] = {}
        for sid, insured, line_id, guarantee, kind, cents, day in ledger.rows(
            "SELECT settlement_id, insured_ref, line_id, guarantee, kind, amount_cents, date "
            "FROM ledger_payments ORDER BY id"
        ):
            lines.setdefault(int(sid), []).append(
                {
                    "insured_ref": insured,
                    "line_id": line_id,
                    "guarantee": guarantee,
                    "kind": kind,
                    "amount": str(from_cents(int(cents))),
                    "date": day,
                }
            )
        voids = {
            int(sid): {"reason": reason, "recorded_at": at}
            for sid, reason, at in ledger.rows(
                "SELECT settlement_id, reason, recorded_at FROM ledger_voids ORDER BY id"
            )
        }
    for row in settlements:
        entry = dict(zip(columns, row, strict=True))
        entry["document"] = loads(entry["document"])
        entry["lines"] = lines.get(int(entry["id"]), [])
        entry["void"] = voids.get(int(entry["id"]))
        yield entry


def void(ledger: Ledger, claim_id: str, reason: str) -> int:
    """Void a claim's current settlement: it no longer counts towards limits.
    Appended, never deleted: the settlement is marked void and the reversal
    recorded with its reason. Returns the settlement's id."""
    if not reason.strip():
        raise UsageError(_("--reason: say why the settlement is voided"))
    with ledger.transaction(write=True, doing=_("cannot void in the ledger")):
        # The claim's own lock first, as a batch settling it holds it to its commit:
        # the settlement read next is the current one, and stays so.
        ledger.lock([claim_lock_key(claim_id)])
        found = ledger.rows(
            "SELECT id, policy_ref FROM ledger_settlements "
            "WHERE claim_id = ? AND status = 'current'",
            (claim_id,),
        )
        if not found:
            raise UsageError(
                _("{ledger}: {claim_id}: no current settlement to void").format(
                    ledger=ledger.name, claim_id=claim_id
                )
            )
        sid, policy_ref = int(found[0][0]), str(found[0][1])
        insureds = ledger.rows(
            "SELECT DISTINCT insured_ref FROM ledger_payments WHERE settlement_id = ?", (sid,)
        )
        ledger.lock([lock_key(policy_ref, insured) for (insured,) in insureds])
        ledger.execute("UPDATE ledger_settlements SET status = 'void' WHERE id = ?", (sid,))
        ledger.execute(
            "INSERT INTO ledger_voids (settlement_id, claim_id, reason, recorded_at) "
            "VALUES (?, ?, ?, ?)",
            (sid, claim_id, reason.strip(), now()),
        )
    return sid


@dataclass(frozen=True, slots=True)
class PurgeResult:
    settlements: int
    lines: int


def purge(ledger: Ledger, before: dt.date) -> PurgeResult:
    """Delete the settlements of policy periods that ended before ``before`` (an
    open-ended period: of events before it), with their lines and voids: a
    period still open keeps its history, which its limits need."""
    day = before.isoformat()
    with ledger.transaction(write=True, doing=_("cannot purge the ledger")):
        ledger.lock_whole()
        ids = [
            int(r[0])
            for r in ledger.rows(
                "SELECT id FROM ledger_settlements WHERE (period_end IS NOT NULL AND "
                "period_end < ?) OR (period_end IS NULL AND event_date < ?)",
                (day, day),
            )
        ]
        lines = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            lines += int(
                ledger.rows(
                    f"SELECT COUNT(*) FROM ledger_payments WHERE settlement_id IN ({marks})", chunk
                )[0][0]
            )
            ledger.execute(
                f"UPDATE ledger_settlements SET superseded_by = NULL "
                f"WHERE superseded_by IN ({marks})",
                chunk,
            )
            ledger.execute(f"DELETE FROM ledger_voids WHERE settlement_id IN ({marks})", chunk)
            ledger.execute(f"DELETE FROM ledger_payments WHERE settlement_id IN ({marks})", chunk)
            ledger.execute(f"DELETE FROM ledger_settlements WHERE id IN ({marks})", chunk)
    return PurgeResult(len(ids), lines)


# --------------------------------------------------------------------------- import

#: The columns of an import file: (name, required, meaning). docs/ledger.md prints them.
IMPORT_COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("claim_id", True, "the claim that paid (its rows form one settlement)"),
    ("policy_ref", True, "the policy's pseudonymous number"),
    ("insured_ref", True, "the insured person's pseudonymous reference"),
    ("product", True, "the product id, e.g. imaway"),
    ("guarantee", True, "the guarantee code, e.g. E.baggage"),
    ("amount", True, "what was paid, EUR, at most 2 decimal places, e.g. 350.00"),
    (
        "date",
        True,
        "the date of the event paid for, YYYY-MM-DD: it places the payment in its period",
    ),
    ("event_id", False, "the event's id: a death of the same event is paid less this"),
    ("trip_departure", False, "the trip's departure date: with trip_return, the same trip"),
    ("trip_return", False, "the trip's return date"),
    ("period_start", False, "the policy period's first day (default: date)"),
    ("period_end", False, "the policy period's last day (default: open)"),
)

_REF = re.compile(r"^[A-Za-z0-9._:/-]{1,64}$")
_REQUIRED = [name for name, required, _ in IMPORT_COLUMNS if required]
_KNOWN = {name for name, _, _ in IMPORT_COLUMNS}


class LedgerImportError(ClaimcalcError):
    """An import file with bad rows: every problem, one line each, ``file:line: …``;
    nothing is imported. Exit 3, as an invalid claim."""

    exit_code = ExitCode.INVALID_CLAIM

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    unchanged: int
    lines: int


def import_csv(ledger: Ledger, path: Path) -> ImportResult:
    """Import prior payments from a CSV file (:data:`IMPORT_COLUMNS`, a header
    line first). Every bad row is reported with its line; one bad row and
    nothing is imported. A claim already imported with the same rows is left
    as it is (an import run twice imports nothing twice); a claim already in
    the ledger otherwise is a bad row."""
    claims, problems = _read_import(path)
    imported = unchanged = lines = 0
    with ledger.transaction(write=True, doing=_("cannot import into the ledger")):
        # An import is rare and may touch many persons: it holds the whole ledger
        # (PostgreSQL; SQLite's BEGIN IMMEDIATE already does), before any read.
        ledger.lock_whole()
        for claim_id, (first_line, rows) in claims.items():
            document = dumps({"claim_id": claim_id, "origin": "imported", "lines": rows})
            digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
            current = ledger.current(claim_id)
            if current is not None:
                if current[1] == digest:
                    unchanged += 1
                else:
                    problems.append(
                        _(
                            "{path}:{line}: claim_id: {claim_id} is already in the ledger "
                            "(settlement {settlement}); void it first to replace it"
                        ).format(
                            path=path, line=first_line, claim_id=claim_id, settlement=current[0]
                        )
                    )
                continue
            if problems:
                continue  # nothing will be written: only look for more problems
            head = rows[0]
            row: dict[str, object] = {
                "claim_id": claim_id,
                "policy_ref": head["policy_ref"],
                "product_id": head["product"],
                "edition": "",
                "level": "",
                "product_sha256": "",
                "claimcalc_version": _version(),
                "event_id": head["event_id"] or None,
                "event_date": head["date"],
                "trip_departure": head["trip_departure"] or None,
                "trip_return": head["trip_return"] or None,
                "period_start": head["period_start"] or head["date"],
                "period_end": head["period_end"] or None,
                "origin": "imported",
                "status": "current",
                "content_sha256": digest,
                "document": document,
                "recorded_at": now(),
            }
            payments = [
                (
                    r["policy_ref"],
                    r["insured_ref"],
                    str(i + 1),
                    r["guarantee"],
                    "cash",
                    to_cents(Decimal(r["amount"])),
                    r["date"],
                )
                for i, r in enumerate(rows)
            ]
            ledger.add_settlement(row, payments)
            imported += 1
            lines += len(rows)
        if problems:
            raise LedgerImportError(problems)
    return ImportResult(imported, unchanged, lines)


def _version() -> str:
    from claimcalc import __version__

    return __version__


def _read_import(path: Path) -> tuple[dict[str, tuple[int, list[dict[str, str]]]], list[str]]:
    """The file's rows by claim id (with the line of its first row), and its problems."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FileAccessError(
            _("{path}: cannot read import file: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    except UnicodeDecodeError:
        raise LedgerImportError([_("{path}:1: not UTF-8 text").format(path=path)]) from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    problems: list[str] = []
    unknown = [name for name in header if name not in _KNOWN]
    missing = [name for name in _REQUIRED if name not in header]
    if unknown:
        problems.append(
            _(
                "{path}:1: unknown columns {unknown} (personal data has no place here); "
                "the columns are {columns}"
            ).format(
                path=path,
                unknown=", ".join(unknown),
                columns=", ".join(n for n, _required, _meaning in IMPORT_COLUMNS),
            )
        )
    if missing:
        problems.append(
            _("{path}:1: missing columns {missing}").format(path=path, missing=", ".join(missing))
        )
    if problems:
        raise LedgerImportError(problems)
    claims: dict[str, tuple[int, list[dict[str, str]]]] = {}
    products: dict[str, Any] = {}
    for record in reader:
        line = reader.line_num
        row = {name: (record.get(name) or "").strip() for name in _KNOWN}
        if None in record:  # more cells than columns
            problems.append(
                _("{path}:{line}: more cells than the header's columns").format(
                    path=path, line=line
                )
            )
            continue
        bad = _row_problems(row, products)
        problems += [f"{path}:{line}: {field}: {message}" for field, message in bad]
        if bad:
            continue
        claim_id = row["claim_id"]
        first, rows = claims.setdefault(claim_id, (line, []))
        head = rows[0] if rows else row
        for name in ("policy_ref", "product", "event_id", "period_start", "period_end"):
            if row[name] != head[name]:
                problems.append(
                    _(
                        "{path}:{line}: {name}: {value!r} differs from the claim's first "
                        "row (line {first}): {first_value!r}"
                    ).format(
                        path=path,
                        line=line,
                        name=name,
                        value=row[name],
                        first=first,
                        first_value=head[name],
                    )
                )
                break
        else:
            rows.append(row)
    if not claims and not problems:
        problems.append(_("{path}:1: no rows to import").format(path=path))
    return claims, problems


def _row_problems(row: dict[str, str], products: dict[str, Any]) -> list[tuple[str, str]]:
    bad: list[tuple[str, str]] = []
    for name in ("claim_id", "policy_ref", "insured_ref"):
        if not _REF.match(row[name]):
            bad.append((name, _("letters, digits and . _ : / - only, 1 to 64 of them")))
    if row["event_id"] and not _REF.match(row["event_id"]):
        bad.append(("event_id", _("letters, digits and . _ : / - only, 1 to 64 of them")))
    try:
        amount = Decimal(row["amount"])
        if not amount.is_finite() or amount < 0 or amount > 10**12:
            bad.append(
                (
                    "amount",
                    _("must be 0 to 1,000,000,000,000 EUR, got {got!r}").format(got=row["amount"]),
                )
            )
        elif amount != amount.quantize(Decimal("0.01")):
            bad.append(
                ("amount", _("at most 2 decimal places, got {got!r}").format(got=row["amount"]))
            )
    except InvalidOperation:
        bad.append(
            (
                "amount",
                _("expected a decimal number such as 350.00, got {got!r}").format(
                    got=row["amount"]
                ),
            )
        )
    for name in ("date", "trip_departure", "trip_return", "period_start", "period_end"):
        if name != "date" and not row[name]:
            continue
        try:
            dt.date.fromisoformat(row[name])
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[name]):
                raise ValueError
        except ValueError:
            bad.append((name, _("expected a date YYYY-MM-DD, got {got!r}").format(got=row[name])))
    if bool(row["trip_departure"]) != bool(row["trip_return"]):
        bad.append(("trip_return", _("trip_departure and trip_return go together")))
    product = _product(row["product"], products)
    if product is None:
        bad.append(
            ("product", _("no product {product!r} in the catalog").format(product=row["product"]))
        )
    elif row["guarantee"] not in {g.code for _, g in product.guarantees()}:
        bad.append(
            (
                "guarantee",
                _("{product} has no guarantee {guarantee!r}").format(
                    product=product.id, guarantee=row["guarantee"]
                ),
            )
        )
    return bad


def _product(ref: str, products: dict[str, Any]) -> Any:
    if ref not in products:
        from claimcalc.errors import ProductError
        from claimcalc.product.catalog import load_rulebook

        try:
            products[ref] = load_rulebook(ref, allow_path=False) if _REF.match(ref) else None
        except ProductError:
            products[ref] = None
    return products[ref]
