"""The settlement letter in a real browser: Debian's chromium, headless.

Every example claim's letter is opened at the printable width of A4 (180 mm:
the letter's @page margins are 15 mm a side) and nothing on it may stick out
sideways; every amount on the rendered page is read back from chromium's DOM
and must equal the same amount in ``settle --format json``; printed, the
page is A4. No test here skips: without chromium the fixture installs it
(as root, with apt-get, as .ci/run does) or fails saying how to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from tools.screenshots import (
    A4_PRINTABLE_PX,
    A4_WIDTH_PX,
    Chromium,
    ChromiumMissing,
    chromium_path,
    make_screenshots,
    settle_output,
)

from claimcalc.cli import main
from tests.conftest import EXAMPLES, ROOT, example

AMOUNT = re.compile(r"€ (\d{1,3}(?:\.\d{3})*,\d{2})")


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    try:
        return Chromium(chromium_path(install=True))
    except ChromiumMissing as exc:
        pytest.fail(str(exc))


def settle(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """``claimcalc settle …``'s standard output (in this process: a subprocess per
    claim would double the time of these tests)."""
    code = main(["settle", *args])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return out


def italian_amount(text: str) -> Decimal:
    """``€ 1.234,50`` → 1234.50, read as a person reads it (not via format_eur)."""
    match = AMOUNT.fullmatch(text.strip())
    assert match, f"not an amount as the letter writes them: {text!r}"
    return Decimal(match.group(1).replace(".", "").replace(",", "."))


class Page(HTMLParser):
    """The rendered DOM's marked values (``data-json``), and its text outside the
    contract's quotes and the calculation texts (which the JSON holds as text)."""

    def __init__(self) -> None:
        super().__init__()
        self.marked: list[tuple[str, str]] = []
        self.limits: list[tuple[str, str]] = []  # a per-unit cap's value: the product's
        self.free_text: list[str] = []
        self._open: list[tuple[str, str | None, bool]] = []  # tag, json path, quoted
        self._texts: dict[int, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "meta", "col", "img", "link", "input", "hr"):
            return
        found = dict(attrs)
        quoted = tag == "blockquote" or any(q for _, _, q in self._open)
        path = found.get("data-json")
        limit = found.get("data-limit")
        if limit is not None:
            path = f"limit:{limit}"
        self._open.append((tag, path, quoted or path is not None))
        if path is not None:
            self._texts[len(self._open)] = []

    def handle_endtag(self, tag: str) -> None:
        if not self._open or tag in ("br", "meta"):
            return
        depth = len(self._open)
        open_tag, path, _ = self._open.pop()
        assert open_tag == tag, f"unbalanced DOM: {open_tag} closed by {tag}"
        if path is not None and path.startswith("limit:"):
            self.limits.append((path.removeprefix("limit:"), "".join(self._texts.pop(depth))))
        elif path is not None:
            self.marked.append((path, "".join(self._texts.pop(depth))))

    def handle_data(self, data: str) -> None:
        for depth, texts in self._texts.items():
            if depth <= len(self._open):
                texts.append(data)
        if not any(q for _, _, q in self._open) and not any(
            t in ("style", "title") for t, _, _ in self._open
        ):
            self.free_text.append(data)


def at(document: Any, path: str) -> Any:
    for key in path.split("."):
        document = document[int(key)] if isinstance(document, list) else document[key]
    return document


def amount_paths(settlement: dict[str, Any]) -> Iterator[str]:
    """Every amount of a settlement's JSON the letter must show, and every reason text."""
    for p, person in enumerate(settlement["insured"]):
        for n, line in enumerate(person["lines"]):
            at_line = f"insured.{p}.lines.{n}"
            if line["claimed"] is not None:
                yield f"{at_line}.claimed"
            yield f"{at_line}.assessed_loss"
            yield f"{at_line}.deductible"
            if line["limit"] is not None:
                yield f"{at_line}.limit.amount"
            yield f"{at_line}.paid"
            for r in range(len(line["reasons"])):
                yield f"{at_line}.reasons.{r}.text"
        yield f"insured.{p}.totals.indemnity"
        yield f"insured.{p}.totals.advances"
    yield from ("totals.claimed", "totals.indemnity", "totals.advances")


@pytest.mark.parametrize("claim", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_the_letter_fits_a4_and_its_amounts_are_the_settlements(
    claim: Path, chromium: Chromium, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The JSON in the letter's language: its reason texts are the letter's.
    data = json.loads(settle(capsys, str(claim), "--format", "json", "--lang", "it"))
    page = settle(capsys, str(claim), "--format", "html", "--lang", "it")
    measures = chromium.measure(page, A4_PRINTABLE_PX, tmp_path)

    # The window really is A4's printable width, and nothing sticks out of it.
    assert abs(int(measures["client-width"]) - A4_PRINTABLE_PX) <= 1, measures["client-width"]
    assert int(measures["scroll-width"]) <= int(measures["client-width"])
    assert measures["overflow"] == "", f"wider than A4: {measures['overflow']}"

    dom = Page()
    dom.feed(measures["dom"])
    marked = dict(dom.marked)
    assert len(marked) == len(dom.marked), "an amount shown twice under one path"
    assert sorted(marked) == sorted(amount_paths(data))
    for path, shown in marked.items():
        expected = at(data, path)
        if path.endswith(".text"):
            assert shown == expected, path
        else:
            assert italian_amount(shown) == Decimal(expected), path
    # A per-unit cap (no line limit) shows the product's rate or count at the level.
    if dom.limits:
        from claimcalc.product.catalog import load_product

        meta = data["product"]
        book = load_product(f"{meta['id']}@{meta['edition']}")
        for limit_id, shown in dom.limits:
            value = book.limit_amount(limit_id, meta["level"], data["event"]["zone"])
            assert isinstance(value, Decimal), limit_id
            number = italian_amount(shown) if "€" in shown else Decimal(shown)
            assert number == value, limit_id
    # No other amount anywhere on the page but in the contract's own words.
    assert AMOUNT.findall(" ".join(dom.free_text)) == []


def test_a_wide_page_is_caught(chromium: Chromium, tmp_path: Path) -> None:
    """The overflow measure can fail: a table wider than A4 is reported."""
    page = settle_output(str(example("imaway", "D-medical-usa.json")), "--format", "html")
    wide = page.replace(
        "</main>", '<table><tr><td style="min-width: 900px">x</td></tr></table></main>'
    )
    measures = chromium.measure(wide, A4_PRINTABLE_PX, tmp_path)
    assert measures["overflow"] != ""
    assert int(measures["scroll-width"]) > int(measures["client-width"])


def test_printed_the_letter_is_a4(chromium: Chromium, tmp_path: Path) -> None:
    letter = tmp_path / "letter.html"
    letter.write_text(
        settle_output(str(example("imaway", "F-flight-delay-family.json")), "-f", "html"),
        encoding="utf-8",
    )
    pdf = tmp_path / "letter.pdf"
    chromium.print_to_pdf(letter, pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes, "no page in the PDF"
    for width, height in boxes:  # A4: 595.28 × 841.89 points
        assert abs(float(width) - 595.28) < 1 and abs(float(height) - 841.89) < 1


def test_the_screenshots_are_made_by_this_browser(chromium: Chromium, tmp_path: Path) -> None:
    """tools/screenshots.py makes the README's PNGs; here into a temporary folder."""
    table, letter = make_screenshots(chromium, tmp_path)
    for png, least_width in ((table, 600), (letter, A4_WIDTH_PX)):
        header = png.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
        assert width >= least_width and height > 200
    committed = {p.name for p in (ROOT / "docs").glob("settle-*.png")}
    assert committed == {"settle-table.png", "settle-letter.png"}
