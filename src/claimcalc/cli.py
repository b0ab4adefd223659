"""The ``claimcalc`` command line: parse, call the library, print.

Exit codes (also in ``claimcalc --help`` and the README):

  0  success
  1  ``diff``: the products differ
  2  usage error (unknown option, bad level, missing argument)
  3  invalid claim file
  4  invalid product file, or unknown product
  5  a file could not be read or written
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from claimcalc.catalog import catalog, check_level, load_product, split_level
from claimcalc.errors import ClaimcalcError, ExitCode, ProductFileError, UnknownProductError
from claimcalc.loader import load_product_file

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 diff found differences; 2 usage error; 3 invalid claim; "
    "4 invalid or unknown product; 5 file not readable or writable."
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


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    # rich honours NO_COLOR and drops styling when not writing to a terminal;
    # tables get room to breathe when piped.
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(file=stream, width=width, highlight=False)


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


@products_app.command("list")
def products_list(
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
) -> None:
    """List the shipped products: id, name, edition, levels."""
    from claimcalc.render import catalog_json, catalog_table

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
    from claimcalc.render import product_json, product_tables

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
    from claimcalc.guide import claim_guide

    sys.stdout.write(claim_guide(load_product(product)) + "\n")


@products_app.command("validate")
def products_validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Product files; default: every shipped product.")
    ] = None,
) -> None:
    """Validate product files; print every problem, one per line."""
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


@app.command(
    "settle",
    help="Settle a claim: an itemised settlement, line by line, with the articles.\n\n"
    + EXIT_CODES_HELP,
)
def settle_command(
    claim: Annotated[Path, typer.Argument(help="Claim file (JSON, claim format 1).")],
    product: Annotated[
        str | None,
        typer.Option(
            "--product", "-p", help="Product id, id@edition or file; default: the claim's."
        ),
    ] = None,
    rates: Annotated[
        Path | None,
        typer.Option("--rates", help="ECB reference rates, eurofxref-hist.csv."),
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every step of every line.")
    ] = False,
) -> None:
    from claimcalc.claim import read_claim
    from claimcalc.engine import settle
    from claimcalc.rates import read_ecb_csv

    parsed = read_claim(claim)
    try:
        loaded = load_product(product or parsed.product_ref)
    except UnknownProductError as exc:
        if product is not None:
            raise
        field = "edition" if parsed.edition else "product"
        raise UnknownProductError(f"{claim}: {field}: {exc}") from None
    table = read_ecb_csv(rates) if rates is not None else None
    settlement = settle(parsed, loaded, table, source=str(claim))
    if format is OutputFormat.JSON:
        _print_json(settlement.to_json())
        return
    from claimcalc.render import settlement_tables

    console = _console()
    for renderable in settlement_tables(settlement, explain=explain):
        console.print(renderable)


def _print_schema(model: type[BaseModel], title: str) -> None:
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    _print_json(schema)


@schema_app.command("claim")
def schema_claim() -> None:
    """Print the JSON Schema of claim files (claim format 1)."""
    from claimcalc.claim import Claim

    _print_schema(Claim, "claimcalc claim file (format 1)")


@schema_app.command("product")
def schema_product() -> None:
    """Print the JSON Schema of product files (for editors)."""
    from claimcalc.rules import Product

    _print_schema(Product, "claimcalc product file")


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
