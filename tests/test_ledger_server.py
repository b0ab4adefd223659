"""A throwaway PostgreSQL server for the ledger's tests (and benchmarks/ledger.py).

``CLAIMCALC_TEST_POSTGRES`` (a URL to a server where the tests may create
databases) is used if set. Otherwise the session starts its own: ``initdb``
in a temporary directory, ``postgres`` listening on a Unix socket only (in
that directory, with a random port number), run as an unprivileged user
(``postgres``) when the tests run as root, as CI does; it is stopped and
deleted at the end of the session. Without PostgreSQL installed the
PostgreSQL tests skip, unless ``CLAIMCALC_REQUIRE_POSTGRES=1`` (CI: .ci/run),
where they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Where Debian and Ubuntu put PostgreSQL's programs; PATH is tried first.
PG_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


NOSYNC = ("--locale=C", "--no-sync")


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_DIRS:
        if (directory / name).is_file():
            return str(directory / name)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A PostgreSQL server in a temporary directory."""

    def __init__(self, fsync: bool = False) -> None:
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise FileNotFoundError("PostgreSQL (initdb, pg_ctl) is not installed")
        self.pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="claimcalc-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        # initdb and postgres refuse to run as root: run them as an unprivileged user.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            self.prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o755)  # the client (this user) reaches the socket in it
        self._run(
            [initdb, "-D", str(self.data), "-A", "trust", "-U", "claimcalc", "-E", "UTF8", *NOSYNC]
        )
        options = f"-k {self.root} -c listen_addresses='' -p {self.port}"
        if not fsync:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            [
                pg_ctl,
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ]
        )
        self.url = f"postgresql://claimcalc@/postgres?host={self.root}&port={self.port}"

    def _run(self, command: list[str]) -> None:
        subprocess.run(
            self.prefix + command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    base, _, query = server_url.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def create_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    import psycopg

    name = "ledger_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return database_url(server_url, name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests may create databases on."""
    given = os.environ.get("CLAIMCALC_TEST_POSTGRES")
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401

        server = Server()
    except (ImportError, FileNotFoundError, subprocess.CalledProcessError) as exc:
        message = f"no PostgreSQL server for the ledger tests: {exc}"
        if os.environ.get("CLAIMCALC_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{message} (CLAIMCALC_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    try:
        yield server.url
    finally:
        server.stop()


def drop_database(url: str) -> None:
    import psycopg

    name = url.partition("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(database_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty ledger on each database (dropped after the test)."""
    if request.param == "sqlite":
        yield str(tmp_path / "claims.db")
        return
    server: str = request.getfixturevalue("postgres_server")
    url = create_database(server)
    yield url
    drop_database(url)


def test_the_server_answers(postgres_server: str) -> None:
    import psycopg

    url = create_database(postgres_server)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None and row[0] >= 150000
