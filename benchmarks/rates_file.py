"""What ``--rates eurofxref-hist.csv`` adds to a one-claim run (issue 15, point 4).

    python benchmarks/rates_file.py [--runs 21]

Writes a full-size ECB history file like ``eurofxref-hist.csv``: header
``Date,USD,JPY,…`` with 41 currencies and a trailing comma, every business
day from 2026-12-01 back to 1999-01-04 (newest first, ~7,300 rows), ``N/A``
where a currency had no fixing yet or has none any more. Then it times, by
the median of ``--runs`` runs each (alternated), ``claimcalc settle CLAIM`` without and
with ``--rates FILE`` for one medical claim in USD (Imaway example D, its own
rates taken out so that the file's are used), and reports the difference
(target: at most 30 ms) and, in-process, ``read_ecb_csv`` plus one lookup.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIM = ROOT / "products" / "imaway" / "examples" / "D-medical-usa.json"
CURRENCIES = (
    "USD",
    "JPY",
    "BGN",
    "CYP",
    "CZK",
    "DKK",
    "EEK",
    "GBP",
    "HUF",
    "LTL",
    "LVL",
    "MTL",
    "PLN",
    "ROL",
    "RON",
    "SEK",
    "SIT",
    "SKK",
    "CHF",
    "ISK",
    "NOK",
    "TRL",
    "TRY",
    "AUD",
    "BRL",
    "CAD",
    "CNY",
    "HKD",
    "IDR",
    "ILS",
    "INR",
    "KRW",
    "MXN",
    "MYR",
    "NZD",
    "PHP",
    "SGD",
    "THB",
    "ZAR",
    "RUB",
    "HRK",
)
#: Currencies that stop (euro adoption, redenomination) or start later: N/A outside.
ENDS = {
    "CYP": 2007,
    "EEK": 2010,
    "LTL": 2014,
    "LVL": 2013,
    "MTL": 2007,
    "ROL": 2005,
    "SIT": 2006,
    "SKK": 2008,
    "TRL": 2004,
    "HRK": 2022,
    "RUB": 2022,
    "BGN": 2025,
}
STARTS = {
    "RON": 2005,
    "TRY": 2005,
    "BRL": 2008,
    "CNY": 2005,
    "ILS": 2011,
    "INR": 2008,
    "MXN": 2008,
    "IDR": 2005,
    "PHP": 2005,
    "MYR": 2005,
    "THB": 2005,
}


def write_history(path: Path, seed: int = 15) -> int:
    """The file, newest first; returns its number of rows."""
    rng = random.Random(seed)
    level = {c: rng.uniform(0.5, 1500.0) for c in CURRENCIES}
    day, first = dt.date(2026, 12, 1), dt.date(1999, 1, 4)
    lines = ["Date," + ",".join(CURRENCIES) + ","]
    while day >= first:
        if day.weekday() < 5:
            cells = []
            for c in CURRENCIES:
                if day.year >= ENDS.get(c, 9999) or day.year < STARTS.get(c, 0):
                    cells.append("N/A")
                else:
                    level[c] *= 1 + rng.uniform(-0.004, 0.004)
                    cells.append(f"{level[c]:.4f}")
            lines.append(day.isoformat() + "," + ",".join(cells) + ",")
        day -= dt.timedelta(days=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def medians(commands: list[list[str]], runs: int) -> list[float]:
    """Each command's median time, the commands alternated so that noise hits them all."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, spent in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rates = Path(tmp) / "eurofxref-hist.csv"
        rows = write_history(rates)
        claim = json.loads(CLAIM.read_text(encoding="utf-8"))
        claim.pop("rates", None)
        claim_file = Path(tmp) / "claim.json"
        claim_file.write_text(json.dumps(claim), encoding="utf-8")
        # Without: the claim with its own rates; with: the file's, the same fixings' dates.
        base = [sys.executable, "-m", "claimcalc", "settle", str(CLAIM)]
        full = [sys.executable, "-m", "claimcalc", "settle", str(claim_file), "--rates", str(rates)]
        subprocess.run(full, check=True, capture_output=True)  # warm the product cache
        without, with_rates = medians([base, full], args.runs)

        from claimcalc.settling.rates import read_ecb_csv

        start = time.perf_counter()
        table = read_ecb_csv(rates)
        assert table.lookup("USD", dt.date(2026, 4, 7)) is not None
        in_process = time.perf_counter() - start
        size = rates.stat().st_size
    print(f"rates file: {rows} rows x {len(CURRENCIES)} currencies, {size:,} bytes")
    print(f"one claim without --rates: {without * 1000:7.1f} ms (median of {args.runs})")
    print(f"one claim with --rates:    {with_rates * 1000:7.1f} ms")
    print(f"added by --rates:          {(with_rates - without) * 1000:7.1f} ms (target <= 30)")
    print(f"read_ecb_csv + 1 lookup:   {in_process * 1000:7.1f} ms (in process)")


if __name__ == "__main__":
    main()
