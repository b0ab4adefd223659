"""The output formats: one registry for every command, with what each format can do.

Imported by the command line at start-up, so it imports nothing else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class _Traits(NamedTuple):
    one_claim: bool  # one claim file prints its settlement as one document
    documents: bool  # products, diffs, catalogs: offered by the commands that print documents
    text_records: bool  # a batch's records are formatted text; else rendered from settlements


class Format(StrEnum):
    """The output formats, with what each can do."""

    TABLE = "table"
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"

    @property
    def one_claim(self) -> bool:
        return _TRAITS[self].one_claim

    @property
    def documents(self) -> bool:
        return _TRAITS[self].documents

    @property
    def text_records(self) -> bool:
        return _TRAITS[self].text_records


_TRAITS = {
    Format.TABLE: _Traits(one_claim=True, documents=True, text_records=False),
    Format.JSON: _Traits(one_claim=True, documents=True, text_records=True),
    Format.NDJSON: _Traits(one_claim=False, documents=False, text_records=True),
    Format.CSV: _Traits(one_claim=False, documents=False, text_records=True),
}

#: The formats of the commands that print documents (products, diff).
DOCUMENT_FORMATS = tuple(f for f in Format if f.documents)
