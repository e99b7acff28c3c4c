"""A throwaway PostgreSQL server run from a folder under /tmp, on 127.0.0.1 with trust auth.

``initdb`` makes a fresh cluster, ``pg_ctl`` starts it on a free port with its socket in the
same folder and fsync off (a test cluster need not survive a power cut), and ``createdb`` /
``dropdb`` make one database per test, which takes a few milliseconds.

PostgreSQL refuses to run as root, so under root the server binaries run as the ``postgres``
user (``runuser``) and the folder belongs to that user. The client binaries connect over TCP
and need no such care.
"""

from __future__ import annotations

import getpass
import glob
import os
import pwd
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.services.common import free_port, unavailable

SERVER_USER = "postgres"
DEFAULT_DATABASE = "importbio"
_COMMAND_TIMEOUT_S = 60.0
_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
_CLIENT_BINARIES = ("createdb", "dropdb")


def find_bindir() -> Path | None:
    """The folder of the PostgreSQL server binaries: ``pg_config --bindir``, else the newest
    ``/usr/lib/postgresql/*/bin`` (Debian keeps them off the PATH)."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        done = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=10.0, check=False
        )
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    for folder in candidates:
        if all((folder / name).is_file() for name in (*_SERVER_BINARIES, *_CLIENT_BINARIES)):
            return folder
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


class Postgres:
    """One PostgreSQL cluster; ``url`` names its ``importbio`` database."""

    def __init__(self, *, database: str = DEFAULT_DATABASE) -> None:
        bindir = find_bindir()
        if bindir is None:
            unavailable("PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed")
        self.bindir = bindir
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            self._run_as = self._runuser_prefix()
        self.database = _checked_name(database)
        self.root = Path(tempfile.mkdtemp(prefix="importbio-postgres-", dir="/tmp"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log_path = self.root / "postgres.log"
        self.port = free_port()
        self._initialised = False
        self._running = False
        self._prepare_folders()

    @staticmethod
    def _runuser_prefix() -> list[str]:
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
        if runuser is None:
            unavailable("running PostgreSQL as root needs runuser, which is not installed")
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            unavailable(f"running PostgreSQL as root needs a '{SERVER_USER}' user")
        return [runuser, "-u", SERVER_USER, "--"]

    def _prepare_folders(self) -> None:
        self.root.chmod(0o755)
        self.socket_dir.mkdir()
        if self._run_as:
            for path in (self.root, self.socket_dir):
                shutil.chown(path, SERVER_USER, SERVER_USER)

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        """Create the cluster (once), start the server and create the default database."""
        if self._running:
            return
        if not self._initialised:
            self._server_command(
                "initdb",
                "--pgdata",
                str(self.data_dir),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            )
            self._initialised = True
        options = " ".join(
            shlex.quote(part)
            for part in (
                "-p",
                str(self.port),
                "-k",
                str(self.socket_dir),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            )
        )
        self._server_command(
            "pg_ctl",
            "start",
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.log_path),
            "--wait",
            "--timeout",
            "60",
            "-o",
            options,
        )
        self._running = True
        self.create_database(self.database)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended) and wait for it."""
        # The pid file also covers a start that timed out after the server came up.
        if not self._running and not (self.data_dir / "postmaster.pid").exists():
            return
        self._running = False
        self._server_command(
            "pg_ctl", "stop", "--pgdata", str(self.data_dir), "--mode", "fast", "--wait"
        )

    def cleanup(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self) -> bool:
        """True between a successful ``start`` and ``stop``."""
        return self._running

    # -- databases ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the default database."""
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        """The SQLAlchemy (asyncpg) URL of a database of this server."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{_checked_name(database)}"

    def create_database(self, name: str) -> None:
        """Create an empty database."""
        self._client_command("createdb", _checked_name(name))

    def drop_database(self, name: str) -> None:
        """Drop a database, ending the sessions still connected to it."""
        self._client_command("dropdb", "--force", "--if-exists", _checked_name(name))

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log, for failure reports."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no postgres log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- running the binaries ---------------------------------------------------------------

    def _server_command(self, binary: str, *args: str) -> None:
        self._run([*self._run_as, str(self.bindir / binary), *args], what=binary)

    def _client_command(self, binary: str, *args: str) -> None:
        connection = ["--host", "127.0.0.1", "--port", str(self.port), "--username", "postgres"]
        self._run([str(self.bindir / binary), *connection, "--no-password", *args], what=binary)

    def _run(self, argv: list[str], *, what: str) -> None:
        try:
            done = subprocess.run(
                argv,
                cwd=self.root,
                capture_output=True,
                text=True,
                timeout=_COMMAND_TIMEOUT_S,
                check=False,
                env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
            )
        except subprocess.TimeoutExpired:
            unavailable(f"{what} did not finish in {_COMMAND_TIMEOUT_S:.0f} s\n{self.log_tail()}")
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip()
            user = SERVER_USER if self._run_as else getpass.getuser()
            raise RuntimeError(
                f"{what} failed (as {user}, exit {done.returncode}): {output}\n{self.log_tail()}"
            )


def _checked_name(name: str) -> str:
    """A database name that needs no quoting anywhere (lower-case letters, digits, _)."""
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name
