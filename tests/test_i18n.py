"""Italian and English (issue #18 point 2): the catalogs, ``--lang``, the locale.

Machine formats (JSON, NDJSON, CSV) are the same bytes whatever the locale;
human output follows ``--lang``, else the locale (LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import io
import json
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from claimcalc import i18n
from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.settlement import REASON_CODES, Code
from claimcalc.settling import texts
from tests.conftest import EXAMPLE_DIRS, EXAMPLES, PRODUCT_IDS, example

POT, PO, MO = i18n.catalog_paths()


def italian_catalog() -> Catalog:
    with PO.open("rb") as file:
        return read_po(file, locale="it", domain=i18n.DOMAIN)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def locale(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean locale environment: the test sets LANG (and the others) itself."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", i18n.ENV_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --------------------------------------------------------------------------- the catalogs


def test_the_committed_catalogs_are_current() -> None:
    """Extracted again from the sources, merged and compiled: the committed .pot,
    .po and .mo are what ``python -m claimcalc.i18n update`` writes now."""
    template = i18n.extract_template()
    assert POT.read_bytes() == template, "run: python -m claimcalc.i18n update"
    po = PO.read_bytes()
    assert i18n.updated_catalog(template, po) == po, "run: python -m claimcalc.i18n update"
    assert i18n.compiled_catalog(po) == MO.read_bytes(), "run: python -m claimcalc.i18n compile"


def test_the_check_command_reports_a_stale_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert i18n._main(["check"]) == 0
    stale = tmp_path / "it" / "LC_MESSAGES"
    stale.mkdir(parents=True)
    (tmp_path / POT.name).write_bytes(POT.read_bytes().replace(b'msgid "nothing to pay"', b""))
    (stale / PO.name).write_bytes(PO.read_bytes())
    (stale / MO.name).write_bytes(MO.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n._main(["check"]) == 1
    assert "claimcalc.pot: stale" in capsys.readouterr().err


def _placeholders(text: str) -> set[tuple[str, str, str | None]]:
    return {
        (name, spec or "", conversion)
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    }


def test_every_msgid_has_an_italian_text_with_the_same_placeholders() -> None:
    messages = [m for m in italian_catalog() if m.id]
    assert len(messages) > 250  # the catalog is the sources' (test above), not a sample
    for message in messages:
        assert not message.fuzzy, message.id
        if isinstance(message.id, tuple):  # ngettext: singular, plural; Italian's two forms
            singular, plural = message.id
            assert isinstance(message.string, tuple) and len(message.string) == 2, message.id
            for form in message.string:
                assert form.strip(), f"no Italian for {singular!r}"
                assert _placeholders(form) == _placeholders(singular), singular
            assert _placeholders(plural) == _placeholders(singular), singular
            continue
        assert isinstance(message.id, str) and isinstance(message.string, str)
        assert message.string.strip(), f"no Italian for {message.id!r}"
        assert _placeholders(message.string) == _placeholders(message.id), message.id


def test_every_reason_code_has_a_text_in_both_languages() -> None:
    catalog = italian_catalog()
    assert set(Code) >= REASON_CODES
    for code in Code:
        assert code.meaning.strip(), code
        entry = catalog.get(code.meaning)
        assert entry is not None and entry.string, f"{code.value}: no Italian meaning"
        i18n.set_language("it")
        try:
            italian = texts.meaning(code)
        finally:
            i18n.set_language("en")
        assert italian == entry.string != code.meaning
        assert texts.meaning(code) == code.meaning


def test_the_italian_uses_the_contracts_words() -> None:
    """The glossary (docs: README "Italian"): the contract's terms, not a translation's."""
    catalog = italian_catalog()
    italian = {
        m.id: m.string for m in catalog if isinstance(m.id, str) and isinstance(m.string, str)
    }
    assert italian["Limit applied"] == "Massimale"
    assert italian["per sinistro (per insured)"] == "per sinistro (per assicurato)"
    assert "anno assicurativo" in italian["per insured, per policy period"]
    assert "Struttura Organizzativa" in italian[Code.NO_AUTHORISATION.meaning]
    assert italian["scoperto {percent}% of {total}"].startswith("scoperto")
    # a claim is a denuncia; the sinistro is the event
    assert italian["Claim"] == "Denuncia"
    assert italian["event"] == "il sinistro"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="'xx' is not one of 'en', 'it'"):
        i18n.set_language("xx")
    with pytest.raises(ValueError):
        i18n.translations("fr")
    assert i18n.current_language() == "en"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, "en"),
        ({"LANG": "it_IT.UTF-8"}, "it"),
        ({"LANG": "it"}, "it"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LC_MESSAGES": "it_CH.UTF-8", "LANG": "en_US.UTF-8"}, "it"),
        ({"LC_ALL": "C.UTF-8", "LANG": "it_IT.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "IT_it"}, "it"),
    ],
)
def test_the_language_from_the_environment(environ: dict[str, str], lang: str) -> None:
    assert i18n.language_from_environment(environ) == lang


# --------------------------------------------------------------------------- the command line


def test_an_unknown_lang_is_a_usage_error_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["settle", "--lang", "xx", str(EXAMPLES[0])],
        ["products", "show", "imaway", "--lang", "fr"],
        ["test", "--lang", "de"],
    ):
        code, out, err = run(capsys, *args)
        assert code == ExitCode.USAGE
        assert out == ""
        assert err.splitlines() == [
            f"--lang: {args[args.index('--lang') + 1]!r} is not one of 'en', 'it'"
        ]


def test_lang_before_the_command_as_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    """``claimcalc --lang it settle …`` as ``claimcalc settle --lang it …``; given
    both, the command's own --lang wins; before a group's command too."""
    path = str(EXAMPLES[0])
    code, italian, _ = run(capsys, "settle", "--lang", "it", path)
    assert code == 0 and "Liquidato" in italian
    code, english, _ = run(capsys, "settle", "--lang", "en", path)
    assert code == 0 and english != italian
    assert run(capsys, "--lang", "it", "settle", path)[:2] == (0, italian)
    assert run(capsys, "--lang", "it", "settle", "--lang", "en", path)[:2] == (0, english)
    assert run(capsys, "--lang", "en", "settle", "--lang", "it", path)[:2] == (0, italian)
    assert run(capsys, "settle", path)[1] == english  # the next run: no --lang left over
    shown = run(capsys, "--lang", "it", "products", "show", "imaway")[1]
    assert (
        shown
        == run(capsys, "products", "show", "imaway", "--lang", "it")[1]
        != run(capsys, "products", "show", "imaway", "--lang", "en")[1]
    )
    code, out, err = run(capsys, "--lang", "xx", "settle", path)
    assert (code, out) == (ExitCode.USAGE, "")
    assert err.splitlines() == ["--lang: 'xx' is not one of 'en', 'it'"]
    code, out, _err = run(capsys, "--help")
    assert code == 0 and "--lang" in out


def test_every_command_takes_lang(capsys: pytest.CaptureFixture[str]) -> None:
    from typer.main import get_command

    from claimcalc.cli import app

    def leaves(command: object, name: str) -> list[str]:
        subs = getattr(command, "commands", None)
        if subs is None:
            return [name]
        return [leaf for key, sub in subs.items() for leaf in leaves(sub, f"{name} {key}")]

    names = leaves(get_command(app), "")
    assert len(names) > 10
    for name in names:
        code, out, _err = run(capsys, *name.split(), "--help")
        assert code == 0 and "--lang" in out, name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_italian_settlement_has_italian_headings(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, english, _ = run(capsys, "settle", "--lang", "en", str(path))
    assert code == 0
    code, italian, _ = run(capsys, "settle", "--lang", "it", "--explain", str(path))
    assert code == 0
    assert "Liquidato" in italian and "Totali" in italian and "Assicurato" in italian
    for heading in (
        "Claimed",
        "Assessed",
        "Deductible",
        "Limit applied",
        "Paid",
        "Reason",
        "Totals",
        "Indemnities paid",
        "Advances",
        "Insured",
        "Claim",
        "level",
        "steps",
        "Amount",
    ):
        assert heading in english or heading in ("steps", "Amount")
        assert not re.search(rf"\b{heading}\b", italian), heading


def test_reason_texts_are_written_in_italian(capsys: pytest.CaptureFixture[str]) -> None:
    path = example("imaway", "E-baggage-theft-barcelona.json")
    _code, out, _ = run(capsys, "settle", "--lang", "it", "--explain", str(path))
    flat = " ".join(out.replace("│", " ").split())
    for words in ("per sinistro (per assicurato)", "una volta per la sezione E", "vale"):
        assert words in flat, words
    assert "once for section" not in flat and "per insured" not in flat


def test_the_locale_chooses_the_language_of_tables(
    locale: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(EXAMPLES[0])
    _code, english, _ = run(capsys, "settle", "--lang", "en", path)
    _code, italian, _ = run(capsys, "settle", "--lang", "it", path)
    assert english != italian
    assert run(capsys, "settle", path)[1] == english  # no locale: English
    locale.setenv("LANG", "it_IT.UTF-8")
    assert run(capsys, "settle", path)[1] == italian
    assert run(capsys, "settle", "--lang", "en", path)[1] == english
    locale.setenv("LC_ALL", "C.UTF-8")  # LC_ALL wins over LANG
    assert run(capsys, "settle", path)[1] == english
    assert i18n.current_language() == "en"  # main() leaves the library as it was


def _machine_outputs(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    dirs = [str(d) for d in EXAMPLE_DIRS]
    commands = {
        "settle json": ["settle", "-f", "json", str(EXAMPLES[0])],
        "settle ndjson": ["settle", "-f", "ndjson", *dirs],
        "settle csv": ["settle", "-f", "csv", *dirs],
        "settle bad claim": ["settle", "-f", "ndjson", str(EXAMPLES[0]), __file__],
        "products list": ["products", "list", "-f", "json"],
        "diff": ["diff", "imaway:smart", "imaway:top", "-f", "json", "--claims", *dirs],
        "test": ["test", "-f", "json"],
        "schema claim": ["schema", "claim"],
        "schema product": ["schema", "product"],
        **{f"products show {p}": ["products", "show", p, "-f", "json"] for p in PRODUCT_IDS},
    }
    return {name: run(capsys, *args)[1] for name, args in commands.items()}


def test_machine_formats_are_the_same_bytes_whatever_the_locale(
    locale: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locale.setenv("LANG", "C")
    english = _machine_outputs(capsys)
    locale.setenv("LANG", "it_IT.UTF-8")
    italian = _machine_outputs(capsys)
    for name, text in english.items():
        assert text, name
        assert italian[name] == text, name


def test_an_explicit_lang_translates_the_texts_of_json_not_its_keys_or_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(example("imaway", "E-baggage-theft-barcelona.json"))
    english = json.loads(run(capsys, "settle", "-f", "json", path)[1])
    italian = json.loads(run(capsys, "settle", "-f", "json", "--lang", "it", path)[1])
    assert english != italian

    def shape(value: object) -> object:
        if isinstance(value, dict):
            return {k: shape(v) if k != "text" else "…" for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return value if not isinstance(value, str) or not value.startswith("franchigia") else "…"

    assert shape(english) == shape(italian)  # same keys, codes, amounts: only texts differ
    assert "per assicurato" in json.dumps(italian, ensure_ascii=False)


def test_a_batch_in_worker_processes_speaks_the_language_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dirs = [str(d) for d in EXAMPLE_DIRS]
    one = run(capsys, "settle", "-f", "ndjson", "--lang", "it", *dirs)[1]
    two = run(capsys, "settle", "-f", "ndjson", "--lang", "it", "--jobs", "2", *dirs)[1]
    assert "per assicurato" in one
    assert two == one


def test_products_show_diff_guide_and_test_in_italian(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "products", "show", "imaway", "--lang", "it")[1]
    assert "Garanzia / massimale" in out or "Copertura" in out
    assert "not covered" not in out
    out = run(capsys, "diff", "imaway:smart", "imaway:top", "--lang", "it")[1]
    assert "Sezione" in out and "differenze" in out
    out = run(capsys, "products", "guide", "imaway", "--lang", "it")[1]
    assert out.startswith("# Righe di denuncia per")
    assert "- Fatti letti:" in out and "- Facts read:" not in out
    out = run(capsys, "test", "--lang", "it")[1]
    assert "riusciti" in out and "esito" in out


def test_errors_follow_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "products", "show", "nosuchproduct", "--lang", "it")
    assert code == ExitCode.INVALID_PRODUCT
    assert err.startswith("nosuchproduct: prodotto sconosciuto (noti: ")
    code, _out, err = run(capsys, "products", "show", "nosuchproduct")
    assert err.startswith("nosuchproduct: unknown product (known: ")


def test_settle_with_a_ledger_records_english_so_that_a_rerun_is_a_rerun(
    tmp_path: Path, locale: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = json.loads(example("imaway", "E-baggage-theft-barcelona.json").read_text("utf-8"))
    claim["policy"]["ref"] = "POL-I18N"
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    db = str(tmp_path / "ledger.db")
    code, out, err = run(capsys, "settle", "--ledger", db, "--record", str(path))
    assert code == 0 and "recorded as settlement 1" in err
    locale.setenv("LANG", "it_IT.UTF-8")
    code, again, err = run(capsys, "settle", "--ledger", db, "--record", "--lang", "it", str(path))
    # the settlement is the English one recorded; the note to the reader is Italian
    assert code == 0 and "già registrata come liquidazione 1, niente di nuovo" in err
    assert again == out
    history = run(capsys, "ledger", "history", "--ledger", db)[1]
    assert "Denuncia" in history  # the ledger's own tables follow the language


def test_a_bad_claim_is_reported_in_the_language_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = json.loads(example("imaway", "D-medical-usa.json").read_text("utf-8"))
    claim["insured"][0]["lines"][0]["expenses"][0]["amount"] = "-5"
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    field = "insured[0].lines[0].expenses[0].amount"
    code, _out, err = run(capsys, "settle", "--lang", "it", str(path))
    assert code == ExitCode.INVALID_CLAIM
    assert err == f"{path}: {field}: non deve essere negativo, trovato -5\n"
    code, _out, err = run(capsys, "settle", str(path))
    assert err == f"{path}: {field}: must not be negative, got -5\n"


def test_update_takes_pending_translations_for_new_msgids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper's ``locale/pending-NAME.po`` fills the msgids its code adds."""
    (tmp_path / "pending-test.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "nothing to pay"\nmsgstr "niente"\n\n'
        'msgid "a new text {n}"\nmsgstr "un testo nuovo {n}"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    pending = i18n.pending_translations()
    assert pending == {"nothing to pay": "niente", "a new text {n}": "un testo nuovo {n}"}
    template = POT.read_bytes() + b'\nmsgid "a new text {n}"\nmsgstr ""\n'
    updated = read_po(
        io.BytesIO(i18n.updated_catalog(template, PO.read_bytes(), pending)),
        locale="it",
    )
    new = updated.get("a new text {n}")
    assert new is not None and new.string == "un testo nuovo {n}"
    kept = updated.get("nothing to pay")  # a translation in the catalog is kept
    assert kept is not None and kept.string == "nulla da pagare"


# --------------------------------------------------------------------------- more texts


def test_the_claim_formats_descriptions_and_the_facts_are_msgids_with_italian() -> None:
    """Declared in English with ``N_`` (the JSON Schema keeps them English), each
    field's and fact's description is in the catalog, translated."""
    from claimcalc.claim.model import MODELS, fields_of
    from claimcalc.claim.schema import json_schema
    from claimcalc.facts import FACTS

    italian = {
        m.id: m.string
        for m in italian_catalog()
        if isinstance(m.id, str) and isinstance(m.string, str)
    }
    docs = [spec.doc for model in MODELS for spec in fields_of(model) if spec.doc]
    described = [spec.description for spec in FACTS.values()]
    assert len(docs) > 30 and len(described) == len(FACTS)
    for text in (*docs, *described):
        assert italian.get(text), f"no Italian for {text!r}"
    assert "Struttura Organizzativa" in italian[FACTS["organised_by_assistance"].description]
    policy = json.dumps(json_schema())
    assert "Pseudonymous policy number" in policy and "pseudonimo" not in policy


def test_claim_new_explains_a_field_in_italian(tmp_path: Path) -> None:
    """``?`` on a question of ``claim new --lang it``, in a real terminal: the
    field's description from the claim format, in Italian."""
    import pexpect

    from tests.test_claim_authoring import _spawn

    child = _spawn("--lang", "it", "--product", "imaway", "--level", "smart")  # C locale
    child.expect("Riferimento della richiesta di rimborso")
    child.expect(r": $")
    child.sendline("CL-1")
    child.expect(r": $")  # the policy number
    child.sendline("?")
    child.expect("Numero di polizza pseudonimo, lo stesso in ogni denuncia")
    assert "Pseudonymous" not in str(child.before)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()


def test_a_claims_refusals_and_forms_are_italian(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = json.loads(example("imaway", "D-medical-usa.json").read_text("utf-8"))
    claim["event"]["country"] = "Stati Uniti"
    claim["claim_format"] = 2
    claim["insured"][0]["lines"][0]["expenses"][0]["category"] = "dinner"
    claim["insured"][0]["lines"][0]["expenses"][0]["label"] = "IBAN IT60X0542811101000000123456"
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    code, _out, err = run(capsys, "settle", "--lang", "it", str(path))
    assert code == ExitCode.INVALID_CLAIM
    assert "formato di denuncia 2 non supportato; questo claimcalc legge il formato 1" in err
    assert "atteso un codice paese ISO 3166 come IT o FR, trovato 'Stati Uniti'" in err
    assert "categoria di spesa sconosciuta 'dinner'" in err or "categoria di spesa" in err
    assert "contiene quello che sembra un IBAN; una denuncia non contiene dati personali" in err
    code, _out, english = run(capsys, "settle", str(path))
    assert "unsupported claim format 2; this claimcalc reads format 1" in english
    assert "expected an ISO 3166 country code such as IT or FR, got 'Stati Uniti'" in english
    assert "unknown expense category 'dinner' (one of: " in english
    assert "contains what looks like an IBAN; a claim carries no personal data" in english


def test_ledger_messages_are_italian(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "old.csv"
    source.write_text(
        "claim_id,policy_ref,insured_ref,product,guarantee,amount,date\n"
        "OLD-1,POL-1,INS-1,imaway,E.baggage,12.345,2026-03-02\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "ledger.db")
    code, _out, err = run(capsys, "ledger", "import", str(source), "--ledger", db, "--lang", "it")
    assert code == ExitCode.INVALID_CLAIM
    assert err == f"{source}:2: amount: al più 2 decimali, trovato '12.345'\n"
    code, _out, err = run(capsys, "ledger", "import", str(source), "--ledger", db)
    assert err == f"{source}:2: amount: at most 2 decimal places, got '12.345'\n"
    code, _out, err = run(
        capsys, "ledger", "history", "--ledger", str(tmp_path / "none.db"), "--lang", "it"
    )
    assert "impossibile aprire il registro: il file non esiste" in err
    claim = json.loads(example("imaway", "E-baggage-theft-barcelona.json").read_text("utf-8"))
    claim["policy"]["ref"] = "POL-IT"
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    code, _out, err = run(capsys, "settle", "--ledger", db, "--lang", "it", str(path))
    assert code == 0
    assert "registro " in err and "nessun pagamento precedente" in err
    assert "prova, niente registrato (--record registra)" in err


def test_claimcalc_test_reports_differences_and_problems_in_italian(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"  # not cases/: that is a product's, for its own claims
    folder.mkdir()
    (folder / "wrong.yaml").write_text(
        "cases:\n"
        "  - name: too much\n"
        f"    example: {example('imaway', 'E-baggage-theft-barcelona.json')}\n"
        '    expect: {indemnity: "1.00"}\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "test", "--lang", "it", str(folder / "wrong.yaml"))
    assert code == ExitCode.DIFFERENT
    assert "indennizzo: atteso 1.00" in " ".join(out.replace("│", " ").split())
    (folder / "wrong.yaml").write_text("cases: []\n", encoding="utf-8")
    code, _out, err = run(capsys, "test", "--lang", "it", str(folder / "wrong.yaml"))
    assert "cases: obbligatorio: un elenco di casi" in err


def test_product_file_problems_are_italian(capsys: pytest.CaptureFixture[str]) -> None:
    broken = Path(__file__).parent / "fixtures" / "products" / "broken"
    path = str(broken / "19-sub-limit-too-large.yaml")
    code, _out, err = run(capsys, "products", "validate", "--lang", "it", path)
    assert code == ExitCode.INVALID_PRODUCT
    assert "il sottolimite 1500 supera il massimale che lo contiene 'D.zone' (1000)" in err
    path = str(next(broken.glob("35-*.yaml")))
    code, _out, err = run(capsys, "products", "validate", "--lang", "it", path)
    assert "summary: chiave sconosciuta" in err
    assert "non deve essere negativo, trovato -50" in err
    code, _out, err = run(capsys, "products", "validate", path)
    assert "summary: unknown key" in err and "must not be negative, got -50" in err


def _printed_in(lang: str, path: Path, width: int) -> str:
    from rich.console import Console

    from claimcalc.claim.read import read_claim
    from claimcalc.output.tables import settlement_tables
    from claimcalc.product.catalog import load_product
    from claimcalc.settling.engine import settle

    claim = read_claim(path)
    settlement = settle(claim, load_product(claim.product_ref))
    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False)
    i18n.set_language(lang)
    try:
        for renderable in settlement_tables(settlement):
            console.print(renderable)
    finally:
        i18n.set_language("en")
    return out.getvalue()


def test_a_scoperto_is_not_called_franchigia_in_italian() -> None:
    """Imaway M6 takes a 20% scoperto: Italian says scoperto, in the narrow layout's
    line and the wide layout's heading; English says deductible, as before."""
    path = example("imaway", "M-cancellation.json")
    narrow = _printed_in("it", path, 80)
    assert "scoperto € 270,00" in narrow
    assert "franchigia € 270,00" not in narrow
    wide = _printed_in("it", path, 200)
    assert "Franchigia/scoperto" in wide
    assert "deductible € 270,00" in _printed_in("en", path, 80)
    assert "Deductible" in _printed_in("en", path, 200)


def test_a_franchigia_is_still_called_franchigia_in_italian() -> None:
    path = example("imaway", "E-baggage-theft-barcelona.json")
    narrow = _printed_in("it", path, 80)
    assert re.search(r"franchigia € [0-9]", narrow)
    assert not re.search(r"scoperto € [0-9]", narrow)


@pytest.mark.parametrize(
    ("unit", "italian"), [("hours", "ore richieste"), ("days", "giorni richiesti")]
)
def test_a_units_cap_agrees_with_its_unit_in_italian(unit: str, italian: str) -> None:
    from decimal import Decimal

    i18n.set_language("it")
    try:
        text = texts.units_cap(Decimal(12), unit, Decimal(10), Decimal(300))
    finally:
        i18n.set_language("en")
    assert text.startswith(f"12 {italian}, al massimo 10: "), text
    english = texts.units_cap(Decimal(12), unit, Decimal(10), Decimal(300))
    assert english.startswith(f"12 {unit} claimed, at most 10: ")


def test_update_takes_pending_translations_by_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A msgid with a msgctxt (pgettext) is filled from the pending entry of the same
    context, not from the entry without one."""
    (tmp_path / "pending-test.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgctxt "kind b"\nmsgid "a word {n}"\nmsgstr "parola b {n}"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    pending = i18n.pending_translations()
    assert pending == {"kind b\x04a word {n}": "parola b {n}"}
    template = (
        POT.read_bytes()
        + b'\nmsgid "a word {n}"\nmsgstr ""\n'
        + b'\nmsgctxt "kind b"\nmsgid "a word {n}"\nmsgstr ""\n'
    )
    updated = read_po(
        io.BytesIO(i18n.updated_catalog(template, PO.read_bytes(), pending)), locale="it"
    )
    plain = updated.get("a word {n}")
    assert plain is not None and not plain.string
    in_context = updated.get("a word {n}", context="kind b")
    assert in_context is not None and in_context.string == "parola b {n}"


def test_pgettext_reads_the_context_in_italian() -> None:
    i18n.set_language("it")
    try:
        assert i18n.pgettext("scoperto", "deductible {amount}") == "scoperto {amount}"
        assert i18n._("deductible {amount}") == "franchigia {amount}"
    finally:
        i18n.set_language("en")
    assert i18n.pgettext("scoperto", "deductible {amount}") == "deductible {amount}"
