"""The README's screenshots, made by a real browser (Debian's chromium, headless).

    python tools/screenshots.py            # writes docs/settle-table.png, docs/settle-letter.png

The table is the real ``settle`` output at 80 columns (rich's recorded console,
exported as HTML); the letter is ``settle --format html``. The browser helpers
here are the ones the letter's tests use (tests/test_letter_browser.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The README's example: a reduction (per-object limit) and a deduction (franchigia).
EXAMPLE = ROOT / "products" / "imaway" / "examples" / "E-baggage-theft-barcelona.json"
#: A4 is 210 mm wide; the letter's @page margins are 15 mm each side: 180 mm
#: printable, at CSS's 96 px per inch.
A4_WIDTH_PX = round(210 / 25.4 * 96)
A4_PRINTABLE_PX = round(180 / 25.4 * 96)

# No network, no profile, no background services: the page is all there is.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)

#: Written into a copy of a page by :func:`measure`: the page's width, its
#: content's, and the elements that stick out, as attributes of <html>.
MEASURE_SCRIPT = """<script>
(function () {
  var root = document.documentElement, width = root.clientWidth, out = [];
  document.querySelectorAll("body *").forEach(function (e) {
    var box = e.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {
      out.push(e.tagName.toLowerCase() + "." + e.className + " right=" + Math.round(box.right));
    }
  });
  root.setAttribute("data-client-width", width);
  root.setAttribute("data-scroll-width", root.scrollWidth);
  root.setAttribute("data-content-height", Math.ceil(document.body.getBoundingClientRect().bottom));
  root.setAttribute("data-overflow", out.slice(0, 20).join("; "));
})();
</script>"""


class ChromiumMissing(RuntimeError):
    pass


def chromium_path(install: bool = False) -> str:
    """Debian's chromium; installed with apt-get first when missing and ``install``
    (as root only: the tests' fixture and .ci/run)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if install and os.geteuid() == 0:
        # APT::Sandbox::User=root: apt's _apt user may not write a restricted /tmp.
        apt = ["apt-get", "-o", "APT::Sandbox::User=root"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*apt, "update", "-qq"], check=True, env=env)
        subprocess.run([*apt, "install", "-y", "-qq", "chromium"], check=True, env=env)
        found = shutil.which("chromium")
        if found:
            return found
    raise ChromiumMissing(
        "chromium not found: install Debian's chromium (apt-get install chromium) "
        "to run the letter's browser tests and make the screenshots"
    )


class Chromium:
    """Headless chromium, one run per call, each with a throwaway profile."""

    def __init__(self, path: str) -> None:
        self.path = path

    def run(self, url: str, *args: str, width: int, height: int = 1200) -> str:
        with tempfile.TemporaryDirectory(prefix="claimcalc-chromium-") as profile:
            command = [
                self.path,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                *args,
                url,
            ]
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
        return done.stdout

    def dump_dom(self, page: Path, width: int) -> str:
        """The page's DOM after its scripts ran, serialised."""
        return self.run(page.as_uri(), "--dump-dom", width=width)

    def screenshot(self, page: Path, png: Path, width: int, height: int) -> None:
        self.run(page.as_uri(), f"--screenshot={png}", width=width, height=height)
        if not png.is_file():
            raise RuntimeError(f"chromium wrote no screenshot {png}")

    def print_to_pdf(self, page: Path, pdf: Path) -> None:
        self.run(page.as_uri(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer", width=800)
        if not pdf.is_file():
            raise RuntimeError(f"chromium wrote no PDF {pdf}")

    def measure(self, html: str, width: int, workdir: Path) -> dict[str, str]:
        """Open a copy of ``html`` with :data:`MEASURE_SCRIPT` at ``width`` CSS
        pixels; the measures (``client-width``, ``scroll-width``, ``overflow``),
        the height of its content (``content-height``) and the DOM (``dom``)."""
        page = workdir / "measured.html"
        page.write_text(html.replace("</body>", MEASURE_SCRIPT + "</body>"), encoding="utf-8")
        dom = self.dump_dom(page, width)
        match = re.search(r"<html[^>]*>", dom)
        if match is None:
            raise RuntimeError("chromium's DOM has no <html> element")
        attributes = dict(_Attributes.of(match.group(0)))
        measures = {
            key.removeprefix("data-"): value or ""
            for key, value in attributes.items()
            if key.startswith("data-")
        }
        return {**measures, "dom": dom}


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(attrs)

    @classmethod
    def of(cls, tag: str) -> list[tuple[str, str | None]]:
        parser = cls()
        parser.feed(tag)
        return parser.found


def settle_output(*args: str, env: dict[str, str] | None = None) -> str:
    """``claimcalc settle …``'s standard output, from this checkout."""
    command = [sys.executable, "-m", "claimcalc", "settle", *args]
    environ = {**os.environ, **(env or {})}
    environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [environ.get("PYTHONPATH")])]
    )
    return subprocess.run(command, check=True, capture_output=True, text=True, env=environ).stdout


def table_html(claim: Path, columns: int = 80, lang: str = "it") -> tuple[str, int]:
    """``settle``'s tables for a claim as a terminal of ``columns`` shows them, in
    ``lang``: rich's recording of the real renderer, as HTML; and its number of lines."""
    from rich.console import Console

    from claimcalc.claim.sources import read_claim_file
    from claimcalc.i18n import current_language, set_language
    from claimcalc.output.tables import settlement_tables
    from claimcalc.settling.settler import Settler

    before = current_language()
    set_language(lang)
    try:
        settlement = Settler().settle_text(read_claim_file(claim))
        with Path(os.devnull).open("w", encoding="utf-8") as nowhere:
            console = Console(record=True, width=columns, file=nowhere, highlight=False)
            for renderable in settlement_tables(settlement):
                console.print(renderable)
    finally:
        set_language(before)
    text = console.export_text(clear=False)
    return console.export_html(inline_styles=True, code_format=_TERMINAL_PAGE), text.count("\n")


# A terminal: DejaVu Sans Mono (it has the box-drawing characters), dark on light.
_TERMINAL_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<style>
body {{ margin: 0; padding: 12px; background: {background}; color: {foreground}; }}
pre {{ margin: 0; font-family: "DejaVu Sans Mono", monospace; font-size: 14px; line-height: 16px; }}
</style></head>
<body><pre><code>{code}</code></pre></body></html>
"""


def make_screenshots(chromium: Chromium, out: Path, claim: Path = EXAMPLE) -> list[Path]:
    """docs/settle-table.png (80 columns) and docs/settle-letter.png, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    table_png, letter_png = out / "settle-table.png", out / "settle-letter.png"
    with tempfile.TemporaryDirectory(prefix="claimcalc-shots-") as work:
        workdir = Path(work)
        page, lines = table_html(claim)
        table_page = workdir / "table.html"
        table_page.write_text(page, encoding="utf-8")
        # 80 columns of DejaVu Sans Mono at 14 px are 675 px wide; 16 px a line, so the
        # box-drawing characters join.
        chromium.screenshot(table_page, table_png, width=700, height=lines * 16 + 24)

        letter = settle_output(str(claim), "--format", "html", "--lang", "it")
        measures = chromium.measure(letter, A4_WIDTH_PX, workdir)
        height = int(measures["content-height"]) + 24
        letter_page = workdir / "letter.html"
        letter_page.write_text(letter, encoding="utf-8")
        chromium.screenshot(letter_page, letter_png, width=A4_WIDTH_PX, height=height)
    return [table_png, letter_png]


def main() -> int:
    try:
        chromium = Chromium(chromium_path())
    except ChromiumMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    for png in make_screenshots(chromium, ROOT / "docs"):
        print(f"wrote {png.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
