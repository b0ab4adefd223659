"""Shared fixtures: the shipped products and the seed contract texts."""

from __future__ import annotations

import os
import re
import tempfile
from functools import cache
from pathlib import Path

import pytest

from claimcalc import Product, load_product

# The suite keeps its product cache to itself (subprocesses inherit it).
os.environ["CLAIMCALC_CACHE_DIR"] = tempfile.mkdtemp(prefix="claimcalc-test-cache-")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_FILES = {
    "imaway": "001_7c89922688511f29.txt",
    "wi-school": "003_742327b81c2d232a.txt",
}


def squash(text: str) -> str:
    """Collapse whitespace, so a quote matches however the PDF text wrapped."""
    return re.sub(r"\s+", " ", text).strip()


@cache
def _seed(product_id: str) -> str | None:
    path = SEEDS / SEED_FILES[product_id]
    return squash(path.read_text(encoding="utf-8")) if path.is_file() else None


def seed_text(product_id: str) -> str:
    text = _seed(product_id)
    if text is None:
        pytest.skip(f"seed contracts not found at {SEEDS}")
    return text


@cache
def product(product_id: str) -> Product:
    return load_product(product_id)


@pytest.fixture(scope="session")
def imaway() -> Product:
    return product("imaway")


@pytest.fixture(scope="session")
def wi_school() -> Product:
    return product("wi-school")
