"""The settlement letter (settle --format html) without a browser: what it says,
what it refuses, what it never contains; and the contract quotes it cites.

The browser's checks (layout at A4, every amount against the JSON) are in
tests/test_letter_browser.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimcalc.claim.sources import read_claim_file
from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.output.letter import TEMPLATES, ContractQuotes, settlement_letter
from claimcalc.product.catalog import load_rulebook
from claimcalc.settlement import REASON_CODES
from claimcalc.settling.settler import Settler
from tests.conftest import EXAMPLES, PRODUCT_IDS, example, seed_text, squash


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def letter(capsys: pytest.CaptureFixture[str], claim: Path, *args: str) -> str:
    code, out, err = run(capsys, "settle", str(claim), "--format", "html", *args)
    assert (code, err) == (0, "")
    return out


@pytest.mark.parametrize("claim", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_example_letter_is_self_contained(
    claim: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = letter(capsys, claim)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", page)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"<script\b", page, re.I)  # no script at all, inline or not
    assert not re.search(r"url\(|@import|<img\b|<iframe\b|src=", page, re.I)
    assert "@page { size: A4;" in page
    assert "<style>" in page


@pytest.mark.parametrize("claim", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_reduced_or_refused_line_cites_the_contracts_sentence(
    claim: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The letter quotes, for every reason, the contract; here from the product's
    quotes, checked against the seed in the test below."""
    page = letter(capsys, claim)
    settlement = Settler().settle_text(read_claim_file(claim))
    reasons = [r for line in settlement.lines() for r in line.trace if r.code in REASON_CODES]
    assert page.count('<li data-code="') == len(reasons)
    assert 'class="noquote"' not in page, "a reason whose article the product file quotes not"
    quotes = re.findall(r'<blockquote class="contract" lang="it">«(.*?)»</blockquote>', page, re.S)
    assert len(quotes) >= len(reasons)
    for reason in reasons:
        assert f"Art. {reason.article} " in page


@pytest.mark.parametrize("product_id", PRODUCT_IDS)
def test_every_quote_in_a_product_file_is_the_seed_contracts_text(product_id: str) -> None:
    book = load_rulebook(product_id)
    quotes = ContractQuotes(book)
    found = {q for qs in [*quotes.by_article.values(), *quotes.sections.values()] for q in qs}
    assert found, "the product quotes nothing"
    seed = seed_text(product_id)
    for quote in sorted(found):
        assert squash(quote) in seed, f"not in the seed: {quote!r}"


def test_a_limit_quotes_its_own_sentence_not_its_articles_other_limits() -> None:
    """E2 holds the sum insured and the per-object limit: each cap cites its own."""
    quotes = ContractQuotes(load_rulebook("imaway"))
    from claimcalc.settlement import Code

    per_object = quotes.of(Code.PER_OBJECT_CAP, "E2", None)
    zone = quotes.of(Code.LIMIT, "E2", "E.zone")
    assert len(per_object) == 1 and "singolo oggetto" in per_object[0]
    assert len(zone) == 1 and "I Massimali che seguono" in zone[0]
    # A limit the contract states only in its table quotes that row.
    (early,) = quotes.of(Code.LIMIT, "A1.7", "A.early_return.max")
    assert early.startswith("Rientro anticipato dell'assicurato € 5.000,00")


def test_the_letter_says_what_a_claim_is(capsys: pytest.CaptureFixture[str]) -> None:
    page = letter(capsys, example("imaway", "E-baggage-theft-barcelona.json"))
    data = json.loads(
        run(
            capsys, "settle", str(example("imaway", "E-baggage-theft-barcelona.json")), "-f", "json"
        )[1]
    )
    assert data["claim_id"] in page
    assert "Imaway Assicurazione multiviaggio" in page
    assert "Ed. 01/2026 (2026-01)" in page
    assert "Imaway Top" in page
    assert data["product"]["sha256"] in page
    assert "claimcalc 0.1.0" in page
    # the per-object cap (E2) and the franchigia (E4), each with the contract's words
    assert "Limite massimo per singolo oggetto" in page
    assert "franchigia di € 50,00 per sinistro" in page
    assert "€ 416,00" in page


def test_claim_text_is_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    settlement = Settler().settle_text(
        read_claim_file(example("imaway", "E-baggage-theft-barcelona.json"))
    )
    settlement.insured[0].lines[0].title = '<script>alert("x")</script>'
    settlement.insured[0].ref = "A&B"
    page = settlement_letter(settlement)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "A&amp;B" in page


def test_the_language_follows_the_locale_and_lang(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = example("wi-school", "B-medical-london.json")
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    italian = letter(capsys, claim)
    assert '<html lang="it">' in italian
    assert re.search(r"\d\d/\d\d/\d{4}", italian)  # dates as an Italian letter writes them
    english = letter(capsys, claim, "--lang", "en")
    assert '<html lang="en">' in english
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert '<html lang="en">' in letter(capsys, claim)
    assert '<html lang="it">' in letter(capsys, claim, "--lang", "it")


def test_an_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    claim = example("imaway", "E-baggage-theft-barcelona.json")
    code, out, err = run(capsys, "settle", str(claim), "-f", "html", "--lang", "fr")
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == "--lang: 'fr' is not one of 'en', 'it'\n"


@pytest.mark.parametrize(
    "inputs",
    [
        [str(example("imaway", "A-assistance-bangkok.json").parent)],
        [
            "products/imaway/examples/A-assistance-bangkok.json",
            "products/imaway/examples/B-home-nursing.json",
        ],
        ["-"],
    ],
    ids=["directory", "two-files", "stdin"],
)
def test_a_batch_asked_for_a_letter_is_refused_in_one_line(
    inputs: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "letter.html"
    code, out, err = run(capsys, "settle", *inputs, "-f", "html", "-o", str(out_file))
    assert (code, out) == (ExitCode.USAGE, "")
    assert err.count("\n") == 1 and err.startswith("--format html: a letter is for one claim file")
    assert not out_file.exists()
    code, out, err = run(capsys, "settle", *inputs, "-f", "html", "--lang", "it")
    assert (code, out) == (ExitCode.USAGE, "")
    assert err.startswith("--format html: una lettera è per un solo file di denuncia"), err


def test_the_letter_goes_to_the_output_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "letter.html"
    claim = example("imaway", "M-cancellation.json")
    code, out, err = run(capsys, "settle", str(claim), "-f", "html", "-o", str(out_file))
    assert (code, out, err) == (0, "", "")
    assert out_file.read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_the_letter_is_not_a_document_format(capsys: pytest.CaptureFixture[str]) -> None:
    """Products, diffs and schemas are JSON or tables: html is settle's only."""
    code, _, err = run(capsys, "products", "show", "imaway", "-f", "html")
    assert code == ExitCode.USAGE and "html" in err


def test_the_templates_are_package_data() -> None:
    """The wheel ships src/claimcalc whole (pyproject: packages), templates included."""
    assert (TEMPLATES / "letter.html.j2").is_file()
    assert TEMPLATES.parent.name == "output" and TEMPLATES.parent.parent.name == "claimcalc"
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert 'packages = ["src/claimcalc"]' in pyproject


def test_an_exclusion_quotes_its_own_sentence_among_its_articles() -> None:
    """Wi School F5 holds six exclusions: the step's text says which applied."""
    from claimcalc.settlement import Code

    quotes = ContractQuotes(load_rulebook("wi-school"))
    book = load_rulebook("wi-school")
    section_f = next(s for s in book.sections if s.code == "F")
    commitments = next(e for e in section_f.exclusions if e.id == "F5.commitments")
    (quote,) = quotes.of(Code.EXCLUDED, "F5", None, f"excluded: {commitments.text}")
    assert quote.startswith("- da sopravvenuti impegni di lavoro")
    assert len(quotes.of(Code.EXCLUDED, "F5", None, "excluded: something else")) == 6


def _case_reasons() -> list[tuple[str, str, str, str]]:
    """(case, product, article, code) of every reason of every shipped case
    (products/*/cases) that does not quote the contract."""
    from claimcalc.cases import find_case_files, load_cases
    from claimcalc.errors import ClaimcalcError
    from claimcalc.product.model import Product
    from claimcalc.settling.engine import settle

    books: dict[str, tuple[Product, ContractQuotes]] = {}
    unquoted: list[tuple[str, str, str, str]] = []
    for case in load_cases(find_case_files([str(Path(__file__).parent.parent / "products")])):
        try:
            claim = case.claim()
            path = case.product_file(claim)
            if str(path) not in books:
                book = load_rulebook(path)
                books[str(path)] = (book, ContractQuotes(book))
            book, quotes = books[str(path)]
            settlement = settle(claim, book, None, case.source, True)
        except ClaimcalcError:
            continue  # a case that expects an error: no letter
        for line in settlement.lines():
            limit_id = line.limit.id if line.limit is not None else None
            for step in line.trace:
                if step.code in REASON_CODES and not quotes.of(
                    step.code, step.article, limit_id, step.text
                ):
                    reason = (case.name, settlement.product_id, step.article, step.code.value)
                    unquoted.append(reason)
    return unquoted


def test_every_reason_of_every_shipped_case_quotes_the_contract() -> None:
    """Beyond the examples: the products' cases reach nearly every rule that
    reduces or refuses, and each must have its sentence in the product file."""
    assert _case_reasons() == []


def test_a_letter_settled_with_a_ledger_speaks_one_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The ledger keeps English documents (their hash tells a rerun); the letter
    of a claim recorded in it is Italian throughout, with the same amounts."""
    claim = json.loads(
        example("imaway", "E-baggage-theft-barcelona.json").read_text(encoding="utf-8")
    )
    claim["policy"]["ref"] = "POL-4410"
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    db = str(tmp_path / "ledger.db")
    alone = letter(capsys, path, "--lang", "it")
    code, page, note = run(
        capsys, "settle", str(path), "--format", "html", "--lang", "it", "--ledger", db, "--record"
    )
    assert code == 0 and "registrata come liquidazione 1" in note  # said to the reader
    assert "franchigia € 50,00 per sinistro (per assicurato)" in page
    assert "per insured" not in page and "once for section" not in page
    amounts = re.compile(r"€ [\d.]+,\d\d")
    assert amounts.findall(page) == amounts.findall(alone)
    code, out, _ = run(capsys, "ledger", "export", "--ledger", db, "--format", "ndjson")
    assert code == 0 and "per insured" in out  # the recorded document: English


def _unit_capped(tmp_path: Path) -> Path:
    """Imaway at Top: 7 nights of extended stay at most € 120 a night (A1.8), and 15
    hours of security guard at most 10 hours (C1.2): per-unit caps, no line limit."""
    data = json.loads(example("imaway", "A-assistance-bangkok.json").read_text(encoding="utf-8"))
    data["level"] = "top"
    day = data["event"]["date"]
    person = data["insured"][0]
    person["lines"] = [
        {
            "id": "1",
            "guarantee": "A.extended_stay",
            "facts": {"cause": "illness"},
            "expenses": [{"amount": "1050.00", "currency": "EUR", "date": day, "units": 7}],
        },
        {
            "id": "2",
            "guarantee": "C.security_guard",
            "expenses": [{"amount": "450.00", "currency": "EUR", "date": day, "units": 15}],
        },
    ]
    path = tmp_path / "units.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _limit_cells(page: str) -> list[str]:
    rows = re.findall(r"<tbody class=\"line\">(.*?)</tbody>", page, re.S)
    cells = [re.findall(r'<td class="num">(.*?)</td>', row, re.S)[3] for row in rows]
    return [re.sub(r"<[^>]+>", "", cell) for cell in cells]


def test_a_per_unit_cap_shows_its_rate_or_count_under_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _unit_capped(tmp_path)
    assert _limit_cells(letter(capsys, path, "--lang", "it")) == ["€ 120,00 al giorno", "10 ore"]
    assert _limit_cells(letter(capsys, path)) == ["€ 120,00 per day", "10 hours"]


@pytest.mark.parametrize("claim", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_the_letter_names_no_internal_limit_id(
    claim: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The insured reads what a limit is (its title or scope), never its id in the
    product file (D.medical_pharma.max)."""
    page = letter(capsys, claim, "--lang", "it")
    settlement = Settler().settle_text(read_claim_file(claim))
    for line in settlement.lines():
        if line.limit is not None:
            assert line.limit.id not in page, line.limit.id


#: The rules of a product that can refuse or reduce a line, wherever they are held.
_RULE_LISTS = ("eligibility", "exclusions", "limits", "deductibles", "excluded_objects")


def _refusing_or_reducing(book: Any) -> Iterator[tuple[str, Any]]:
    owners = [("product", book), *[(s.code, s) for s in book.sections]]
    owners += [(g.code, g) for s in book.sections for g in s.guarantees]
    for where, owner in owners:
        for name in _RULE_LISTS:
            for rule in getattr(owner, name, None) or ():
                yield f"{where}.{name}: {getattr(rule, 'id', None) or rule.kind}", rule
        carrier = getattr(owner, "carrier_compensation", None)  # taken off the loss (E4)
        if carrier is not None:
            yield f"{where}.carrier_compensation", carrier
        levels = getattr(owner, "levels", None)
        if owner is not book and levels is not None:  # refuses a line at other levels
            yield f"{where}: levels", owner


@pytest.mark.parametrize("product_id", PRODUCT_IDS)
def test_every_rule_that_can_refuse_or_reduce_a_line_quotes_the_contract(product_id: str) -> None:
    """Every eligibility rule, exclusion, limit, deductible, carrier compensation and
    level restriction, shipped example or not: the letter quotes its own sentence
    (the quotes are checked against the seed above), never "the product file quotes
    not this article"."""
    book = load_rulebook(product_id)
    rules = list(_refusing_or_reducing(book))
    assert len(rules) > 50
    missing = [where for where, rule in rules if not rule.source.quote]
    assert missing == []
