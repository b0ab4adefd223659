"""A batch's summary line on standard error follows the language of the run."""

from __future__ import annotations

import pytest

from claimcalc.cli import main
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lang", "it"], "liquidate 11, non riuscite 0, indennizzi € "),
        (["--lang", "en"], "settled 11, failed 0, indemnities € "),
        ([], "liquidate 11, non riuscite 0, indennizzi € "),  # the locale's
        (["-f", "ndjson"], "settled 11, failed 0, indemnities € "),  # a machine format: English
    ],
)
def test_the_batch_summary_in_the_runs_language(
    args: list[str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "it_IT.UTF-8")  # an Italian desk
    code = main(["settle", str(ROOT / "products" / "imaway" / "examples"), *args])
    _, err = capsys.readouterr()
    assert code == 0
    assert err.splitlines()[-1].startswith(expected), err
