"""``claimcalc test`` and its runner: differences, exit codes, located problems;
a product added as a folder is picked up with no code change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from claimcalc.cases import find_case_files, load_cases, run_cases
from claimcalc.cli import main
from claimcalc.errors import ExitCode, ProductFileError
from claimcalc.product.catalog import catalog
from tests.conftest import PRODUCTS

# One shipped case (D3, products/imaway/cases/worked-examples.yaml): €500 of
# medical expenses pay €450 after the €50 franchigia.
BASE = """\
base:
  claim_format: 1
  claim_id: T-1
  product: imaway
  level: top
  policy: {issue_date: "2026-01-05", zone: mondo}
  trip: {booking_date: "2026-01-20", departure_date: "2026-03-01", return_date: "2026-03-10"}
  event: {date: "2026-03-03", country: ES, zone: europa, facts: {cause: illness}}
  reported_on: "2026-03-05"
person:
  ref: P1
  age_at_subscription: 40
  facts: {resident_in_italy: true, authorised: true}
"""
LINES = """\
    lines:
      - {id: "1", guarantee: D.medical_pharma, expenses: [{amount: "500.00", date: "2026-03-03"}]}
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["test", *args])
    out, err = capsys.readouterr()
    return code, out, err


def product_folder(tmp_path: Path, cases: str) -> Path:
    """A copy of the imaway folder whose only case file is ``cases``."""
    folder = tmp_path / "products" / "imaway"
    shutil.copytree(PRODUCTS / "imaway", folder)
    shutil.rmtree(folder / "cases")
    (folder / "cases").mkdir()
    (folder / "cases" / "t.yaml").write_text(cases, encoding="utf-8")
    return folder


def test_a_passing_case_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = product_folder(
        tmp_path,
        BASE
        + "cases:\n  - name: D3 franchigia\n"
        + LINES
        + '    expect: {paid: {"1": "450.00"}}\n',
    )
    code, out, err = run(capsys, str(folder))
    assert (code, err) == (ExitCode.OK, "")
    assert "pass" in out and "D3 franchigia" in out
    assert "1 passed, 0 failed (1 cases)" in out


def test_a_failing_case_prints_its_first_difference_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # the temporary path is long: no wrapping
    folder = product_folder(
        tmp_path,
        BASE
        + "cases:\n  - name: D3 wrongly without franchigia\n"
        + LINES
        + '    expect: {paid: {"1": "500.00"}, codes: {"1": []}, indemnity: "500.00"}\n',
    )
    code, out, _ = run(capsys, str(folder / "cases" / "t.yaml"))
    assert code == ExitCode.DIFFERENT
    assert "fail" in out
    assert "line 1 paid: expected 500.00, got 450.00 (and 2 more)" in out
    assert "0 passed, 1 failed (1 cases)" in out

    code, out, _ = run(capsys, str(folder / "cases"), "--format", "json")
    assert code == ExitCode.DIFFERENT
    document = json.loads(out)
    assert (document["passed"], document["failed"], document["errors"]) == (0, 1, 0)
    (case,) = document["cases"]
    assert (case["name"], case["status"], case["line"]) == (
        "D3 wrongly without franchigia",
        "fail",
        15,
    )
    assert case["differences"] == [
        {"what": "line 1 paid", "expected": "500.00", "got": "450.00"},
        {"what": "line 1 reasons", "expected": "none", "got": "franchigia"},
        {"what": "indemnity", "expected": "500.00", "got": "450.00"},
    ]


def test_a_missing_line_and_missing_reason_are_differences(tmp_path: Path) -> None:
    folder = product_folder(
        tmp_path,
        BASE
        + "cases:\n  - name: D3\n"
        + LINES
        + '    expect: {paid: {"2": "1.00", "P9:1": "1.00"}, codes: {"1": [franchigia, limit]}}\n',
    )
    (result,) = run_cases(load_cases(find_case_files([folder]))).results
    assert [str(d) for d in result.differences] == [
        "line 2: expected a line, got none",
        "line P9:1: expected a line, got none",
        "line 1 reasons: expected franchigia, limit, got franchigia",
    ]


def test_a_malformed_case_file_gives_located_lines_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = product_folder(
        tmp_path,
        BASE
        + "cases:\n"
        + "  - name: D3\n"
        + LINES
        + '    expect: {paid: {"1": 450}, codes: {"1": [franchigea]}, bogus: 1}\n'
        + "  - name: D3\n"
        + "    claim: {product: wi-school}\n"
        + LINES
        + "    expect: {}\n",
    )
    shown = folder / "cases" / "t.yaml"
    code, out, err = run(capsys, str(shown))
    assert (code, out) == (ExitCode.INVALID_PRODUCT, "")
    assert err.splitlines() == [
        f"{shown}:18:26: cases[0].expect.paid.1: "
        'an amount in euros with cents, e.g. "450.00"; got 450',
        f"{shown}:18:46: cases[0].expect.codes.1[0]: unknown reason code 'franchigea' "
        f"(codes: {err.split('(codes: ')[1].split(')')[0]})",
        f"{shown}:18:67: cases[0].expect.bogus: unknown key",
        f"{shown}:19:11: cases[1].name: duplicate case name 'D3'",
        f"{shown}:20:22: cases[1].claim.product: the claim names product 'wi-school'; "
        "cases in imaway/cases/ are for 'imaway'",
        f"{shown}:23:5: cases[1].expect: required: what to expect "
        "(paid, claimed, status, codes, indemnity, advances)",
    ]
    assert "franchigia" in err.split("(codes: ")[1]


def test_a_case_file_with_a_yaml_error_is_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = product_folder(tmp_path, BASE + "cases:\n  - name: [unclosed\n")
    code, _, err = run(capsys, str(folder))
    assert code == ExitCode.INVALID_PRODUCT
    (line,) = err.splitlines()
    assert line.startswith(f"{folder / 'cases' / 't.yaml'}:16:1: invalid YAML: ")


def test_an_invalid_claim_in_a_case_is_an_error_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = product_folder(
        tmp_path,
        BASE
        + "cases:\n  - name: negative\n"
        + LINES.replace('"500.00"', '"-1"')
        + '    expect: {indemnity: "0.00"}\n',
    )
    code, out, _ = run(capsys, str(folder), "--format", "json")
    assert code == ExitCode.INVALID_CLAIM
    (case,) = json.loads(out)["cases"]
    assert case["status"] == "error"
    assert case["error"] == (
        f"{folder / 'cases' / 't.yaml'}:15:5: insured[0].lines[0].expenses[0].amount: "
        "must not be negative, got -1"
    )


def test_a_case_may_start_from_an_example_claim(tmp_path: Path) -> None:
    folder = product_folder(
        tmp_path,
        "cases:\n"
        "  - name: the README's example, at Top\n"
        "    example: ../examples/D-medical-usa.json\n"
        "    claim: {level: top}\n"
        '    expect: {indemnity: "6167.45"}\n'
        "  - name: the README's example\n"
        "    example: ../examples/D-medical-usa.json\n"
        '    expect: {indemnity: "5708.23", paid: {"2": "2000.00"}}\n',
    )
    report = run_cases(load_cases(find_case_files([folder])))
    assert [(r.status, r.first) for r in report.results] == [("pass", "")] * 2


def test_bad_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "none"))
    assert (code, err) == (ExitCode.IO, f"{tmp_path / 'none'}: no such file or directory\n")
    code, _, err = run(capsys, str(tmp_path))
    assert code == ExitCode.USAGE
    assert err == f"{tmp_path}: no case files (looked for cases/*.yaml)\n"


def test_every_shipped_case_passes_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json")
    document = json.loads(out)
    assert code == ExitCode.OK
    assert document["failed"] == document["errors"] == 0
    assert document["passed"] == len(load_cases(find_case_files())) >= 110


def test_a_product_added_as_a_folder_needs_no_code_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/adding-a-product.md, step by step: copy a folder, give it its id."""
    products = tmp_path / "products"
    for entry in catalog():
        shutil.copytree(entry.path.parent, products / entry.id, dirs_exist_ok=True)
    source = catalog()[0]
    new = products / "acme"
    shutil.copytree(source.path.parent, new)
    for path in [*new.glob("*.yaml"), *new.glob("cases/*.yaml"), *new.glob("examples/*.json")]:
        text = path.read_text(encoding="utf-8")
        for old, replacement in (
            (f"id: {source.id}\n", "id: acme\n"),
            (f"product: {source.id}\n", "product: acme\n"),
            (f'"product": "{source.id}"', '"product": "acme"'),
        ):
            text = text.replace(old, replacement)
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CLAIMCALC_PRODUCTS", str(products))

    assert [e.ref for e in catalog()] == sorted(
        [f"acme@{source.edition}", *(e.ref for e in catalog() if e.id != "acme")]
    )
    code, out, err = run_main(capsys, "products", "validate")
    assert (code, err) == (ExitCode.OK, "")
    assert f"ok {new / (source.edition + '.yaml')} (acme@{source.edition}, " in out

    shipped = len(load_cases(find_case_files([PRODUCTS / source.id])))
    code, out, _ = run(capsys, str(new), "--format", "json")
    document = json.loads(out)
    assert (code, document["passed"], document["failed"]) == (ExitCode.OK, shipped, 0)
    code, out, _ = run(capsys, "--format", "json")
    assert code == ExitCode.OK
    assert {Path(c["file"]).parent.parent.name for c in json.loads(out)["cases"]} == {
        e.id for e in catalog()
    }
    example = sorted((new / "examples").glob("*.json"))[0]
    code, out, _ = run_main(capsys, "settle", str(example), "--format", "json")
    assert code == ExitCode.OK
    assert json.loads(out)["product"]["id"] == "acme"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_case_with_both_lines_and_claim_insured_is_a_located_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given lines, the case's insured would be the one person holding them: a
    ``claim.insured`` beside them would be dropped without a word."""
    folder = product_folder(
        tmp_path,
        BASE
        + "cases:\n  - name: D3\n"
        + "    claim: {insured: [{ref: P2, age_at_subscription: 30, lines: []}]}\n"
        + LINES
        + '    expect: {indemnity: "450.00"}\n',
    )
    shown = folder / "cases" / "t.yaml"
    code, out, err = run(capsys, str(shown))
    assert (code, out) == (ExitCode.INVALID_PRODUCT, "")
    assert err.splitlines() == [
        f"{shown}:17:5: cases[0].lines: give lines or claim.insured, not both"
    ]


def test_any_error_settling_a_case_is_that_case_s_error_and_the_others_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A product file that does not load (exit 4) fails its own cases only."""
    folder = product_folder(
        tmp_path,
        BASE + "cases:\n  - name: D3\n" + LINES + '    expect: {paid: {"1": "450.00"}}\n',
    )
    broken = folder.parent / "acme"
    (broken / "cases").mkdir(parents=True)
    (broken / "2026-01.yaml").write_text("format: 1\nid: [unclosed\n", encoding="utf-8")
    (broken / "cases" / "t.yaml").write_text(
        BASE.replace("product: imaway", "product: acme")
        + "cases:\n  - name: D3 under a broken product\n"
        + LINES
        + '    expect: {paid: {"1": "450.00"}}\n',
        encoding="utf-8",
    )
    report = run_cases(load_cases(find_case_files([folder.parent])))
    assert [(r.case.name, r.status) for r in report.results] == [
        ("D3 under a broken product", "error"),
        ("D3", "pass"),
    ]
    error = report.results[0].error
    assert isinstance(error, ProductFileError)
    assert str(broken / "2026-01.yaml") in report.results[0].first
    assert report.exit_code == ExitCode.INVALID_PRODUCT

    code, out, _ = run(capsys, str(folder.parent), "--format", "json")
    assert code == ExitCode.INVALID_PRODUCT
    document = json.loads(out)
    assert (document["passed"], document["failed"], document["errors"]) == (1, 0, 1)
