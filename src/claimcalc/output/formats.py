"""The output formats: one registry for every command, with what each format can do.

Imported by the command line at start-up, so it imports nothing else.
"""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """The output formats, each with what it can do (set by ``_can`` below)."""

    TABLE = "table"
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"
    HTML = "html"  # the settlement letter (claimcalc.output.letter): one claim file only

    # Plain attributes, not properties: a batch reads one per claim.
    one_claim: bool  # one claim file prints its settlement as one document
    documents: bool  # products, diffs, catalogs: offered by the commands that print documents
    text_records: bool  # a batch's records are formatted text; else rendered from settlements


def _can(format: Format, *, one_claim: bool, documents: bool, text_records: bool) -> None:
    format.one_claim = one_claim
    format.documents = documents
    format.text_records = text_records


_can(Format.TABLE, one_claim=True, documents=True, text_records=False)
_can(Format.JSON, one_claim=True, documents=True, text_records=True)
_can(Format.NDJSON, one_claim=False, documents=False, text_records=True)
_can(Format.CSV, one_claim=False, documents=False, text_records=True)
# A letter is for one claim: a batch asked for html is refused (exit 2), not
# written as one page holding many letters, nor as files the run did not name.
_can(Format.HTML, one_claim=True, documents=False, text_records=False)

#: The formats of the commands that print documents (products, diff).
DOCUMENT_FORMATS = tuple(f for f in Format if f.documents)
