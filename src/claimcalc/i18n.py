"""The languages claimcalc speaks: English (the source of every msgid) and Italian.

Human texts are wrapped in :func:`_` (or :func:`ngettext`) where they are written;
strings that are stored first and translated where they are shown (tables of
labels) are marked with :func:`N_`. The Italian catalog is a gettext catalog,
domain ``claimcalc``, in ``locale/it/LC_MESSAGES/``; the ``.pot`` template, the
``.po`` and the compiled ``.mo`` are committed and the ``.mo`` ships in the wheel.
At run time only the standard library's :mod:`gettext` reads it; Babel is needed
only to maintain the catalogs (a test extra):

    python -m claimcalc.i18n update    # extract the msgids, merge them into the .po
    python -m claimcalc.i18n compile   # the .po into the .mo
    python -m claimcalc.i18n check     # exit 1 when the committed catalogs are stale

The module is in the lowest layer: it imports nothing from claimcalc.
"""

from __future__ import annotations

import datetime as dt
import gettext
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "it")  # English is the source language of every msgid
DOMAIN = "claimcalc"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The language a process starts in; the command line sets it for its worker
#: processes (spawned, so they inherit the environment and not the module's state).
ENV_VARIABLE = "CLAIMCALC_LANG"

_current = os.environ.get(ENV_VARIABLE, "en")
if _current not in LANGUAGES:
    _current = "en"


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """'it' when LC_ALL, LC_MESSAGES or LANG (first set, in that order) starts with 'it'."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "it" if value.lower().startswith("it") else "en"
    return "en"


def set_language(lang: str) -> None:
    """Speak ``lang`` from now on; a language claimcalc does not have is a ValueError."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not one of {', '.join(repr(x) for x in LANGUAGES)}")
    _current = lang


def current_language() -> str:
    return _current


#: The language of the person reading the run where the engine's texts are kept
#: English (``settle --ledger``: the ledger keeps English documents); None: the
#: current language. What is said to that person alone (the ledger's note) follows it.
_reader: str | None = None


def set_reader_language(lang: str | None) -> None:
    global _reader
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not one of {', '.join(repr(x) for x in LANGUAGES)}")
    _reader = lang


def reader_language() -> str:
    return _reader or _current


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """The current language is ``lang`` inside (texts for one reader among others)."""
    global _current
    before = _current
    set_language(lang)
    try:
        yield
    finally:
        _current = before


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog for one language (for Jinja2's install_gettext_translations)."""
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not one of {', '.join(repr(x) for x in LANGUAGES)}")
    if lang == "en":
        return gettext.NullTranslations()
    # fallback=False: a wheel without its catalog is a packaging bug, not English.
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def _(message: str) -> str:
    """The message in the current language."""
    if _current == "en":  # the msgid is the English text: no look-up
        return message
    return translations(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The message in the current language, as it reads in ``context``: one English
    text that Italian words two ways (a deductible: franchigia or scoperto)."""
    if _current == "en":
        return message
    return translations(_current).pgettext(context, message)


def N_(message: str) -> str:  # gettext's name for it
    """Marks a msgid for extraction without translating it: it is translated where shown."""
    return message


# --------------------------------------------------------------------------- catalog upkeep

#: The sources scanned for msgids (Babel's extraction keywords are these names).
KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}


#: Jinja2 templates (``{% trans %}``, ``_()``) in the package, read by Jinja2's own
#: Babel extractor; there are none until a module renders one.
_TEMPLATES = [
    (pattern, "jinja2.ext:babel_extract") for pattern in ("**.j2", "**.jinja", "**.jinja2")
]


def _source_root() -> Path:
    return Path(__file__).resolve().parent


def extract_template() -> bytes:
    """The .pot of the sources as they are now (no dates: it is compared in a test)."""
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    root = _source_root()
    catalog = Catalog(project="claimcalc", fuzzy=False, header_comment="# claimcalc messages.")
    catalog.creation_date = catalog.revision_date = _EPOCH
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map=[("locale/**", "ignore"), ("**.py", "python"), *_TEMPLATES],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        path = f"src/claimcalc/{filename}"
        catalog.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    for meaning, lineno in code_meanings((root / "settlement.py").read_text(encoding="utf-8")):
        catalog.add(
            meaning,
            None,
            [("src/claimcalc/settlement.py", lineno)],
            auto_comments=["the meaning of a reason code (docs/reason-codes.md)"],
        )
    out = BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    return out.getvalue()


def code_meanings(source: str) -> list[tuple[str, int]]:
    """The meaning of every reason code declared in ``settlement.py``'s ``Code``
    (its members' fourth value), read from the source: msgids whose English is
    declared there, without importing a higher layer."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == "Code":
            for item in node.body:
                if (
                    isinstance(item, ast.Assign)
                    and isinstance(item.value, ast.Tuple)
                    and len(item.value.elts) == 4
                    and isinstance(item.value.elts[3], ast.Constant)
                    and isinstance(item.value.elts[3].value, str)
                ):
                    found.append((item.value.elts[3].value, item.lineno))
    return found


def _read_po(data: bytes) -> object:
    from io import BytesIO

    from babel.messages.pofile import read_po

    return read_po(BytesIO(data), locale="it", domain=DOMAIN)


def updated_catalog(template: bytes, po: bytes, pending: Mapping[str, str] | None = None) -> bytes:
    """The Italian .po with the msgids of ``template``: translations kept, new ones
    taken from ``pending`` or left empty, stale ones dropped (a test fails on an
    empty msgstr)."""
    pending = pending or {}
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    pot = _read_po(template)
    catalog = _read_po(po)
    assert isinstance(pot, Catalog) and isinstance(catalog, Catalog)
    catalog.update(pot, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    for message in catalog:
        key = _pending_key(message)
        if key is not None and not message.string and key in pending:
            message.string = pending[key]
    catalog.revision_date = catalog.creation_date = _EPOCH
    catalog.fuzzy = False
    catalog.header_comment = "# Italian messages of claimcalc (python -m claimcalc.i18n update)."
    catalog.project, catalog.version = "claimcalc", ""
    catalog.last_translator = catalog.language_team = "claimcalc"
    # Italian has two forms, as gettext has always written it (CLDR's third is for millions).
    catalog._num_plurals = 2  # type: ignore[assignment]
    catalog._plural_expr = "(n != 1)"  # type: ignore[assignment]
    out = BytesIO()
    write_po(out, catalog, width=100, sort_output=True, include_lineno=False)
    return out.getvalue()


def pending_translations() -> dict[str, str]:
    """Translations written beside the catalog while the code that uses them was
    being written elsewhere (``locale/pending-NAME.po``): ``update`` takes the ones
    the sources now use; the files can then be deleted."""
    from babel.messages.catalog import Catalog

    found: dict[str, str] = {}
    for path in sorted(LOCALE_DIR.glob("pending-*.po")):
        catalog = _read_po(path.read_bytes())
        assert isinstance(catalog, Catalog)
        for message in catalog:
            text, key = message.string, _pending_key(message)
            if key and isinstance(text, str) and text:
                found[key] = text
    return found


def _pending_key(message: Any) -> str | None:
    """A message's key among pending translations: its msgid, after its msgctxt and
    gettext's separator when it has one (the .mo's own key)."""
    if not isinstance(message.id, str):
        return None
    return f"{message.context}\x04{message.id}" if message.context else message.id


def compiled_catalog(po: bytes) -> bytes:
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = _read_po(po)
    assert isinstance(catalog, Catalog)
    out = BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def catalog_paths() -> tuple[Path, Path, Path]:
    """The committed template, Italian .po and compiled .mo."""
    messages = LOCALE_DIR / "it" / "LC_MESSAGES"
    return LOCALE_DIR / f"{DOMAIN}.pot", messages / f"{DOMAIN}.po", messages / f"{DOMAIN}.mo"


def _main(argv: list[str]) -> int:
    pot_path, po_path, mo_path = catalog_paths()
    command = argv[0] if argv else ""
    if command == "update":
        template = extract_template()
        pot_path.write_bytes(template)
        po = po_path.read_bytes() if po_path.exists() else b""
        po_path.parent.mkdir(parents=True, exist_ok=True)
        po_path.write_bytes(updated_catalog(template, po, pending_translations()))
        mo_path.write_bytes(compiled_catalog(po_path.read_bytes()))
        return 0
    if command == "compile":
        mo_path.write_bytes(compiled_catalog(po_path.read_bytes()))
        return 0
    if command == "check":
        template = extract_template()
        stale = [
            str(path)
            for path, want in (
                (pot_path, template),
                (po_path, updated_catalog(template, po_path.read_bytes())),
                (mo_path, compiled_catalog(po_path.read_bytes())),
            )
            if path.read_bytes() != want
        ]
        for path in stale:
            sys.stderr.write(f"{path}: stale; run: python -m claimcalc.i18n update\n")
        return 1 if stale else 0
    sys.stderr.write("usage: python -m claimcalc.i18n update|compile|check\n")
    return 2


#: The catalogs' dates: fixed, so that extracting twice gives the same bytes.
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
