"""Per-claim failures stay per-claim (issue #15, point 1): whatever goes wrong
reading or settling one claim, a bug included, becomes that claim's error
record with a documented exit code, and the other claims' records are those
of a clean run, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claimcalc.claim.sources import Item
from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.output.fastpath import FastPath
from claimcalc.settling.settler import Settler
from tests.conftest import EXAMPLES, FIXTURES

BAD = FIXTURES / "claims" / "bad"

# The bad claims of issue #15 point 1, each as it is in its fixture.
CASES = [
    "39-amount-too-large.json",
    "40-amount-1e400.json",
    "41-tiny-rate.json",
    "42-integer-of-5000-digits.json",
    "43-issued-in-year-9999.json",
    "44-lone-surrogate.json",
    "45-too-many-lines.json",
    "46-amount-with-three-decimals.json",
    "47-age-over-130.json",
    "48-fact-out-of-bounds.json",
]


def good_lines(count: int) -> list[bytes]:
    texts = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    return [
        json.dumps(dict(texts[i % len(texts)], claim_id=f"C-{i:04d}")).encode()
        for i in range(count)
    ]


def settle_ndjson(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[bytes], *args: str
) -> tuple[int, list[str]]:
    path = tmp_path / "book.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code = main(["settle", str(path), "--format", "ndjson", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out.splitlines()


def bad_line(name: str) -> bytes:
    """The fixture as one NDJSON line (its JSON text, newlines removed)."""
    return b" ".join((BAD / name).read_bytes().split())


@pytest.mark.parametrize("where", [2, 70])  # the exact reading, and orjson's (FAST_AFTER)
@pytest.mark.parametrize("bad", [*CASES, "not UTF-8"], ids=[*CASES, "non-utf8-line"])
def test_one_bad_line_among_good_ones_gives_n_records_the_others_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str, where: int
) -> None:
    good = good_lines(72)
    clean_code, clean = settle_ndjson(tmp_path, capsys, good)
    assert clean_code == ExitCode.OK
    lines = list(good)
    lines[where] = (
        b'{"claim_id": "X-1", "label": "caf\xe8"}' if bad == "not UTF-8" else bad_line(bad)
    )
    code, records = settle_ndjson(tmp_path, capsys, lines)
    assert code == ExitCode.PARTIAL
    assert len(records) == len(good)
    for position, (record, expected) in enumerate(zip(records, clean, strict=True)):
        if position != where:
            assert record == expected
    failed = json.loads(records[where])
    assert failed["status"] == "error"
    assert failed["exit_code"] == ExitCode.INVALID_CLAIM
    assert len(failed["errors"]) == 1
    records[where].encode("utf-8")  # written, so encodable


@pytest.mark.parametrize("path", ["engine", "fast path"])
def test_a_bug_settling_one_claim_is_its_error_record_and_the_batch_goes_on(
    path: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = good_lines(5)
    _, clean = settle_ndjson(tmp_path, capsys, good)
    if path == "engine":
        monkeypatch.setenv("CLAIMCALC_FAST_PATH", "0")
        settle_claim = Settler.settle_claim

        def failing_step(self: Settler, claim: Any, product: Any, source: str) -> object:
            if source.endswith(":3"):
                raise ZeroDivisionError("division by zero")  # a step with a bug
            return settle_claim(self, claim, product, source)

        monkeypatch.setattr(Settler, "settle_claim", failing_step)
    else:
        # the plain path writes a plain claim's record without FastPath.record
        monkeypatch.setenv("CLAIMCALC_PLAIN_PATH", "0")
        record = FastPath.record

        def failing_record(self: FastPath, claim: Any, product: Any, position: int, *a: Any) -> Any:
            if position == 3:
                raise ZeroDivisionError("division by zero")  # a bug in the fast path
            return record(self, claim, product, position, *a)

        monkeypatch.setattr(FastPath, "record", failing_record)
    code, records = settle_ndjson(tmp_path, capsys, good)
    assert code == ExitCode.PARTIAL
    assert [r for i, r in enumerate(records) if i != 2] == [
        r for i, r in enumerate(clean) if i != 2
    ]
    failed = json.loads(records[2])
    assert failed["claim_id"] == "C-0002"
    assert failed["exit_code"] == ExitCode.INTERNAL
    assert int(ExitCode.INTERNAL) == 7
    (problem,) = failed["errors"]
    assert problem["message"] == (
        f"{tmp_path / 'book.ndjson'}:3: internal error (ZeroDivisionError: division by zero); "
        "this is a bug in claimcalc, please report it with this claim"
    )


def test_a_bug_in_a_one_claim_run_is_one_line_and_exit_7(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_step(self: Settler, item: Item) -> object:
        raise KeyError("oops")

    monkeypatch.setattr(Settler, "settle_text", failing_step)
    claim = str(EXAMPLES[0])
    code = main(["settle", claim, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == ExitCode.INTERNAL
    assert out == ""
    assert err == (
        f"{claim}: internal error (KeyError: 'oops'); "
        "this is a bug in claimcalc, please report it with this claim\n"
    )


@pytest.mark.parametrize("path", ["engine", "fast path"])
def test_a_bug_formatting_a_record_is_that_claims_error(
    path: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import claimcalc.batch as batch
    from claimcalc.output.records import format_record

    calls = []
    surrogate = UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    if path == "engine":
        monkeypatch.setenv("CLAIMCALC_FAST_PATH", "0")

        def failing_format(item: Item, result: object, *args: object) -> str:
            calls.append(item.position)
            if item.position == 2 and calls.count(2) == 1:
                raise surrogate
            return format_record(item, result, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(batch, "format_record", failing_format)
    else:
        # the plain path writes a plain claim's record without FastPath.record
        monkeypatch.setenv("CLAIMCALC_PLAIN_PATH", "0")
        record = FastPath.record

        def failing_record(self: FastPath, claim: Any, product: Any, position: int, *a: Any) -> Any:
            calls.append(position)
            if position == 2:
                raise surrogate  # writing the record
            return record(self, claim, product, position, *a)

        monkeypatch.setattr(FastPath, "record", failing_record)
    code, records = settle_ndjson(tmp_path, capsys, good_lines(3))
    assert code == ExitCode.PARTIAL
    assert len(records) == 3
    assert json.loads(records[1])["exit_code"] == ExitCode.INTERNAL
    assert 2 in calls


def test_an_internal_error_travels_from_a_worker_process() -> None:
    import pickle

    from claimcalc.errors import InternalError

    error = InternalError.of("book.ndjson:3", RuntimeError("caf\u00e9 \ud800"))
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert again.exit_code == ExitCode.INTERNAL
    str(error).encode("ascii")  # any output can write it


def test_a_date_object_out_of_bounds_is_refused_by_the_library_too() -> None:
    import datetime as dt

    from claimcalc.claim.read import claim_from_data
    from claimcalc.errors import ClaimError

    data = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    data["policy"]["issue_date"] = dt.date(9999, 1, 1)
    with pytest.raises(ClaimError) as raised:
        claim_from_data(data, "lib")
    assert raised.value.problems == (
        ("policy.issue_date", "must be between 1900-01-01 and 2199-12-31, got 9999-01-01"),
    )
