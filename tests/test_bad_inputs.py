"""The bad-input corpus of issue #15: tests/bad_inputs/, one file per bad input,
and tests/bad_inputs/manifest.yaml giving, for each, the command, the exit code and
the exact standard error. Each entry runs through the real command
(``python -m claimcalc``, in tests/bad_inputs/, so that messages name the files as
the manifest does) and must give exactly that.

An entry::

    - args: [settle, claims/amount-negative.json]   # the command's arguments
      exit: 3
      stderr: |                                     # exact, every line
        claims/amount-negative.json: insured[0]....: must not be negative, got -300.00
      stdout: ...            # optional: exact standard output
      stdout_has: [...]      # optional: texts standard output must contain
      stdout_errors: [...]   # a batch's error records or CSV rows, exact (none if absent)
      stdin: books/x.ndjson  # optional: a file fed to standard input
      setup: ...             # optional, one of SETUPS: a private cache dir with a bad
                             # entry, an empty directory, a full or closed stdout

To add one: put the file under tests/bad_inputs/, add an entry with its ``args``,
and run ``python tests/test_bad_inputs.py --update`` to fill in ``exit`` and
``stderr`` from what the command does now; read them before committing. Every
file of the corpus must be named by an entry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from claimcalc.errors import ExitCode
from claimcalc.product import cache as product_cache
from claimcalc.product.catalog import find_product
from claimcalc.product.source import product_sha256

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
MANIFEST = CORPUS / "manifest.yaml"
PRODUCTS = CORPUS.parent.parent / "products"


def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return entries


def _name(entry: dict[str, Any]) -> str:
    extra = [f"<{entry['stdin']}"] if "stdin" in entry else []
    return " ".join([*entry["args"], *extra, *([entry["setup"]] if "setup" in entry else [])])


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


# ----------------------------------------------------------------- setups


@dataclass
class Context:
    """What a setup prepares: the environment, and how standard output is taken."""

    tmp: Path
    env: dict[str, str]
    stdout: str = "pipe"  # or "full" (/dev/full), "close" (closed after one line)


def _cache_dir(context: Context) -> Path:
    """A private cache dir of this run's own, with imaway's entry as the command
    makes it: the path of that entry."""
    directory = context.tmp / "cache"
    directory.mkdir(mode=0o700)
    context.env["CLAIMCALC_CACHE_DIR"] = str(directory)
    for example in ("imaway/examples/E-baggage-theft-barcelona.json", "wi-school/examples"):
        subprocess.run(
            [sys.executable, "-m", "claimcalc", "settle", str(PRODUCTS / example)],
            env=context.env,
            capture_output=True,
            check=True,
        )
    return _entry(directory, "imaway")


def _entry(directory: Path, product: str) -> Path:
    sha256 = product_sha256(find_product(product).read_bytes())
    with _cache_env(directory):
        entry = product_cache._entry(sha256, "rulebook")
    assert entry is not None and entry.is_file(), entry
    return entry


class _cache_env:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self) -> None:
        self.saved = os.environ.get("CLAIMCALC_CACHE_DIR")
        os.environ["CLAIMCALC_CACHE_DIR"] = str(self.directory)

    def __exit__(self, *_: object) -> None:
        if self.saved is None:
            del os.environ["CLAIMCALC_CACHE_DIR"]
        else:
            os.environ["CLAIMCALC_CACHE_DIR"] = self.saved


def _planted(source: str) -> Callable[[Context], None]:
    """imaway's cache entry replaced by a corpus file."""

    def setup(context: Context) -> None:
        entry = _cache_dir(context)
        shutil.copyfile(CORPUS / source, entry)
        entry.chmod(0o600)

    return setup


def _edited(change: Callable[[bytes], bytes]) -> Callable[[Context], None]:
    def setup(context: Context) -> None:
        entry = _cache_dir(context)
        entry.write_bytes(change(entry.read_bytes()))

    return setup


def _other_product(context: Context) -> None:
    """wi-school's entry renamed to imaway's: it does not verify under imaway's hash."""
    entry = _cache_dir(context)
    shutil.copyfile(_entry(entry.parent, "wi-school"), entry)


def _symlink(context: Context) -> None:
    entry = _cache_dir(context)
    entry.unlink()
    entry.symlink_to("/etc/passwd")


def _directory(context: Context) -> None:
    entry = _cache_dir(context)
    entry.unlink()
    entry.mkdir()


def _group_writable(context: Context) -> None:
    entry = _cache_dir(context)
    entry.parent.chmod(0o770)


def _empty_dir(context: Context) -> None:
    (context.tmp / "empty").mkdir()


def _full(context: Context) -> None:
    context.stdout = "full"


def _close(context: Context) -> None:
    context.stdout = "close"


SETUPS: dict[str, Callable[[Context], None]] = {
    **{
        f"cache: {name}": _planted(name)
        for name in (
            "cache/planted-pickle.bin",
            "cache/garbage.bin",
            "cache/empty.bin",
            "cache/signature-only.bin",
        )
    },
    "cache: edited": _edited(lambda raw: raw[:-100] + bytes([raw[-100] ^ 1]) + raw[-99:]),
    "cache: truncated": _edited(lambda raw: raw[: len(raw) // 2]),
    "cache: signature edited": _edited(lambda raw: bytes([raw[0] ^ 1]) + raw[1:]),
    "cache: another product's entry": _other_product,
    "cache: a symlink": _symlink,
    "cache: a directory": _directory,
    "cache: directory writable by the group": _group_writable,
    "an empty directory at TMP/empty": _empty_dir,
    "stdout is /dev/full": _full,
    "stdout closed after one line": _close,
}


# ----------------------------------------------------------------- running


def run_entry(entry: dict[str, Any]) -> Ran:
    try:
        return _run_entry(entry)
    except Exception as exc:  # a failed setup fails its entry only
        return Ran(-1, "", f"the test could not run it: {type(exc).__name__}: {exc}")


def _run_entry(entry: dict[str, Any]) -> Ran:
    with tempfile.TemporaryDirectory(prefix="claimcalc-bad-") as tmp:
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
        context = Context(Path(tmp), env)
        if "setup" in entry:
            SETUPS[entry["setup"]](context)
        args = [arg.replace("TMP", tmp) for arg in entry["args"]]
        command = [sys.executable, "-m", "claimcalc", *args]
        stdin = (CORPUS / entry["stdin"]).read_bytes() if "stdin" in entry else None
        if context.stdout == "close":
            return _closed_early(command, env)
        with Path(os.devnull if context.stdout == "pipe" else "/dev/full").open("wb") as sink:
            done = subprocess.run(
                command,
                input=stdin,
                stdout=subprocess.PIPE if context.stdout == "pipe" else sink,
                stderr=subprocess.PIPE,
                cwd=CORPUS,
                env=env,
                timeout=120,
                check=False,
            )
        out = (done.stdout or b"").decode("utf-8", "backslashreplace")
        err = done.stderr.decode("utf-8", "backslashreplace").replace(tmp, "TMP")
        return Ran(done.returncode, out.replace(tmp, "TMP"), err)


def _closed_early(command: list[str], env: dict[str, str]) -> Ran:
    """The command's output read up to its first line, then the pipe closed (| head -1)."""
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=CORPUS, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read().decode("utf-8", "backslashreplace")
        return Ran(process.wait(timeout=120), "", err)


@cache
def _results() -> dict[str, Ran]:
    """Every entry's run, six at a time (each is a process that mostly waits)."""
    entries = _entries()
    with ThreadPoolExecutor(6) as pool:
        ran = list(pool.map(run_entry, entries))
    return {_name(entry): result for entry, result in zip(entries, ran, strict=True)}


ENTRIES = _entries()


@pytest.mark.parametrize("entry", ENTRIES, ids=[_name(e) for e in ENTRIES])
def test_bad_input(entry: dict[str, Any]) -> None:
    ran = _results()[_name(entry)]
    errors = _error_records(ran.stdout)
    assert "Traceback" not in ran.stderr
    assert (ran.code, ran.stderr) == (entry["exit"], entry["stderr"])
    if "stdout" in entry:
        assert ran.stdout == entry["stdout"]
    for text in entry.get("stdout_has", []):
        assert text in ran.stdout
    assert errors == entry.get("stdout_errors", [])


def _error_records(stdout: str) -> list[str]:
    """A batch's error records (NDJSON) or rows (CSV), as written."""
    return [line for line in stdout.splitlines() if '"status":"error"' in line or ",error," in line]


def update_manifest() -> None:
    """Write what each entry gives now into the manifest (``--update``): read the
    diff before committing."""
    results = _results()
    for entry in ENTRIES:
        ran = results[_name(entry)]
        entry["exit"], entry["stderr"] = ran.code, ran.stderr
        errors = _error_records(ran.stdout)
        if errors:
            entry["stdout_errors"] = errors
        else:
            entry.pop("stdout_errors", None)
    text = yaml.dump(ENTRIES, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    MANIFEST.write_text(text, encoding="utf-8")


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    plain = all(c.isprintable() or c == "\n" for c in value)
    style = "|" if "\n" in value and plain and " \n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def test_every_exit_code_is_documented() -> None:
    codes = {int(code) for code in ExitCode}
    assert {entry["exit"] for entry in ENTRIES} <= codes


def test_every_corpus_file_is_an_entry() -> None:
    named = {
        Path(name)
        for entry in ENTRIES
        for name in [*entry["args"], entry.get("stdin", ""), entry.get("setup", "")[7:]]
    }
    files = [p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file() and p != MANIFEST]
    unused = [str(p) for p in files if not named & {p, *p.parents} - {Path()}]
    assert not unused
    assert len(files) >= 100


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("a b --claims x y z", "--claims x --claims y --claims z -- a b"),
        ("--claims x a b", "--claims x -- a b"),
        ("a --claims x b", "--claims x -- a b"),
        ("--claims x a -f json b", "-f json --claims x -- a b"),
        ("a b --claims x --claims y -f json", "-f json --claims x --claims y -- a b"),
        ("a b --claims=x y", "--claims x --claims y -- a b"),
        ("a b --claims", "a b --claims"),  # click says the value is missing
        ("a b -- --claims", "a b -- --claims"),  # after --, a side named --claims
    ],
)
def test_one_claims_option_takes_every_path_after_it(given: str, read: str) -> None:
    """``diff --claims claims/*.json``: the README's ``--claims PATH…`` (issue #15)."""
    from claimcalc.cli import spread_claims

    assert spread_claims(given.split()) == read.split()


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_bad_inputs.py --update")
    update_manifest()
