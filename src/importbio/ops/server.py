"""The ops HTTP endpoint a long-running process serves: ``/metrics``, ``/healthz``, ``/readyz``.

A few lines of HTTP/1.1 on ``asyncio.start_server``, in the process's own event loop: the
gauges and the readiness checks are async reads of the store and Redis, and a server of its
own (uvicorn) would install signal handlers that compete with the process's clean stop.
Each request gets one response and the connection is closed.

- ``/healthz``: 200 while the event loop answers (liveness);
- ``/readyz``: 200 when the store is at its schema and Redis answers, else 503; JSON body;
- ``/metrics``: the Prometheus text format (counters of this process, store gauges).

The scheduler opens no store: its endpoint is served without one (``store=None``), ready
when Redis answers, with its own counters and no store gauges.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from importbio.ops.gauges import StoreGauges
from importbio.ops.health import all_ok, check_redis, readiness
from importbio.settings import Settings
from intake.case.store import CaseStore

log = structlog.get_logger(__name__)

_REQUEST_TIMEOUT_S = 5.0
_MAX_REQUEST_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP response."""

    status: int
    content_type: str
    body: bytes


_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


class OpsEndpoint:
    """Answers the ops requests for one process."""

    def __init__(self, settings: Settings, store: CaseStore | None) -> None:
        self.settings = settings
        self.store = store
        self.gauges = (
            StoreGauges(store, max_age_s=settings.metrics_cache_s) if store is not None else None
        )

    async def respond(self, method: str, path: str) -> Response:
        """The response to one request."""
        if method not in ("GET", "HEAD"):
            return Response(405, "text/plain; charset=utf-8", b"GET only\n")
        route = path.split("?", 1)[0]
        if route == "/healthz":
            return Response(200, "text/plain; charset=utf-8", b"ok\n")
        if route == "/readyz":
            if self.store is None:
                results = [await check_redis(self.settings)]
            else:
                results = await readiness(self.settings, store=self.store)
            ready = all_ok(results)
            body = json.dumps(
                {"ready": ready, "checks": [result.as_dict() for result in results]}
            ).encode()
            return Response(200 if ready else 503, "application/json", body + b"\n")
        if route == "/metrics":
            if self.gauges is not None:
                await self.gauges.refresh()
            return Response(200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY))
        return Response(404, "text/plain; charset=utf-8", b"not found\n")

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection: read the request line and headers, answer, close."""
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            if len(head) > _MAX_REQUEST_BYTES:
                return
            method, path, *_ = [*head.split(b"\r\n", 1)[0].decode("latin-1").split(" "), "", ""]
            response = await self.respond(method, path)
            writer.write(
                (
                    f"HTTP/1.1 {response.status} {_REASONS[response.status]}\r\n"
                    f"Content-Type: {response.content_type}\r\n"
                    f"Content-Length: {len(response.body)}\r\n"
                    "Cache-Control: no-store\r\n"
                    "Connection: close\r\n\r\n"
                ).encode("latin-1")
                + (b"" if method == "HEAD" else response.body)
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # a client that goes away or never finishes its request gets nothing
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def serve_ops(settings: Settings, store: CaseStore | None) -> AsyncIterator[int | None]:
    """Serve the ops endpoint while the block runs, when ``IMPORTBIO_METRICS_PORT`` is set;
    yields the port (None when off)."""
    if settings.metrics_port is None:
        yield None
        return
    endpoint = OpsEndpoint(settings, store)
    try:
        server = await asyncio.start_server(
            endpoint.handle, settings.metrics_host, settings.metrics_port, limit=_MAX_REQUEST_BYTES
        )
    except OSError as exc:
        from importbio.runtime import NotReady

        raise NotReady(
            f"IMPORTBIO_METRICS_PORT: cannot listen on "
            f"{settings.metrics_host}:{settings.metrics_port}: {exc.strerror or exc}"
        ) from None
    if endpoint.gauges is not None:
        REGISTRY.register(endpoint.gauges)
    log.info("ops endpoint listening", host=settings.metrics_host, port=settings.metrics_port)
    try:
        yield settings.metrics_port
    finally:
        if endpoint.gauges is not None:
            REGISTRY.unregister(endpoint.gauges)
        server.close()
        await server.wait_closed()
