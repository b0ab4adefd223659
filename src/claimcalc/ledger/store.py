"""The ledger's database: opening it, migrating it, transactions, and the rows.

Two databases, one schema (:mod:`claimcalc.ledger.schema`): SQLite (a file,
the default) and PostgreSQL (``postgresql://…``, with the ``postgres``
extra: psycopg 3). SQL is written once with ``?`` parameters; PostgreSQL's
``%s`` is substituted when a statement is first run.

Every failure of the database is a :class:`LedgerError`: one line naming the
ledger, exit code 5, as a file that cannot be read or written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from claimcalc.errors import FileAccessError
from claimcalc.i18n import _
from claimcalc.ledger.schema import ID_COLUMN, MIGRATIONS, MIGRATIONS_TABLE, VERSION

#: The environment variable naming the default ledger (``--ledger`` wins).
LEDGER_ENV = "CLAIMCALC_LEDGER"

#: How long a writer waits for another's lock before giving up (seconds).
LOCK_TIMEOUT = 120

CENTS = Decimal(100)

#: Values in one ``IN (…)`` list (SQLite allows 32,766 parameters a statement).
IN_LIST = 500


class LedgerError(FileAccessError):
    """The ledger cannot be opened, read or written: exit 5."""


class LedgerConflict(LedgerError):
    """PostgreSQL gave up a transaction that another one was in the way of (a
    deadlock, a serialization failure): rolled back, it can be run again."""


#: PostgreSQL's SQLSTATEs of a transaction that may simply be run again:
#: serialization_failure, deadlock_detected.
RETRYABLE = frozenset({"40001", "40P01"})


def to_cents(amount: Decimal) -> int:
    """An amount in euro, exact to the cent, as integer cents; anything finer is a bug."""
    cents = amount * CENTS
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents as an amount in euro with two places: ``12345`` → ``Decimal("123.45")``."""
    return Decimal(cents).scaleb(-2)


def now() -> str:
    """The recording time: UTC, ISO 8601, to the microsecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def display_name(target: str) -> str:
    """The ledger as error lines name it: a file path, or a URL without its password."""
    return re.sub(r"^(postgres(?:ql)?://[^:/@]*):[^@]*@", r"\1@", target)


def is_postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """One line of a current settlement: what the ledger tells the engine."""

    claim_id: str
    #: The claim's place in the ledger: the id of its first settlement recorded.
    seq: int
    insured_ref: str
    guarantee: str
    kind: str
    amount: Decimal
    date: dt.date
    event_id: str | None
    trip_departure: dt.date | None
    trip_return: dt.date | None


class Ledger:
    """An open ledger. Statements run outside a transaction unless one is begun
    (:meth:`begin`, :meth:`transaction`); writers begin with ``write=True``:
    SQLite's ``BEGIN IMMEDIATE`` (one writer at a time, the others wait),
    PostgreSQL's ``BEGIN`` plus advisory locks on the persons and claims it
    writes (:meth:`lock`)."""

    def __init__(self, target: str, create: bool = True) -> None:
        self.target = target
        self.name = display_name(target)
        self.dialect = "postgresql" if is_postgres(target) else "sqlite"
        self.in_transaction = False
        self._sql: dict[str, str] = {}
        self._conn: Any = (
            self._connect_postgres() if self.postgres else self._connect_sqlite(create)
        )
        with self.guard(_("cannot migrate the ledger")):
            self.migrate()

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    # ------------------------------------------------------------------ connecting

    def _connect_sqlite(self, create: bool) -> Any:
        import sqlite3

        path = Path(self.target)
        if not create and not path.is_file():
            raise LedgerError(
                _("{ledger}: cannot open ledger: no such file").format(ledger=self.name)
            )
        if path.is_dir():
            raise LedgerError(
                _("{ledger}: cannot open ledger: it is a directory").format(ledger=self.name)
            )
        try:
            conn = sqlite3.connect(
                self.target, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            # WAL: readers never wait for the writer; a process killed at any
            # moment leaves the last committed transaction whole. FULL: a
            # commit is on disk before it returns (power loss included).
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise LedgerError(
                _("{ledger}: cannot open ledger: {reason}").format(ledger=self.name, reason=exc)
            ) from None
        return conn

    def _connect_postgres(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise LedgerError(
                _(
                    "{ledger}: cannot open ledger: PostgreSQL needs the postgres extra "
                    "(pip install 'claimcalc[postgres]')"
                ).format(ledger=self.name)
            ) from None
        try:
            return psycopg.connect(self.target, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split())
            raise LedgerError(
                _("{ledger}: cannot open ledger: {reason}").format(ledger=self.name, reason=reason)
            ) from None

    def close(self) -> None:
        try:
            if self.in_transaction:
                self.rollback()
        finally:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ statements

    def _errors(self) -> tuple[type[BaseException], ...]:
        import sqlite3

        if not self.postgres:
            return (sqlite3.Error,)
        import psycopg

        return (psycopg.Error, sqlite3.Error)

    @contextmanager
    def guard(self, doing: str) -> Iterator[None]:
        """Database errors inside, as one line naming the ledger (exit 5)."""
        try:
            yield
        except self._errors() as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            error = LedgerConflict if getattr(exc, "sqlstate", None) in RETRYABLE else LedgerError
            raise error(f"{self.name}: {doing}: {reason}") from None

    def _text(self, sql: str) -> str:
        text = self._sql.get(sql)
        if text is None:
            text = sql.replace("{id}", ID_COLUMN[self.dialect])
            if self.postgres:
                text = text.replace("?", "%s")
            self._sql[sql] = text
        return text

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self._conn.execute(self._text(sql), tuple(params))

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(sql, params).fetchall())

    def executemany(self, sql: str, params: Sequence[Sequence[object]]) -> None:
        if not params:
            return
        if self.postgres:
            with self._conn.cursor() as cursor:
                cursor.executemany(self._text(sql), params)
        else:
            self._conn.executemany(self._text(sql), params)

    def insert(self, sql: str, params: Sequence[object]) -> int:
        """An INSERT of one row; its id."""
        row = self.execute(sql + " RETURNING id", params).fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ transactions

    def begin(self, write: bool) -> None:
        assert not self.in_transaction
        if self.postgres:
            self.execute("BEGIN")
        else:
            self.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        self.in_transaction = True

    def data_version(self) -> int | None:
        """SQLite: a number that changes when another connection (another process,
        or another ledger of this one) commits to the database, and only then;
        read inside a ``BEGIN IMMEDIATE`` transaction, it covers every commit
        before it. None on PostgreSQL, which has no such number."""
        if self.postgres:
            return None
        return int(self.execute("PRAGMA data_version").fetchone()[0])

    def total_changes(self) -> int | None:
        """SQLite: the rows this connection has inserted, updated or deleted since
        it opened (rolled back or not): what :meth:`data_version` does not see, a
        write through this same connection (another settler or ``void`` given this
        ledger). None on PostgreSQL."""
        if self.postgres:
            return None
        return int(self._conn.total_changes)

    def commit(self) -> None:
        if self.in_transaction:
            self.in_transaction = False
            self.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.in_transaction = False
            if self.postgres and self._busy():
                # A query interrupted mid-way (Ctrl-C between sending it and
                # reading its result) leaves a command in progress: no ROLLBACK
                # can be sent ("another command is already in progress"), and
                # the run would end on that, not on the interrupt. Closed, the
                # connection's transaction, never committed, is rolled back by
                # the server.
                self._conn.close()
                return
            self.execute("ROLLBACK")

    def _busy(self) -> bool:
        """PostgreSQL: whether the connection has a command in progress."""
        import psycopg

        return bool(self._conn.info.transaction_status == psycopg.pq.TransactionStatus.ACTIVE)

    @contextmanager
    def transaction(self, write: bool, doing: str) -> Iterator[None]:
        """One transaction: committed whole, or rolled back whole."""
        with self.guard(doing):
            self.begin(write)
            try:
                yield
            except BaseException:
                self.rollback()
                raise
            self.commit()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: this part whole or not at all."""
        self.execute("SAVEPOINT claim")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK TO SAVEPOINT claim")
            self.execute("RELEASE SAVEPOINT claim")
            raise
        self.execute("RELEASE SAVEPOINT claim")

    # ------------------------------------------------------------------ migrations

    def migrate(self) -> None:
        """Bring the schema to :data:`VERSION`, one migration per transaction."""
        if not self.postgres and self.version() == VERSION:
            return  # the common case: no write lock taken
        self.begin(write=True)
        try:
            if self.postgres:
                # Two processes opening a new ledger: one migrates, the other waits.
                self.execute("SELECT pg_advisory_xact_lock(1701)")
            self.execute(MIGRATIONS_TABLE)
            current = self.version()
            if current > VERSION:
                raise LedgerError(
                    _(
                        "{ledger}: ledger schema version {current} is newer than this "
                        "claimcalc reads ({version}): upgrade claimcalc"
                    ).format(ledger=self.name, current=current, version=VERSION)
                )
            for version, name, statements in MIGRATIONS:
                if version <= current:
                    continue
                for statement in statements:
                    self.execute(statement)
                self.execute(
                    "INSERT INTO ledger_migrations (version, summary, applied_at) VALUES (?, ?, ?)",
                    (version, name, now()),
                )
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def version(self) -> int:
        if not self.postgres:
            found = self.rows(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_migrations'"
            )
        else:
            found = self.rows("SELECT to_regclass('ledger_migrations') IS NOT NULL")
            found = found if found and found[0][0] else []
        if not found:
            return 0
        row = self.rows("SELECT MAX(version) FROM ledger_migrations")
        return int(row[0][0] or 0)

    # ------------------------------------------------------------------ settlements

    def lock_whole(self) -> None:
        """PostgreSQL: the whole ledger, for this transaction (an import, a purge)."""
        if self.postgres:
            self.execute("SELECT pg_advisory_xact_lock(?)", (WHOLE_LEDGER,))

    def lock(self, keys: Sequence[int]) -> None:
        """PostgreSQL: transaction-scoped advisory locks on ``keys``, taken in
        ascending order in one round trip (a pipeline runs them in order), held
        to the commit or rollback. Two transactions that take theirs in
        ascending order never wait on each other in a cycle. A lock writes
        nothing, so a transaction that records nothing (a rerun) commits
        without a disk flush; two keys that collide merely wait for each other.
        Beside them, :data:`WHOLE_LEDGER` shared; more than :data:`MAX_LOCKS`
        keys: that one alone, exclusive (docs/ledger.md, "Concurrency")."""
        if self.postgres and keys:
            wanted = sorted(set(keys))
            if len(wanted) > MAX_LOCKS:
                # PostgreSQL's lock table is one for the whole server (about
                # max_locks_per_transaction × max_connections entries): a batch of
                # many persons takes the ledger whole instead, and waits for the
                # writers that hold a part of it.
                self.lock_whole()
                return
            self.execute("SELECT pg_advisory_xact_lock_shared(?)", (WHOLE_LEDGER,))
            self.executemany("SELECT pg_advisory_xact_lock(?)", [(key,) for key in wanted])

    def payments_of(
        self, policy_ref: str, insured_refs: Sequence[str]
    ) -> dict[str, list[tuple[str, PaymentRow]]]:
        """The lines that paid (advances aside: they are repaid) of the current
        settlements of several insured persons of one policy, every product and
        claim, in few statements: each person's ``(product id, line)`` pairs, in
        the order recorded (a person without any: ``[]``)."""
        found: dict[str, list[tuple[str, PaymentRow]]] = {ref: [] for ref in insured_refs}
        refs = list(found)
        # The claim's place, MIN(f.id + 0): "+ 0" keeps PostgreSQL from answering
        # MIN(id) by walking the primary key until a row of the claim turns up
        # (its plan while its statistics do not know the table yet: a scan per
        # line read, 0.3 s a batch); it takes the claim_id index instead.
        for start in range(0, len(refs), IN_LIST):
            part = refs[start : start + IN_LIST]
            marks = ", ".join("?" for _ in part)
            rows = self.rows(
                "SELECT p.insured_ref, s.product_id, s.claim_id, (SELECT MIN(f.id + 0) FROM "
                "ledger_settlements f WHERE f.claim_id = s.claim_id), p.guarantee, p.kind, "
                "p.amount_cents, p.date, s.event_id, s.trip_departure, s.trip_return "
                "FROM ledger_payments p JOIN ledger_settlements s ON s.id = p.settlement_id "
                f"WHERE p.policy_ref = ? AND p.insured_ref IN ({marks}) AND p.amount_cents > 0 "
                "AND p.kind <> 'advance' AND s.status = 'current' ORDER BY s.id, p.id",
                (policy_ref, *part),
            )
            for ref, product, claim_id, seq, guarantee, kind, cents, day, event, dep, ret in rows:
                row = PaymentRow(
                    claim_id=claim_id,
                    seq=int(seq),
                    insured_ref=ref,
                    guarantee=guarantee,
                    kind=kind,
                    amount=from_cents(int(cents)),
                    date=dt.date.fromisoformat(day),
                    event_id=event,
                    trip_departure=_date(dep),
                    trip_return=_date(ret),
                )
                found[ref].append((product, row))
        return found

    def currents(self, claim_ids: Sequence[str]) -> dict[str, tuple[int, str, int]]:
        """:meth:`current` of several claim ids, in few statements (a claim id
        without a current settlement is absent)."""
        found: dict[str, tuple[int, str, int]] = {}
        ids = list(dict.fromkeys(claim_ids))
        for start in range(0, len(ids), IN_LIST):
            part = ids[start : start + IN_LIST]
            marks = ", ".join("?" for _ in part)
            for claim_id, sid, digest, seq in self.rows(
                "SELECT claim_id, id, content_sha256, (SELECT MIN(f.id + 0) FROM "
                "ledger_settlements f WHERE f.claim_id = s.claim_id) FROM ledger_settlements s "
                f"WHERE claim_id IN ({marks}) AND status = 'current'",
                part,
            ):
                found[str(claim_id)] = (int(sid), str(digest), int(seq))
        return found

    def places(self, claim_ids: Sequence[str]) -> dict[str, int]:
        """Each claim id's place in the ledger: the id of its first settlement,
        whatever its status (a claim voided, then settled again, keeps the place
        of its first settlement); a claim id never recorded is absent."""
        found: dict[str, int] = {}
        ids = list(dict.fromkeys(claim_ids))
        for start in range(0, len(ids), IN_LIST):
            part = ids[start : start + IN_LIST]
            marks = ", ".join("?" for _ in part)
            for claim_id, seq in self.rows(
                "SELECT claim_id, MIN(id) FROM ledger_settlements "
                f"WHERE claim_id IN ({marks}) GROUP BY claim_id",
                part,
            ):
                found[str(claim_id)] = int(seq)
        return found

    def persons_of(self, claim_ids: Sequence[str]) -> dict[str, set[tuple[str, str]]]:
        """The (policy, insured) pairs of the current settlements of claim ids:
        the persons whose payments change when a claim id is settled anew."""
        found: dict[str, set[tuple[str, str]]] = {}
        ids = list(dict.fromkeys(claim_ids))
        for start in range(0, len(ids), IN_LIST):
            part = ids[start : start + IN_LIST]
            marks = ", ".join("?" for _ in part)
            for claim_id, policy_ref, insured_ref in self.rows(
                "SELECT DISTINCT s.claim_id, p.policy_ref, p.insured_ref FROM ledger_settlements s "
                "JOIN ledger_payments p ON p.settlement_id = s.id "
                f"WHERE s.claim_id IN ({marks}) AND s.status = 'current'",
                part,
            ):
                found.setdefault(str(claim_id), set()).add((str(policy_ref), str(insured_ref)))
        return found

    def new_ids(self, count: int) -> list[int]:
        """``count`` new settlement ids, ascending, above every id recorded so
        far, inside a write transaction: SQLite's write lock keeps them free
        to the commit; PostgreSQL takes them from the id's sequence (no other
        transaction is given them, committed or not)."""
        if count <= 0:
            return []
        if self.postgres:
            rows = self.rows(
                "SELECT nextval(pg_get_serial_sequence('ledger_settlements', 'id')) "
                "FROM generate_series(1, ?)",
                (count,),
            )
            return sorted(int(r[0]) for r in rows)
        top = int(self.rows("SELECT COALESCE(MAX(id), 0) FROM ledger_settlements")[0][0])
        return list(range(top + 1, top + 1 + count))

    def write_settlements(
        self,
        rows: list[dict[str, object]],
        superseded: list[int],
        supersedes: list[tuple[int, int]],
        payments: list[tuple[object, ...]],
    ) -> None:
        """A batch's writes, inside its write transaction, in four statements
        (each one ``executemany``): the settlements ``superseded`` leave
        ``current`` (first: one current settlement per claim id), the new
        ``rows`` (their ``id`` given, from :meth:`new_ids`), each ``(new,
        old)`` of ``supersedes`` links the old to the new, then the lines
        ``(settlement_id, policy_ref, insured_ref, line_id, guarantee, kind,
        amount_cents, date)``."""
        self.executemany(
            "UPDATE ledger_settlements SET status = 'superseded' WHERE id = ?",
            [(sid,) for sid in superseded],
        )
        if rows:
            columns = ", ".join(rows[0])
            marks = ", ".join("?" for _ in rows[0])
            # PostgreSQL's identity column takes a given id only when told to.
            override = " OVERRIDING SYSTEM VALUE" if self.postgres else ""
            self.executemany(
                f"INSERT INTO ledger_settlements ({columns}){override} VALUES ({marks})",
                [list(row.values()) for row in rows],
            )
        self.executemany("UPDATE ledger_settlements SET superseded_by = ? WHERE id = ?", supersedes)
        self.executemany(
            "INSERT INTO ledger_payments (settlement_id, policy_ref, insured_ref, line_id, "
            "guarantee, kind, amount_cents, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            payments,
        )

    def current(self, claim_id: str) -> tuple[int, str, int] | None:
        """The current settlement of a claim id: its row id, its content hash and
        the claim's place in the ledger (the id of its first settlement)."""
        rows = self.rows(
            "SELECT id, content_sha256, (SELECT MIN(f.id + 0) FROM ledger_settlements f "
            "WHERE f.claim_id = s.claim_id) FROM ledger_settlements s "
            "WHERE claim_id = ? AND status = 'current'",
            (claim_id,),
        )
        return (int(rows[0][0]), str(rows[0][1]), int(rows[0][2])) if rows else None

    def add_settlement(
        self, row: dict[str, object], payments: list[tuple[str, str, str, str, str, int, str]]
    ) -> tuple[int, int | None]:
        """Record a settlement and its lines (inside a write transaction); the
        claim's current settlement, if any, is marked superseded by it.
        Returns the new row's id and the superseded one's."""
        old = self.current(str(row["claim_id"]))
        if old is not None:
            self.execute(
                "UPDATE ledger_settlements SET status = 'superseded' WHERE id = ?", (old[0],)
            )
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        new = self.insert(
            f"INSERT INTO ledger_settlements ({columns}) VALUES ({marks})", list(row.values())
        )
        if old is not None:
            self.execute(
                "UPDATE ledger_settlements SET superseded_by = ? WHERE id = ?", (new, old[0])
            )
        self.executemany(
            "INSERT INTO ledger_payments (settlement_id, policy_ref, insured_ref, line_id, "
            "guarantee, kind, amount_cents, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(new, *payment) for payment in payments],
        )
        return new, None if old is None else old[0]


_SHA256 = hashlib.sha256()


def sha256(data: bytes) -> Any:
    """``hashlib.sha256(data)``, but a copy of a hash made once: each
    ``hashlib.sha256()`` has OpenSSL look the algorithm up by its name (≈ 30,000
    instructions, measured with callgrind; the hashing of a settlement, fewer)."""
    digest = _SHA256.copy()
    digest.update(data)
    return digest


#: The "policy" of claim ids' lock keys (no policy reference holds a NUL).
CLAIM_LOCK = "\0claim"

#: Advisory locks one transaction takes at most, besides :data:`WHOLE_LEDGER`
#: (PostgreSQL's default lock table holds 64 a connection): a transaction that
#: needs more takes the whole ledger instead (:meth:`Ledger.lock`).
MAX_LOCKS = 48


def lock_key(policy_ref: str, insured_ref: str) -> int:
    """A stable signed 64-bit key for an insured person of a policy (and, with
    ``policy_ref`` ``"\0claim"``, for a claim id)."""
    digest = sha256(f"{policy_ref}\0{insured_ref}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def claim_lock_key(claim_id: str) -> int:
    """The key of a claim id: held by whoever settles or voids it."""
    return lock_key(CLAIM_LOCK, claim_id)


#: The key every writer takes: shared, with its own keys (a few persons and
#: claims); exclusive, alone, when it would need more than MAX_LOCKS.
WHOLE_LEDGER = lock_key("\0ledger", "")


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def ledger_target(option: str | None) -> str | None:
    """The ledger to use: ``--ledger``, else ``$CLAIMCALC_LEDGER``, else none."""
    return option or os.environ.get(LEDGER_ENV) or None
