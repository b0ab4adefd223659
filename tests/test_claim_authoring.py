"""Writing a claim without writing JSON (issue 18 point 3): ``claimcalc claim new``
through a real pseudo-terminal, ``claim template`` for every guarantee, ``claim check``.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from claimcalc.authoring.check import check_text
from claimcalc.authoring.template import PLACEHOLDER, template
from claimcalc.claim.read import claim_from_data
from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.facts import FACTS
from claimcalc.settling.engine import settle
from tests.conftest import EXAMPLES, PRODUCT_IDS, ROOT, product

CLAIMCALC = shutil.which("claimcalc") or str(Path(sys.executable).parent / "claimcalc")


def _spawn(*args: str, locale: str = "C.UTF-8", columns: int = 120) -> pexpect.spawn[str]:
    """``claimcalc claim new`` in a terminal ``columns`` wide, the language that of
    ``locale`` (English by default, whatever the machine's: claimcalc.i18n)."""
    env = {**os.environ, "LC_ALL": "", "LC_MESSAGES": "", "LANG": locale, "COLUMNS": ""}
    return pexpect.spawn(
        CLAIMCALC,
        ["claim", "new", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, columns),
    )


def _answer(child: pexpect.spawn[str], prompt: str, answer: str) -> str:
    """Waits for the question (``prompt`` in it), answers it; what was shown before."""
    child.expect(prompt)
    shown = str(child.before)
    child.expect(r": $")
    child.sendline(answer)
    return shown


def _settle_json(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [CLAIMCALC, "settle", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    settled: dict[str, Any] = json.loads(done.stdout)
    return settled


def test_claim_new_in_a_terminal_writes_a_claim_that_settles(tmp_path: Path) -> None:
    """Answered as a claims handler would, wrong answers included: each refused at once
    and asked again; a name or a fiscal code as a person's reference refused."""
    out = tmp_path / "claim.json"
    child = _spawn("--product", "imaway", "--level", "smart", "-o", str(out))
    _answer(child, "Claim reference", "CL-2026-001")
    _answer(child, "Policy number", "")
    _answer(child, "Policy issue date", "05/01/2026")  # not ISO: asked again
    child.expect("not a valid date")
    _answer(child, "Policy issue date", "2026-01-05")
    _answer(child, "Destination zone bought", "2")  # by its number: europa
    _answer(child, "Trip booking date", "2026-01-20")
    _answer(child, "Departure date", "2026-03-01")
    _answer(child, "Return date", "2026-03-10")
    _answer(child, "Trip cost", "1500,00")  # a decimal comma
    _answer(child, "Date of the event", "2026-03-03")
    _answer(child, "Country", "Spain")
    child.expect("ISO 3166 country code")
    _answer(child, "Country", "ES")
    _answer(child, "Zone where it happened", "")  # the zone bought
    _answer(child, "reported", "2026-03-05")
    _answer(child, "reference of insured person 1", "Mario Rossi")
    child.expect("letters, digits and")
    _answer(child, "reference of insured person 1", "Rossi")
    child.expect("at least one digit")
    _answer(child, "reference of insured person 1", "RSSMRA85T10A562S")
    child.expect("looks like an Italian fiscal code")
    _answer(child, "reference of insured person 1", "P1")
    _answer(child, "Age at the policy", "forty")
    child.expect("whole number")
    _answer(child, "Age at the policy", "40")
    _answer(child, "Guarantees claimed", "D.nothing")
    child.expect("not one of the choices")
    _answer(child, "Guarantees claimed", "D.medical_pharma")
    _answer(child, "Expense 1: amount", "300")
    _answer(child, "Currency", "")
    _answer(child, "Date of the expense", "2026-03-04")
    _answer(child, "Another expense", "")
    _answer(child, "authorised", "?")  # why: the article and its words
    child.expect("D2: «La mancanza di un numero di pratica")
    _answer(child, "authorised", "maybe")
    child.expect("answer yes or no")
    _answer(child, "authorised", "yes")
    _answer(child, "cause", "illness")
    _answer(child, "resident_in_italy", "sì")
    # The exclusions' facts: listed, then one question; yes asks each.
    listed = _answer(child, "Does any of them apply", "yes")
    assert "- sport: Sport being practised" in listed
    for optional in (
        "circumstances",
        "pregnancy_week",
        "safety_equipment_used",
        "search_by_public_authority",
        "sport",
        "sport_professional",
        "sport_recreational",
    ):
        _answer(child, optional, "skiing" if optional == "sport" else "")
    _answer(child, "Another insured person", "")
    child.expect("Settle it with: claimcalc settle")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["insured"][0]["ref"] == "P1"
    assert written["insured"][0]["facts"] == {
        "authorised": True,
        "cause": "illness",
        "resident_in_italy": True,
        "sport": "skiing",
    }
    assert written["trip"]["cost"] == "1500.00"
    settled = _settle_json(out)
    (line,) = settled["insured"][0]["lines"]
    assert (line["guarantee"], line["paid"]) == ("D.medical_pharma", "250.00")  # €300 − €50 (D3)


def test_claim_new_asks_the_role_and_the_objects_a_baggage_line_needs(tmp_path: Path) -> None:
    """Wi School: the role (an age cap depends on it); a baggage line: its objects."""
    wi = product("wi-school")
    code = next(
        g.code for s in wi.sections for g in s.guarantees if g.formula.kind == "object_values"
    )
    out = tmp_path / "claim.json"
    child = _spawn("--product", "wi-school", "-o", str(out))
    assert len(wi.level_ids) == 1  # not asked: the one level
    _answer(child, "Claim reference", "WS-7")
    _answer(child, "Policy number", "POL-1")
    _answer(child, "Policy issue date", "2026-02-01")
    _answer(child, "Destination zone bought", "europa")
    _answer(child, "Trip booking date", "2026-02-01")
    _answer(child, "Departure date", "2026-03-01")
    _answer(child, "Return date", "2026-03-10")
    _answer(child, "Trip cost", "")
    _answer(child, "Date of the event", "2026-03-03")
    _answer(child, "Country", "FR")
    _answer(child, "Zone where it happened", "")
    _answer(child, "reported", "2026-03-04")
    _answer(child, "reference of insured person 1", "S-16")
    _answer(child, "Age at the policy", "16")
    _answer(child, "Role", "student")
    _answer(child, "Guarantees claimed", code)
    _answer(child, "what it is", "jacket")
    _answer(child, "Commercial value", "180")
    _answer(child, "Currency", "")
    _answer(child, "Date of the loss", "2026-03-03")
    _answer(child, "Category", "clothing")
    while True:  # the object's flags its rules read, then the facts: the first way
        index = child.expect([r"Another object", r"\[yes/no\][^\n]*: $", r": $"])
        if index == 0:
            child.expect(r": $")
            child.sendline("")
            break
        child.sendline("no")
    facts = {"cause": "theft", "resident_in_italy": "yes"}
    while True:
        index = child.expect(
            [r"\n(\w+): [^\n]*: $", r"Another insured person[^\n]*: $", r"any of them apply"]
        )
        if index == 1:
            child.sendline("")
            break
        if index == 2:  # none of the exclusions' facts
            child.expect(r": $")
            child.sendline("")
            continue
        match = child.match
        assert isinstance(match, re.Match)
        child.sendline(facts.get(match.group(1), ""))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    written = json.loads(out.read_text(encoding="utf-8"))
    person = written["insured"][0]
    assert (person["role"], person["lines"][0]["objects"][0]["category"]) == ("student", "clothing")
    (line,) = _settle_json(out)["insured"][0]["lines"]
    assert line["guarantee"] == code and line["claimed"] == "180.00"


# --------------------------------------------------------------------------- template


def _placeholders(value: object, at: str = "") -> dict[str, str]:
    """Key path → placeholder text, for every placeholder in a document."""
    if isinstance(value, dict):
        return {
            k: v
            for key, item in value.items()
            for k, v in _placeholders(item, f"{at}.{key}" if at else key).items()
        }
    if isinstance(value, list):
        return {
            k: v
            for i, item in enumerate(value)
            for k, v in _placeholders(item, f"{at}[{i}]").items()
        }
    return {at: value} if isinstance(value, str) and value.startswith(PLACEHOLDER) else {}


def _filled(text: str, at: str) -> object:
    """A value for a placeholder, by the kind it names."""
    what = text.removeprefix(PLACEHOLDER)
    if what.startswith("date"):
        return "2026-03-04"
    if what.startswith("amount"):
        return "120.00"
    if what.startswith("whole number"):
        return 20
    if what.startswith("decimal number"):
        return "10"
    if what.startswith("true or false"):
        return True
    if what.startswith("one of "):
        return what.removeprefix("one of ").split(" | ")[0]
    if match := re.fullmatch(r"a (\w+) value .*", what):
        return sorted(FACTS[match.group(1)].values)[0]
    if what.startswith("country code"):
        return "IT"
    if what.startswith("claim reference"):
        return "C-1"
    raise AssertionError(f"{at}: a placeholder with no kind: {text!r}")


def _fill(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v) for v in value]
    if isinstance(value, str) and value.startswith(PLACEHOLDER):
        return _filled(value, "")
    return value


@pytest.mark.parametrize("product_id", PRODUCT_IDS)
def test_a_template_for_each_guarantee_checks_only_its_placeholders_and_settles_filled(
    product_id: str,
) -> None:
    loaded = product(product_id)
    for section in loaded.sections:
        for guarantee in section.guarantees:
            skeleton = template(loaded, [guarantee.code])
            holes = _placeholders(skeleton)
            report = check_text(json.dumps(skeleton), "t.json")
            reported = {p.where for p in report.problems}
            assert reported == set(holes), (guarantee.code, report.lines())
            filled = _fill(skeleton)
            assert check_text(json.dumps(filled), "t.json").problems == (), guarantee.code
            settle(claim_from_data(filled), loaded)  # no ClaimError: it settles


def test_claim_template_prints_a_skeleton_for_several_guarantees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["claim", "template", "imaway", "D.medical_pharma", "E.baggage"]) == 0
    skeleton = json.loads(capsys.readouterr().out)
    lines = skeleton["insured"][0]["lines"]
    assert [line["guarantee"] for line in lines] == ["D.medical_pharma", "E.baggage"]
    assert "expenses" in lines[0] and "objects" in lines[1]
    assert skeleton["level"] == "easy" or skeleton["level"] in product("imaway").level_ids
    assert main(["claim", "template", "imaway", "D.nothing"]) == ExitCode.USAGE
    assert "unknown guarantee 'D.nothing'" in capsys.readouterr().err


# --------------------------------------------------------------------------- check


def _medical_claim() -> dict[str, Any]:
    return {
        "claim_format": 1,
        "claim_id": "CHK-1",
        "product": "imaway",
        "level": "top",
        "policy": {"issue_date": "2026-01-05", "zone": "mondo"},
        "trip": {"departure_date": "2026-03-01", "return_date": "2026-03-10"},
        "event": {"date": "2026-03-03", "country": "ES", "zone": "europa"},
        "reported_on": "2026-03-05",
        "insured": [
            {
                "ref": "P1",
                "age_at_subscription": 40,
                "facts": {"resident_in_italy": True, "cause": "illness", "authorised": True},
                "lines": [
                    {
                        "guarantee": "D.medical_pharma",
                        "expenses": [{"amount": "300.00", "date": "2026-03-04"}],
                    }
                ],
            }
        ],
    }


def test_claim_check_lists_every_problem_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _medical_claim()
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(data), encoding="utf-8")
    assert main(["claim", "check", str(clean)]) == ExitCode.OK
    assert capsys.readouterr().out == f"{clean}: no problems\n"
    data["trip"]["return_date"] = "2026-13-01"  # the format
    data["event"]["zone"] = "luna"  # the product
    person = data["insured"][0]
    del person["facts"]["resident_in_italy"]  # a requirement (1.1)
    person["lines"].append({"guarantee": "E.baggage", "facts": {"cause": "theft"}})  # no objects
    person["lines"].append({"guarantee": "Z.nothing"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert main(["claim", "check", str(bad)]) == ExitCode.INVALID_CLAIM
    out = capsys.readouterr().out
    assert f"{bad}: trip.return_date: not a valid date" in out
    assert f"{bad}: event.zone: unknown zone 'luna'" in out
    assert (
        f"{bad}: insured[0].lines[0].facts: D.medical_pharma needs resident_in_italy"
        " (1.1: Residenti o domiciliati in Italia.)" in out
    )
    assert f"{bad}: insured[0].lines[1].objects: E.baggage is settled on baggage objects" in out
    assert f"{bad}: insured[0].lines[2].guarantee: unknown guarantee 'Z.nothing'" in out
    assert main(["claim", "check", "--format", "json", str(bad), str(clean)]) == 3
    reports = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in reports] == [False, True]
    assert len(reports[0]["problems"]) >= 5
    assert {"where", "message"} == set(reports[0]["problems"][0])


def test_claim_check_runs_the_settlements_own_checks_once_the_claim_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A foreign expense with no ECB rate: only settling finds it, and check says so."""
    data = _medical_claim()
    data["insured"][0]["lines"][0]["expenses"][0]["currency"] = "USD"
    path = tmp_path / "usd.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["claim", "check", str(path)]) == ExitCode.INVALID_CLAIM
    assert "insured[0].lines[0].expenses[0].currency: no ECB rate" in capsys.readouterr().out


def test_claim_check_of_an_unknown_product_or_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _medical_claim()
    data["product"] = "nosuch"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    # An unknown product is exit 4, as settle says (and README): named by the claim too.
    assert main(["claim", "check", str(path)]) == ExitCode.INVALID_PRODUCT
    assert "product:" in capsys.readouterr().out
    assert main(["settle", str(path)]) == ExitCode.INVALID_PRODUCT
    capsys.readouterr()
    for ref in ("/etc/passwd", "imaway@1999-01"):
        data["product"] = ref
        path.write_text(json.dumps(data), encoding="utf-8")
        assert main(["claim", "check", str(path)]) == ExitCode.INVALID_PRODUCT, ref
        capsys.readouterr()
    del data["product"]  # naming none is the claim's own problem
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["claim", "check", str(path)]) == ExitCode.INVALID_CLAIM
    capsys.readouterr()
    assert main(["claim", "check", "--product", "nosuch", str(path)]) == ExitCode.INVALID_PRODUCT
    capsys.readouterr()
    assert main(["claim", "check", str(tmp_path / "missing.json")]) == ExitCode.IO


def test_claim_check_reports_each_file_on_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing, a non-UTF-8 and a malformed file are each reported and the others
    still checked; the exit code is the highest (5 > 3 > 0); the JSON "file" is the path."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_medical_claim()), encoding="utf-8")
    syntax = tmp_path / "syntax.json"
    syntax.write_text('{"a": ', encoding="utf-8")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    missing = tmp_path / "missing.json"
    files = [str(p) for p in (good, missing, binary, syntax)]
    assert main(["claim", "check", *files]) == ExitCode.IO
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{good}: no problems"
    assert out[1].startswith(f"{missing}: cannot read claim file:")
    assert out[2] == f"{binary}: not UTF-8 text"
    assert out[3].startswith(f"{syntax}:1:7: invalid JSON")
    assert main(["claim", "check", "-f", "json", *files]) == ExitCode.IO
    reports = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in reports] == files
    assert [r["exit_code"] for r in reports] == [0, 5, 3, 3]
    assert (reports[3]["line"], reports[3]["column"]) == (1, 7)
    assert "line" not in reports[0]
    assert main(["claim", "check", str(good), str(binary)]) == ExitCode.INVALID_CLAIM
    capsys.readouterr()


def test_claim_check_reads_a_claim_on_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _medical_claim()
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(data).encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["claim", "check", "-"]) == ExitCode.OK
    assert capsys.readouterr().out == "<stdin>: no problems\n"
    del data["insured"][0]["facts"]["resident_in_italy"]
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(data).encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["claim", "check", "-"]) == ExitCode.INVALID_CLAIM
    assert "<stdin>: insured[0].lines[0].facts: D.medical_pharma needs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "said"), [("{}", "missing required field"), ('{"product": 5}', "expected a string")]
)
def test_claim_check_says_a_missing_or_wrong_product_once(
    text: str, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reader's problem with `product` is the only one about it (the check once
    added "product: product: product: missing…" after it)."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["claim", "check", "-"]) == ExitCode.INVALID_CLAIM
    about = [line for line in capsys.readouterr().out.splitlines() if "product" in line]
    assert about == [f"<stdin>: product: {said}" + ("" if text == "{}" else ", got 5")]


@pytest.mark.parametrize(
    ("example", "code", "article"),
    [
        ("imaway/examples/E-baggage-theft-barcelona.json", "E.baggage", "E1"),
        ("imaway/examples/M-cancellation.json", "M.cancellation", "M1"),
    ],
)
def test_claim_check_cites_the_rule_that_requires_a_missing_fact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, code: str, article: str
) -> None:
    """Without ``cause``, the requirement of the guarantee is cited, as settle cites it,
    not an exclusion that merely reads the fact (Imaway 1.22 f)."""
    data = json.loads((ROOT / "products" / example).read_text(encoding="utf-8"))
    holders = [data["event"], *data["insured"]]
    holders += [line for person in data["insured"] for line in person["lines"]]
    for holder in holders:
        holder.get("facts", {}).pop("cause", None)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["claim", "check", str(path)]) == ExitCode.INVALID_CLAIM
    checked = capsys.readouterr().out
    assert f"{code} needs cause ({article}: " in checked
    assert "1.22" not in checked
    assert main(["settle", str(path)]) == ExitCode.INVALID_CLAIM
    assert f"needs cause ({article}: " in capsys.readouterr().err


def _case_claims() -> list[tuple[str, str]]:
    """Every case's claim as JSON text, with the case's place."""
    import datetime as dt

    from claimcalc.cases import find_case_files, load_cases

    def as_json(value: object) -> object:
        if isinstance(value, dict):
            return {key: as_json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [as_json(item) for item in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    files = find_case_files([str(p) for p in sorted(ROOT.glob("products/*/cases/*.yaml"))])
    return [(case.where, json.dumps(as_json(case.claim_data))) for case in load_cases(files)]


def _settles(text: str) -> bool:
    """Whether ``settle`` reads and settles the claim (exit 0), as the command does."""
    from claimcalc.errors import ClaimcalcError
    from claimcalc.product.catalog import find_product, load_product

    try:
        claim = claim_from_data(json.loads(text))
        ref = claim.product if claim.edition is None else f"{claim.product}@{claim.edition}"
        settle(claim, load_product(find_product(ref, allow_path=False)))
    except ClaimcalcError:
        return False
    return True


def test_claim_check_agrees_with_settle_on_every_example_and_case() -> None:
    """``claim check`` finds problems exactly when ``settle`` refuses the claim: on
    every shipped example and case claim (all settle), and on each of them with one
    fact taken away at a time (over a thousand claims; settle's order decides whether a fact is
    needed: a line refused first needs no more). It asked for every fact a
    requirement reads, even one an any-of no longer needed (Imaway I1 with a 48-hour
    stay asked for organised_by_assistance), Wi School B2's authorisation under
    €1,000, and ``unused_days`` of a line every motive refused."""
    claims = [(str(p), p.read_text(encoding="utf-8")) for p in EXAMPLES]
    for where, text in _case_claims():
        claims.append((where, text))
        data = json.loads(text)
        holders = [data["event"], *data["insured"]]
        holders += [line for person in data["insured"] for line in person["lines"]]
        for holder in holders:
            facts = holder.get("facts", {})
            for key in list(facts):
                value = facts.pop(key)
                claims.append((f"{where} without {key}", json.dumps(data)))
                facts[key] = value
    assert len(claims) > 1000
    disagree = [
        (where, lines)
        for where, text in claims
        if bool(lines := check_text(text, where).lines()) == _settles(text)
    ]
    assert disagree == []


def test_the_first_reason_of_a_needed_fact_is_a_rule_that_needs_it() -> None:
    """Every guarantee of every product: a fact a requirement, prior authorisation or
    formula reads cites that rule first, before exclusions, limits and deductibles."""
    from claimcalc.output.guide import fact_rules
    from claimcalc.product.schema import PriorAuthorisation, Requires

    for product_id in PRODUCT_IDS:
        loaded = product(product_id)
        for section in loaded.sections:
            for guarantee in section.guarantees:
                for fact, rules in fact_rules(loaded, section, guarantee).items():

                    def needs(rule: object) -> bool:
                        return isinstance(rule, Requires | PriorAuthorisation) or (
                            rule is guarantee.formula  # noqa: B023
                        )

                    if any(needs(rule) for rule in rules):
                        assert needs(rules[0]), (product_id, guarantee.code, fact)


def _drive(child: pexpect.spawn[str], answers: dict[str, str]) -> list[str]:
    """Answers every question until the session ends: the first answer whose key is in
    the question, else what a hurried handler types (Enter where allowed, the first
    choice, yes); the questions asked, in order."""
    asked = []
    while child.expect([r"\n([^\n]*): $", pexpect.EOF]) == 0:
        match = child.match
        assert isinstance(match, re.Match)
        question = match.group(1)
        asked.append(question)
        assert len(asked) < 200, asked[-5:]
        # a fact's question starts with its name: that key first (cause's question
        # names affected_person and affected_person's names the cause)
        answer = answers.get(question.split(":", 1)[0])
        if answer is None:
            answer = next((a for key, a in answers.items() if key in question), None)
        if answer is None:
            if "[Enter" in question:
                answer = ""
            elif "[yes/no]" in question:
                answer = "yes"
            else:
                answer = "1"
        child.sendline(answer)
    child.close()
    return asked


def test_claim_new_asks_again_for_what_the_settlement_needs_at_the_end(tmp_path: Path) -> None:
    """A booking date left out is asked for once the cancellation line shows it is needed
    (cover starts at enrolment, Wi School F2); the claim written then settles."""
    out = tmp_path / "claim.json"
    child = _spawn("--product", "wi-school", "-o", str(out))
    asked = _drive(
        child,
        {
            "Claim reference": "WS-8",
            "Policy issue date": "2026-02-01",
            "Trip booking date": "",  # left out
            "Departure date": "2026-03-01",
            "Return date": "2026-03-10",
            "Date of the event": "2026-02-20",
            "Country": "IT",
            "reported": "2026-02-21",
            "reference of insured person": "S-1",
            "Age at the policy": "16",
            "Role": "student",
            "Guarantees claimed": "F.cancellation",
            "amount": "400",
            "Date of the expense": "2026-02-21",
            "cause": "illness",
            "affected_person": "insured",
            "trip.booking_date": "2026-01-15",
        },
    )
    assert child.exitstatus == 0, asked[-5:]
    assert "trip.booking_date (YYYY-MM-DD)" in asked
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["trip"]["booking_date"] == "2026-01-15"
    (line,) = _settle_json(out)["insured"][0]["lines"]
    assert line["guarantee"] == "F.cancellation"


def test_claim_new_shows_the_claim_when_it_cannot_write_it(tmp_path: Path) -> None:
    """A file that cannot be written (a folder that does not exist): exit 5, and the
    claim is printed, so that the answers are not lost."""
    import io

    out = tmp_path / "no-such-folder" / "claim.json"
    child = _spawn("--product", "imaway", "--level", "top", "-o", str(out))
    screen = io.StringIO()
    child.logfile_read = screen
    _drive(
        child,
        {
            "Claim reference": "CL-9",
            "YYYY-MM-DD": "2026-03-04",
            "Country": "FR",
            "reference of insured person": "P1",
            "Age at the policy": "30",
            "Guarantees claimed": "F.flight_delay",
            "cause": "flight_delay",
            "delay_hours": "9",
        },
    )
    assert child.exitstatus == ExitCode.IO
    assert not out.exists()
    shown = screen.getvalue()
    assert '"claim_id": "CL-9"' in shown and '"guarantee": "F.flight_delay"' in shown
    assert "cannot" in shown.rsplit('"insured"', 1)[1]


_FLIGHT_DELAY = {
    "Claim reference": "CL-9",
    "YYYY-MM-DD": "2026-03-04",
    "Country": "FR",
    "reference of insured person": "P1",
    "Age at the policy": "30",
    "Guarantees claimed": "F.flight_delay",
    "cause": "flight_delay",
    "delay_hours": "9",
}


def test_claim_new_keeps_an_existing_file_and_shows_the_claim(tmp_path: Path) -> None:
    """No to "replace it?" and no other file named: the file is kept, and the claim is
    printed (exit 1, nothing written), so that the answers are not lost."""
    out = tmp_path / "claim.json"
    out.write_text("kept\n", encoding="utf-8")
    child = _spawn("--product", "imaway", "--level", "top", "-o", str(out))
    screen = io.StringIO()
    child.logfile_read = screen
    asked = _drive(child, {**_FLIGHT_DELAY, "replace it?": "no", "another file": ""})
    assert child.exitstatus == 1, asked[-3:]
    assert out.read_text(encoding="utf-8") == "kept\n"
    shown = screen.getvalue().rsplit("replace it?", 1)[1]
    assert '"claim_id": "CL-9"' in shown and '"guarantee": "F.flight_delay"' in shown


def test_claim_new_writes_to_another_file_when_the_first_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "claim.json"
    out.write_text("kept\n", encoding="utf-8")
    other = tmp_path / "other.json"
    child = _spawn("--product", "imaway", "--level", "top", "-o", str(out))
    asked = _drive(child, {**_FLIGHT_DELAY, "replace it?": "no", "another file": str(other)})
    assert child.exitstatus == 0, asked[-3:]
    assert out.read_text(encoding="utf-8") == "kept\n"
    assert json.loads(other.read_text(encoding="utf-8"))["claim_id"] == "CL-9"


def test_claim_new_asks_the_ecb_rate_of_a_foreign_expense(tmp_path: Path) -> None:
    """An expense in dollars: the ECB rate of its day is asked, and
    written into the claim's rates, so that the claim settles without --rates."""
    out = tmp_path / "claim.json"
    child = _spawn("--product", "imaway", "--level", "top", "-o", str(out))
    asked = _drive(
        child,
        {
            "Claim reference": "CL-USD",
            "YYYY-MM-DD": "2026-03-04",
            "Destination zone bought": "mondo",
            "Zone where it happened": "mondo",
            "Country": "US",
            "reference of insured person": "P1",
            "Age at the policy": "30",
            "Guarantees claimed": "D.medical_pharma",
            "amount": "1080.00",
            "Currency": "USD",
            "ECB reference rate": "1.08",
            "cause": "illness",
        },
    )
    assert child.exitstatus == 0, asked[-5:]
    assert "ECB reference rate on 2026-03-04: USD per 1 EUR" in asked
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["rates"] == [{"currency": "USD", "date": "2026-03-04", "units_per_eur": "1.08"}]
    (line,) = _settle_json(out)["insured"][0]["lines"]
    assert line["claimed"] == "1000.00"  # USD 1,080 at 1.08


def test_claim_new_in_italian_fits_an_80_column_terminal(tmp_path: Path) -> None:
    """In Italian, by the locale, on an 80-column terminal: the questions are Italian
    and the lists of choices are laid out to its width (no value folded in two)."""
    screen = io.StringIO()
    child = _spawn(
        "--product", "imaway", "--level", "smart", "-o", str(tmp_path / "c.json"),
        locale="it_IT.UTF-8", columns=80,
    )  # fmt: skip
    child.logfile_read = screen
    _answer(child, "Riferimento della richiesta di rimborso", "CL-2026-080")
    _answer(child, "Numero di polizza", "")
    _answer(child, "Data di emissione della polizza", "2026-01-05")
    child.expect("Destinazione acquistata")
    child.close(force=True)
    shown = screen.getvalue().replace("\r\n", "\n").splitlines()
    choices = [line for line in shown if ") italia" in line or ") mondo" in line]
    assert any("mondo_escl_usa_canada" in line for line in choices), shown
    assert all(len(line) <= 80 for line in choices), choices


def _interview_at(columns: int, locale: str, *args: str) -> list[str]:
    """``claim new`` answered to the end, as a hurried handler would (several lines,
    the first choices, Enter where allowed), in a terminal ``columns`` wide; the
    lines written to it (the pty's, before the terminal folds any)."""
    screen = io.StringIO()
    child = _spawn(*args, locale=locale, columns=columns)
    child.logfile_read = screen
    asked = 0
    while child.expect([r": $", pexpect.EOF]) == 0:
        question = " ".join(str(child.before).split()[-30:])
        asked += 1
        assert asked < 150, question
        if re.search(r"YYYY|AAAA", question):
            answer = "2026-03-04"
        elif re.search(r"insured person \d+ \(|assicurato \d+ \(", question):
            answer = f"P{asked}"
        elif re.search(r"Country|Paese", question):
            answer = "ES"
        elif re.search(r"Age|Età", question):
            answer = "30"
        elif re.search(r"amount|importo", question, re.IGNORECASE):
            answer = "100"
        elif re.search(r"Guarantees claimed|Garanzie", question):
            answer = "1,2,3,4,5,6"
        elif re.search(r"\[(Enter|Invio)", question):
            answer = ""
        elif re.search(r"Claim reference|Riferimento della", question):
            answer = "CL-80"
        elif "/no]" in question:
            answer = "no"
        else:
            answer = "1"
        child.sendline(answer)
    child.close()
    assert child.exitstatus in (0, 3), screen.getvalue()[-2000:]
    return screen.getvalue().replace("\r\n", "\n").split("\n")


@pytest.mark.parametrize("locale", ["C.UTF-8", "it_IT.UTF-8"])
def test_claim_new_wraps_its_texts_on_words_at_80_columns(tmp_path: Path, locale: str) -> None:
    """Every line claim new writes to an 80-column terminal fits it, a question with
    the answer typed after it too: the greeting (over 110 characters), a line's
    heading with a long guarantee title, the problems at the end, the questions
    themselves, are wrapped between words, never folded mid-word by the terminal."""
    out = tmp_path / "claim.json"
    lines = _interview_at(80, locale, "--product", "wi-school", "-o", str(out))
    assert out.is_file()
    too_long = [line for line in lines if len(line) > 80]
    assert not too_long, too_long
    text = " ".join(" ".join(lines).split())
    greeting = (
        "Type ? at any question to see why it is asked."
        if locale == "C.UTF-8"
        else "Scrivere ? a qualsiasi domanda per vedere perché viene posta."
    )
    assert greeting in text  # whole: wrapped between words, none cut
    assert "A.student_return_by_teacher" in text
