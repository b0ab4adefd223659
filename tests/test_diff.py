"""claimcalc diff: every change in cover reported once, old → new, with both
articles; reordering a file changes nothing; impact on a book of claims."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from claimcalc.claim.read import read_claim
from claimcalc.claim.sources import Item, iter_items
from claimcalc.cli import main
from claimcalc.compare.diff import Change, Difference, Effect, Side, diff_products
from claimcalc.compare.impact import impact
from claimcalc.errors import ExitCode, UsageError
from claimcalc.product.catalog import catalog
from claimcalc.product.load import load_product_file
from claimcalc.product.schema import Product
from claimcalc.settling.engine import settle
from tests.conftest import EXAMPLE_DIRS, ROOT, example, product
from tests.test_contract_limits import IMAWAY_TABLE

IMAWAY_FILE = ROOT / "products" / "imaway" / "2026-01.yaml"


def variant(tmp_path: Path, source: Path, old: str, new: str) -> Product:
    """Test data: the real product file with one change, in a temporary directory."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"not exactly one {old!r}"
    path = tmp_path / f"variant-{source.name}"
    path.write_text(
        "# Test data: a variant of a shipped product.\n" + text.replace(old, new), encoding="utf-8"
    )
    return load_product_file(path)


def only(differences: tuple[Difference, ...]) -> Difference:
    assert len(differences) == 1, [(d.subject, d.field, d.old, d.new) for d in differences]
    return differences[0]


def test_a_limit_raised_in_one_zone(tmp_path: Path) -> None:
    new = variant(
        tmp_path,
        IMAWAY_FILE,
        "top: {italia: 3000, europa: 1000000",
        "top: {italia: 4000, europa: 1000000",
    )
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.subject, d.field, d.zone) == ("limit D.zone", "amount (level top)", "italia")
    assert (d.old, d.new, d.old_article, d.new_article) == (
        Decimal(3000),
        Decimal(4000),
        "D2",
        "D2",
    )
    assert (d.change, d.effect) == (Change.INCREASED, Effect.MORE_COVER)


def test_a_sub_limit_cut_in_every_zone(tmp_path: Path) -> None:
    new = variant(
        tmp_path,
        IMAWAY_FILE,
        "amount: {easy: 200, smart: 400, top: 550}",
        "amount: {easy: 200, smart: 300, top: 550}",
    )
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.guarantee, d.subject, d.zone, d.old, d.new) == (
        "D.dental",
        "limit D.dental.max",
        None,
        Decimal(400),
        Decimal(300),
    )
    assert (d.change, d.effect, d.new_article) == (Change.DECREASED, Effect.LESS_COVER, "D2 c")


def test_a_deductible_added(tmp_path: Path) -> None:
    new = variant(
        tmp_path,
        IMAWAY_FILE,
        "    levels: [smart, top]\n    source: {article: F1,",
        "    levels: [smart, top]\n    deductibles: [{kind: franchigia, amount: 25, source: F1}]\n    source: {article: F1,",
    )
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.section, d.subject, d.change, d.effect, d.new_article) == (
        "F",
        "franchigia (F)",
        Change.ADDED,
        Effect.LESS_COVER,
        "F1",
    )


def test_a_franchigia_raised(tmp_path: Path) -> None:
    new = variant(
        tmp_path,
        IMAWAY_FILE,
        "amount: 50\n        source: {article: D3",
        "amount: 60\n        source: {article: D3",
    )
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.subject, d.field, d.old, d.new, d.effect) == (
        "franchigia (D)",
        "amount",
        Decimal(50),
        Decimal(60),
        Effect.LESS_COVER,
    )


def test_an_exclusion_removed(tmp_path: Path) -> None:
    text = IMAWAY_FILE.read_text(encoding="utf-8")
    start = text.index('  - id: "1.22.h"')
    end = text.index('  - id: "1.22.i"')
    new = variant(tmp_path, IMAWAY_FILE, text[start:end], "")
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.subject, d.change, d.effect, d.old_article) == (
        "exclusion 1.22.h (product)",
        Change.REMOVED,
        Effect.MORE_COVER,
        "1.22 h",
    )


def test_an_exception_narrowed(tmp_path: Path) -> None:
    new = variant(
        tmp_path,
        IMAWAY_FILE,
        "- {fact: sport, in: [bobsleigh, kitesurfing, scuba_diving]}",
        "- {fact: sport, in: [bobsleigh, kitesurfing]}",
    )
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.subject, d.field) == ("exclusion 1.22.f (product)", "except when")
    assert "scuba_diving" in str(d.old) and "scuba_diving" not in str(d.new)


def test_an_age_cap_moved(tmp_path: Path) -> None:
    new = variant(
        tmp_path,
        IMAWAY_FILE,
        "  - kind: max_age\n    age: 75\n    at: subscription\n",
        "  - kind: max_age\n    age: 70\n    at: subscription\n",
    )
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.subject, d.field, d.old, d.new, d.change, d.effect) == (
        "max age (product)",
        "age",
        75,
        70,
        Change.DECREASED,
        Effect.LESS_COVER,
    )


def test_a_reporting_deadline_shortened(tmp_path: Path) -> None:
    new = variant(
        tmp_path,
        IMAWAY_FILE,
        "        days: 15\n        from: event\n        source: {article: D4,",
        "        days: 10\n        from: event\n        source: {article: D4,",
    )
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.subject, d.old, d.new, d.effect, d.new_article) == (
        "reporting deadline from event (D)",
        15,
        10,
        Effect.LESS_COVER,
        "D4",
    )


def test_an_alternative_removed(tmp_path: Path) -> None:
    text = IMAWAY_FILE.read_text(encoding="utf-8")
    start = text.index("  - id: H_not_with_M")
    end = text.index("\nsections:")
    new = variant(tmp_path, IMAWAY_FILE, text[start:end], "")
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.subject, d.change, d.effect) == (
        "alternative H.missed_services / M.cancellation",
        Change.REMOVED,
        Effect.MORE_COVER,
    )


def test_a_guarantee_removed_is_one_difference(tmp_path: Path) -> None:
    text = IMAWAY_FILE.read_text(encoding="utf-8")
    start = text.index("      - code: D.dental")
    end = text.index("  # ------------------------------------------------------------------ E")
    new = variant(tmp_path, IMAWAY_FILE, text[start:end], "\n")
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.guarantee, d.field, d.change, d.effect, d.old_article) == (
        "D.dental",
        "exists",
        Change.REMOVED,
        Effect.LESS_COVER,
        "D2 c",
    )


def test_a_guarantee_added_is_one_difference(tmp_path: Path) -> None:
    text = IMAWAY_FILE.read_text(encoding="utf-8")
    start = text.index("      - code: D.dental")
    end = text.index("  # ------------------------------------------------------------------ E")
    copy = text[start:end].replace("D.dental", "D.dental_copy")
    new = variant(tmp_path, IMAWAY_FILE, text[start:end], text[start:end] + copy)
    d = only(diff_products(product("imaway"), new).differences)
    assert (d.guarantee, d.change, d.effect) == ("D.dental_copy", Change.ADDED, Effect.MORE_COVER)


def _reversed(data: object, key: str | None = None) -> object:
    if isinstance(data, dict):
        return {k: _reversed(v, k) for k, v in data.items()}
    if isinstance(data, list):
        items = [_reversed(v) for v in data]
        return items if key in ("levels", "zones") else items[::-1]
    return data


@pytest.mark.parametrize("source", [e.path for e in catalog()], ids=[e.ref for e in catalog()])
def test_a_reordered_and_reformatted_file_is_equivalent(tmp_path: Path, source: Path) -> None:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    path = tmp_path / source.name
    # keys sorted, lists reversed, anchors expanded, flow style gone: same rules
    path.write_text(
        "# Test data\n" + yaml.safe_dump(_reversed(data), sort_keys=True, allow_unicode=True),
        encoding="utf-8",
    )
    assert diff_products(load_product_file(source), load_product_file(path)).equivalent


def test_easy_against_top_lists_every_summary_table_difference() -> None:
    diff = diff_products(product("imaway"), product("imaway"), "easy", "top")
    subjects = {d.subject.split(" (")[0] for d in diff.differences}
    for case in IMAWAY_TABLE:
        if case.values["easy"] != case.values["top"]:
            assert f"limit {case.limit}" in subjects, case.id
    covered = {d.section for d in diff.differences if d.field == "covered" and d.guarantee is None}
    assert covered == {"E", "F", "G", "H", "I", "L", "M"}
    assert all(d.effect is Effect.MORE_COVER for d in diff.differences)


def test_levels_on_both_sides_or_neither() -> None:
    with pytest.raises(UsageError, match="give a level on both sides"):
        diff_products(product("imaway"), product("imaway"), "easy", None)


def test_cli_exit_codes_like_diff(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "imaway", "imaway@2026-01"]) == 0
    assert "No differences in cover." in capsys.readouterr().out
    assert main(["diff", "imaway:easy", "imaway:top", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["equivalent"] is False
    assert main(["diff", "imaway:easy", "imawai:top"]) == ExitCode.USAGE
    assert capsys.readouterr().err.endswith("imawai: unknown product (known: imaway, wi-school)\n")


def test_cli_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diff", "imaway:easy", "imaway:smart", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert list(document) == ["schema_version", "old", "new", "equivalent", "differences"]
    first = document["differences"][0]
    assert list(first) == [
        "section", "guarantee", "subject", "field", "zone", "old", "new",
        "old_article", "new_article", "change", "effect", "unit",
    ]  # fmt: skip
    assert first["old"] == "2500" and first["new"] == "7500" and first["unit"] == "eur"


def test_impact_between_two_levels_matches_settling_each_side(
    capsys: pytest.CaptureFixture[str],
) -> None:
    smart, top = product("imaway"), product("imaway")
    result = impact(
        Side(smart, "smart"), Side(top, "top"), iter_items([str(d) for d in EXAMPLE_DIRS])
    )
    expected = {"smart": Decimal(0), "top": Decimal(0)}
    imaway_examples = sorted((ROOT / "products" / "imaway" / "examples").glob("*.json"))
    for path in imaway_examples:
        claim = read_claim(path)
        for level in expected:
            expected[level] += settle(dataclasses.replace(claim, level=level), smart).indemnity
    assert (result.old_total, result.new_total) == (expected["smart"], expected["top"])
    assert (result.compared, result.skipped, result.failed) == (len(imaway_examples), 6, 0)
    assert result.largest[0].claim_id == "IMA-2026-000811"  # cancellation: Top only
    code = main(
        [
            "diff",
            "imaway:smart",
            "imaway:top",
            *(arg for d in EXAMPLE_DIRS for arg in ("--claims", str(d))),
            "--format",
            "json",
        ]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["impact"]["new_total"] == str(expected["top"])


def test_impact_keeps_the_first_of_equal_changes_even_when_positions_repeat() -> None:
    """Items built by a caller may repeat positions; ties go to the earlier claim."""
    imaway = product("imaway")
    text = example("imaway", "D-medical-usa.json").read_text(encoding="utf-8")
    items = [Item(1, f"copy-{n}.json", text.replace('"IMA-', f'"C{n}-IMA-', 1)) for n in range(4)]
    result = impact(Side(imaway, "easy"), Side(imaway, "top"), items, top=2)
    assert result.changed == 4
    assert [c.source for c in result.largest] == ["copy-0.json", "copy-1.json"]


def test_impact_reports_an_unreadable_claim_file_as_the_batch_does() -> None:
    imaway = product("imaway")
    items = [Item(1, "gone.json", "", unreadable="Permission denied")]
    result = impact(Side(imaway, "easy"), Side(imaway, "top"), items)
    assert (result.claims, result.failed) == (1, 1)
    assert result.errors == ["gone.json: cannot read claim file: Permission denied"]


@pytest.mark.parametrize(
    "ref",
    ["imaway", "imaway@2026-01", "products/imaway/2026-01.yaml", "C:\\p\\imaway\\2026-01.yml"],
)
def test_impact_knows_a_claims_product_by_id_edition_or_file(ref: str) -> None:
    from claimcalc.compare.impact import _product_id

    assert _product_id(ref) == "imaway"
