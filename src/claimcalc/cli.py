"""The ``claimcalc`` command line: parse, call the library, print.

Exit codes (also in ``claimcalc --help`` and the README):

  0  success
  1  ``diff``: the products differ
  2  usage error (unknown option, bad level, missing argument)
  3  invalid claim file
  4  invalid product file, or unknown product
  5  a file, or a claims ledger, could not be read or written
  6  batch: some claims failed (each has an error record); the others were settled
  7  internal error: a claim met a bug in claimcalc (in a batch: its error record)
130  interrupted (Ctrl-C, SIGINT), as a shell's 128+SIGINT
141  the output was a pipe and its reader went away (``| head``), as a shell's 128+SIGPIPE
143  terminated (SIGTERM: kill, timeout), as a shell's 128+SIGTERM
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from claimcalc.errors import (
    ClaimcalcError,
    DiffError,
    ExitCode,
    FileAccessError,
    InternalError,
    Interrupted,
    ProductFileError,
    UsageError,
)
from claimcalc.i18n import _
from claimcalc.output.formats import DOCUMENT_FORMATS, Format
from claimcalc.product.catalog import catalog, check_level, load_product, split_level

if TYPE_CHECKING:
    from claimcalc.claim.sources import Item
    from claimcalc.ledger.settle import LedgerSettler
    from claimcalc.output.records import Outcome
    from claimcalc.settlement import Settlement
    from claimcalc.settling.rates import RateTable

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 diff found differences, test cases failed, claim new wrote "
    "nothing; 2 usage error; 3 invalid claim; "
    "4 invalid or unknown product; 5 file or claims ledger not readable or writable; "
    "6 batch with some claims failed (the others settled); "
    "7 internal error (a bug: please report it); 130 interrupted (Ctrl-C); "
    "141 output pipe closed by its reader (| head); 143 terminated (SIGTERM)."
)
#: ``settle``'s own codes: not diff's or test's 1.
SETTLE_EXIT_CODES_HELP = (
    "Exit codes: 0 success; 2 usage error (also: no claims to settle); 3 invalid claim; "
    "4 invalid or unknown product; 5 file or claims ledger not readable or writable (a "
    "full disk: the output file is left as it was); 6 batch with some claims failed (the others "
    "settled); 7 internal error (a bug: please report it); 130 interrupted (Ctrl-C: "
    "the records written stay, an --output file is left as it was, a ledger keeps its "
    "committed batches); 141 output pipe closed by its reader (| head); 143 terminated "
    "(SIGTERM: as Ctrl-C, without its line)."
)

LANG_HELP = (
    "Language of the human-readable output: it or en (default: it when LC_ALL, "
    "LC_MESSAGES or LANG starts with it). JSON, NDJSON and CSV are English "
    "whatever the locale; an explicit --lang gives their texts in that language."
)

app = typer.Typer(
    name="claimcalc",
    help="Claim calculator for Italian travel-insurance products.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # --install-completion / --show-completion: product ids, levels and guarantee codes
    # complete (the _complete_* callbacks below).
    add_completion=True,
)
products_app = typer.Typer(help="List, show and validate product rulebooks.", no_args_is_help=True)
schema_app = typer.Typer(help="JSON Schemas for the files claimcalc reads.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        from claimcalc import __version__
        from claimcalc.compiled import summary

        sys.stdout.write(f"claimcalc {__version__} ({summary()})\n")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="<it|en>",
            help=LANG_HELP + " Before the command (claimcalc --lang it settle …) as after "
            "it; after it wins.",
        ),
    ] = None,
) -> None:
    """The options of every command; the help is the app's."""
    global _root_language
    if lang is not None:
        _human_language(lang)  # an unknown language is refused here, as after the command
    _root_language = lang  # the command's own --lang wins (_run_in_language)


app.add_typer(products_app, name="products")
app.add_typer(schema_app, name="schema")
ledger_app = typer.Typer(
    help="The claims ledger: what was paid, per policy and insured person (docs/ledger.md).",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")


def _document_format() -> Any:
    """``--format`` of the commands that print documents: only the formats that can."""
    names = [f.value for f in DOCUMENT_FORMATS]

    def parse(value: str) -> Format:
        if value not in names:
            choices = ", ".join(repr(name) for name in names)
            raise typer.BadParameter(f"{value!r} is not one of {choices}.")
        return Format(value)

    # Shown as typer shows an enum's choices.
    return typer.Option("--format", "-f", metavar=f"<{'|'.join(names)}>", parser=parse)


# --------------------------------------------------------------------------- shell completion
#
# Called by the shell on every Tab: they must never fail (a product file with an
# error completes nothing).


def _complete_product(incomplete: str) -> list[str]:
    with suppress(Exception):
        return [i for i in sorted({e.id for e in catalog()}) if i.startswith(incomplete)]
    return []


#: ``--product`` where claims are read: which product settles them.
ClaimsProduct = Annotated[
    str | None,
    typer.Option(
        "--product",
        "-p",
        help="Product id, id@edition or file; default: the claim's.",
        autocompletion=_complete_product,
    ),
]


def _completion_words() -> list[str]:
    """The words of the command line being completed, as the shell passed them (bash;
    zsh, fish and PowerShell): typer gives completion callbacks none."""
    import os
    import shlex

    with suppress(ValueError):
        return shlex.split(
            os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS", "")
        )
    return []


def _completed_product(ctx: typer.Context) -> tuple[str, str | None]:
    """The product (and PRODUCT:LEVEL's level) on the command line being completed.

    From the parsed parameters; else from the words themselves: click does not
    parse a command's arguments when an option after them awaits its value
    (``products show imaway --level <Tab>``)."""
    named = ctx.params.get("product")
    args = _completion_words()
    if not named:
        ids = {e.id for e in catalog()}
        for i, word in enumerate(args):
            if word in ("--product", "-p") and i + 1 < len(args):
                named = args[i + 1]
                break
            if word.startswith("--product="):
                named = word.partition("=")[2]
                break
            if split_level(word)[0].partition("@")[0] in ids:
                named = word
                break
    return split_level(str(named or ""))


def _complete_level(ctx: typer.Context, incomplete: str) -> list[str]:
    with suppress(Exception):
        ref, _level = _completed_product(ctx)
        return [lv for lv in load_product(ref).level_ids if lv.startswith(incomplete)]
    return []


def _complete_guarantee(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    with suppress(Exception):
        from claimcalc.authoring.questions import iter_codes

        ref, ref_level = _completed_product(ctx)
        product = load_product(ref)
        words = _completion_words()
        level = next(
            (words[i + 1] for i, w in enumerate(words[:-1]) if w in ("--level", "-l")),
            ref_level or product.level_ids[-1],
        )
        given = set(words[:-1]) if incomplete else set(words)
        return [
            (code, title)
            for code, title in iter_codes(product, level)
            if code.startswith(incomplete) and code not in given
        ]
    return []


@products_app.command("list")
def products_list(
    format: Annotated[Format, _document_format()] = Format.TABLE,
) -> None:
    """List the shipped products: id, name, edition, levels."""
    products = [load_product(entry.path) for entry in catalog()]
    if format is Format.JSON:
        from claimcalc.output.documents import catalog_json
        from claimcalc.output.records import write_document

        write_document(catalog_json(products))
    else:
        from claimcalc.output.records import console
        from claimcalc.output.tables import catalog_table

        console().print(catalog_table(products))


@products_app.command("show")
def products_show(
    product: Annotated[
        str,
        typer.Argument(
            help="Product id, id@edition, or file path; PRODUCT:LEVEL also works.",
            autocompletion=_complete_product,
        ),
    ],
    level: Annotated[
        str | None,
        typer.Option("--level", "-l", help="Show one level.", autocompletion=_complete_level),
    ] = None,
    format: Annotated[Format, _document_format()] = Format.TABLE,
) -> None:
    """Show a product's guarantees and their limits per zone."""
    ref, ref_level = split_level(product)
    loaded = load_product(ref)
    chosen = level or ref_level
    if chosen is not None:
        check_level(loaded, chosen)
    if format is Format.JSON:
        from claimcalc.output.documents import product_json
        from claimcalc.output.records import write_document

        write_document(product_json(loaded, chosen))
        return
    from claimcalc.output.records import console
    from claimcalc.output.tables import product_tables

    out = console()
    for renderable in product_tables(loaded, chosen):
        out.print(renderable)


@products_app.command("guide")
def products_guide(
    product: Annotated[
        str,
        typer.Argument(
            help="Product id, id@edition, or file path.", autocompletion=_complete_product
        ),
    ],
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
    files = paths or [entry.path for entry in catalog()]
    failed: list[ClaimcalcError] = []
    for path in files:
        try:
            product = load_product(path)
        except (ProductFileError, ClaimcalcError) as exc:
            failed.append(exc)
            sys.stderr.write(f"{exc}\n")
            continue
        count = sum(1 for _guarantee in product.guarantees())
        sys.stdout.write(
            _("ok {path} ({product}, {count} guarantees)").format(
                path=path, product=product.ref, count=count
            )
            + "\n"
        )
    if failed:
        raise typer.Exit(max(int(e.exit_code) for e in failed))


@app.command(
    "settle",
    help="Settle claims: an itemised settlement, line by line, with the articles.\n\n"
    "One claim file prints its settlement. Several files, a directory, an NDJSON file "
    "or - (NDJSON on standard input) make a batch: one record per claim, in input "
    "order, errors included, and a summary on standard error.\n\n" + SETTLE_EXIT_CODES_HELP,
)
def settle_command(
    claims: Annotated[
        list[str],
        typer.Argument(help="Claim files, directories, NDJSON files, or - for NDJSON on stdin."),
    ],
    product: ClaimsProduct = None,
    rates: Annotated[
        Path | None, typer.Option("--rates", help="ECB reference rates, eurofxref-hist.csv.")
    ] = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically), not stdout.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every step of every line.")
    ] = False,
    ledger: Annotated[str | None, _ledger_option()] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record/--dry-run",
            help="With --ledger: record the settlements (default: a dry run, nothing recorded).",
        ),
    ] = False,
    prior_payments: Annotated[
        str,
        typer.Option(
            "--prior-payments",
            metavar="<refuse|add>",
            help="With --ledger, a claim that states prior_payments: refuse it (default), "
            "or add them to the ledger's.",
        ),
    ] = "refuse",
    ledger_batch: Annotated[
        int | None,
        typer.Option(
            "--ledger-batch",
            min=1,
            metavar="N",
            help="With --ledger: claims per transaction (default 200).",
        ),
    ] = None,
) -> None:
    from claimcalc.claim.sources import read_claim_file, single_claim_file
    from claimcalc.output.records import RecordWriter, one_claim_outcome, output_stream
    from claimcalc.settling.rates import read_ecb_csv

    if product is not None:
        _no_level(product)
        # Named for every claim: loaded once before any claim is read, so that one
        # that cannot be loaded is the run's error (one line, exit 4), not each claim's.
        from claimcalc.product.catalog import load_rulebook

        load_rulebook(product)
    table = read_ecb_csv(rates) if rates is not None else None
    claim_file = single_claim_file(claims) if format.one_claim else None
    if format is Format.HTML and claim_file is None:
        raise UsageError(
            _(
                "--format html: a letter is for one claim file; run settle once per claim "
                "(a batch: --format json, ndjson or csv)"
            )
        )
    # The letter's own words follow the language asked even where the engine's
    # texts stay English (a ledger keeps English documents: see _run_in_language).
    language = _letter_language
    steps = explain or not format.text_records
    with _ledger_settler(
        ledger, record, prior_payments, product, table, steps, ledger_batch
    ) as settler:
        if claim_file is not None:
            item = read_claim_file(claim_file)
            try:
                if settler is None:
                    from claimcalc.settling.settler import Settler

                    settlement = Settler(product, table).settle_text(item)
                else:
                    settlement = _settle_with_ledger(settler, item)
                    if format is Format.HTML:
                        settlement = _in_letter_language(settler, language)
                outcome = one_claim_outcome(settlement, format, product, language)
            except ClaimcalcError:
                raise
            except Exception as exc:  # a bug: one line and exit 7, as in a batch (settle_one)
                raise InternalError.of(item.source, exc) from exc
            if settler is not None:
                _one_claim_ledger_note(settler, outcome, format)
            with (
                output_stream(output) as stream,
                RecordWriter(format, stream, explain, one_claim=True) as writer,
            ):
                writer.write(outcome)
            if settler is not None and settler.last is not None and not format.text_records:
                sys.stderr.write(settler.last.line() + "\n")
            return
        _settle_batch(claims, format, product, table, jobs, explain, output, settler)


def _settle_batch(
    claims: list[str],
    format: Format,
    product: str | None,
    table: RateTable | None,
    jobs: int,
    explain: bool,
    output: Path | None,
    ledger: LedgerSettler | None,
) -> None:
    from claimcalc.batch import run
    from claimcalc.output.records import RecordWriter, output_stream

    # Tables are rendered from the settlements, which stay in this process.
    keep = not format.text_records
    outcomes = run(
        _claim_items(claims),
        format,
        product,
        table,
        jobs,
        keep,
        steps=explain,
        ledger=ledger,
        # stdin or a named pipe may be live: answered claim by claim
        read_ahead=all(name != "-" and _file_or_folder(name) for name in claims),
    )
    with (
        output_stream(output) as stream,
        _progress() as advance,
        RecordWriter(format, stream, explain) as writer,
    ):
        for outcome in outcomes:
            writer.write(outcome)
            advance()
    if ledger is not None:
        writer.summary.retries = ledger.retries
    sys.stderr.write(writer.summary.line())
    raise typer.Exit(int(writer.summary.exit_code))


# --------------------------------------------------------------------------- the claims ledger


def _ledger_option() -> Any:
    return typer.Option(
        "--ledger",
        envvar="CLAIMCALC_LEDGER",
        metavar="DB",
        help="Claims ledger: a SQLite file, or postgresql://… (default: $CLAIMCALC_LEDGER).",
    )


@contextmanager
def _ledger_settler(
    target: str | None,
    record: bool,
    prior_payments: str,
    product: str | None,
    rates: RateTable | None,
    steps: bool,
    batch_size: int | None = None,
) -> Iterator[LedgerSettler | None]:
    """``settle``'s ledger, if it has one: opened, and closed at the end."""
    if prior_payments not in ("refuse", "add"):
        raise UsageError(
            _("--prior-payments: {value!r} is not one of 'refuse', 'add'").format(
                value=prior_payments
            )
        )
    if not target:
        if record:
            raise UsageError(
                _("--record: no ledger to record in (--ledger DB or $CLAIMCALC_LEDGER)")
            )
        if prior_payments != "refuse":
            raise UsageError(_("--prior-payments: only with a ledger (--ledger DB)"))
        if batch_size is not None:
            raise UsageError(_("--ledger-batch: only with a ledger (--ledger DB)"))
        yield None
        return
    from claimcalc.ledger.settle import BATCH_SIZE, LedgerSettler
    from claimcalc.ledger.store import Ledger
    from claimcalc.settling.settler import Settler

    batch_size = BATCH_SIZE if batch_size is None else batch_size
    with Ledger(target) as ledger:
        yield LedgerSettler(
            ledger, Settler(product, rates, steps), record, prior_payments == "add", batch_size
        )


def _in_letter_language(settler: LedgerSettler, language: str) -> Settlement:
    """The claim just settled with the ledger (in English, as the ledger keeps
    it), settled again on the same prior payments in the letter's language: a
    letter speaks one language throughout."""
    from claimcalc.i18n import current_language, set_language

    before = current_language()
    set_language(language)
    try:
        return settler.settled_again()
    finally:
        set_language(before)


def _settle_with_ledger(settler: LedgerSettler, item: Item) -> Settlement:
    """One claim against the ledger, committed (recorded) or rolled back whole."""
    return settler.settle_alone(item)


def _one_claim_ledger_note(settler: LedgerSettler, outcome: Outcome, format: Format) -> None:
    note = settler.last
    if note is None or outcome.settlement is None:
        return
    if format is Format.JSON:
        from claimcalc.jsonio import dumps_indented
        from claimcalc.output.documents import settlement_json

        outcome.record = dumps_indented(
            {**settlement_json(outcome.settlement), "ledger": note.json()}
        )


def _open_ledger(target: str | None, create: bool = False) -> Any:
    from claimcalc.ledger.store import Ledger

    if not target:
        raise UsageError(_("--ledger: which ledger? (--ledger DB or $CLAIMCALC_LEDGER)"))
    return Ledger(target, create=create)


def _day(option: str, value: str | None) -> Any:
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            _("{option}: expected a date YYYY-MM-DD, got {value!r}").format(
                option=option, value=value
            )
        ) from None


@ledger_app.command("history")
def ledger_history(
    ledger: Annotated[str | None, _ledger_option()] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="A policy's ref.")] = None,
    insured: Annotated[str | None, typer.Option("--insured", help="An insured's ref.")] = None,
    on: Annotated[
        str | None,
        typer.Option("--period", metavar="DATE", help="The policy period containing DATE."),
    ] = None,
    current: Annotated[
        bool, typer.Option("--current", help="Only current settlements (what counts).")
    ] = False,
    format: Annotated[Format, _document_format()] = Format.TABLE,
) -> None:
    """What was paid: each settlement line, oldest first, superseded and voided ones too."""
    from claimcalc.ledger.manage import history

    day = _day("--period", on)
    with _open_ledger(ledger) as db:
        found = history(db, policy, insured, day, current)
    if format is Format.JSON:
        from claimcalc.output.records import write_document

        write_document(found)
        return
    from rich.table import Table

    from claimcalc.output.records import console

    table = Table(title=_("Ledger {name}").format(name=db.name))
    for title in (_("Id"), _("Claim"), _("Status"), _("Recorded"), _("Policy"), _("Insured")):
        table.add_column(title)
    table.add_column(_("Period"))
    table.add_column(_("Guarantee"))
    table.add_column(_("Amount"), justify="right")
    table.add_column(_("Event date"))
    for row in found:
        status = row["status"] + (f" ({row['void_reason']})" if row["void_reason"] else "")
        period = f"{row['period_start']} – {row['period_end'] or '…'}"
        table.add_row(
            str(row["settlement_id"]),
            row["claim_id"],
            status,
            row["recorded_at"][:19].replace("T", " "),
            row["policy_ref"],
            row["insured_ref"],
            period,
            row["guarantee"],
            row["amount"],
            row["date"],
        )
    console().print(table)


@ledger_app.command("export")
def ledger_export(
    ledger: Annotated[str | None, _ledger_option()] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", metavar="<ndjson|csv>", help="ndjson or csv.")
    ] = "ndjson",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically), not stdout.")
    ] = None,
) -> None:
    """Everything in the ledger: NDJSON, one settlement a line (its document, lines and
    void), or CSV, one row per settlement line."""
    from claimcalc.ledger.manage import HISTORY_COLUMNS, export_settlements, history
    from claimcalc.output.records import output_stream

    if format not in ("ndjson", "csv"):
        raise UsageError(
            _("--format: {value!r} is not one of 'ndjson', 'csv'").format(value=format)
        )
    with _open_ledger(ledger) as db, output_stream(output) as stream:
        if format == "ndjson":
            from claimcalc.jsonio import dumps

            for entry in export_settlements(db):
                stream.write(dumps(entry) + "\n")
        else:
            import csv

            writer = csv.DictWriter(stream, HISTORY_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(history(db))


@ledger_app.command("void")
def ledger_void(
    claim_id: Annotated[str, typer.Argument(help="The claim whose settlement is voided.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (no personal data).")],
    ledger: Annotated[str | None, _ledger_option()] = None,
) -> None:
    """Void a claim's current settlement: a reversal appended, nothing deleted; it no
    longer counts towards limits."""
    from claimcalc.ledger.manage import void

    with _open_ledger(ledger) as db:
        settlement = void(db, claim_id, reason)
    sys.stdout.write(
        _("voided settlement {settlement} of claim {claim}").format(
            settlement=settlement, claim=claim_id
        )
        + "\n"
    )


@ledger_app.command("import")
def ledger_import(
    file: Annotated[Path, typer.Argument(help="CSV of prior payments (docs/ledger.md).")],
    ledger: Annotated[str | None, _ledger_option()] = None,
) -> None:
    """Import payments from another claims system's CSV export: every bad row reported
    with its line, and then nothing imported (exit 3)."""
    from claimcalc.ledger.manage import import_csv

    with _open_ledger(ledger, create=True) as db:
        result = import_csv(db, file)
    sys.stdout.write(
        _("imported {claims} claims ({lines} lines); {unchanged} already imported").format(
            claims=result.imported, lines=result.lines, unchanged=result.unchanged
        )
        + "\n"
    )


@ledger_app.command("purge")
def ledger_purge(
    before: Annotated[
        str, typer.Option("--before", metavar="DATE", help="Periods ended before DATE.")
    ],
    ledger: Annotated[str | None, _ledger_option()] = None,
) -> None:
    """Retention: delete the settlements of policy periods that ended before DATE (an
    open-ended period: of events before DATE). The only delete the ledger knows."""
    from claimcalc.ledger.manage import purge

    day = _day("--before", before)
    with _open_ledger(ledger) as db:
        result = purge(db, day)
    sys.stdout.write(
        _("purged {settlements} settlements ({lines} lines) of periods ended before {day}").format(
            settlements=result.settlements, lines=result.lines, day=day
        )
        + "\n"
    )


def _no_level(product: str) -> None:
    """``settle --product imaway:top`` is a usage error that says what was meant: a
    claim is settled at its own level, and ``--product`` names a product or edition
    (``imaway``, ``imaway@2026-01``) or a product file (a folder: its latest edition's)."""
    ref, level = split_level(product)
    if level is None or Path(product).is_file():
        return
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref or Path(ref).is_dir():
        # A path: the file is one edition; ``@EDITION`` is taken only after an id.
        from claimcalc.product.catalog import edition_files

        path = Path(ref)
        # A folder: its latest edition as the catalog reads them (not any YAML file).
        editions = edition_files(path) if path.is_dir() else []
        raise UsageError(
            _(
                "--product {given}: a level cannot be chosen here, each claim is settled at"
                ' its own level (its "level" field); name the product file: --product {path}'
            ).format(given=product, path=editions[-1] if editions else ref)
        )
    edition = f"{ref}@EDITION"
    if "@" in ref:
        edition = ref
        ref = ref.partition("@")[0]
    else:
        with suppress(ClaimcalcError):
            from claimcalc.product.catalog import find_product

            edition = f"{ref}@{find_product(ref, allow_path=False).stem}"
    raise UsageError(
        _(
            "--product {given}: a level cannot be chosen here, each claim is settled at"
            ' its own level (its "level" field); name the product: --product {ref}'
            " or --product {edition}"
        ).format(given=product, ref=ref, edition=edition)
    )


def _file_or_folder(name: str) -> bool:
    """A regular file or a directory: claims read ahead wait for nothing (a pipe's
    next claims may come only once the ones before are answered)."""
    path = Path(name)
    return path.is_file() or path.is_dir()


def _claim_items(claims: list[str]) -> Iterator[Item]:
    """The claims of a batch (or of ``diff --claims``); a directory with no
    claim files, or no claims at all, is a usage error: a batch that settles
    nothing is a mistake."""
    import itertools

    from claimcalc.claim.sources import iter_items

    for name in claims:
        path = Path(name)
        if name != "-" and path.is_dir() and not any(path.glob("*.json")):
            raise UsageError(
                _("{path}: no claim files (*.json) in this directory").format(path=name)
            )
    items = iter_items(claims)
    first = next(items, None)
    if first is None:
        raise UsageError(_("no claims to settle in {paths}").format(paths=" ".join(claims)))
    return itertools.chain([first], items)


@contextmanager
def _progress() -> Iterator[Callable[[], None]]:
    """A progress line on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from claimcalc.output.records import console

    with Progress(
        SpinnerColumn(),
        # rich formats the column's text with the task: "{task.completed}" stays.
        TextColumn(_("settled {count} claims").replace("{count}", "{task.completed}")),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("settle", total=None)
        yield lambda: progress.advance(task)


class _DiffCommand(typer.core.TyperCommand):
    """``diff``, whose one ``--claims`` takes every path after it (``--claims claims/*.json``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, spread_claims(args))


#: diff's options that take a value (the value is not a path of --claims).
_DIFF_VALUE_OPTIONS = frozenset({"--rates", "--format", "-f", "--lang"})


def spread_claims(args: list[str]) -> list[str]:
    """diff's arguments, every path after a ``--claims`` given its own ``--claims``.

    ``--claims a b c`` names three claim paths, as a shell user writes
    ``--claims claims/*.json``; the paths end at the next option. When fewer than
    two arguments are left for OLD and NEW, the last paths are those (as in
    ``cp SOURCE… DEST``): ``diff --claims book.ndjson imaway:smart imaway:top``.
    """
    if args and args[-1] in {*_DIFF_VALUE_OPTIONS, "--claims"}:
        return args  # an option without its value: click says so
    options: list[str] = []
    sides: list[str] = []
    claims: list[tuple[str, bool]] = []  # (path, given right after --claims)
    after_claims = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            sides.extend(args[i + 1 :])
            break
        if arg == "--claims" and i + 1 < len(args):
            claims.append((args[i + 1], True))
            after_claims, i = True, i + 2
            continue
        if arg.startswith("--claims="):
            claims.append((arg.partition("=")[2], True))
            after_claims, i = True, i + 1
            continue
        if arg in _DIFF_VALUE_OPTIONS and i + 1 < len(args):
            options += args[i : i + 2]
            after_claims, i = False, i + 2
            continue
        if arg.startswith("-") and arg != "-":
            options.append(arg)
            after_claims, i = False, i + 1
            continue
        if after_claims:
            claims.append((arg, False))
        else:
            sides.append(arg)
        i += 1
    moved: list[str] = []
    while len(sides) + len(moved) < 2 and claims and not claims[-1][1]:
        moved.insert(0, claims.pop()[0])
    if moved:  # OLD and NEW in the order the command line gives them
        sides = sorted(sides + moved, key=args.index)
    spread = [part for path, _ in claims for part in ("--claims", path)]
    return [*options, *spread, "--", *sides]


@app.command(
    "diff",
    cls=_DiffCommand,
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
            "--claims",
            metavar="PATH...",
            help="Claims to settle under both sides: files, directories, NDJSON files or -;"
            " one --claims takes every path after it, up to the next option.",
        ),
    ] = None,
    rates: Annotated[
        Path | None, typer.Option("--rates", help="ECB reference rates, eurofxref-hist.csv.")
    ] = None,
    format: Annotated[Format, _document_format()] = Format.TABLE,
) -> None:
    from claimcalc.compare.diff import Side, diff_products

    try:
        old_side, new_side = Side.load(old), Side.load(new)
        result = diff_products(old_side.product, new_side.product, old_side.level, new_side.level)
        effect = None
        if claims:
            from claimcalc.compare.impact import impact
            from claimcalc.settling.rates import read_ecb_csv

            table = read_ecb_csv(rates) if rates is not None else None
            effect = impact(old_side, new_side, _claim_items(claims), table)
    except ClaimcalcError as exc:
        raise DiffError(str(exc)) from None
    if format is Format.JSON:
        from claimcalc.output.documents import diff_json
        from claimcalc.output.records import write_document

        write_document(diff_json(result, effect))
    else:
        from claimcalc.output.records import console
        from claimcalc.output.tables import diff_tables, impact_tables

        out = console()
        for renderable in diff_tables(result) + (impact_tables(effect) if effect else []):
            out.print(renderable)
    raise typer.Exit(0 if result.equivalent else 1)


@schema_app.command("claim")
def schema_claim() -> None:
    """Print the JSON Schema of claim files (claim format 1)."""
    from claimcalc.output.documents import claim_schema
    from claimcalc.output.records import write_document

    write_document(claim_schema())


@schema_app.command("product")
def schema_product() -> None:
    """Print the JSON Schema of product files (for editors)."""
    from claimcalc.output.documents import product_schema
    from claimcalc.output.records import write_document

    write_document(product_schema())


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
    format: Annotated[Format, _document_format()] = Format.TABLE,
) -> None:
    from claimcalc.cases import find_case_files, load_cases, run_cases

    report = run_cases(load_cases(find_case_files(paths or [])))
    if format is Format.JSON:
        from claimcalc.output.documents import cases_json
        from claimcalc.output.records import write_document

        write_document(cases_json(report))
    else:
        from claimcalc.output.cases import cases_table
        from claimcalc.output.records import console

        console().print(cases_table(report))
    raise typer.Exit(report.exit_code)


# --------------------------------------------------------------------------- writing a claim

claim_app = typer.Typer(
    help="Write a claim by answering questions, print a skeleton, check a claim file.",
    no_args_is_help=True,
)
app.add_typer(claim_app, name="claim")

CLAIM_CHECK_EXIT_CODES_HELP = (
    "Each file is checked on its own. Exit codes: 0 no problems; 3 a claim has problems "
    "(each listed); 4 its product is unknown or invalid; 5 a file could not be read; "
    "7 a bug in claimcalc. With several files, the highest of their codes "
    "(7 > 5 > 4 > 3 > 0)."
)


@claim_app.command("new")
def claim_new(
    product: Annotated[
        str | None,
        typer.Option(
            "--product", "-p", help="Product id or id@edition.", autocompletion=_complete_product
        ),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option("--level", "-l", help="The policy's level.", autocompletion=_complete_level),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the claim here (default: CLAIM_ID.json)."),
    ] = None,
) -> None:
    """Write a claim by answering questions: the event, the insured persons (references,
    never names), the guarantees, then only the facts their rules read. ? at a question
    shows the articles behind it. Exit codes: 0 written and complete; 3 written with
    problems (listed); 1 nothing written: interrupted, or an existing file kept and no
    other named (the claim is printed); 5 the file cannot be written (the
    claim is printed instead)."""
    from claimcalc.authoring.interview import Interview, Prompter, fit
    from claimcalc.i18n import _
    from claimcalc.output.records import output_stream

    def ask(prompt: str) -> str:
        return str(typer.prompt(prompt, default="", show_default=False, prompt_suffix=""))

    prompter = Prompter(ask, typer.echo)
    if product is None:
        product = prompter.pick(_("Product"), tuple(sorted({e.id for e in catalog()})))
    interview_product = load_product(product)
    if level is None and len(interview_product.level_ids) == 1:
        level = interview_product.level_ids[0]  # nothing to choose
    elif level is None:
        level = prompter.pick(_("Level of the policy"), interview_product.level_ids)
    check_level(interview_product, str(level))
    interview = Interview(interview_product, str(level), ask, typer.echo)
    data = interview.run()
    # A reference may hold / and : (CL/2026/1): not folders in the default name.
    path = output or Path(str(data["claim_id"]).replace("/", "-").replace(":", "-") + ".json")
    report = interview.complete(data, str(path))
    text = interview.text(data)
    chosen = interview.destination(str(path))
    if chosen is None:  # the file is kept: the claim goes to the screen, not lost
        sys.stdout.write(text)
        interview.say(_("Nothing written: {path} kept; the claim is above.").format(path=path))
        raise typer.Exit(1)
    if chosen != str(path):
        import dataclasses

        path = Path(chosen)
        report = dataclasses.replace(report, source=chosen)
    try:
        with output_stream(path) as stream:
            stream.write(text)
    except FileAccessError:
        sys.stdout.write(text)  # the answers are not lost: the claim is on the screen
        raise
    typer.echo("")
    if report.problems:
        for line in report.lines():
            typer.echo(fit(line), err=True)  # between words, as the questions
        interview.say(
            _(
                "Written to {path}, with the problems above: correct them, then run: "
                "claimcalc claim check {path}"
            ).format(path=path)
        )
        raise typer.Exit(int(report.exit_code))
    interview.say(_("Written to {path}. Settle it with: claimcalc settle {path}").format(path=path))


@claim_app.command("template")
def claim_template(
    product: Annotated[
        str,
        typer.Argument(help="Product id or id@edition.", autocompletion=_complete_product),
    ],
    guarantees: Annotated[
        list[str],
        typer.Argument(
            help="Guarantee codes, e.g. D.medical_pharma.", autocompletion=_complete_guarantee
        ),
    ],
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            help="The policy's level (default: the lowest that includes the guarantees).",
            autocompletion=_complete_level,
        ),
    ] = None,
) -> None:
    """Print a claim skeleton (JSON) for scripts: one insured person, a line per guarantee,
    "FILL: …" where a value is to be written (claim check lists each one)."""
    from claimcalc.authoring.template import template
    from claimcalc.output.records import write_document

    loaded = load_product(product)
    if level is not None:
        check_level(loaded, level)
    write_document(template(loaded, guarantees, level))


@claim_app.command(
    "check",
    help="List every problem of claim files at once, without "
    "settling them: the claim format (each field), and per line the facts, "
    "expenses or objects its guarantee needs.\n\n" + CLAIM_CHECK_EXIT_CODES_HELP,
)
def claim_check(
    claims: Annotated[
        list[str], typer.Argument(help="Claim files (JSON), or - for one claim on stdin.")
    ],
    product: ClaimsProduct = None,
    format: Annotated[Format, _document_format()] = Format.TABLE,
) -> None:
    from claimcalc.authoring.check import check_file
    from claimcalc.i18n import _

    # Each file on its own: one that cannot be read is reported, the others checked.
    reports = [check_file(name, product) for name in claims]
    if format is Format.JSON:
        from claimcalc.output.records import write_document

        write_document([report.json() for report in reports])
    else:
        for report in reports:
            for line in report.lines():
                sys.stdout.write(line + "\n")
            if not report.problems:
                sys.stdout.write(_("{file}: no problems").format(file=report.source) + "\n")
    raise typer.Exit(max(int(report.exit_code) for report in reports))


def main(argv: list[str] | None = None) -> int:
    """Entry point: one handler maps every ClaimcalcError to its message and exit code.

    typer runs in standalone mode, so command-line misuse exits with 2 as usual.
    """
    command = typer.main.get_command(app)
    _add_language_option(command)
    invoke = command.invoke

    def guarded(ctx: Any) -> Any:
        # click turns a broken pipe into exit 1, which diff uses for "differ",
        # and a full disk into a traceback.
        try:
            try:
                return invoke(ctx)
            finally:
                sys.stdout.flush()  # here, not at exit where a failure goes unreported
        except KeyboardInterrupt:
            # typer would exit 130 without a word; a batch's workers ignore
            # Ctrl-C (claimcalc.batch), so this line is the only one.
            raise Interrupted() from None
        except BrokenPipeError:
            raise _PipeClosed from None
        except OSError as exc:
            if exc.errno not in _WRITE_FAILURES:
                raise
            reason = exc.strerror or str(exc)
            raise _StdoutFailed(
                _("standard output: cannot write output: {reason}").format(reason=reason)
            ) from None

    command.invoke = guarded  # type: ignore[method-assign]
    try:
        with _language_kept():
            command.main(args=argv, prog_name="claimcalc")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else int(ExitCode.USAGE))
    except _StdoutFailed as exc:
        _drop_stdout()
        sys.stderr.write(f"{exc}\n")
        return int(exc.exit_code)
    except ClaimcalcError as exc:
        sys.stderr.write(f"{exc}\n")
        return int(exc.exit_code)
    except (_PipeClosed, BrokenPipeError):
        # A reader such as `head` went away: quietly, as a shell's 128+SIGPIPE.
        _drop_stdout()
        return int(ExitCode.BROKEN_PIPE)
    except OSError as exc:  # writing while parsing the options (--version)
        if exc.errno not in _WRITE_FAILURES:
            raise
        _drop_stdout()
        sys.stderr.write(f"standard output: cannot write output: {exc.strerror or exc}\n")
        return int(ExitCode.IO)
    return 0


# --------------------------------------------------------------------------- --lang


def _add_language_option(command: Any) -> None:
    """``--lang`` on every command (also those added later): the option, and the
    language set before the command runs (:func:`_run_in_language`)."""
    for sub in getattr(command, "commands", {}).values():
        _add_language_option(sub)
    if isinstance(command, typer.core.TyperGroup) or command.callback is None:
        return
    command.params.append(
        typer.core.TyperOption(
            param_decls=["--lang"], metavar="<it|en>", default=None, help=LANG_HELP
        )
    )
    command.callback = _run_in_language(command.callback)


def _run_in_language(callback: Callable[..., Any]) -> Callable[..., Any]:
    import functools

    from claimcalc.i18n import set_reader_language

    @functools.wraps(callback)
    def run(*args: Any, lang: str | None = None, **kwargs: Any) -> Any:
        global _letter_language
        if lang is None:
            lang = _root_language  # claimcalc --lang it settle …
        _letter_language = _human_language(lang)
        set_reader_language(_letter_language)  # the ledger's note to the reader
        if "record" in kwargs and kwargs.get("ledger"):
            # settle with a ledger: the ledger keeps each settlement's document and
            # tells a rerun by its hash, so its texts are English whatever the
            # language asked (a dry run shows what --record would do: the same).
            lang = "en"
        _set_language(lang, kwargs.get("format"))
        return callback(*args, **kwargs)

    return run


#: The language a human reads this run in (the letter's, with --format html).
_letter_language = "en"
#: ``--lang`` given before the command (``claimcalc --lang it settle …``), if any.
_root_language: str | None = None


def _human_language(given: str | None) -> str:
    from claimcalc.i18n import LANGUAGES, language_from_environment

    if given is not None and given not in LANGUAGES:
        choices = ", ".join(repr(lang) for lang in LANGUAGES)
        raise UsageError(f"--lang: {given!r} is not one of {choices}")
    return given or language_from_environment()


def _set_language(given: str | None, format: object) -> None:
    """The language of this run: ``--lang``; else, for a human format, the
    locale's; machine formats (JSON, NDJSON, CSV) stay English, byte for byte
    whatever the locale, unless --lang asks."""
    import os

    from claimcalc.i18n import ENV_VARIABLE, set_language

    human = format is None or str(format) in (Format.TABLE.value, Format.HTML.value)
    lang = _human_language(given) if given is not None or human else "en"
    set_language(lang)
    os.environ[ENV_VARIABLE] = lang  # for a batch's worker processes (spawned)


@contextmanager
def _language_kept() -> Iterator[None]:
    """The library's language and the environment as they were before the command
    (``main`` is called in-process by tests and scripts)."""
    import os

    from claimcalc.i18n import ENV_VARIABLE, current_language, set_language, set_reader_language

    global _root_language
    before, env = current_language(), os.environ.get(ENV_VARIABLE)
    try:
        yield
    finally:
        _root_language = None
        set_language(before)
        set_reader_language(None)
        if env is None:
            os.environ.pop(ENV_VARIABLE, None)
        else:
            os.environ[ENV_VARIABLE] = env


#: errno values of a write that failed for want of room or a working device.
_WRITE_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


class _PipeClosed(Exception):
    """Standard output's reader went away."""


class _StdoutFailed(FileAccessError):
    """Standard output could not be written (a full disk): exit 5."""


def _drop_stdout() -> None:
    """Later writes to standard output (Python's own flush at exit) go nowhere."""
    import os

    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
