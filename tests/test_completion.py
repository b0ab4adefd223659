"""Shell completion (issue 18 point 5): product ids, levels and guarantee codes, asked
of the real console script the way the shell asks it (``claimcalc --install-completion``
installs the script that does this on every Tab)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PRODUCT_IDS, product

CLAIMCALC = shutil.which("claimcalc") or str(Path(sys.executable).parent / "claimcalc")


def bash(line: str) -> list[str]:
    """The candidates bash gets for the last word of ``line`` (after ``claimcalc``)."""
    words = ["claimcalc", *line.split()] + ([""] if line.endswith(" ") else [])
    env = {
        **os.environ,
        "_CLAIMCALC_COMPLETE": "complete_bash",
        "COMP_WORDS": " ".join(words),
        "COMP_CWORD": str(len(words) - 1),
    }
    done = subprocess.run([CLAIMCALC], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def zsh(line: str) -> str:
    env = {
        **os.environ,
        "_CLAIMCALC_COMPLETE": "complete_zsh",
        "_TYPER_COMPLETE_ARGS": f"claimcalc {line}",
    }
    done = subprocess.run([CLAIMCALC], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    "line",
    [
        "products show ",
        "products guide ",
        "settle claim.json --product ",
        "claim new --product ",
        "claim template ",
        "claim check claim.json -p ",
    ],
)
def test_product_ids_complete(line: str) -> None:
    assert bash(line) == PRODUCT_IDS
    assert bash(line + "wi") == ["wi-school"]


def test_levels_complete_given_the_product() -> None:
    levels = list(product("imaway").level_ids)
    assert bash("claim new --product imaway --level ") == levels
    assert bash("claim new -p imaway -l s") == [lv for lv in levels if lv.startswith("s")]
    assert bash("products show imaway --level ") == levels  # an argument before the option
    assert bash("claim template wi-school --level ") == list(product("wi-school").level_ids)
    assert bash("claim new --level ") == []  # no product yet: nothing to offer


def test_guarantee_codes_complete_at_the_level_and_not_twice() -> None:
    imaway = product("imaway")
    easy = [
        g.code
        for s in imaway.sections
        for g in s.guarantees
        if "easy" in imaway.covered_levels(s, g)
    ]
    top = [
        g.code
        for s in imaway.sections
        for g in s.guarantees
        if "top" in imaway.covered_levels(s, g)
    ]
    assert easy != top
    assert bash("claim template imaway --level easy ") == easy
    assert bash("claim template imaway:top ") == top
    assert bash("claim template imaway ") == top  # the highest level: every guarantee it has
    assert bash("claim template imaway --level top D.medical_pharma D.") == [
        c for c in top if c.startswith("D.") and c != "D.medical_pharma"
    ]


def test_zsh_gets_each_code_with_its_title() -> None:
    out = zsh("claim template imaway D.medical_p")
    assert '"D.medical_pharma":"Spese mediche e farmaceutiche"' in out


def test_install_completion_is_offered() -> None:
    done = subprocess.run([CLAIMCALC, "--help"], capture_output=True, text=True, check=False)
    assert "--install-completion" in done.stdout
    shown = subprocess.run(
        [CLAIMCALC, "--show-completion", "bash"], capture_output=True, text=True, check=False
    )
    assert "_CLAIMCALC_COMPLETE=complete_bash" in shown.stdout
