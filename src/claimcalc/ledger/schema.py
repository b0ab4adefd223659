"""The ledger's schema: numbered migrations, one schema for SQLite and PostgreSQL.

A small versioned-SQL scheme rather than a migration tool (Alembic needs
SQLAlchemy: a large dependency, and tens of milliseconds on every start of a
command that adjusters run one claim at a time). The schema is a handful of
tables in portable SQL; each migration is a list of statements applied in
one transaction, and ``ledger_migrations`` records the versions applied. A
ledger newer than this claimcalc is refused, never guessed at.

The one word that differs between the two databases, an auto-numbered key,
is written ``{id}``. Dates are ISO text (``YYYY-MM-DD``: they sort as dates),
timestamps ISO UTC text. Money is integer cents (``BIGINT``): exact in both
databases, summed exactly by SQL too (SQLite would sum decimal text as
floats), and the largest claim amount, 10^12 EUR, is 10^14 cents, far below
2^63.

No column holds personal data: policies and insured persons are the claims'
pseudonymous references, and the settlement document is what ``settle
--format json`` prints, which carries none (docs/claim-format.md).
"""

from __future__ import annotations

#: The id column of each dialect.
ID_COLUMN = {
    "sqlite": "INTEGER PRIMARY KEY",
    "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS ledger_migrations (
  version INTEGER PRIMARY KEY,
  summary TEXT NOT NULL,
  applied_at TEXT NOT NULL
)
"""

#: (version, name, statements), in order. Never edit one that has shipped: add the next.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "settlements, payments, voids",
        [
            # Every settlement recorded, superseded and voided ones included.
            """
            CREATE TABLE ledger_settlements (
              id {id},
              claim_id TEXT NOT NULL,
              policy_ref TEXT NOT NULL,
              product_id TEXT NOT NULL,
              edition TEXT NOT NULL,
              level TEXT NOT NULL,
              product_sha256 TEXT NOT NULL,
              claimcalc_version TEXT NOT NULL,
              event_id TEXT,
              event_date TEXT NOT NULL,
              trip_departure TEXT,
              trip_return TEXT,
              period_start TEXT NOT NULL,
              period_end TEXT,
              origin TEXT NOT NULL CHECK (origin IN ('settled', 'imported')),
              status TEXT NOT NULL CHECK (status IN ('current', 'superseded', 'void')),
              superseded_by BIGINT REFERENCES ledger_settlements (id),
              content_sha256 TEXT NOT NULL,
              document TEXT NOT NULL,
              recorded_at TEXT NOT NULL
            )
            """,
            # Only one current settlement per claim id: a second is a bug, refused.
            """
            CREATE UNIQUE INDEX ledger_settlements_current
              ON ledger_settlements (claim_id) WHERE status = 'current'
            """,
            "CREATE INDEX ledger_settlements_claim ON ledger_settlements (claim_id)",
            "CREATE INDEX ledger_settlements_period ON ledger_settlements (period_end)",
            # Each line of a settlement: what it paid, to whom, under which guarantee.
            """
            CREATE TABLE ledger_payments (
              id {id},
              settlement_id BIGINT NOT NULL REFERENCES ledger_settlements (id),
              policy_ref TEXT NOT NULL,
              insured_ref TEXT NOT NULL,
              line_id TEXT NOT NULL,
              guarantee TEXT NOT NULL,
              kind TEXT NOT NULL,
              amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
              date TEXT NOT NULL
            )
            """,
            "CREATE INDEX ledger_payments_insured ON ledger_payments (policy_ref, insured_ref)",
            "CREATE INDEX ledger_payments_settlement ON ledger_payments (settlement_id)",
            # A void is appended, never a delete: the settlement is marked void
            # and this row says who-knows-why (a reason, no person).
            """
            CREATE TABLE ledger_voids (
              id {id},
              settlement_id BIGINT NOT NULL REFERENCES ledger_settlements (id),
              claim_id TEXT NOT NULL,
              reason TEXT NOT NULL,
              recorded_at TEXT NOT NULL
            )
            """,
        ],
    ),
]

#: The schema version this claimcalc writes.
VERSION = MIGRATIONS[-1][0]
