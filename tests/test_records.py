"""The output layer: one format registry, one writer for one claim and for batches,
every JSON document from claimcalc.output.documents."""

from __future__ import annotations

import io
import json

import pytest

from claimcalc.batch import settle_one
from claimcalc.claim.read import read_claim
from claimcalc.claim.sources import Item
from claimcalc.cli import main
from claimcalc.compare.diff import Side, diff_products
from claimcalc.errors import ExitCode
from claimcalc.jsonio import dumps_indented
from claimcalc.output.documents import SCHEMA_VERSION, settlement_json, to_json
from claimcalc.output.formats import DOCUMENT_FORMATS, Format
from claimcalc.output.records import RecordWriter, one_claim_outcome
from claimcalc.product.catalog import load_rulebook
from claimcalc.settling.engine import settle
from claimcalc.settling.settler import Settler
from tests.conftest import ROOT, product

CLAIM = ROOT / "products" / "imaway" / "examples" / "D-medical-usa.json"


def test_what_each_format_can_do() -> None:
    assert [f for f in Format if f.one_claim] == [Format.TABLE, Format.JSON, Format.HTML]
    assert DOCUMENT_FORMATS == (Format.TABLE, Format.JSON)
    assert [f for f in Format if f.text_records] == [Format.JSON, Format.NDJSON, Format.CSV]


def test_a_one_claim_json_run_prints_the_settlement_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["settle", str(CLAIM), "--format", "json"]) == 0
    out = capsys.readouterr().out
    expected = settlement_json(settle(read_claim(CLAIM), load_rulebook("imaway")))
    assert out == dumps_indented(expected)


@pytest.mark.parametrize("fmt", [Format.TABLE, Format.JSON])
def test_the_one_claim_writer_and_the_batch_writer_agree_on_the_settlement(fmt: Format) -> None:
    """The same writer, framed as one claim or as a batch of one."""
    item = Item(1, str(CLAIM), CLAIM.read_text(encoding="utf-8"))
    settlement = Settler().settle_text(item)
    single, batch = io.StringIO(), io.StringIO()
    with RecordWriter(fmt, single, one_claim=True) as writer:
        writer.write(one_claim_outcome(settlement, fmt))
    with RecordWriter(fmt, batch) as writer:
        writer.write(settle_one(Settler(steps=True), item, fmt, steps=True))
    assert writer.summary.settled == 1 and writer.summary.exit_code is ExitCode.OK
    if fmt is Format.JSON:
        (record,) = json.loads(batch.getvalue())
        assert {k: record.pop(k) for k in ("position", "source", "status")} == {
            "position": 1,
            "source": str(CLAIM),
            "status": "settled",
        }
        assert record == json.loads(single.getvalue())
    else:
        assert batch.getvalue() == single.getvalue()


@pytest.mark.parametrize("command", [["products", "list"], ["products", "show", "imaway"]])
@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_the_document_commands_refuse_the_record_formats(
    command: list[str], fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--format", fmt]) == ExitCode.USAGE
    assert f"'{fmt}' is not one of 'table', 'json'." in capsys.readouterr().err


def test_to_json_knows_every_document() -> None:
    imaway = product("imaway")
    diff = diff_products(imaway, imaway, "easy", "top")
    assert to_json(diff)["schema_version"] == SCHEMA_VERSION
    assert to_json(diff.differences[0]) == to_json(diff)["differences"][0]
    assert to_json(imaway)["product"]["id"] == "imaway"
    settlement = settle(read_claim(CLAIM), imaway)
    line = settlement.insured[0].lines[0]
    assert to_json(line, steps=False) == to_json(settlement, steps=False)["insured"][0]["lines"][0]
    assert to_json(line.trace[0]) == to_json(line)["steps"][0]
    with pytest.raises(TypeError, match="no JSON document for Side"):
        to_json(Side(imaway, None))


def test_the_library_exports_to_json() -> None:
    import claimcalc

    assert claimcalc.to_json is to_json
