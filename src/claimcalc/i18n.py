"""Stub of claimcalc.i18n (the real one: gettext catalogs managed with Babel)."""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping

LANGUAGES = ("en", "it")  # English is the source language of every msgid
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
    global _current
    _current = lang


def current_language() -> str:
    return _current


def translations(lang: str) -> gettext.NullTranslations:
    """The catalog for one language (for Jinja2's install_gettext_translations)."""
    return gettext.NullTranslations()


def _(message: str) -> str:
    """The message in the current language."""
    return translations(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current).ngettext(singular, plural, n)
