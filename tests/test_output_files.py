"""Output files and streams: a full disk, file modes, a closed pipe; and the
command line's smaller promises (no claims, --version, each command's codes)."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import claimcalc
from claimcalc import compiled
from claimcalc.cli import main
from claimcalc.errors import ExitCode, FileAccessError
from claimcalc.output.records import atomic_writer
from tests.conftest import EXAMPLE_DIRS, EXAMPLES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


# --------------------------------------------------------------------------- a full disk


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fsync of an output file fails as on a full disk."""

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_is_one_line_exit_5_and_the_old_file_is_kept(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "settled.ndjson"
    target.write_text("old\n", encoding="utf-8")
    _full_disk(monkeypatch)
    code, out, err = run(capsys, "settle", str(EXAMPLES[0]), "-f", "ndjson", "-o", str(target))
    assert (code, out) == (ExitCode.IO, "")
    assert err == f"{target}: cannot write output: No space left on device\n"
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settled.ndjson"]  # no .part left


def test_a_full_disk_while_writing_a_one_claim_document(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "settled.json"
    _full_disk(monkeypatch)
    code, _, err = run(capsys, "settle", str(EXAMPLES[0]), "-f", "json", "-o", str(target))
    assert (code, err) == (ExitCode.IO, f"{target}: cannot write output: No space left on device\n")
    assert list(tmp_path.iterdir()) == []


def test_a_write_that_fails_midway_is_a_file_access_error(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(FileAccessError, match="Disk quota exceeded"), atomic_writer(target):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["settle", "{dir}", "-f", "ndjson"],
        ["settle", "{one}"],
        ["settle", "{one}", "-f", "json"],
        ["products", "show", "imaway", "-f", "json"],
        ["--version"],
    ],
    ids=["ndjson", "table", "json", "products-show", "version"],
)
def test_standard_output_on_a_full_disk_is_one_line_exit_5(args: list[str]) -> None:
    argv = [
        a.replace("{dir}", str(EXAMPLE_DIRS[0])).replace("{one}", str(EXAMPLES[0])) for a in args
    ]
    with Path("/dev/full").open("w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "claimcalc", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert (result.returncode, result.stderr) == (
        ExitCode.IO,
        "standard output: cannot write output: No space left on device\n",
    )


# --------------------------------------------------------------------------- file modes


def test_a_new_output_file_respects_the_umask(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, umask_022: None
) -> None:
    target = tmp_path / "new.ndjson"
    code, _, _ = run(capsys, "settle", str(EXAMPLES[0]), "-f", "ndjson", "-o", str(target))
    assert code == ExitCode.OK
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_new_output_file_under_a_strict_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        with atomic_writer(tmp_path / "new.txt") as stream:
            stream.write("x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664])
def test_an_existing_output_file_keeps_its_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, umask_022: None, mode: int
) -> None:
    target = tmp_path / "settled.ndjson"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(mode)
    code, _, _ = run(capsys, "settle", str(EXAMPLES[0]), "-f", "ndjson", "-o", str(target))
    assert code == ExitCode.OK
    assert target.read_text(encoding="utf-8") != "old\n"
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_link_to_a_file_stays_a_link_and_its_file_is_replaced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    real = tmp_path / "real.ndjson"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.ndjson"
    link.symlink_to(real.name)
    code, _, _ = run(capsys, "settle", str(EXAMPLES[0]), "-f", "ndjson", "-o", str(link))
    assert code == ExitCode.OK
    assert link.is_symlink() and str(link.readlink()) == real.name
    assert real.read_text(encoding="utf-8").startswith('{"position":1')


def test_an_output_path_that_cannot_be_looked_at_is_a_file_access_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A folder on the way the user may not read (EACCES on lstat) is one line,
    exit 5, not a traceback from deciding how to write the path."""
    target = tmp_path / "locked" / "out.ndjson"
    real = Path.is_symlink

    def is_symlink(self: Path) -> bool:
        if self == target:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_symlink", is_symlink)
    with (
        pytest.raises(FileAccessError, match="cannot write output: Permission denied"),
        atomic_writer(target),
    ):
        pass


CLAIMCALC = (sys.executable, "-m", "claimcalc")


@pytest.mark.parametrize("append", [False, True], ids=["redirected", "appended"])
@pytest.mark.parametrize("way", ["link", "folder-link", "thread-self"])
def test_a_path_naming_standard_output_writes_where_it_points(
    tmp_path: Path, append: bool, way: str
) -> None:
    """``-o /dev/stdout`` (a link to ``/proc/self/fd/1``) must write through the
    descriptor: renaming a file over the path replaced the link itself (as root,
    the machine's /dev/stdout), and opening it again truncated a file opened to
    append. A link of the test's own stands for /dev/stdout; so do a folder
    linked to /dev/fd and /proc/thread-self/fd/1."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    (tmp_path / "fd").symlink_to("/dev/fd")
    stdout = {
        "link": link,
        "folder-link": tmp_path / "fd" / "1",
        "thread-self": Path("/proc/thread-self/fd/1"),
    }[way]
    target = tmp_path / "out.txt"
    target.write_text("kept\n" if append else "", encoding="utf-8")
    with target.open("a" if append else "w", encoding="utf-8") as out:
        done = subprocess.run(
            [*CLAIMCALC, "settle", str(EXAMPLES[0]), "-f", "ndjson", "-o", str(stdout)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == ExitCode.OK, done.stderr
    assert link.is_symlink() and str(link.readlink()) == "/proc/self/fd/1"
    assert (tmp_path / "fd").is_symlink() and str((tmp_path / "fd").readlink()) == "/dev/fd"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("kept\n" if append else '{"position":1')
    assert text.count('{"position":1') == 1


# --------------------------------------------------------------------------- a closed pipe


@pytest.mark.parametrize(
    "args",
    [
        ["settle", "{dir}", "-f", "ndjson"],
        ["settle", "{dir}", "-f", "table"],
        ["settle", "{one}"],
        ["products", "show", "imaway"],
    ],
    ids=["ndjson", "tables", "one-claim", "products-show"],
)
def test_a_closed_pipe_exits_141_quietly(args: list[str], tmp_path: Path) -> None:
    # One claim whose tables overflow the pipe (a person's table is about 1 KB):
    # once the pipe is full the writer waits for the reader, which goes. (A
    # small claim's tables can all be written before the reader goes: then
    # nothing fails, as with any program.)
    one = tmp_path / "many-persons.json"
    claim = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    person = claim["insured"][0]
    claim["insured"] = [dict(person, ref=f"P{i}") for i in range(300)]
    one.write_text(json.dumps(claim), encoding="utf-8")
    argv = [a.replace("{dir}", str(EXAMPLE_DIRS[0])).replace("{one}", str(one)) for a in args]
    # A batch big enough to fill the pipe once its reader has gone.
    if argv[1] == str(EXAMPLE_DIRS[0]):
        argv[1:2] = [str(EXAMPLE_DIRS[0])] * 40
    with subprocess.Popen(
        [sys.executable, "-m", "claimcalc", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as producer:
        assert producer.stdout is not None and producer.stderr is not None
        head = subprocess.run(["head", "-c", "1"], stdin=producer.stdout, capture_output=True)
        producer.stdout.close()  # the reader is gone: only head held the pipe
        err = producer.stderr.read().decode()
        code = producer.wait(timeout=60)
    assert head.stdout
    assert code == ExitCode.BROKEN_PIPE, err
    assert int(ExitCode.BROKEN_PIPE) == 128 + 13  # SIGPIPE, as a shell reports it
    assert "Traceback" not in err and "Exception ignored" not in err


# --------------------------------------------------------------------------- no claims


def test_an_empty_directory_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "settle", str(tmp_path), "-f", "ndjson")
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == f"{tmp_path}: no claim files (*.json) in this directory\n"


def test_a_directory_without_claims_among_others_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not a claim", encoding="utf-8")
    target = tmp_path / "out.ndjson"
    args = ["settle", str(EXAMPLE_DIRS[0]), str(tmp_path), "-f", "ndjson", "-o", str(target)]
    code, out, err = run(capsys, *args)
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == f"{tmp_path}: no claim files (*.json) in this directory\n"
    assert not target.exists()


def test_an_input_without_claims_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "claims.ndjson"
    empty.write_text("\n\n", encoding="utf-8")
    code, out, err = run(capsys, "settle", str(empty), "-f", "csv")
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == f"no claims to settle in {empty}\n"


def test_diff_claims_from_an_empty_directory_is_trouble(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "diff", "imaway:easy", "imaway:top", "--claims", str(tmp_path))
    assert code == ExitCode.USAGE
    assert err == f"{tmp_path}: no claim files (*.json) in this directory\n"


def test_a_broken_link_or_a_pipe_in_a_directory_is_an_error_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every ``*.json`` entry of a directory gives a record: a broken link and a
    named pipe were skipped without one (and a pipe is not opened: reading it
    would wait for a writer)."""
    (tmp_path / "a.json").write_text(EXAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b-broken.json").symlink_to("nowhere.json")
    os.mkfifo(tmp_path / "c-pipe.json")
    code, out, _ = run(capsys, "settle", str(tmp_path), "-f", "ndjson")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == ExitCode.PARTIAL
    assert [(r["source"], r["status"], r.get("exit_code")) for r in records] == [
        (str(tmp_path / "a.json"), "settled", None),
        (str(tmp_path / "b-broken.json"), "error", ExitCode.IO),
        (str(tmp_path / "c-pipe.json"), "error", ExitCode.IO),
    ]
    assert records[2]["errors"][0]["message"].endswith("not a regular file")


def test_a_csv_error_row_carries_its_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A script reading CSV tells an invalid claim (3) from an unknown product (4)
    and an unreadable file (5), as the NDJSON error record's ``exit_code`` does."""
    import csv
    import io

    book = tmp_path / "book.ndjson"
    claim = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    book.write_text(
        json.dumps({"x": 1}) + "\n" + json.dumps(dict(claim, product="nosuch")) + "\n",
        encoding="utf-8",
    )
    inputs = [str(book), str(tmp_path / "missing.json"), str(EXAMPLES[0])]
    _, ndjson, _ = run(capsys, "settle", *inputs, "-f", "ndjson")
    _, text, _ = run(capsys, "settle", *inputs, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    errors = [r for r in rows if r["status"] == "error"]
    expected = [json.loads(line) for line in ndjson.splitlines()][:3]
    assert [int(r["exit_code"]) for r in errors] == [r["exit_code"] for r in expected]
    assert [int(r["exit_code"]) for r in errors] == [3, 4, 5]
    assert {r["exit_code"] for r in rows if r["status"] == "settled"} == {""}


# --------------------------------------------------------------------------- smaller


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--version")
    assert (code, out, err) == (
        ExitCode.OK,
        f"claimcalc {claimcalc.__version__} ({compiled.summary()})\n",
        "",
    )
    # CLAIMCALC_COMPILED=0 (the suite run from the sources) says so
    assert re.fullmatch(
        r"\d+ of \d+ modules compiled|compiled modules turned off", compiled.summary()
    )


def test_validate_an_unreadable_file_is_an_io_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("format: 1\n", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, out, err = run(capsys, "products", "validate", str(path))
    assert (code, out) == (ExitCode.IO, "")
    assert err == f"{path}: cannot read product file: Permission denied\n"


def test_validate_an_unreadable_products_directory_is_an_io_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLAIMCALC_PRODUCTS", str(tmp_path))
    real = Path.iterdir

    def iterdir(self: Path) -> Iterator[Path]:
        if self == tmp_path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    code, _, err = run(capsys, "products", "validate")
    assert code == ExitCode.IO
    assert err == f"{tmp_path}: cannot read products directory: Permission denied\n"


def _codes(help_text: str) -> str:
    text = " ".join(help_text.replace("│", " ").split())
    return text[text.index("Exit codes") :]


def test_settle_help_lists_only_its_own_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "settle", "--help")
    assert code == ExitCode.OK
    codes = _codes(out)
    assert "diff" not in codes and " 1 " not in codes
    for number in ("0", "2", "3", "4", "5", "6", "141"):
        assert f" {number} " in f" {codes} ", number


def test_every_exit_code_is_in_the_readme_table() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Errors and exit codes") :]
    for code in ExitCode:
        assert f"\n| {int(code)} |" in table, code
