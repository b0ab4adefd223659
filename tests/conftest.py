"""Shared fixtures: the shipped products, found by glob, and the seed contract texts."""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

from claimcalc import Product, load_product
from claimcalc.product.catalog import catalog

# Property tests judge results, not speed: no deadline (a loaded 2-core CI machine
# takes seconds where a laptop takes milliseconds). In CI (.ci/run sets
# HYPOTHESIS_PROFILE=ci) the examples are derived from each test, not drawn at
# random, so that a run can be repeated exactly; locally they are drawn afresh.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The suite keeps its product cache to itself (subprocesses inherit it).
os.environ["CLAIMCALC_CACHE_DIR"] = tempfile.mkdtemp(prefix="claimcalc-test-cache-")
# The suite pins English output: a developer's Italian locale does not change it
# (the tests of --lang and of the locale set theirs: tests/test_i18n.py).
for _locale_variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
    if os.environ.get(_locale_variable, "").lower().startswith("it"):
        os.environ[_locale_variable] = "C.UTF-8"
os.environ.pop("CLAIMCALC_LANG", None)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = ROOT.parent / "shared" / "seeds"
PRODUCTS = ROOT / "products"
#: Every product's example claims, product by product, each folder sorted.
EXAMPLE_DIRS = sorted(PRODUCTS.glob("*/examples"))
EXAMPLES = [path for folder in EXAMPLE_DIRS for path in sorted(folder.glob("*.json"))]
#: Every shipped product, by id: adding a product folder adds it to each test that iterates.
PRODUCT_IDS = sorted({entry.id for entry in catalog()})


class Calls:
    """How many times a function :func:`counted` wraps was called."""

    n = 0


def counted(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> Calls:
    """Count the calls of ``module.name`` for the rest of the test (it is still called)."""
    calls, original = Calls(), getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.n += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@cache
def benchmark(name: str) -> ModuleType:
    """A script of benchmarks/ (``run``, ``scaling``, ``python_bound``) as a module,
    loaded once: the tests hold its corpora and workloads to their promises."""
    spec = importlib.util.spec_from_file_location(
        f"{name}_benchmark", ROOT / "benchmarks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example(product_id: str, name: str) -> Path:
    """A shipped example claim: ``products/<id>/examples/<name>``."""
    return PRODUCTS / product_id / "examples" / name


def squash(text: str) -> str:
    """Collapse whitespace, so a quote matches however the PDF text wrapped."""
    return re.sub(r"\s+", " ", text).strip()


@cache
def _seed(product_id: str, seeds: Path) -> str | None:
    path = seeds / product(product_id).seed
    return squash(path.read_text(encoding="utf-8")) if path.is_file() else None


def seed_text(product_id: str, seeds: Path = SEEDS) -> str:
    """The seed contract a product encodes (its ``seed:`` file), whitespace squashed.

    Missing, the test skips; with ``CLAIMCALC_REQUIRE_SEEDS=1`` (CI: .ci/run) it fails.
    """
    text = _seed(product_id, seeds)
    if text is None:
        message = f"seed contract {product(product_id).seed} not found in {seeds}"
        if os.environ.get("CLAIMCALC_REQUIRE_SEEDS") == "1":
            pytest.fail(f"{message} (CLAIMCALC_REQUIRE_SEEDS=1)")
        pytest.skip(message)
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
