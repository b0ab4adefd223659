"""Batch settlement: one record per claim, in order, errors included; atomic
output; --jobs N gives the same bytes as one job."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claimcalc.claim.sources import Item, iter_items
from claimcalc.cli import main
from claimcalc.errors import ExitCode
from claimcalc.money import format_eur
from tests.conftest import EXAMPLE_DIRS, EXAMPLES, FIXTURES, counted, example
from tests.test_examples import INDEMNITY

BAD = FIXTURES / "claims" / "bad"


def corpus(count: int, bad_every: int = 7) -> list[str]:
    """NDJSON lines: the examples with fresh ids, a bad line every so often."""
    texts = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    lines = []
    for i in range(count):
        if i % bad_every == 3:
            lines.append(
                "{not json"
                if i % 2
                else json.dumps({**texts[0], "level": "gold", "claim_id": f"BAD-{i}"})
            )
            continue
        claim = dict(texts[i % len(texts)], claim_id=f"C-{i:06d}")
        lines.append(json.dumps(claim))
    return lines


def write_ndjson(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_n_inputs_give_n_records_in_order_with_bad_lines_interleaved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = corpus(60)
    path = write_ndjson(tmp_path / "claims.ndjson", lines)
    code, out, err = run_cli(capsys, "settle", str(path), "--format", "ndjson")
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == len(lines)
    assert [r["position"] for r in records] == list(range(1, 61))
    assert [r["source"] for r in records] == [f"{path}:{n}" for n in range(1, 61)]
    for i, (line, record) in enumerate(zip(lines, records, strict=True)):
        if line.startswith("{not json"):
            assert record["status"] == "error" and record["claim_id"] is None
            assert record["errors"][0]["message"].startswith("invalid JSON:")
        elif "BAD-" in line:
            assert record["status"] == "error" and record["claim_id"] == f"BAD-{i}"
            assert record["errors"] == [
                {
                    "field": "level",
                    "message": "no level 'gold' in imaway@2026-01 (levels: easy, smart, top)",
                }
            ]
        else:
            assert record["status"] == "settled" and record["claim_id"] == f"C-{i:06d}"
    failed = sum(1 for r in records if r["status"] == "error")
    assert code == ExitCode.PARTIAL
    assert err.splitlines()[-1].startswith(
        f"settled {60 - failed}, failed {failed}, indemnities € "
    )


def test_error_record_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = BAD / "35-several-problems.json"
    code, out, _ = run_cli(capsys, "settle", str(path), str(EXAMPLES[0]), "--format", "ndjson")
    first = json.loads(out.splitlines()[0])
    assert first == {
        "schema_version": "1",
        "position": 1,
        "source": str(path),
        "claim_id": "TEST-0001",
        "status": "error",
        "exit_code": 3,
        "errors": [
            {"field": "level", "message": "expected a string, got 3"},
            {"field": "trip.return_date", "message": "not a valid date (YYYY-MM-DD): '2026-13-01'"},
            {
                "field": "insured[0].lines[0].expenses[0].amount",
                "message": "must not be negative, got -1",
            },
        ],
    }
    assert json.loads(out.splitlines()[1])["status"] == "settled"
    assert code == ExitCode.PARTIAL


def test_all_settled_exits_0_and_sums_up(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "settle", *map(str, EXAMPLE_DIRS), "--format", "ndjson")
    assert code == ExitCode.OK
    assert len(out.splitlines()) == len(EXAMPLES)
    # Every product's examples: their hand-computed totals (their cases), summed.
    assert sorted(INDEMNITY) == sorted(path.resolve() for path in EXAMPLES)
    total = format_eur(sum((Decimal(v) for v in INDEMNITY.values()), Decimal(0)))
    assert err == f"settled {len(EXAMPLES)}, failed 0, indemnities {total}, advances € 0,00\n"


def test_stdin_ndjson(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = corpus(10)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n\n"))
    code, out, _ = run_cli(capsys, "settle", "-", "--format", "ndjson")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["source"] for r in records] == [f"<stdin>:{n}" for n in range(1, 11)]
    assert code == ExitCode.PARTIAL


def test_json_format_is_one_array(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_ndjson(tmp_path / "c.ndjson", corpus(9))
    _, out, _ = run_cli(capsys, "settle", str(path), "--format", "json")
    document = json.loads(out)
    assert [r["position"] for r in document] == list(range(1, 10))


def test_csv_has_a_row_per_line_and_per_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_ndjson(tmp_path / "c.ndjson", corpus(8))
    _, out, _ = run_cli(capsys, "settle", str(path), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["position"] == "1" and rows[0]["guarantee"] == "A.extended_stay"
    errors = [r for r in rows if r["status"] == "error"]
    assert [r["position"] for r in errors] == ["4"]
    assert errors[0]["message"].startswith("invalid JSON:")


def test_batch_tables_print_settlements_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys, "settle", str(EXAMPLES[0]), str(BAD / "16-unknown-guarantee.json")
    )
    assert "Insured INS-7F3A" in out
    assert (
        f"{BAD / '16-unknown-guarantee.json'}: insured[0].lines[0].guarantee: unknown guarantee"
        in err
    )
    assert code == ExitCode.PARTIAL


def test_directory_inputs_are_sorted() -> None:
    items = list(iter_items([str(d) for d in EXAMPLE_DIRS]))
    assert [Path(i.source).name for i in items] == [p.name for p in EXAMPLES]
    assert all(isinstance(i, Item) for i in items)


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_two_jobs_give_byte_identical_output(tmp_path: Path, fmt: str) -> None:
    path = write_ndjson(tmp_path / "claims.ndjson", corpus(700))
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out-{jobs}.{fmt}"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "claimcalc",
                "settle",
                str(path),
                "--format",
                fmt,
                "--jobs",
                jobs,
                "-o",
                str(target),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == ExitCode.PARTIAL, result.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") >= 700


def test_interrupted_output_leaves_no_partial_file(tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "claims.ndjson", corpus(30_000, bad_every=10**9))
    target = tmp_path / "settled.ndjson"
    target.write_text("previous run\n", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "claimcalc",
            "settle",
            str(path),
            "--format",
            "ndjson",
            "-o",
            str(target),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # Wait until the temporary file is being written, then interrupt.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        p.name.endswith(".part") for p in tmp_path.iterdir()
    ):
        time.sleep(0.05)
    time.sleep(0.3)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert target.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.ndjson", "settled.ndjson"]


def test_unwritable_output_is_an_io_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "missing-dir" / "out.ndjson"
    code, _, err = run_cli(capsys, "settle", str(EXAMPLES[0]), "-f", "ndjson", "-o", str(target))
    assert code == ExitCode.IO
    assert err == f"{target}: cannot write output: No such file or directory\n"


def test_output_file_for_a_single_claim(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "settlement.json"
    code, out, _ = run_cli(capsys, "settle", str(EXAMPLES[3]), "-f", "json", "-o", str(target))
    assert (code, out) == (ExitCode.OK, "")
    assert json.loads(target.read_text(encoding="utf-8"))["claim_id"] == "IMA-2026-000417"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_output_to_a_device_is_written_not_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    device = Path(os.devnull)
    code, _, _ = run_cli(capsys, "settle", str(EXAMPLES[0]), "-f", "ndjson", "-o", str(device))
    assert code == ExitCode.OK
    assert device.is_char_device()  # still the device, not a file renamed over it


def test_batch_records_carry_reasons_and_steps_only_with_explain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, compact, _ = run_cli(capsys, "settle", str(EXAMPLES[3]), "-f", "ndjson")
    _, full, _ = run_cli(capsys, "settle", str(EXAMPLES[3]), "-f", "ndjson", "--explain")
    line = json.loads(compact)["insured"][0]["lines"][1]
    assert "steps" not in line
    assert [r["code"] for r in line["reasons"]] == ["franchigia", "limit"]
    assert json.loads(full)["insured"][0]["lines"][1]["steps"][0]["code"] == "currency"


def test_an_unreadable_file_fails_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.json").write_bytes(EXAMPLES[0].read_bytes())
    (tmp_path / "b.json").write_bytes('{"claim_id": "più"}'.encode("latin-1"))
    code, out, _ = run_cli(capsys, "settle", str(tmp_path), "-f", "ndjson")
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["status"] == "settled"
    # not UTF-8: a problem of the claim, as in a one-claim run (exit 3)
    assert second["status"] == "error" and second["exit_code"] == ExitCode.INVALID_CLAIM
    assert second["errors"] == [{"field": "", "message": "not UTF-8 text"}]
    assert code == ExitCode.PARTIAL


def test_workers_do_not_run_the_main_script_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spawned worker would run the console script (the whole CLI) again: while
    workers start, the main module shows multiprocessing no file to run."""
    import sys
    import types

    from claimcalc.batch import _main_left_alone

    script = types.ModuleType("__main__")
    script.__file__ = "/usr/bin/claimcalc"
    script.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", script)
    with _main_left_alone():
        assert not hasattr(script, "__file__")
    assert script.__file__ == "/usr/bin/claimcalc"


def test_a_line_on_stdin_that_is_not_utf8_fails_alone_as_in_a_file(tmp_path: Path) -> None:
    """Standard input is read as bytes, line by line, as an NDJSON file is: a line
    that is not UTF-8 is that claim's error ("not UTF-8 text"), the next one settles."""
    good = json.dumps(json.loads(EXAMPLES[0].read_text(encoding="utf-8")))
    stdin = b'\xff{"claim_format": 1}\n\n' + good.encode("utf-8") + b"\n"
    done = subprocess.run(
        [sys.executable, "-m", "claimcalc", "settle", "-", "-f", "ndjson"],
        input=stdin,
        capture_output=True,
        check=False,
    )
    records = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert done.returncode == 6
    assert [(r["source"], r["status"]) for r in records] == [
        ("<stdin>:1", "error"),
        ("<stdin>:3", "settled"),
    ]
    assert records[0]["errors"] == [{"field": "", "message": "not UTF-8 text"}]


def test_a_worker_killed_stops_the_run_in_one_line_exit_7(tmp_path: Path) -> None:
    """A worker process of --jobs that dies (kill -9, out of memory) ends the run with
    one line and exit 7 (README), not the process pool's traceback."""
    claim = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))

    def lines(start: int, count: int) -> bytes:
        out = []
        for n in range(start, start + count):
            claim["claim_id"] = f"KW-{n}"
            out.append(json.dumps(claim) + "\n")
        return "".join(out).encode("utf-8")

    with subprocess.Popen(
        [sys.executable, "-m", "claimcalc", "settle", "-", "--jobs", "2", "-f", "ndjson",
         "-o", str(tmp_path / "out.ndjson")],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as run:  # fmt: skip
        assert run.stdin is not None and run.stderr is not None
        run.stdin.write(lines(0, 2000))
        run.stdin.flush()
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers:  # stdin is still open: the run cannot end meanwhile
            assert time.monotonic() < deadline and run.poll() is None
            workers = _workers(run.pid)
            time.sleep(0.1)
        os.kill(workers[0], signal.SIGKILL)
        with contextlib.suppress(BrokenPipeError):
            run.stdin.write(lines(2000, 2000))
            run.stdin.close()
        err = run.stderr.read().decode("utf-8")
        assert run.wait(timeout=60) == ExitCode.INTERNAL
        assert "Traceback" not in err
        assert err.startswith("a worker process stopped before its claims were settled"), err


@pytest.mark.parametrize("ledger", [False, True])
def test_a_worker_killed_while_its_records_travel_stops_the_run_exit_7(
    tmp_path: Path, ledger: bool
) -> None:
    """A worker killed while it hands its records back must not hang the run:
    concurrent.futures reads a result message whole, and one cut by the worker's
    death would keep it waiting for the rest forever. Made certain here: the
    run is stopped (SIGSTOP) until the workers have their records ready, so
    that a worker with records larger than a pipe holds waits inside its write."""
    claim = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    book = tmp_path / "book.ndjson"
    with book.open("w", encoding="utf-8") as out:
        for n in range(6000):
            claim["claim_id"] = f"KT-{n}"
            out.write(json.dumps(claim) + "\n")
    extra = ["--ledger", str(tmp_path / "l.sqlite"), "--record"] if ledger else []
    # --explain: records of ~10 kB, far more than a pipe holds per chunk
    with subprocess.Popen(
        [sys.executable, "-m", "claimcalc", "settle", str(book), "--jobs", "2", "-f", "ndjson",
         "--explain", "-o", str(tmp_path / "out.ndjson"), *extra],
        stderr=subprocess.PIPE, start_new_session=True,
    ) as run:  # fmt: skip
        assert run.stderr is not None
        try:
            deadline = time.monotonic() + 60
            while not any(p.stat().st_size for p in tmp_path.glob(".out.ndjson.*")):
                assert time.monotonic() < deadline and run.poll() is None
                time.sleep(0.005)
            os.kill(run.pid, signal.SIGSTOP)  # records coming back: the workers at work
            time.sleep(1.5)  # their chunks settled: each hands its records back, or waits to
            workers = _workers(run.pid)
            writing = [
                pid for pid in workers if "pipe_write" in Path(f"/proc/{pid}/wchan").read_text()
            ]
            # Handing back a file's name, none waits inside a write (before
            # 2026-12-02 one did, and killing it hung the run: this test timed out).
            os.kill((writing or workers)[0], signal.SIGKILL)
            os.kill(run.pid, signal.SIGCONT)
            assert run.wait(timeout=30) == ExitCode.INTERNAL
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
        err = run.stderr.read().decode("utf-8")
        assert err.startswith("a worker process stopped before its claims were settled"), err


#: In every worker process: a full disk where the worker leaves its records.
_FULL_TEMP_DISK = """
import errno, multiprocessing, os, pickle

_dump = pickle.dump


def dump(obj, file, *args, **kwargs):
    if multiprocessing.parent_process() is not None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return _dump(obj, file, *args, **kwargs)


pickle.dump = dump
"""


@pytest.mark.parametrize("output", ["file", "stdout"])
def test_a_full_temporary_disk_in_a_worker_is_not_blamed_on_the_output(
    tmp_path: Path, output: str
) -> None:
    """--jobs workers leave their records in the temporary folder (TMPDIR), not
    beside the output: a full disk there must not read as the output file (or
    standard output) that cannot be written, which sends the user to free the
    wrong disk. Exit 5, naming where the write failed."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_FULL_TEMP_DISK, encoding="utf-8")
    book = write_ndjson(tmp_path / "book.ndjson", corpus(300, bad_every=10**6))
    temp = tmp_path / "temp"
    temp.mkdir()
    out = tmp_path / "out.ndjson"
    where = ["-o", str(out)] if output == "file" else []
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "claimcalc", "settle", str(book), "--jobs", "2",
         "-f", "ndjson", *where],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": path, "TMPDIR": str(temp)},
    )  # fmt: skip
    assert done.returncode == ExitCode.IO, done.stderr
    assert "No space left on device" in done.stderr
    assert "cannot write output" not in done.stderr, done.stderr
    assert str(temp) in done.stderr, done.stderr
    assert list(temp.iterdir()) == []  # the run's folder removed


@pytest.mark.parametrize("ledger", [False, True])
def test_sigterm_on_a_run_writing_to_stdout_leaves_no_records_nor_workers(
    tmp_path: Path, ledger: bool
) -> None:
    """``timeout``/``kill`` on ``settle --jobs 2`` to standard output: before,
    the main process died alone, its workers lived on orphaned (holding the
    run's stderr) and the handover folder kept the settled chunks' records in
    TMPDIR. Unwound as Ctrl-C is: exit 143, no folder, no worker."""
    claim = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    if ledger:
        claim["policy"] = {**claim["policy"], "ref": "POL-1"}
    text = "".join(json.dumps(dict(claim, claim_id=f"KT-{n}")) + "\n" for n in range(6000))
    temp = tmp_path / "temp"
    temp.mkdir()
    extra = ["--ledger", str(tmp_path / "l.sqlite"), "--record"] if ledger else []
    with subprocess.Popen(
        [sys.executable, "-m", "claimcalc", "settle", "-", "--jobs", "2", "-f", "ndjson", *extra],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(temp)}, start_new_session=True,
    ) as run:  # fmt: skip
        assert run.stdin is not None
        stdin = run.stdin

        def feed() -> None:  # a ledger's run reads slowly: the pipe would hold the test
            with contextlib.suppress(BrokenPipeError, ValueError):
                stdin.write(text.encode("utf-8"))
                stdin.flush()

        threading.Thread(target=feed, daemon=True).start()
        try:
            deadline = time.monotonic() + 60
            while not any(temp.iterdir()):  # the handover folder: workers coming
                assert time.monotonic() < deadline and run.poll() is None
                time.sleep(0.01)
            time.sleep(2)  # the workers at work, chunks handed over
            os.kill(run.pid, signal.SIGTERM)
            assert run.wait(timeout=30) == 128 + signal.SIGTERM
            deadline = time.monotonic() + 10
            while _group_alive(run.pid):  # its session's group: the workers too
                assert time.monotonic() < deadline, "workers left running"
                time.sleep(0.05)
            assert list(temp.iterdir()) == []
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)


def interrupt_workers(tmp_path: Path, phase: str, *options: str) -> tuple[int, str]:
    """``settle FILE - --jobs 2 …`` in a session of its own, standard input kept open
    (the run cannot end first), interrupted as a terminal's Ctrl-C does: SIGINT to
    the whole process group, workers included. ``phase``: "starting", as soon as a
    worker process exists (it is still importing); "working", once records have come
    back. The exit code and standard error; no process of the group is left."""
    claims = write_ndjson(tmp_path / "claims.ndjson", corpus(3000, bad_every=10**9))
    with subprocess.Popen(
        [sys.executable, "-m", "claimcalc", "settle", str(claims), "-", "--jobs", "2",
         "-f", "ndjson", *options],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    ) as run:  # fmt: skip
        assert run.stdout is not None and run.stderr is not None
        deadline = time.monotonic() + 60
        if phase == "starting":
            while not _workers(run.pid):
                assert time.monotonic() < deadline and run.poll() is None
                time.sleep(0.01)
        else:
            assert run.stdout.read(1)  # a record: the workers have settled claims
        os.killpg(run.pid, signal.SIGINT)
        err = run.stderr.read().decode("utf-8")
        code = run.wait(timeout=60)
        gone = time.monotonic() + 10
        while _group_alive(run.pid):  # the workers end with the run, not after it
            assert time.monotonic() < gone, "a worker outlived the run"
            time.sleep(0.05)
    return code, err


def _workers(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    workers = []
    for child in found.stdout.split():
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(int(child))
    return workers


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("phase", ["starting", "working"])
def test_ctrl_c_stops_a_run_with_jobs_in_one_line_exit_130(tmp_path: Path, phase: str) -> None:
    """Workers ignore Ctrl-C (they started with it held, then ignore it): the run
    stops in its own process, with one line and 128+SIGINT, not each worker's
    traceback."""
    code, err = interrupt_workers(tmp_path, phase)
    assert "Traceback" not in err, err
    assert code == ExitCode.INTERRUPTED == 128 + signal.SIGINT, err
    assert err.splitlines() == ["interrupted: claimcalc stopped before the end"], err


# --------------------------------------------------------------------------- phase by phase


def _items(lines: list[str], first: int = 1) -> list[Item]:
    return [Item(first + i, f"book.ndjson:{first + i}", line) for i, line in enumerate(lines)]


@pytest.mark.parametrize("fast_path", [False, True])
@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_phase_by_phase_gives_each_claim_its_own_outcome(fast_path: bool, fmt: str) -> None:
    """settle_many (a chunk read, then settled) is settle_one claim by claim:
    the same records, errors and totals, across chunks and the 64th claim."""
    from claimcalc.batch import PHASE, fast_path_for, settle_many, settle_one
    from claimcalc.output.formats import Format
    from claimcalc.settling.settler import Settler

    form = Format(fmt)
    items = _items(corpus(2 * PHASE + 9, bad_every=5))
    settler = Settler()
    fast = fast_path_for(form, False) if fast_path else None
    one = [settle_one(settler, item, form, False, fast) for item in items]
    many = settle_many(settler, items, form, False, fast)
    assert [(o.position, o.record, o.ok, o.indemnity, o.advances) for o in many] == [
        (o.position, o.record, o.ok, o.indemnity, o.advances) for o in one
    ]
    assert [str(o.error) for o in many] == [str(o.error) for o in one]
    assert sum(not o.ok for o in many) >= 2 * PHASE // 5
    # A chunk keeps no settlement alive unless asked to (tables show them).
    assert all(o.settlement is None for o in many)
    kept = settle_many(settler, items, form, False, None, keep=True)
    assert [o.settlement is not None for o in kept] == [o.ok for o in kept]


@pytest.mark.parametrize("before", [3, 64, 70])
def test_a_source_that_fails_after_some_claims_writes_them_first(before: int) -> None:
    """Claims are read ahead a chunk at a time: those read before an input that
    cannot be read are settled and yielded before its error, as claim by claim."""
    from claimcalc.batch import run
    from claimcalc.errors import FileAccessError
    from claimcalc.output.formats import Format

    def source() -> Iterator[Item]:
        yield from _items(corpus(before, bad_every=1000))
        raise FileAccessError("second.ndjson: cannot read claims file: Permission denied")

    got: list[int] = []
    with pytest.raises(FileAccessError):
        for outcome in run(source(), Format.NDJSON):
            got.append(outcome.position)
    assert got == list(range(1, before + 1))


@pytest.mark.parametrize("read_ahead", [False, True])
def test_claims_on_a_pipe_are_answered_one_by_one(read_ahead: bool) -> None:
    """Without read-ahead (stdin), each claim's record comes before the next
    claim is asked for: a live pipe gets its answers as its claims come."""
    from claimcalc.batch import PHASE, run
    from claimcalc.output.formats import Format

    asked: list[int] = []
    items = _items(corpus(PHASE + 5, bad_every=1000))

    def source() -> Iterator[Item]:
        for item in items:
            asked.append(item.position)
            yield item

    answered_after: list[int] = []  # claims asked for when each record came
    for _ in run(source(), Format.NDJSON, read_ahead=read_ahead):
        answered_after.append(len(asked))
    if read_ahead:
        assert answered_after[0] == PHASE
    else:
        assert answered_after == list(range(1, len(items) + 1))


def test_a_chunk_is_settled_with_the_collector_paused_and_only_then() -> None:
    """Each chunk's claims are read and settled with the garbage collector
    paused (batch._phased: the claims a chunk holds kept it collecting every
    few claims), and it runs again after the chunk: the caller's code between
    records finds it running, as after a run stopped midway; a collector the
    host paused stays paused."""
    import gc

    import claimcalc.batch as batch
    from claimcalc.output.formats import Format

    items = _items(corpus(2 * batch.PHASE + 5, bad_every=7))
    during: list[bool] = []  # the collector's state as each claim is read and settled
    read, settled = batch._read, batch._settled

    def reading(*args: Any) -> Any:
        during.append(gc.isenabled())
        return read(*args)

    def settling(*args: Any) -> Any:
        during.append(gc.isenabled())
        return settled(*args)

    def interrupted(*args: Any) -> Any:
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "_read", reading)
        patch.setattr(batch, "_settled", settling)
        between = [gc.isenabled() for _ in batch.run(items, Format.NDJSON)]
        assert during == [False] * 2 * len(items)
        assert between == [True] * len(items) and gc.isenabled()
        during.clear()
        gc.disable()
        try:
            between = [gc.isenabled() for _ in batch.run(items, Format.NDJSON)]
            assert not gc.isenabled()
        finally:
            gc.enable()
        assert during == [False] * 2 * len(items) and between == [False] * len(items)
        patch.setattr(batch, "_settled", interrupted)
        with pytest.raises(KeyboardInterrupt):
            list(batch.run(items, Format.NDJSON))
        assert gc.isenabled()


def test_settle_reads_stdin_claim_by_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """``settle -`` runs without read-ahead, files with it."""
    import claimcalc.batch as batch

    calls: list[bool] = []
    run = batch.run

    def spy(*args: object, **kwargs: object) -> Iterator[object]:
        calls.append(bool(kwargs["read_ahead"]))
        return run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "run", spy)
    line = json.dumps(json.loads(EXAMPLES[0].read_text(encoding="utf-8")))
    monkeypatch.setattr("sys.stdin", io.StringIO(line + "\n"))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["settle", "-", "--format", "ndjson"]) == 0
        assert main(["settle", str(EXAMPLES[0]), str(EXAMPLES[1]), "--format", "ndjson"]) == 0
    assert calls == [False, True]


def test_the_phases_benchmark_times_the_same_records_each_way() -> None:
    """``benchmarks/phases.py`` compares claim by claim with phase by phase: the
    comparison means something only while every workload writes the same records."""
    from tests.conftest import benchmark

    phases = benchmark("phases")
    works = phases.workloads(150, [1, 8, 64])
    records = {name: [o.record for o in work()] for name, work in works.items()}
    first = records.pop("one")
    assert len(first) == 150 and all('"status":"settled"' in r for r in first)
    assert all(done == first for done in records.values())
    assert set(records) == {"one_keep", "many 1", "many 8", "many 64", "collected"}


def test_a_runs_product_that_cannot_be_loaded_is_loaded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Settler's own product that fails to load fails every claim, as before,
    without being loaded again for each (the library's batch; the command line
    loads it before any claim)."""
    import claimcalc.product.catalog as catalog_module
    from claimcalc.batch import settle_many
    from claimcalc.output.formats import Format
    from claimcalc.settling.settler import Settler

    loads = counted(monkeypatch, catalog_module, "load_rulebook")
    missing = str(tmp_path / "missing.yaml")
    text = example("imaway", "D-medical-usa.json").read_text(encoding="utf-8")
    items = [Item(k, f"c{k}", text) for k in range(1, 51)]
    outcomes = settle_many(Settler(missing, None, False), items, Format.NDJSON)
    assert loads.n == 1
    assert [o.ok for o in outcomes] == [False] * 50
    assert all("no such product file" in o.record for o in outcomes)
