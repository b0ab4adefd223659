"""The ``claimcalc`` command line: parse, call the library, print.

Exit codes (also in ``claimcalc --help`` and the README):

  0  success
  1  ``diff``: the products differ
  2  usage error (unknown option, bad level, missing argument)
  3  invalid claim file
  4  invalid product file, or unknown product
  5  a file could not be read or written
  6  batch: some claims failed (each has an error record); the others were settled
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from claimcalc.errors import (
    ClaimcalcError,
    ClaimError,
    DiffError,
    ExitCode,
    FileAccessError,
    ProductFileError,
)
from claimcalc.product.catalog import catalog, check_level, load_product, split_level

if TYPE_CHECKING:
    from rich.console import Console

    from claimcalc.compare.diff import Side
    from claimcalc.settling.rates import RateTable

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 diff found differences; 2 usage error; 3 invalid claim; "
    "4 invalid or unknown product; 5 file not readable or writable; "
    "6 batch with some claims failed (the others settled)."
)

app = typer.Typer(
    name="claimcalc",
    help="Claim calculator for Italian travel-insurance products.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
products_app = typer.Typer(help="List, show and validate product rulebooks.", no_args_is_help=True)
schema_app = typer.Typer(help="JSON Schemas for the files claimcalc reads.", no_args_is_help=True)
app.add_typer(products_app, name="products")
app.add_typer(schema_app, name="schema")


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _console(stderr: bool = False, file: TextIO | None = None) -> Console:
    from rich.console import Console

    # rich honours NO_COLOR and drops styling when not writing to a terminal;
    # tables get room to breathe when piped.
    stream = file or (sys.stderr if stderr else sys.stdout)
    columns = os.environ.get("COLUMNS", "")
    width = None if stream.isatty() else (int(columns) if columns.isdigit() else 160)
    return Console(file=stream, width=width, highlight=False)


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


@products_app.command("list")
def products_list(
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
) -> None:
    """List the shipped products: id, name, edition, levels."""
    from claimcalc.output.tables import catalog_json, catalog_table
    from claimcalc.product.load import load_product_file

    products = [load_product_file(entry.path) for entry in catalog()]
    if format is OutputFormat.JSON:
        _print_json(catalog_json(products))
    else:
        _console().print(catalog_table(products))


@products_app.command("show")
def products_show(
    product: Annotated[
        str, typer.Argument(help="Product id, id@edition, or file path; PRODUCT:LEVEL also works.")
    ],
    level: Annotated[str | None, typer.Option("--level", "-l", help="Show one level.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
) -> None:
    """Show a product's guarantees and their limits per zone."""
    from claimcalc.output.tables import product_json, product_tables

    ref, ref_level = split_level(product)
    loaded = load_product(ref)
    chosen = level or ref_level
    if chosen is not None:
        check_level(loaded, chosen)
    if format is OutputFormat.JSON:
        _print_json(product_json(loaded, chosen))
        return
    console = _console()
    for renderable in product_tables(loaded, chosen):
        console.print(renderable)


@products_app.command("guide")
def products_guide(
    product: Annotated[str, typer.Argument(help="Product id, id@edition, or file path.")],
) -> None:
    """Print, as Markdown, what a claim line needs for each guarantee."""
    from claimcalc.output.guide import claim_guide

    sys.stdout.write(claim_guide(load_product(product)) + "\n")


@products_app.command("validate")
def products_validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Product files; default: every shipped product.")
    ] = None,
) -> None:
    """Validate product files; print every problem, one per line."""
    from claimcalc.product.load import load_product_file

    files = paths or [entry.path for entry in catalog()]
    failed: list[ClaimcalcError] = []
    for path in files:
        try:
            product = load_product_file(path)
        except (ProductFileError, ClaimcalcError) as exc:
            failed.append(exc)
            sys.stderr.write(f"{exc}\n")
            continue
        count = sum(1 for _ in product.guarantees())
        sys.stdout.write(f"ok {path} ({product.ref}, {count} guarantees)\n")
    if failed:
        raise typer.Exit(max(int(e.exit_code) for e in failed))


class SettleFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"


@app.command(
    "settle",
    help="Settle claims: an itemised settlement, line by line, with the articles.\n\n"
    "One claim file prints its settlement. Several files, a directory, an NDJSON file "
    "or - (NDJSON on standard input) make a batch: one record per claim, in input "
    "order, errors included, and a summary on standard error.\n\n" + EXIT_CODES_HELP,
)
def settle_command(
    claims: Annotated[
        list[str],
        typer.Argument(help="Claim files, directories, NDJSON files, or - for NDJSON on stdin."),
    ],
    product: Annotated[
        str | None,
        typer.Option(
            "--product", "-p", help="Product id, id@edition or file; default: the claim's."
        ),
    ] = None,
    rates: Annotated[
        Path | None, typer.Option("--rates", help="ECB reference rates, eurofxref-hist.csv.")
    ] = None,
    format: Annotated[SettleFormat, typer.Option("--format", "-f")] = SettleFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically), not stdout.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every step of every line.")
    ] = False,
) -> None:
    from claimcalc.settling.rates import read_ecb_csv

    table = read_ecb_csv(rates) if rates is not None else None
    single = (
        len(claims) == 1
        and claims[0] != "-"
        and Path(claims[0]).suffix not in (".ndjson", ".jsonl")
        and not Path(claims[0]).is_dir()
        and format in (SettleFormat.TABLE, SettleFormat.JSON)
    )
    if single:
        _settle_single(Path(claims[0]), product, table, format, output, explain)
    else:
        raise typer.Exit(_settle_batch(claims, product, table, format, output, jobs, explain))


def _settle_single(
    claim: Path,
    product: str | None,
    rates: RateTable | None,
    format: SettleFormat,
    output: Path | None,
    explain: bool,
) -> None:
    from claimcalc.batch import Item, Settler, atomic_writer

    try:
        text = claim.read_bytes().decode("utf-8")
    except OSError as exc:
        raise FileAccessError(f"{claim}: cannot read claim file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ClaimError(str(claim), [("", "not UTF-8 text")]) from None
    settlement = Settler(product, rates).settle_text(Item(1, str(claim), text))
    with _output(output, atomic_writer) as stream:
        if format is SettleFormat.JSON:
            stream.write(json.dumps(settlement.to_json(), ensure_ascii=False, indent=2) + "\n")
            return
        from claimcalc.output.tables import settlement_tables

        console = _console(file=stream)
        for renderable in settlement_tables(settlement, explain=explain):
            console.print(renderable)


def _settle_batch(
    claims: list[str],
    product: str | None,
    rates: RateTable | None,
    format: SettleFormat,
    output: Path | None,
    jobs: int,
    explain: bool,
) -> int:
    from claimcalc.batch import BatchFormat, Summary, atomic_writer, iter_items, run, write_records
    from claimcalc.money import format_eur

    summary = Summary()
    items = iter_items(claims)
    with _output(output, atomic_writer) as stream, _progress() as advance:
        if format is SettleFormat.TABLE:
            from claimcalc.output.tables import settlement_tables

            console = _console(file=stream)
            for outcome in run(items, BatchFormat.NDJSON, product, rates, keep_settlements=True):
                summary.add(outcome)
                advance()
                if outcome.settlement is not None:
                    for renderable in settlement_tables(outcome.settlement, explain=explain):
                        console.print(renderable)
                elif outcome.error is not None:
                    sys.stderr.write(f"{outcome.error}\n")
        else:
            fmt = BatchFormat(format.value)
            outcomes = run(items, fmt, product, rates, jobs=jobs, steps=explain)
            write_records(outcomes, fmt, stream.write, summary, on_outcome=lambda _: advance())
    sys.stderr.write(
        f"settled {summary.settled}, failed {summary.failed}, "
        f"indemnities {format_eur(summary.indemnity)}, advances {format_eur(summary.advances)}\n"
    )
    return int(ExitCode.PARTIAL) if summary.failed else int(ExitCode.OK)


@contextmanager
def _output(path: Path | None, atomic: Callable[[Path], Any]) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    # SIGTERM unwinds like Ctrl-C, so the temporary file is removed.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with atomic(path) as stream:
            yield stream
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _progress() -> Iterator[Callable[[], None]]:
    """A progress line on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("settled {task.completed} claims"),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("settle", total=None)
        yield lambda: progress.advance(task)


@app.command(
    "diff",
    help="What changed between two products, editions or levels, and what it does to claims.\n\n"
    "OLD and NEW are product ids, id@edition, files, or any of those with :LEVEL "
    "(imaway:easy). Exit codes, as diff(1): 0 equivalent, 1 different, 2 trouble.",
)
def diff_command(
    old: Annotated[
        str, typer.Argument(help="The old side: product, edition, file, or PRODUCT:LEVEL.")
    ],
    new: Annotated[str, typer.Argument(help="The new side.")],
    claims: Annotated[
        list[str] | None,
        typer.Option(
            "--claims", help="Claims to settle under both sides (files, directory, NDJSON, -)."
        ),
    ] = None,
    rates: Annotated[
        Path | None, typer.Option("--rates", help="ECB reference rates, eurofxref-hist.csv.")
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
) -> None:
    from claimcalc.compare.diff import diff_products

    try:
        old_side, new_side = _diff_side(old), _diff_side(new)
        result = diff_products(old_side.product, new_side.product, old_side.level, new_side.level)
        effect = None
        if claims:
            from claimcalc.batch import iter_items
            from claimcalc.compare.impact import impact
            from claimcalc.settling.rates import read_ecb_csv

            table = read_ecb_csv(rates) if rates is not None else None
            effect = impact(old_side, new_side, iter_items(claims), table)
    except ClaimcalcError as exc:
        raise DiffError(str(exc)) from None
    if format is OutputFormat.JSON:
        document = result.to_json()
        if effect is not None:
            document["impact"] = effect.to_json()
        _print_json(document)
    else:
        from claimcalc.output.tables import diff_tables, impact_tables

        console = _console()
        for renderable in diff_tables(result) + (impact_tables(effect) if effect else []):
            console.print(renderable)
    raise typer.Exit(0 if result.equivalent else 1)


def _diff_side(ref: str) -> Side:
    from claimcalc.compare.diff import Side

    product_ref, level = split_level(ref)
    return Side(load_product(product_ref), level)  # diff_products checks the level


def _print_schema(schema: dict[str, Any], title: str) -> None:
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    _print_json(schema)


@schema_app.command("claim")
def schema_claim() -> None:
    """Print the JSON Schema of claim files (claim format 1)."""
    from claimcalc.claim.schema import json_schema

    _print_schema(json_schema(), "claimcalc claim file (format 1)")


@schema_app.command("product")
def schema_product() -> None:
    """Print the JSON Schema of product files (for editors)."""
    from claimcalc.product.schema import Product

    _print_schema(Product.model_json_schema(by_alias=True), "claimcalc product file")


@app.command(
    "test",
    help="Run product authors' cases: settle each case's claim and compare with what it "
    "expects.\n\nPATH is a case file, a cases folder, a product folder or a products "
    "directory; default: every shipped product's cases. Exit codes: 0 every case passed; "
    "1 some failed; 2 usage error; 3 a case's claim is invalid; 4 invalid case or product "
    "file; 5 a file could not be read.",
)
def test_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Case files, cases folders, product folders; default: every product."),
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
) -> None:
    from claimcalc.cases import find_case_files, load_cases, run_cases

    report = run_cases(load_cases(find_case_files(paths or [])))
    if format is OutputFormat.JSON:
        _print_json(report.to_json())
    else:
        from claimcalc.output.cases import cases_table

        _console().print(cases_table(report))
    raise typer.Exit(report.exit_code)


def main(argv: list[str] | None = None) -> int:
    """Entry point: one handler maps every ClaimcalcError to its message and exit code.

    typer runs in standalone mode, so command-line misuse exits with 2 as usual.
    """
    try:
        app(args=argv, prog_name="claimcalc")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else int(ExitCode.USAGE))
    except ClaimcalcError as exc:
        sys.stderr.write(f"{exc}\n")
        return int(exc.exit_code)
    except BrokenPipeError:
        # A reader such as `head` went away: not an error of ours.
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
