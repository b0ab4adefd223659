"""What the ledger did for a claim, in the claim's record.

A JSON or NDJSON record gains a ``ledger`` object (mode, outcome, the
settlement recorded, the prior payments used with their claim ids); a table
is followed, on standard error, by one line saying the same. CSV rows are
unchanged: their reasons already cite the claims of the prior payments.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol

from claimcalc.jsonio import dumps
from claimcalc.output.formats import Format

if TYPE_CHECKING:
    from claimcalc.output.records import Outcome


class Note(Protocol):
    """What the ledger did for a claim (:class:`claimcalc.ledger.settle.LedgerNote`,
    which uses this module: a protocol, not an import, keeps the two apart)."""

    def json(self) -> dict[str, Any]: ...

    def line(self) -> str: ...


def with_ledger_note(outcome: Outcome, note: Note | None, fmt: Format, fast: bool) -> None:
    """Add the ledger's note to a settled claim's record (in place)."""
    if note is None or not outcome.ok:
        return
    if fmt in (Format.JSON, Format.NDJSON):
        record = outcome.record
        if record.endswith("}"):  # one compact JSON object: the note goes in as its last key
            outcome.record = f'{record[:-1]},"ledger":{dumps(note.json(), fast)}}}'
    elif fmt is Format.TABLE:
        sys.stderr.write(note.line() + "\n")
