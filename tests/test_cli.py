"""The command line: output shapes, exact error messages, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimcalc.cli import main
from claimcalc.errors import ExitCode
from tests.conftest import FIXTURES, ROOT
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
    assert [(p["ref"], p["levels"]) for p in document["products"]] == [
        ("imaway@2026-01", ["easy", "smart", "top"]),
        ("wi-school@2023-05", ["standard"]),
    ]


def test_products_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "products", "list")
    assert code == ExitCode.OK
    assert "imaway@2026-01" in out and "Wi School con annullamento" in out
    assert "\x1b[" not in out  # not a terminal: no escape codes


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
        {"text": "franchigia € 50,00 per claim", "kind": "franchigia", "source": "D3"}
    ]


def test_products_show_wi_school_by_path(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "products" / "wi-school@2023-05.yaml")
    code, out, _ = run(capsys, "products", "show", path, "--format", "json")
    assert code == ExitCode.OK
    assert json.loads(out)["product"]["id"] == "wi-school"


def test_unknown_product(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "products", "show", "imawai")
    assert (code, out) == (ExitCode.INVALID_PRODUCT, "")
    assert err == "imawai: unknown product (known: imaway, wi-school)\n"


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
