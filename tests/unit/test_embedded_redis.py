"""The embedded Redis server: persistence, arq on its socket, and no server left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker

from importbio.embedded_redis import EmbeddedRedis, EmbeddedRedisError


def _alive(pid: int) -> bool:
    """Whether a process runs (an exited, unreaped one does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rpartition(")")[2].split()[0] != "Z"


def _wait_dead(pid: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not _alive(pid)


def _run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter of this virtualenv."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_a_key_survives_a_restart_on_the_same_folder(tmp_path: Path) -> None:
    """A key written before stop is there after start on the same data folder (AOF)."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    assert server.url.startswith("unix:///")
    client = redis.asyncio.Redis.from_url(server.url)
    await client.set("case:COI.BE.2024.0000001", b"queued")
    assert await client.get("case:COI.BE.2024.0000001") == b"queued"
    await client.aclose()
    first_pid = server.pid
    assert first_pid is not None
    server.stop()
    assert not _alive(first_pid)
    assert (tmp_path / "redis" / "appendonly.aof").stat().st_size > 0

    server.start()
    client = redis.asyncio.Redis.from_url(server.url)
    assert await client.get("case:COI.BE.2024.0000001") == b"queued"
    await client.aclose()
    server.stop()


async def _shout(ctx: dict[str, Any], word: str) -> str:
    """A job for the worker test."""
    return word.upper()


async def test_an_arq_job_runs_against_the_embedded_server(tmp_path: Path) -> None:
    """arq enqueues and a burst worker runs a job over the unix socket URL."""
    with EmbeddedRedis(tmp_path / "redis") as server:
        settings = RedisSettings.from_dsn(server.url)
        assert settings.unix_socket_path is not None
        pool = await create_pool(settings)
        job = await pool.enqueue_job("_shout", "organic")
        assert job is not None
        worker = Worker(
            functions=[_shout],
            redis_pool=pool,
            burst=True,
            poll_delay=0,
            handle_signals=False,
        )
        await worker.main()
        assert worker.jobs_complete == 1
        assert worker.jobs_failed == 0
        assert await job.result(timeout=5) == "ORGANIC"
        # Worker.close() calls redis-py's deprecated close(); the pool is ours to close.
        await pool.aclose()


def test_stop_leaves_no_process_and_no_temporary_files(tmp_path: Path) -> None:
    """Leaving the context stops the server and removes its socket folder and pid record."""
    with EmbeddedRedis(tmp_path / "redis") as server:
        pid = server.pid
        socket_dir = Path(server.url.removeprefix("unix://")).parent
        assert pid is not None
        assert _alive(pid)
        assert socket_dir.is_dir()
    assert not _alive(pid)
    assert not socket_dir.exists()
    assert not (tmp_path / "redis" / "redis.rdb.settings").exists()
    with pytest.raises(EmbeddedRedisError, match="not started"):
        _ = server.url
    server.stop()  # a second stop is harmless


def test_one_folder_has_one_owner(tmp_path: Path) -> None:
    """A second server on a data folder a live owner holds is refused, and allowed after."""
    owner = EmbeddedRedis(tmp_path / "redis")
    owner.start()
    with pytest.raises(EmbeddedRedisError, match="in use by another running process"):
        EmbeddedRedis(tmp_path / "redis").start()
    owner.stop()
    with EmbeddedRedis(tmp_path / "redis") as again:
        assert again.pid is not None


def test_a_normal_exit_without_stop_leaves_no_server(tmp_path: Path) -> None:
    """A program that exits without calling stop still shuts its server down (atexit)."""
    done = _run_python(
        "from pathlib import Path\n"
        "from importbio.embedded_redis import EmbeddedRedis\n"
        f"server = EmbeddedRedis(Path({str(tmp_path / 'redis')!r}))\n"
        "server.start()\n"
        "print(server.pid)\n",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert _wait_dead(int(done.stdout))
    assert done.stderr == ""


def test_a_server_orphaned_by_sigkill_is_adopted_and_then_stopped(tmp_path: Path) -> None:
    """After its owner is SIGKILLed the server runs on; the next start adopts it, stop ends it."""
    killed = _run_python(
        "import os, signal\n"
        "from pathlib import Path\n"
        "import redis\n"
        "from importbio.embedded_redis import EmbeddedRedis\n"
        f"server = EmbeddedRedis(Path({str(tmp_path / 'redis')!r}))\n"
        "server.start()\n"
        "redis.Redis.from_url(server.url).set('left', 'behind')\n"
        "print(server.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
        tmp_path,
    )
    assert killed.returncode == -signal.SIGKILL
    orphan = int(killed.stdout)
    assert _alive(orphan)
    try:
        with EmbeddedRedis(tmp_path / "redis") as server:
            assert server.pid == orphan
            with redis.Redis.from_url(server.url) as client:
                assert client.get("left") == b"behind"
        assert _wait_dead(orphan)
    finally:
        if _alive(orphan):
            os.kill(orphan, signal.SIGKILL)


def test_a_server_that_died_with_its_owner_is_replaced(tmp_path: Path) -> None:
    """When owner and server were both killed, start runs a fresh server on the same folder."""
    killed = _run_python(
        "import os, signal\n"
        "from pathlib import Path\n"
        "from importbio.embedded_redis import EmbeddedRedis\n"
        f"server = EmbeddedRedis(Path({str(tmp_path / 'redis')!r}))\n"
        "server.start()\n"
        "print(server.pid, flush=True)\n"
        "os.kill(server.pid, signal.SIGKILL)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
        tmp_path,
    )
    assert killed.returncode == -signal.SIGKILL
    dead = int(killed.stdout)
    assert _wait_dead(dead)
    assert (tmp_path / "redis" / "redis.rdb.settings").exists()  # the stale record
    with EmbeddedRedis(tmp_path / "redis") as server:
        assert server.pid not in (None, dead)
        with redis.Redis.from_url(server.url) as client:
            assert client.ping()
