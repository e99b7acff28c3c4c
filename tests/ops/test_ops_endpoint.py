"""The ops endpoint and the health checks against real servers: ready only while the store
and Redis answer, store gauges read at most once per cache period, failures named."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from importbio.ops.health import CheckStatus, check_mailbox, health
from importbio.ops.server import serve_ops
from importbio.runtime import open_store
from importbio.settings import Settings
from tests.services.common import free_port
from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer

pytestmark = pytest.mark.integration


async def _get(port: int, path: str) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.decode().partition("\r\n\r\n")
    return int(head.split()[1]), body


async def test_readyz_follows_redis_and_metrics_read_the_store_once_per_period(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """/readyz is 200 with Redis up and 503 naming Redis when it stops; /metrics shows the
    queue depths, read from the store once per cache period however often it is scraped."""
    port = free_port()
    settings = Settings(
        var_dir=tmp_path,
        redis_url=redis_server.url,
        metrics_port=port,
        metrics_cache_s=60.0,
    )
    store = await open_store(settings, migrate=True)
    try:
        async with serve_ops(settings, store):
            assert (await _get(port, "/healthz"))[0] == 200
            status, body = await _get(port, "/readyz")
            assert status == 200, body
            for _ in range(3):
                status, text = await _get(port, "/metrics")
                assert status == 200
            assert 'importbio_queue_depth{queue="check"} 0.0' in text
            assert 'importbio_outbox_mails{status="failed"} 0.0' in text
            assert "importbio_store_up 1.0" in text
            assert "\nimportbio_imap_reconnects_total " in text  # counted by every process
            assert (await _get(port, "/nothing"))[0] == 404
            redis_server.stop()
            status, body = await asyncio.wait_for(_get(port, "/readyz"), 30)
            assert status == 503
            failing = [c for c in json.loads(body)["checks"] if c["status"] == "fail"]
            assert [c["name"] for c in failing] == ["redis"]
    finally:
        await store.close()


async def test_gauges_are_cached(tmp_path: Path) -> None:
    """Scrapes within the cache period reuse the last read of the store."""
    from importbio.ops.gauges import StoreGauges

    settings = Settings(var_dir=tmp_path)
    store = await open_store(settings, migrate=True)
    now = [100.0]
    gauges = StoreGauges(store, max_age_s=5.0, clock=lambda: now[0])
    try:
        await gauges.refresh()
        await gauges.refresh()
        assert gauges.reads == 1
        now[0] += 6.0
        await gauges.refresh()
        assert gauges.reads == 2
        assert gauges.up
    finally:
        await store.close()


async def test_health_names_a_wrong_mailbox_password_and_a_missing_store(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    """A refused IMAP login and an unmigrated store fail their checks with one line each,
    and the password is not in either line."""
    dovecot.add_user("intake", "right-password")
    url = f"imap://intake%40example.test:wrong-pw-91@127.0.0.1:{dovecot.imap_port}/INBOX"
    settings = Settings(var_dir=tmp_path, imap_url=url)
    mailbox = await check_mailbox(settings)
    assert mailbox.status is CheckStatus.FAIL
    assert "wrong-pw-91" not in mailbox.detail
    results = {r.name.value: r for r in await health(settings)}
    assert results["store"].status is CheckStatus.FAIL
    assert "importbio migrate" in results["store"].detail
    assert results["redis"].detail == "IMPORTBIO_REDIS_URL is not set"
    good = Settings(
        var_dir=tmp_path,
        imap_url=url.replace("wrong-pw-91", "right-password"),
    )
    assert (await check_mailbox(good)).status is CheckStatus.OK


async def test_endpoint_without_a_store_is_ready_on_redis_and_has_no_store_gauges(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """The scheduler's endpoint (no store) is ready while Redis answers, checks nothing
    else, and serves the process's counters without the store's gauges."""
    port = free_port()
    settings = Settings(var_dir=tmp_path, redis_url=redis_server.url, metrics_port=port)
    async with serve_ops(settings, None):
        status, body = await _get(port, "/readyz")
        assert status == 200, body
        assert [check["name"] for check in json.loads(body)["checks"]] == ["redis"]
        status, text = await _get(port, "/metrics")
        assert status == 200
        assert "importbio_scheduler_leader " in text
        assert "importbio_queue_depth" not in text
        assert "importbio_store_up" not in text
        redis_server.stop()
        status, body = await asyncio.wait_for(_get(port, "/readyz"), 30)
        assert status == 503
        assert json.loads(body)["checks"][0]["status"] == "fail"
