"""Product authors' cases: claims with the settlement expected, run by ``claimcalc test``.

A product folder keeps its cases in ``cases/*.yaml``. A case file reads::

    base: {claim_format: 1, product: imaway, level: top, ...}  # every case's claim starts here
    person: {ref: P1, age_at_subscription: 40}                 # the first insured, without lines
    cases:
      - name: D3 franchigia of €50 once per sinistro
        claim: {level: smart}           # merged into base: mappings key by key, lists replace
        person: {age_at_subscription: 72}  # merged into person
        lines: [{id: "1", guarantee: D.medical_pharma, expenses: [...]}]
        expect:
          paid: {"1": "450.00", "P2:1": "0.00"}   # per line id ("REF:id" for another insured)
          claimed: {"1": "500.00"}                # what the line claims, in euro
          status: {"1": paid}                     # paid, reduced or refused
          codes: {"1": [franchigia]}              # among the line's reasons; [] for none
          indemnity: "450.00"
          advances: "0.00"

A case's claim is ``base`` (or the claim file named by ``example``, relative
to the case file) with the case's ``claim`` merged in; given ``lines``, its
insured are the one ``person`` holding them (give ``lines`` or
``claim.insured``, not both). Cases in ``<id>/cases/`` settle
under that folder's product: the edition the claim names, else the latest.

Like ``openfisca test``: loading reports every problem of every case file
(``file:line:col: key.path: message``, exit 4 as for a product file: the
cases belong to the product folder), then each case settles and is compared.
A case whose claim is invalid is an error (exit 3); otherwise a case that
settles differently fails (exit 1).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from claimcalc.errors import (
    ClaimcalcError,
    ExitCode,
    FileAccessError,
    Problem,
    ProductFileError,
    UnknownProductError,
    UsageError,
    key_path,
)
from claimcalc.i18n import _
from claimcalc.money import cents_text
from claimcalc.product.catalog import find_product, load_rulebook, products_dir
from claimcalc.settlement import REASON_CODES
from claimcalc.settlement import Status as LineStatus

if TYPE_CHECKING:
    from claimcalc.claim.model import Claim
    from claimcalc.product.model import Product
    from claimcalc.product.yamlfile import Marks
    from claimcalc.settlement import LineResult, Settlement

CASES_DIR = "cases"
Status = Literal["pass", "fail", "error"]

_FILE_KEYS = frozenset({"base", "person", "cases"})
_CASE_KEYS = frozenset({"name", "example", "claim", "person", "lines", "expect"})
_EXPECT_KEYS = ("paid", "claimed", "status", "codes", "indemnity", "advances")
# Settlements print cents: an expectation without them could never match.
_AMOUNT = re.compile(r"^\d+\.\d\d$")
_CODES = frozenset(code.value for code in REASON_CODES)
_STATUSES = tuple(status.value for status in LineStatus)


class CaseFileError(ProductFileError):
    """Case files are malformed: every problem, one line each (exit 4, as a product file)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectation:
    """What a case expects of its settlement; amounts as the settlement prints them."""

    paid: dict[str, str] = field(default_factory=dict)
    claimed: dict[str, str] = field(default_factory=dict)  # in euro, as the settlement says it
    status: dict[str, str] = field(default_factory=dict)  # paid, reduced or refused
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    indemnity: str | None = None
    advances: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    file: Path
    line: int
    column: int
    name: str
    claim_data: dict[str, Any]
    expect: Expectation
    #: The products directory the claim's product is found in; None: the catalog's.
    products: Path | None
    #: The example claim file the case starts from (``example:``), resolved; None: ``base``.
    example: Path | None = None

    @property
    def where(self) -> str:
        return f"{shown_path(self.file)}:{self.line}"

    @property
    def source(self) -> str:
        """Where the case starts, as its claim's problems name it."""
        return f"{shown_path(self.file)}:{self.line}:{self.column}"

    def claim(self) -> Claim:
        """The case's claim, validated: :class:`ClaimError` located at the case."""
        from claimcalc.claim.read import claim_from_data

        return claim_from_data(self.claim_data, self.source)

    def product_file(self, claim: Claim) -> Path:
        try:
            return find_product(claim.product_ref, self.products, allow_path=False)
        except UnknownProductError as exc:
            field_ = "edition" if claim.edition else "product"
            raise UnknownProductError(f"{self.source}: {field_}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Difference:
    """One expectation the settlement does not meet."""

    what: str  # "line 2 paid", "line 1 reasons", "indemnity"
    expected: str
    got: str

    def __str__(self) -> str:
        return _("{what}: expected {expected}, got {got}").format(
            what=self.what, expected=self.expected, got=self.got
        )


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    differences: tuple[Difference, ...] = ()
    error: ClaimcalcError | None = None

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "error"
        return "fail" if self.differences else "pass"

    @property
    def first(self) -> str:
        """The first difference (or the error), as the report's table shows it."""
        if self.error is not None:
            return str(self.error)
        return str(self.differences[0]) if self.differences else ""


@dataclass(frozen=True, slots=True)
class Report:
    results: tuple[CaseResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def exit_code(self) -> int:
        """Bad input (a claim's exit code) before failures (1), as the other commands."""
        errors = [int(r.error.exit_code) for r in self.results if r.error is not None]
        if errors:
            return max(errors)
        return int(ExitCode.DIFFERENT) if self.count("fail") else int(ExitCode.OK)

    @property
    def summary(self) -> str:
        errors = self.count("error")
        counts = {"passed": self.count("pass"), "failed": self.count("fail"), "errors": errors}
        if errors:
            text = _("{passed} passed, {failed} failed, {errors} with errors ({cases} cases)")
        else:
            text = _("{passed} passed, {failed} failed ({cases} cases)")
        return text.format(**counts, cases=len(self.results))


# --------------------------------------------------------------------------- finding


def find_case_files(paths: Sequence[str | Path] = ()) -> list[Path]:
    """The case files PATHs name: a case file, a cases folder, a product folder, or
    a products directory (every product's cases); none: every shipped product's."""
    found: list[Path] = []
    for given in paths or [products_dir()]:
        path = Path(given)
        if path.is_file():
            found.append(path)
            continue
        if not path.is_dir():
            raise FileAccessError(_("{path}: no such file or directory").format(path=path))
        files = sorted(path.glob(f"{CASES_DIR}/*.y*ml")) + sorted(
            path.glob(f"*/{CASES_DIR}/*.y*ml")
        )
        if path.name == CASES_DIR:
            files += sorted(path.glob("*.y*ml"))
        if not files:
            raise UsageError(
                _("{path}: no case files (looked for {cases}/*.yaml)").format(
                    path=path, cases=CASES_DIR
                )
            )
        found += files
    return list(dict.fromkeys(found))


# --------------------------------------------------------------------------- loading


def load_cases(files: Iterable[Path]) -> list[Case]:
    """Every case of the files; :class:`CaseFileError` with every problem of every file."""
    cases: list[Case] = []
    problems: list[Problem] = []
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as exc:
            raise FileAccessError(
                _("{path}: cannot read case file: {reason}").format(path=path, reason=exc.strerror)
            ) from None
        except UnicodeDecodeError:
            problems.append(Problem(shown_path(path), 1, 1, "", _("not UTF-8 text")))
            continue
        _CaseFile(path, text, cases, problems).load()
    if problems:
        raise CaseFileError(sorted(problems, key=lambda p: (p.file, p.line, p.column)))
    return cases


def merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base.get(key), value) if key in base else value
        return out
    return copy.deepcopy(override)


KeyPath = tuple[str | int, ...]


class _CaseFile:
    """One case file's pass: its cases, or its problems located by key path."""

    def __init__(self, path: Path, text: str, cases: list[Case], problems: list[Problem]) -> None:
        self.path, self.text, self.cases, self.problems = path, text, cases, problems
        self.marks: Marks | None = None
        folder = path.parent.parent if path.parent.name == CASES_DIR else None
        # In a product folder the cases are that product's: found in its products directory.
        self.product_id = folder.name if folder is not None else None
        self.products = folder.parent if folder is not None else None

    def problem(self, path: KeyPath, message: str) -> None:
        line, column = self.marks.locate(path) if self.marks is not None else (1, 1)
        self.problems.append(Problem(shown_path(self.path), line, column, key_path(path), message))

    def mapping(self, value: object, path: KeyPath) -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(path, _("must be a mapping of keys"))
            return None
        return value

    def unknown_keys(self, data: dict[str, Any], allowed: Iterable[str], path: KeyPath) -> None:
        for key in data:
            if key not in allowed:
                self.problem((*path, key), _("unknown key"))

    def load(self) -> None:
        from claimcalc.product.yamlfile import parse_yaml

        try:
            data, self.marks = parse_yaml(self.text, shown_path(self.path))
        except ProductFileError as exc:
            self.problems.extend(exc.problems)
            return
        for path, (line, column) in self.marks.duplicates:
            self.problems.append(
                Problem(shown_path(self.path), line, column, key_path(path), _("duplicate key"))
            )
        if not isinstance(data, dict):
            self.problem((), _("a case file must be a mapping of keys"))
            return
        self.unknown_keys(data, _FILE_KEYS, ())
        base = self.mapping(data.get("base"), ("base",))
        person = self.mapping(data.get("person"), ("person",))
        entries = data.get("cases")
        if not isinstance(entries, list) or not entries:
            self.problem(("cases",), _("required: a list of cases"))
            return
        names: set[object] = set()
        for index, entry in enumerate(entries):
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name in names:
                self.problem(
                    ("cases", index, "name"), _("duplicate case name {name!r}").format(name=name)
                )
            names.add(name)
            case = self.case(entry, ("cases", index), base, person)
            if case is not None:
                self.cases.append(case)

    def case(
        self,
        entry: object,
        path: KeyPath,
        base: dict[str, Any] | None,
        person: dict[str, Any] | None,
    ) -> Case | None:
        count = len(self.problems)
        entry = self.mapping(entry, path)
        if entry is None:
            return None
        self.unknown_keys(entry, _CASE_KEYS, path)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem((*path, "name"), _("required: the case's name"))
        start = base
        example: Path | None = None
        if "example" in entry:
            start, example = self.example(entry["example"], (*path, "example"))
        claim_part = self.mapping(entry.get("claim"), (*path, "claim"))
        person_part = self.mapping(entry.get("person"), (*path, "person"))
        lines = entry.get("lines")
        if lines is not None and not isinstance(lines, list):
            self.problem((*path, "lines"), _("must be a list of claim lines"))
        expect = self.expectation(entry.get("expect"), (*path, "expect"))
        if start is None or claim_part is None or person_part is None or person is None:
            return None
        claim = merge(start, claim_part)
        if isinstance(lines, list) and "insured" in claim_part:
            self.problem((*path, "lines"), _("give lines or claim.insured, not both"))
        elif isinstance(lines, list):
            insured = {k: v for k, v in merge(person, person_part).items() if v is not None}
            claim["insured"] = [{**insured, "lines": lines}]
        elif "insured" not in claim:
            self.problem(path, _("no insured: give lines, claim.insured or an example"))
        self.check_product(claim, entry, path)
        if len(self.problems) > count or expect is None or not isinstance(name, str):
            return None
        line, column = self.marks.locate(path) if self.marks is not None else (1, 1)
        return Case(
            file=self.path,
            line=line,
            column=column,
            name=name,
            claim_data=claim,
            expect=expect,
            products=self.products,
            example=example,
        )

    def example(self, value: object, path: KeyPath) -> tuple[dict[str, Any] | None, Path | None]:
        """The example claim's data and its file, resolved; ``(None, None)`` if unusable."""
        if not isinstance(value, str):
            self.problem(path, _("must be the path of a claim file, relative to the case file"))
            return None, None
        file = self.path.parent / value
        try:
            data = json.loads(file.read_bytes())
        except OSError as exc:
            self.problem(
                path, _("cannot read {file}: {reason}").format(file=value, reason=exc.strerror)
            )
            return None, None
        except ValueError as exc:
            self.problem(
                path, _("{file} is not a JSON claim: {reason}").format(file=value, reason=exc)
            )
            return None, None
        if not isinstance(data, dict):
            self.problem(path, _("{file} is not a JSON claim: not an object").format(file=value))
            return None, None
        return data, file.resolve()

    def check_product(self, claim: dict[str, Any], entry: dict[str, Any], path: KeyPath) -> None:
        if self.product_id is None or claim.get("product") == self.product_id:
            return
        if "product" in (entry.get("claim") or {}):
            where: KeyPath = (*path, "claim", "product")
        elif "example" in entry:
            where = (*path, "example")
        else:
            where = ("base", "product")
        self.problem(
            where,
            _(
                "the claim names product {named!r}; cases in {product}/{cases}/ are for {product!r}"
            ).format(named=claim.get("product"), product=self.product_id, cases=CASES_DIR),
        )

    def expectation(self, value: object, path: KeyPath) -> Expectation | None:
        if not isinstance(value, dict) or not value:
            self.problem(
                path,
                _("required: what to expect ({keys})").format(keys=", ".join(_EXPECT_KEYS)),
            )
            return None
        self.unknown_keys(value, _EXPECT_KEYS, path)
        paid: dict[str, str] = {}
        for key, amount in self.line_keys(value.get("paid"), (*path, "paid")):
            text = self.amount(amount, (*path, "paid", key))
            if text is not None:
                paid[key] = text
        claimed: dict[str, str] = {}
        for key, amount in self.line_keys(value.get("claimed"), (*path, "claimed")):
            text = self.amount(amount, (*path, "claimed", key))
            if text is not None:
                claimed[key] = text
        status: dict[str, str] = {}
        for key, given in self.line_keys(value.get("status"), (*path, "status")):
            if given not in _STATUSES:
                self.problem(
                    (*path, "status", key),
                    _("unknown status {given!r} (statuses: {statuses})").format(
                        given=given, statuses=", ".join(_STATUSES)
                    ),
                )
                continue
            status[key] = str(given)
        codes: dict[str, tuple[str, ...]] = {}
        for key, listed in self.line_keys(value.get("codes"), (*path, "codes")):
            if not isinstance(listed, list):
                self.problem(
                    (*path, "codes", key), _("must be a list of reason codes ([] for none)")
                )
                continue
            for index, code in enumerate(listed):
                if code not in _CODES:
                    self.problem(
                        (*path, "codes", key, index),
                        _("unknown reason code {code!r} (codes: {codes})").format(
                            code=code, codes=", ".join(sorted(_CODES))
                        ),
                    )
            codes[key] = tuple(str(code) for code in listed)
        totals = {
            key: self.amount(value[key], (*path, key))
            for key in ("indemnity", "advances")
            if key in value
        }
        return Expectation(
            paid=paid,
            claimed=claimed,
            status=status,
            codes=codes,
            indemnity=totals.get("indemnity"),
            advances=totals.get("advances"),
        )

    def line_keys(self, value: object, path: KeyPath) -> Iterator[tuple[str, Any]]:
        if value is None:
            return
        if not isinstance(value, dict):
            self.problem(path, _('must map line ids ("1", or "REF:1" for another insured)'))
            return
        for key, item in value.items():
            yield str(key), item

    def amount(self, value: object, path: KeyPath) -> str | None:
        text = str(value) if isinstance(value, str | Decimal) else None
        if text is None or not _AMOUNT.match(text):
            self.problem(
                path,
                _('an amount in euros with cents, e.g. "450.00"; got {got!r}').format(got=value),
            )
            return None
        return text


def shown_path(path: Path) -> str:
    """A path as the user can open it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- running


class Runner:
    """Settles cases under their products, each product loaded once."""

    def __init__(self) -> None:
        self._products: dict[Path, Product] = {}

    def settle(self, case: Case, claim: Claim | None = None) -> Settlement:
        from claimcalc.settling.engine import settle

        claim = claim or case.claim()
        path = case.product_file(claim)
        product = self._products.get(path)
        if product is None:
            product = self._products[path] = load_rulebook(path)
        return settle(claim, product, source=case.source)

    def run(self, case: Case) -> CaseResult:
        """The case settled and compared; any claimcalc error settling it is its result
        (``error``), so the other cases still run."""
        try:
            settlement = self.settle(case)
        except ClaimcalcError as exc:
            return CaseResult(case, error=exc)
        return CaseResult(case, tuple(differences(case.expect, settlement)))


def run_cases(cases: Iterable[Case]) -> Report:
    runner = Runner()
    return Report(tuple(runner.run(case) for case in cases))


def differences(expect: Expectation, settlement: Settlement) -> Iterator[Difference]:
    """Where the settlement differs from the expectation, in the order the case states it."""
    for key, paid in expect.paid.items():
        line = _line(settlement, key)
        if line is None:
            yield _no_line(key)
        elif str(line.paid) != paid:
            yield Difference(_("line {key} paid").format(key=key), paid, str(line.paid))
    for key, claimed in expect.claimed.items():
        line = _line(settlement, key)
        if line is None:
            yield _no_line(key)
        elif (shown := "none" if line.claimed is None else cents_text(line.claimed)) != claimed:
            shown = _("none") if line.claimed is None else shown
            yield Difference(_("line {key} claimed").format(key=key), claimed, shown)
    for key, status in expect.status.items():
        line = _line(settlement, key)
        if line is None:
            yield _no_line(key)
        elif line.status.value != status:
            yield Difference(_("line {key} status").format(key=key), status, line.status.value)
    for key, codes in expect.codes.items():
        line = _line(settlement, key)
        if line is None:
            yield _no_line(key)
            continue
        got = [step.code.value for step in line.reasons]
        # Listed codes must be among the reasons; [] means no reduction at all.
        if (codes and not set(codes) <= set(got)) or (not codes and got):
            yield Difference(_("line {key} reasons").format(key=key), _codes(codes), _codes(got))
    for what, expected, actual in (
        (_("indemnity"), expect.indemnity, settlement.indemnity),
        (_("advances"), expect.advances, settlement.advances),
    ):
        if expected is not None and str(actual) != expected:
            yield Difference(what, expected, str(actual))


def _no_line(key: str) -> Difference:
    return Difference(_("line {key}").format(key=key), _("a line"), _("none"))


def _codes(codes: Sequence[str]) -> str:
    return ", ".join(codes) if codes else _("none")


def _line(settlement: Settlement, key: str) -> LineResult | None:
    """A line by id; ``REF:id`` for another insured than the first."""
    ref, _sep, line_id = key.rpartition(":")
    for person in settlement.insured:
        if (person.ref == ref) if ref else person is settlement.insured[0]:
            return next((line for line in person.lines if line.line_id == line_id), None)
    return None
