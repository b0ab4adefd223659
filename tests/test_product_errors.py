"""Broken product files: each gives exactly the one-line errors it expects.

Each fixture in ``fixtures/products/broken/`` states its expected lines in
``# expect:`` comments; ``{file}`` stands for the path it was loaded from.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from claimcalc.errors import ExitCode, ProductFileError
from claimcalc.product.load import load_product_file, load_product_text
from claimcalc.product.schema import Franchigia
from tests.conftest import FIXTURES

BROKEN = sorted((FIXTURES / "products" / "broken").glob("*.yaml"))


def expected_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        line.removeprefix("# expect: ").replace("{file}", str(path))
        for line in lines
        if line.startswith("# expect: ")
    ]


def test_there_are_at_least_twenty_kinds_of_broken_file() -> None:
    assert len(BROKEN) >= 20


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_product_file_gives_the_expected_errors(path: Path) -> None:
    expected = expected_lines(path)
    assert expected, f"{path.name} states no expected error"
    with pytest.raises(ProductFileError) as caught:
        load_product_file(path)
    assert str(caught.value).splitlines() == expected
    assert caught.value.exit_code is ExitCode.INVALID_PRODUCT
    assert [str(p) for p in caught.value.problems] == expected


def test_the_minimal_valid_fixture_loads() -> None:
    loaded = load_product_file(FIXTURES / "products" / "valid-minimal.yaml")
    assert loaded.ref == "tiny@2026-01"


def test_yaml_floats_are_read_as_exact_decimals() -> None:
    text = (FIXTURES / "products" / "valid-minimal.yaml").read_text(encoding="utf-8")
    loaded = load_product_text(text.replace("amount: 50", "amount: 50.10"))
    (deductible,) = loaded.sections[0].deductibles
    assert isinstance(deductible, Franchigia)
    assert str(deductible.amount) == "50.10"  # exact, trailing zero kept: never a float


def test_merge_keys_may_override_without_being_duplicates() -> None:
    text = (FIXTURES / "products" / "valid-minimal.yaml").read_text(encoding="utf-8")
    limit = "{id: E.per_object, scope: per_object, parent: E.zone, amount: 200, source: E2}"
    indent = " " * 10
    text = text.replace(
        f"{indent}- {limit}", f"{indent}- &obj {limit}\n{indent}- {{<<: *obj, id: E.per_object_2}}"
    )
    loaded = load_product_text(text)
    assert loaded.limit("E.per_object_2").amount == 200


def test_unreadable_product_file_is_an_io_error(tmp_path: Path) -> None:
    from claimcalc.errors import FileAccessError

    with pytest.raises(FileAccessError) as caught:
        load_product_file(tmp_path / "missing.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'missing.yaml'}: cannot read product file: No such file or directory"
    )
    assert caught.value.exit_code is ExitCode.IO


def test_non_utf8_product_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("format: 1\nname: Polizza più\n".encode("latin-1"))
    with pytest.raises(ProductFileError) as caught:
        load_product_file(path)
    assert str(caught.value) == f"{path}:2:17: not UTF-8 text: byte 0xf9 cannot be decoded"


def test_an_alias_bomb_is_refused_in_well_under_a_second() -> None:
    bomb = FIXTURES / "products" / "broken" / "41-alias-bomb.yaml"
    assert bomb.stat().st_size < 1000  # expands to 10**9 values
    start = time.perf_counter()
    with pytest.raises(ProductFileError) as caught:
        load_product_file(bomb)
    assert time.perf_counter() - start < 0.25
    assert len(caught.value.problems) == 1


def test_a_deeper_bomb_is_refused_as_fast() -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 20):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    start = time.perf_counter()
    with pytest.raises(ProductFileError, match="too large"):
        load_product_text("format: 1\n" + "\n".join(levels) + "\n")
    assert time.perf_counter() - start < 0.25


@pytest.mark.parametrize("text", ["a: &a [1, *a]\n", "a: &a {b: *a}\n", "a: &a [[[*a]]]\n"])
def test_an_alias_inside_its_own_value_is_refused(text: str) -> None:
    with pytest.raises(ProductFileError) as caught:
        load_product_text("format: 1\n" + text)
    assert [str(p) for p in caught.value.problems] == [
        "<string>:2:4: too large: an alias refers to a value that contains it"
    ]


@pytest.mark.parametrize("depth", [999, 50_000])
def test_a_document_nested_too_deeply_is_one_line(depth: int) -> None:
    with pytest.raises(ProductFileError) as caught:
        load_product_text("format: 1\na: " + "[" * depth + "]" * depth + "\n")
    (problem,) = caught.value.problems
    assert "nest" in problem.message


@pytest.mark.parametrize("spelling", [".inf", "-.inf", ".Inf", "+.INF", ".nan", ".NaN", ".NAN"])
def test_non_finite_numbers_are_refused_where_they_are(spelling: str) -> None:
    text = (FIXTURES / "products" / "valid-minimal.yaml").read_text(encoding="utf-8")
    with pytest.raises(ProductFileError) as caught:
        load_product_text(text.replace("amount: 50", f"amount: {spelling}"))
    (problem,) = caught.value.problems
    assert problem.message == f"not a finite number: {spelling}"
    assert problem.path.endswith("deductibles[0].amount")


def test_anchors_and_aliases_within_the_bound_still_load() -> None:
    text = (FIXTURES / "products" / "valid-minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("source: glossary}", "source: &g glossary}", 1)
    loaded = load_product_text(text.replace("source: glossary}", "source: *g}", 1))
    assert loaded.ref == "tiny@2026-01"


# --------------------------------------------------------------------------- pydantic's messages


def _pydantic_errors() -> list[dict[str, object]]:
    """A real pydantic error of every kind the product loader translates."""
    import datetime as dt
    import enum
    from decimal import Decimal
    from typing import Annotated, Literal

    from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

    class Kind(enum.Enum):
        A = "a"
        B = "b"

    class Inner(BaseModel):
        x: int = 0

    class Model(BaseModel):
        model_config = ConfigDict(extra="forbid")
        gt: Annotated[int, Field(gt=0)] = 1
        ge: Annotated[int, Field(ge=0)] = 1
        lt: Annotated[int, Field(lt=5)] = 1
        le: Annotated[int, Field(le=5)] = 1
        literal: Literal["x", "y"] = "x"
        kind: Kind = Kind.A
        number: int = 1
        text: str = "a"
        flag: bool = True
        real: float = 1.0
        amount: Decimal = Decimal(1)
        cents: Annotated[Decimal, Field(decimal_places=2)] = Decimal(1)
        items: list[int] = []
        pair: tuple[int, ...] = ()
        table: dict[str, int] = {}
        inner: Inner = Inner()
        day: dt.date = dt.date(2026, 1, 1)
        short: Annotated[str, Field(min_length=2)] = "ab"
        one: Annotated[str, Field(min_length=1)] = "a"
        long: Annotated[str, Field(max_length=2)] = "ab"
        few: Annotated[list[int], Field(min_length=1)] = [1]
        many: Annotated[list[int], Field(max_length=1)] = [1]

    bad: list[tuple[str, object]] = [
        ("gt", 0), ("ge", -1), ("lt", 5), ("le", 6), ("literal", "z"), ("kind", "c"),
        ("number", [1]), ("number", "x"), ("number", 1.5), ("text", 1), ("flag", [1]),
        ("flag", "maybe"), ("real", [1]), ("real", "x"), ("amount", [1]), ("amount", "x"),
        ("cents", "1.234"), ("cents", "1.2345"), ("items", 1), ("pair", 1), ("table", 1),
        ("inner", 5), ("day", [1]), ("day", "2026-13-01"), ("day", dt.datetime(2026, 1, 1, 5)),
        ("short", "a"), ("one", ""), ("long", "abc"), ("few", []), ("many", [1, 2]),
    ]  # fmt: skip
    errors: list[dict[str, object]] = []
    for key, value in bad:
        with pytest.raises(ValidationError) as caught:
            Model(**{key: value})  # type: ignore[arg-type]
        errors.extend(caught.value.errors())  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Annotated[Decimal, Field(decimal_places=1)]).validate_python("1.23")
    errors.extend(caught.value.errors())  # type: ignore[arg-type]
    return errors


def test_pydantic_messages_are_pydantics_own_in_english_and_translated() -> None:
    """English product-file errors are pydantic's words exactly (its msgids are
    copies: a pydantic that rewords one fails here); Italian translates every
    kind listed, numbers and values kept."""
    from claimcalc.i18n import speaking
    from claimcalc.product import load

    errors = _pydantic_errors()
    kinds = {str(error["type"]) for error in errors}
    counted = {"string_too_short", "string_too_long", "too_short", "too_long",
               "decimal_max_places"}  # fmt: skip
    assert kinds >= set(load._PYDANTIC) | counted  # every kind listed is tried
    for error in errors:
        with speaking("en"):
            assert load._message(error) == error["msg"], error["type"]
        with speaking("it"):
            italian = load._message(error)
        assert italian != error["msg"], italian
        for value in dict(error.get("ctx") or {}).values():  # type: ignore[call-overload]
            if isinstance(value, int) and str(value) in str(error["msg"]):
                assert str(value) in italian, (italian, error["msg"])


def test_a_product_file_error_in_italian(tmp_path: Path) -> None:
    from claimcalc.i18n import speaking

    text = (FIXTURES / "products" / "valid-minimal.yaml").read_text()
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("edition:", "edition_:", 1))
    with speaking("it"), pytest.raises(ProductFileError) as caught:
        load_product_file(broken)
    assert "manca una chiave obbligatoria" in str(caught.value)
