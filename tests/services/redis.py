"""A throwaway Debian ``redis-server`` on 127.0.0.1, with its data in a temp folder.

Append-only persistence is on and snapshots are off, so ``restart`` (``SHUTDOWN NOSAVE``
and start again on the same port and folder) keeps every acknowledged write, as a
production Redis with AOF would.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.services.common import free_port, require_binary, unavailable


class RedisServer:
    """One Redis server; ``url`` is what redis-py and arq connect to."""

    def __init__(self) -> None:
        self.binary = require_binary("redis-server")
        self.root = Path(tempfile.mkdtemp(prefix="importbio-redis-"))
        self.port = free_port()
        self.log_path = self.root / "redis.log"
        self.stderr_path = self.root / "stderr.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """True while the server process runs."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        if self.running:
            return
        # A file, not a pipe: an AOF rewrite forks a child that inherits it.
        with self.stderr_path.open("ab") as stderr:
            self._process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(self.root),
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                    "--daemonize",
                    "no",
                    "--logfile",
                    str(self.log_path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 10.0
        while not self._ping():
            if self._process.poll() is not None or time.monotonic() > deadline:
                output = self._reap()
                unavailable(f"redis-server did not start: {output}\n{self.log_tail()}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop the server at once (``SHUTDOWN NOSAVE``, SIGKILL if it hangs)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._send(b"SHUTDOWN NOSAVE\r\n")
        self._reap()

    def restart(self) -> None:
        """Stop without saving and start again on the same port and folder."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log, for failure reports."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no redis log)"
        return "\n".join(text.splitlines()[-lines:])

    def _ping(self) -> bool:
        return self._send(b"PING\r\n").startswith(b"+PONG")

    def _send(self, command: bytes) -> bytes:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as sock:
                sock.sendall(command)
                return sock.recv(64)
        except OSError:
            return b""

    def _reap(self) -> str:
        process, self._process = self._process, None
        if process is None:
            return ""
        try:
            process.wait(timeout=10.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        try:
            return self.stderr_path.read_text(errors="replace").strip()[-2000:]
        except OSError:
            return ""
