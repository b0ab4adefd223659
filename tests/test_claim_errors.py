"""Bad claim files: one line per problem, naming the file and the field, and
the documented exit code — never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from claimcalc.claim.read import claim_from_data, parse_claim
from claimcalc.cli import main
from claimcalc.errors import ClaimError, ExitCode
from tests.conftest import FIXTURES

BAD = FIXTURES / "claims" / "bad"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (BAD / "expected.yaml").read_text(encoding="utf-8")
)


def test_there_are_at_least_twenty_five_kinds_of_bad_claim() -> None:
    assert len(EXPECTED) >= 25
    assert sorted(EXPECTED) == sorted(p.name for p in BAD.glob("*.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_claim_gives_its_one_line_errors_and_exit_code(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BAD / name
    code = main(["settle", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    expected = EXPECTED[name]
    assert out == ""
    assert err.splitlines() == [line.replace("{file}", str(path)) for line in expected["stderr"]]
    assert code == expected["exit"]
    assert code in (ExitCode.INVALID_CLAIM, ExitCode.INVALID_PRODUCT)
    assert "Traceback" not in err


def test_claim_errors_carry_each_problem() -> None:
    text = (BAD / "35-several-problems.json").read_text(encoding="utf-8")
    with pytest.raises(ClaimError) as caught:
        parse_claim(text, "x.json")
    assert [field for field, _ in caught.value.problems] == [
        "level",
        "trip.return_date",
        "insured[0].lines[0].expenses[0].amount",
    ]
    assert caught.value.located("y.json").text().startswith("y.json: level: ")


def test_json_numbers_are_read_as_exact_decimals() -> None:
    document = json.loads((FIXTURES / "claims" / "valid.json").read_text(encoding="utf-8"))
    document["insured"][0]["lines"][0]["expenses"][0]["amount"] = 0.1
    claim = parse_claim(json.dumps(document), "x.json")
    assert str(claim.insured[0].lines[0].expenses[0].amount) == "0.1"


def test_unreadable_claim_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["settle", str(tmp_path / "none.json")])
    assert code == ExitCode.IO
    assert capsys.readouterr().err == (
        f"{tmp_path / 'none.json'}: cannot read claim file: No such file or directory\n"
    )


def test_errors_survive_pickling_for_worker_processes() -> None:
    import pickle

    from claimcalc.errors import Problem, ProductFileError

    claim_error = ClaimError("x.json", [("level", "expected a string, got 3")])
    assert str(pickle.loads(pickle.dumps(claim_error))) == "x.json: level: expected a string, got 3"
    product_error = ProductFileError([Problem("p.yaml", 3, 1, "id", "missing required key")])
    assert pickle.loads(pickle.dumps(product_error)).problems == product_error.problems


@pytest.mark.parametrize("reader", ["quick", "full"])
@pytest.mark.parametrize(
    ("fact", "old", "instead"),
    [
        ("cause", "family_death", "cause: death with affected_person: family_member"),
        (
            "cause",
            "family_hospitalisation",
            "cause: hospitalisation with affected_person: family_member",
        ),
        (
            "affected_person",
            "minor_family_member",
            "affected_person: family_member with affected_person_age",
        ),
    ],
)
def test_an_old_spelling_of_the_affected_person_is_refused_by_name(
    reader: str, fact: str, old: str, instead: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cause says what happened, affected_person to whom: a combined value
    gives one error naming the new spelling, whichever reader reads the claim."""
    if reader == "full":

        def gives_up(data: object) -> object:
            raise KeyError("the quick reading gives up")

        monkeypatch.setattr("claimcalc.claim.read.quick_claim", gives_up)
    document = json.loads((FIXTURES / "claims" / "valid.json").read_text(encoding="utf-8"))
    document["insured"][0]["lines"][0]["facts"] = {fact: old}
    with pytest.raises(ClaimError) as caught:
        claim_from_data(document, "x.json")
    assert list(caught.value.problems) == [
        (f"insured[0].lines[0].facts.{fact}", f"{old!r} was replaced: write {instead}")
    ]
