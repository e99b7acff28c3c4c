"""Web desk benchmark: the queue page and the queue API with 100,000 cases in the store.

A SQLite store is migrated and filled in bulk (cases spread over the queues, most of
them open, with ETAs, risks, importers and priorities as the worker sets them). Then
``importbio web`` (uvicorn, one process) serves it on loopback, and this process, the
load client, sends requests from ``--concurrency`` connections with httpx:

* the queue page ``/queues/check`` (HTML, signed-in session), first page and a deep page
  (by its keyset cursor);
* the queue API ``/api/queues/check/cases`` (JSON, API token), first and deep page.

Each target gets ``--warmup`` requests, then ``--requests`` timed ones; median and p95 of
the response times are printed. Goal: p95 under 100 ms for a page of 50 cases.

    python -m benchmarks desk [--cases 100000] [--requests 400] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from desk.accounts import Accounts, Role
from intake.calendar import WorkCalendar
from intake.case.migrate import upgrade
from intake.case.store import CaseStore, connect
from intake.codes import Queue

PASSWORD = "bench password 123"  # noqa: S105 - a throwaway local store
_GOAL_P95_MS = 100.0
_QUEUE_SHARE = (
    (Queue.CHECK, 0.40),
    (Queue.INCOMPLETE, 0.25),
    (Queue.EARLY, 0.15),
    (Queue.LATE, 0.05),
    (Queue.EXTRA_CONTROLS, 0.05),
    (Queue.REVIEW, 0.05),
    (Queue.PRFC, 0.03),
    (Queue.ACCOUNT, 0.02),
)


def fill(path: Path, cases: int) -> None:
    """``cases`` cases written in bulk, as the intake and the worker would leave them."""
    rng = random.Random(7)  # noqa: S311 - a reproducible test store, no secret
    now = datetime.now(UTC)
    queues = [q.value for q, _ in _QUEUE_SHARE]
    weights = [w for _, w in _QUEUE_SHARE]
    rows = []
    for number in range(1, cases + 1):
        eta = date.today() + timedelta(days=rng.randint(-5, 20))
        risk = rng.choice((0, 0, 0, 10, 20, 40))
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        priority = int(eta.toordinal()) * 1000 - risk
        status = "decided" if rng.random() < 0.2 else "queued"
        rows.append(
            (
                f"COI.EC.2023.{number:07d}",
                "notification",
                status,
                rng.choices(queues, weights)[0],
                priority,
                risk,
                f"COI.EC.2023.{number:07d} bio bananen, container {number}",
                f"importer{number % 3000}@example-{number % 400}.be",
                eta.isoformat(),
                (eta - timedelta(days=7)).isoformat(),
                '["late"]' if risk else "[]",
                "[]",
                '["invoice", "transport"]',
                "it is ready for the documentary check",
                1,
                1,
                created.strftime("%Y-%m-%d %H:%M:%S.%f"),
                created.strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
        )
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO cases (coi, kind, status, queue, priority, risk, subject, importer, "
            "eta, window_opens, flags, missing, roles, why, version, placed_version, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.execute("ANALYZE")


async def accounts(url: str) -> str:
    """An officer for the pages and an API token for the API."""
    store = CaseStore(connect(url), calendar=WorkCalendar())
    try:
        users = Accounts(store.engine)
        await users.add("bench", PASSWORD, role=Role.OFFICER, now=datetime.now(UTC))
        return await users.issue_token("bench", label="bench", now=datetime.now(UTC))
    finally:
        await store.close()


async def sign_in(client: httpx.AsyncClient) -> None:
    """A session for the pages, through the login form."""
    form = await client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found is not None
    answer = await client.post(
        "/login", data={"csrf": found.group(1), "name": "bench", "password": PASSWORD}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"login failed: {answer.status_code}")


async def load(
    client: httpx.AsyncClient, path: str, *, requests: int, concurrency: int, warmup: int
) -> list[float]:
    """Response times (ms) of ``requests`` GETs of ``path`` from ``concurrency`` workers."""
    for _ in range(warmup):
        (await client.get(path)).raise_for_status()
    times: list[float] = []
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            started = time.perf_counter()
            answer = await client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times


def _report(name: str, times: list[float]) -> bool:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    median = statistics.median(ordered)
    ok = p95 < _GOAL_P95_MS
    print(
        f"{name:<34} median {median:6.1f} ms   p95 {p95:6.1f} ms   "
        f"({len(ordered)} requests)  {'ok' if ok else 'OVER GOAL'}"
    )
    return ok


async def run(base_url: str, token: str, args: argparse.Namespace) -> bool:
    """Measure the four targets; True when every p95 meets the goal."""
    limits = httpx.Limits(max_connections=args.concurrency)
    async with (
        httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as pages,
        httpx.AsyncClient(
            base_url=base_url,
            limits=limits,
            timeout=30,
            headers={"Authorization": f"Bearer {token}"},
        ) as api,
    ):
        await sign_in(pages)
        first = (await api.get("/api/queues/check/cases")).json()
        assert len(first["cases"]) == 50
        cursor = first["next"]
        for _ in range(200):  # 10,000 cases deep
            cursor = (await api.get("/api/queues/check/cases", params={"after": cursor})).json()[
                "next"
            ]
        options = {"requests": args.requests, "concurrency": args.concurrency, "warmup": 20}
        targets = (
            ("queue page, first 50", pages, "/queues/check"),
            ("queue page, 10,000 deep", pages, f"/queues/check?after={cursor}"),
            ("queue API, first 50", api, "/api/queues/check/cases"),
            ("queue API, 10,000 deep", api, f"/api/queues/check/cases?after={cursor}"),
            ("queue API, search by importer", api, "/api/queues/check/cases?search=importer77@"),
        )
        results = [_report(name, await load(c, path, **options)) for name, c, path in targets]
        return all(results)


def main(argv: list[str]) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks desk")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    print(
        f"python -m benchmarks desk {' '.join(argv)}".rstrip()
        + f"\n{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, server: importbio web (uvicorn, 1 process), "
        f"client: httpx, {args.concurrency} connections"
    )
    with tempfile.TemporaryDirectory(prefix="importbio-desk-bench-") as tmp:
        path = Path(tmp) / "desk.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        started = time.perf_counter()
        fill(path, args.cases)
        print(f"store: {args.cases:,} cases written in {time.perf_counter() - started:.1f} s")
        token = asyncio.run(accounts(url))
        port = 18000 + os.getpid() % 1000
        env = {
            **os.environ,
            "IMPORTBIO_DATABASE_URL": url,
            "IMPORTBIO_VAR_DIR": tmp,
            "IMPORTBIO_WEB_SECURE_COOKIES": "false",
        }
        importbio = Path(sys.executable).parent / "importbio"
        server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [str(importbio), "web", "--host", "127.0.0.1", "--port", str(port)], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            ok = asyncio.run(run(base, token, args))
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"goal: p95 < {_GOAL_P95_MS:.0f} ms for a page of 50 cases: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1
