"""Finding products by id, id@edition, path; PRODUCT:LEVEL references."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimcalc.errors import UnknownProductError
from claimcalc.product.catalog import catalog, find_product, load_product, split_level
from tests.conftest import ROOT


def test_bare_id_is_the_latest_edition(tmp_path: Path) -> None:
    shipped = (ROOT / "products" / "imaway" / "2026-01.yaml").read_text(encoding="utf-8")
    (tmp_path / "imaway").mkdir()
    (tmp_path / "imaway" / "2026-01.yaml").write_text(shipped, encoding="utf-8")
    (tmp_path / "imaway" / "2027-01.yaml").write_text(
        shipped.replace("edition: 2026-01", "edition: 2027-01"), encoding="utf-8"
    )
    assert find_product("imaway", tmp_path) == tmp_path / "imaway" / "2027-01.yaml"
    assert find_product("imaway@2026-01", tmp_path) == tmp_path / "imaway" / "2026-01.yaml"
    assert load_product("imaway", tmp_path).edition == "2027-01"


def test_the_catalog_reads_product_folders_and_skips_what_is_not_an_edition(
    tmp_path: Path,
) -> None:
    for name in (
        "imaway/2026-01.yaml",
        "imaway/cases/a.yaml",
        "imaway/notes.yaml",
        "Bad/2026-01.yaml",
        "loose@2026-01.yaml",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [(e.ref, e.path) for e in catalog(tmp_path)] == [
        ("imaway@2026-01", tmp_path / "imaway" / "2026-01.yaml")
    ]


def test_every_shipped_product_is_a_folder_of_editions_cases_and_examples() -> None:
    for entry in catalog():
        folder = entry.path.parent
        # The file says what its folder and name say: a copied folder was edited.
        assert load_product(entry.path).ref == entry.ref
        assert sorted((folder / "cases").glob("*.yaml")), f"{entry.id}: no cases"
        assert sorted((folder / "examples").glob("*.json")), f"{entry.id}: no examples"


def test_the_environment_variable_names_the_products_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMCALC_PRODUCTS", str(tmp_path))
    assert catalog() == []
    with pytest.raises(UnknownProductError, match="unknown product \\(known: none\\)"):
        find_product("imaway")


def test_a_path_works_wherever_an_id_does() -> None:
    path = ROOT / "products" / "wi-school" / "2023-05.yaml"
    assert load_product(str(path)).ref == "wi-school@2023-05"
    assert load_product(path).sha256 == load_product("wi-school").sha256


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("imaway:smart", ("imaway", "smart")),
        ("imaway@2026-01:top", ("imaway@2026-01", "top")),
        ("products/imaway/2026-01.yaml:top", ("products/imaway/2026-01.yaml", "top")),
        ("imaway", ("imaway", None)),
        ("C:/products/imaway.yaml", ("C:/products/imaway.yaml", None)),
    ],
)
def test_split_level(ref: str, expected: tuple[str, str | None]) -> None:
    assert split_level(ref) == expected
