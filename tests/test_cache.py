"""The cache of validated products: same product, keyed by the file's bytes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from claimcalc.output.documents import to_json
from claimcalc.product import cache, catalog
from claimcalc.product import model as rulebook
from claimcalc.product.catalog import forget_rulebooks, load_rulebook
from claimcalc.product.load import load_product_file
from tests.conftest import ROOT, example

IMAWAY = ROOT / "products" / "imaway" / "2026-01.yaml"


@pytest.fixture
def cache_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLAIMCALC_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_a_cached_product_equals_the_validated_one(cache_in: Path) -> None:
    first = load_product_file(IMAWAY)
    (entry,) = cache_in.glob("product-*.pickle")
    assert first.sha256 in entry.name
    second = load_product_file(IMAWAY)
    assert second == first
    assert (second.sha256, second.path) == (first.sha256, first.path)


def test_a_changed_file_is_validated_again(cache_in: Path, tmp_path: Path) -> None:
    copy = tmp_path / "imaway@2026-01.yaml"
    copy.write_text(IMAWAY.read_text(encoding="utf-8"), encoding="utf-8")
    load_product_file(copy)
    copy.write_text(
        IMAWAY.read_text(encoding="utf-8").replace("amount: 500\n", "amount: 600\n", 1),
        encoding="utf-8",
    )
    changed = load_product_file(copy)
    assert changed.limit_amount("B.home_nursing.max", "top", "europa") == 600
    assert len(list(cache_in.glob("product-*.pickle"))) == 2


def test_a_corrupt_entry_is_ignored(cache_in: Path) -> None:
    product = load_product_file(IMAWAY)
    (entry,) = cache_in.glob("product-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load_product_file(IMAWAY) == product


def test_the_rulebook_is_cached_beside_the_product_and_settles_the_same(cache_in: Path) -> None:
    from claimcalc.claim.read import read_claim
    from claimcalc.settling.engine import settle

    forget_rulebooks()
    first = load_rulebook(IMAWAY)
    (entry,) = cache_in.glob("rulebook-*.pickle")
    assert first.sha256 in entry.name
    assert type(first) is rulebook.Product
    forget_rulebooks()
    second = load_rulebook(IMAWAY)  # unpickled
    assert second is not first
    assert (second.sha256, second.path) == (first.sha256, str(IMAWAY))
    claim = read_claim(example("imaway", "D-medical-usa.json"))
    validated = load_product_file(IMAWAY)
    assert to_json(settle(claim, second)) == to_json(settle(claim, validated))


def test_a_corrupt_rulebook_entry_is_ignored(cache_in: Path) -> None:
    forget_rulebooks()
    load_rulebook(IMAWAY)
    (entry,) = cache_in.glob("rulebook-*.pickle")
    entry.write_bytes(b"not a pickle")
    forget_rulebooks()
    assert load_rulebook(IMAWAY).ref == "imaway@2026-01"


def test_a_process_keeps_a_rulebook_for_the_same_bytes_at_the_same_path(
    cache_in: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch run loads its product: the second and later find it kept,
    until the file changes."""
    copy = tmp_path / "2026-01.yaml"
    copy.write_bytes(IMAWAY.read_bytes())
    first = load_rulebook(copy)
    assert load_rulebook(copy) is first
    # the same bytes elsewhere: its own, naming its own path
    twin = tmp_path / "twin.yaml"
    twin.write_bytes(IMAWAY.read_bytes())
    assert load_rulebook(twin) is not first
    assert (load_rulebook(twin).path, first.path) == (str(twin), str(copy))
    # the file changed: loaded again, its new rules
    copy.write_text(
        IMAWAY.read_text(encoding="utf-8").replace("amount: 500\n", "amount: 600\n", 1),
        encoding="utf-8",
    )
    changed = load_rulebook(copy)
    assert changed is not first and changed.sha256 != first.sha256
    assert changed.limit_amount("B.home_nursing.max", "top", "europa") == 600
    assert first.limit_amount("B.home_nursing.max", "top", "europa") == 500
    # bounded: a host loading edited files all day keeps at most LOADED_KEPT
    monkeypatch.setattr(catalog, "LOADED_KEPT", 3)
    for i in range(7):
        other = tmp_path / f"edition-{i}.yaml"
        other.write_bytes(IMAWAY.read_bytes())
        load_rulebook(other)
        assert len(catalog._LOADED) <= 3


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMCALC_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    assert load_product_file(IMAWAY).ref == "imaway@2026-01"


def test_an_unwritable_cache_is_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("CLAIMCALC_CACHE_DIR", str(blocker / "sub"))
    assert load_product_file(IMAWAY).ref == "imaway@2026-01"


_IMPORTED = """
import sys
from claimcalc.cli import main
sys.argv = ["claimcalc", "settle", sys.argv[1], "--format", "json"]
try:
    main()
except SystemExit:
    pass
heavy = ("yaml", "pydantic", "claimcalc.product.schema", "rich", "multiprocessing", "orjson")
print(" ".join(m for m in heavy if m in sys.modules), file=sys.stderr)
"""


def test_a_one_claim_json_run_from_the_cache_imports_no_yaml_pydantic_rich_or_pool(
    cache_in: Path,
) -> None:
    """Start-up pays only for what the run uses (issue 4): the cache hit needs no
    YAML parser and no rule model (it settles with the plain rulebook), the claim
    is read without pydantic, JSON output needs no rich, one claim no process pool
    and no orjson (~20 ms to import: a batch takes it after its first claims)."""
    claim = str(example("imaway", "D-medical-usa.json"))
    command = [sys.executable, "-c", _IMPORTED, claim]
    cold = subprocess.run(command, capture_output=True, text=True, check=True)
    # the first run parses, validates and caches the product
    assert cold.stderr.split() == ["yaml", "pydantic", "claimcalc.product.schema"]
    warm = subprocess.run(command, capture_output=True, text=True, check=True)
    assert warm.stderr.split() == []
    assert json.loads(warm.stdout)["totals"] == json.loads(cold.stdout)["totals"]
