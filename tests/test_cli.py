"""The command line: output shapes, exact error messages, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.product.catalog import catalog, load_product
from tests.conftest import FIXTURES, PRODUCT_IDS, ROOT, counted, example
from tests.test_product_errors import expected_lines

BROKEN = FIXTURES / "products" / "broken"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_products_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "products", "list", "--format", "json")
    assert code == ExitCode.OK
    document = json.loads(out)
    assert document["schema_version"] == "1"
    shipped = [load_product(entry.path) for entry in catalog()]
    assert [(p["ref"], p["levels"]) for p in document["products"]] == [
        (p.ref, list(p.level_ids)) for p in shipped
    ]
    assert ("imaway@2026-01", ["easy", "smart", "top"]) in [
        (p["ref"], p["levels"]) for p in document["products"]
    ]


def test_products_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "products", "list")
    assert code == ExitCode.OK
    assert "imaway@2026-01" in out and "Wi School con annullamento" in out
    assert "\x1b[" not in out  # not a terminal: no escape codes


@pytest.mark.parametrize("columns", ["abc", "", "-5"])
def test_a_table_to_a_pipe_survives_a_bad_columns_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    code, out, _ = run(capsys, "products", "list")
    assert code == ExitCode.OK
    assert "imaway@2026-01" in out


def test_products_show_smart_reads_like_the_dip_aggiuntivo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "products", "show", "imaway", "--level", "smart")
    assert code == ExitCode.OK
    assert "Imaway Assicurazione multiviaggio — Ed. 01/2026 — Imaway Smart" in out
    # D2 per zone, the Smart column of the DIP aggiuntivo
    for value in ("€ 2.000,00", "€ 1.000.000,00", "€ 2.000.000,00", "€ 5.000.000,00"):
        assert value in out
    assert "€ 50,00 per 8h" in out  # F1 Smart
    assert "I  Interruzione viaggio (I1) — not covered at this level" in out


def test_products_show_level_shorthand_equals_option(capsys: pytest.CaptureFixture[str]) -> None:
    _, by_option, _ = run(
        capsys, "products", "show", "imaway", "--level", "top", "--format", "json"
    )
    _, by_suffix, _ = run(capsys, "products", "show", "imaway:top", "--format", "json")
    assert by_option == by_suffix


def test_products_show_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "products", "show", "imaway@2026-01", "--level", "top", "--format", "json"
    )
    assert code == ExitCode.OK
    document = json.loads(out)
    assert list(document) == [
        "schema_version",
        "product",
        "level",
        "eligibility",
        "exclusions",
        "sections",
    ]
    assert document["schema_version"] == "1"
    assert list(document["product"]) == [
        "id",
        "edition",
        "name",
        "insurer",
        "sha256",
        "levels",
        "zones",
    ]
    assert len(document["product"]["sha256"]) == 64
    section_d = next(s for s in document["sections"] if s["code"] == "D")
    assert list(section_d) == [
        "code",
        "title",
        "source",
        "covered",
        "limits",
        "deductibles",
        "eligibility",
        "exclusions",
        "guarantees",
    ]
    zone = section_d["limits"][0]
    assert list(zone) == ["id", "title", "scope", "unit", "parent", "values", "source"]
    assert zone["values"] == {
        "top": {
            "italia": "3000",
            "europa": "1000000",
            "mondo_escl_usa_canada": "2000000",
            "mondo": "5000000",
        }
    }
    guarantee = section_d["guarantees"][1]
    assert list(guarantee) == [
        "code",
        "title",
        "kind",
        "source",
        "covered",
        "formula",
        "limits",
        "deductibles",
        "eligibility",
        "exclusions",
    ]
    assert section_d["deductibles"] == [
        {
            "text": "franchigia € 50,00 per sinistro (per insured)",
            "kind": "franchigia",
            "source": "D3",
        }
    ]


def test_products_show_wi_school_by_path(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "products" / "wi-school" / "2023-05.yaml")
    code, out, _ = run(capsys, "products", "show", path, "--format", "json")
    assert code == ExitCode.OK
    assert json.loads(out)["product"]["id"] == "wi-school"


def test_unknown_product(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "products", "show", "imawai")
    assert (code, out) == (ExitCode.INVALID_PRODUCT, "")
    assert err == f"imawai: unknown product (known: {', '.join(PRODUCT_IDS)})\n"


def test_unknown_edition(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "products", "show", "imaway@2025-01")
    assert code == ExitCode.INVALID_PRODUCT
    assert err == "imaway@2025-01: no edition 2025-01 of imaway (editions: 2026-01)\n"


def test_missing_product_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "products", "show", "nowhere/x.yaml")
    assert code == ExitCode.INVALID_PRODUCT
    assert err == "nowhere/x.yaml: no such product file\n"


def test_unknown_level_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "products", "show", "imaway", "--level", "gold")
    assert code == ExitCode.USAGE
    assert err == "imaway@2026-01: no level 'gold' (levels: easy, smart, top)\n"


def test_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "products", "show", "imaway", "--format", "xml")
    assert code == ExitCode.USAGE
    assert "xml" in err and "Traceback" not in err


def test_validate_shipped_products(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "products", "validate")
    assert (code, err) == (ExitCode.OK, "")
    assert len(out.splitlines()) == len(catalog())
    for entry in catalog():
        assert f"ok {entry.path} ({entry.ref}, " in out
    assert "(imaway@2026-01, 39 guarantees)" in out
    assert "(wi-school@2023-05, 36 guarantees)" in out


def test_validate_reports_every_broken_file_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    good = FIXTURES / "products" / "valid-minimal.yaml"
    bad = [BROKEN / "07-negative-franchigia.yaml", BROKEN / "35-several-problems.yaml"]
    code, out, err = run(capsys, "products", "validate", str(good), *map(str, bad))
    assert code == ExitCode.INVALID_PRODUCT
    assert out == f"ok {good} (tiny@2026-01, 2 guarantees)\n"
    assert err.splitlines() == expected_lines(bad[0]) + expected_lines(bad[1])
    assert len(err.splitlines()) == 4


def test_validate_missing_file_is_an_io_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "products", "validate", str(tmp_path / "none.yaml"))
    assert code == ExitCode.IO
    assert err == f"{tmp_path / 'none.yaml'}: cannot read product file: No such file or directory\n"


def test_schema_product_validates_the_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "product")
    assert code == ExitCode.OK
    schema = json.loads(out)
    assert schema["title"] == "claimcalc product file"
    assert {"format", "id", "levels", "zones", "sections"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


def test_help_lists_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == ExitCode.OK
    assert "Exit codes: 0 success" in out


# --------------------------------------------------------------------------- settle

EXAMPLE = example("imaway", "D-medical-usa.json")


def test_settle_json_shape_is_pinned(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "settle", str(EXAMPLE), "--format", "json")
    assert (code, err) == (ExitCode.OK, "")
    document = json.loads(out)
    assert list(document) == ["schema_version", "claim_id", "product", "event", "insured", "totals"]
    assert document["schema_version"] == "1"
    assert list(document["product"]) == ["id", "edition", "level", "sha256"]
    assert list(document["event"]) == ["id", "date", "zone"]
    assert list(document["totals"]) == ["claimed", "indemnity", "advances"]
    person = document["insured"][0]
    assert list(person) == ["ref", "age", "lines", "totals"]
    line = person["lines"][1]
    assert list(line) == [
        "line", "guarantee", "title", "kind", "article", "status", "claimed",
        "assessed_loss", "deductible", "limit", "paid", "reasons", "steps",
    ]  # fmt: skip
    assert line["limit"] == {"id": "D.medical_pharma.max", "amount": "2000.00", "article": "D2 a"}
    assert line["reasons"] == [
        {
            "code": "franchigia",
            "article": "D3",
            "text": "franchigia € 50,00 per sinistro (per insured), once for section D",
        },
        {
            "code": "limit",
            "article": "D2 a",
            "text": "limit € 2.000,00 per insured, per policy period",
        },
    ]
    assert all(set(step) == {"step", "code", "article", "text", "amount"} for step in line["steps"])
    # amounts are decimal strings, never floats
    assert isinstance(document["totals"]["indemnity"], str)


def test_settle_json_records_the_product_hash(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "settle", str(EXAMPLE), "--format", "json")
    from claimcalc import load_product

    assert json.loads(out)["product"]["sha256"] == load_product("imaway").sha256


def test_settle_with_an_explicit_product_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "products" / "imaway" / "2026-01.yaml")
    code, out, _ = run(capsys, "settle", str(EXAMPLE), "--product", path, "--format", "json")
    assert code == ExitCode.OK
    assert json.loads(out)["totals"]["indemnity"] == "5708.23"


def test_a_settlement_that_pays_nothing_still_succeeds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    claim = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    claim["reported_on"] = "2026-05-30"  # long after the 15 days of D4
    (tmp_path / "late.json").write_text(json.dumps(claim), encoding="utf-8")
    code, out, err = run(capsys, "settle", str(tmp_path / "late.json"), "--format", "json")
    assert (code, err) == (ExitCode.OK, "")
    document = json.loads(out)
    assert document["totals"]["indemnity"] == "0.00"
    assert {ln["status"] for ln in document["insured"][0]["lines"]} == {"refused"}


def test_settle_table_is_plain_text_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "settle", str(EXAMPLE))
    assert code == ExitCode.OK
    assert "\x1b[" not in out
    assert "Insured INS-A (age 61 at subscription)" in out


def test_schema_claim_describes_facts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "claim")
    assert code == ExitCode.OK
    schema = json.loads(out)
    assert schema["title"] == "claimcalc claim file (format 1)"
    facts = schema["$defs"]["Event"]["properties"]["facts"]
    assert facts["additionalProperties"] is False
    assert "terrorism" in facts["properties"]["circumstances"]["items"]["enum"]
    assert schema["additionalProperties"] is False


def test_settle_help_lists_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "settle", "--help")
    assert code == ExitCode.OK
    assert "--explain" in out and "--rates" in out
    assert "3 invalid claim" in " ".join(out.split())


def test_the_package_exports_the_library_lazily() -> None:
    import claimcalc

    assert sorted(claimcalc.__all__) == sorted(claimcalc._EXPORTS)
    for name in claimcalc.__all__:
        assert getattr(claimcalc, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = claimcalc.nothing


def test_a_level_after_a_product_file_suggests_what_works(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--product FILE:top``: the level is refused (a claim's level is its own) and the
    suggestion is a form --product takes: the file itself, not ``FILE@EDITION``
    (an edition is taken only after a catalog id); a directory's edition files."""
    claim = str(example("imaway", "E-baggage-theft-barcelona.json"))
    head = "a level cannot be chosen here, each claim is settled at its own level"
    edition = ROOT / "products" / "imaway" / "2026-01.yaml"
    folder = edition.parent
    for given, suggested in (
        (f"{edition}:top", f"--product {edition}"),
        (f"{folder}:top", f"--product {edition}"),
        ("imaway:top", "--product imaway or --product imaway@2026-01"),
    ):
        code, out, err = run(capsys, "settle", claim, "--product", given)
        assert (code, out) == (ExitCode.USAGE, ""), err
        assert err.startswith(f"--product {given}: {head}") and err.count("\n") == 1, err
        assert err.endswith(f": {suggested}\n"), err
        assert "@EDITION" not in err
        word = suggested.split()[1]
        assert run(capsys, "settle", claim, "--product", word)[0] == ExitCode.OK, word
    # A folder of one's own: its latest edition file, not another YAML file.
    own = tmp_path / "mine"
    own.mkdir()
    for name in ("2025-05.yaml", "2026-01.yaml", "zz-notes.yaml"):
        (own / name).write_bytes(edition.read_bytes())
    code, _out, err = run(capsys, "settle", claim, "--product", f"{own}:top")
    assert err.endswith(f"--product {own / '2026-01.yaml'}\n"), err
    missing = tmp_path / "none.yaml"
    code, _out, err = run(capsys, "settle", claim, "--product", f"{missing}:top")
    assert code == ExitCode.USAGE and "@EDITION" not in err
    assert err.endswith(f"name the product file: --product {missing}\n"), err


def test_a_product_the_command_line_names_is_loaded_before_any_claim(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``settle --product`` with a product that cannot be loaded: one line and exit 4
    before any claim is read, not an error record (and a load) for every claim of
    the batch: a batch of 200 claims under an invalid product file took 14 s."""
    import claimcalc.product.catalog as catalog_module

    loads = counted(monkeypatch, catalog_module, "load_rulebook")
    text = (ROOT / "products" / "imaway" / "2026-01.yaml").read_text(encoding="utf-8")
    old = "amount: {easy: 200, smart: 400, top: 550}"  # D.dental.max, under D.zone
    bad = tmp_path / "imaway.yaml"
    bad.write_text(text.replace(old, "amount: {easy: 5000, smart: 400, top: 550}", 1), "utf-8")
    claims = tmp_path / "claims.ndjson"
    line = json.dumps(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    claims.write_text((line + "\n") * 5, encoding="utf-8")
    for given, says in ((str(bad), "is larger than its parent 'D.zone'"), ("nosuch", "unknown")):
        loads.n = 0
        code, out, err = run(capsys, "settle", str(claims), "--product", given, "-f", "ndjson")
        assert (code, out) == (ExitCode.INVALID_PRODUCT, "")
        assert err.count("\n") == 1 and says in err, err
        assert loads.n == 1
