"""A desk installation for end-to-end runs, made of the real parts an operator runs.

- the desk's mailbox and the importers' mailboxes: one Dovecot, mail delivered by LMTP;
- Redis (``redis-server``) and PostgreSQL (a database of the session's server);
- the desk's relay: an SMTP server (aiosmtpd, in a thread of the test process) that hands
  every mail it accepts to Dovecot over LMTP, as a smarthost with local delivery would;
- the processes, started as an operator starts them (``importbio migrate``, ``intake``,
  ``worker``, ``scheduler``, ``web``) with ``IMPORTBIO_*`` variables, each with its own ops
  endpoint port (and the web desk its own HTTP port), each logging JSON to a file of its own.

Adding a process kind is one entry in ``PROCESSES``.
"""

from __future__ import annotations

import asyncio
import imaplib
import json
import os
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.services.common import free_port, unavailable
from tests.services.dovecot import Dovecot
from tests.services.redis import RedisServer

IMPORTBIO = Path(sys.executable).parent / "importbio"
DESK_LOGIN = "intake@example.test"
# Distinctive secrets: a leak into any log line is easy to find.
DESK_PASSWORD = "Imap-pw-7f3a9c"
RELAY_USER = "desk-relay"
RELAY_PASSWORD = "Smtp-token-b81e44"
DESK_ADDRESS = "importbio@lv.vlaanderen.be"

# How each process is started, as the systemd units and the compose file start it.
PROCESSES: dict[str, tuple[str, ...]] = {
    "intake": ("intake",),
    "worker": ("worker",),
    "scheduler": ("scheduler",),
    "web": ("web",),
}


class Relay:
    """aiosmtpd handler: accepts the desk's mail (after AUTH) and delivers it by LMTP."""

    def __init__(self, lmtp_port: int) -> None:
        self.lmtp_port = lmtp_port
        self.accepted = 0

    async def handle_DATA(  # noqa: N802 - aiosmtpd finds hooks by this name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        data = envelope.original_content or b""
        try:
            refused = await asyncio.to_thread(
                self._deliver, envelope.mail_from or "", list(envelope.rcpt_tos), data
            )
        except smtplib.SMTPRecipientsRefused as exc:
            # no such mailbox: permanent, as a smarthost with local delivery answers it
            return f"550 5.1.1 unknown recipients: {', '.join(sorted(exc.recipients))}"
        except (OSError, smtplib.SMTPException) as exc:
            return f"451 4.3.0 local delivery failed: {exc}"
        if refused:
            return f"550 5.1.1 unknown recipients: {', '.join(refused)}"
        self.accepted += 1
        return "250 2.0.0 delivered"

    def _deliver(self, mail_from: str, recipients: list[str], data: bytes) -> list[str]:
        with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=30.0) as lmtp:
            refused = lmtp.sendmail(mail_from, recipients, data)
        return sorted(refused)


def _authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == RELAY_USER
        and auth_data.password.decode() == RELAY_PASSWORD
    )
    return AuthResult(success=ok)


@dataclass
class Process:
    """One running importbio process."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    metrics_port: int
    web_port: int = 0

    def stop(self, *, timeout_s: float = 30.0) -> int:
        """SIGTERM, as systemd or docker stop sends it; wait for a clean exit."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
            raise

    def log(self) -> str:
        """Everything the process logged so far."""
        return self.log_path.read_text(errors="replace")

    def log_events(self) -> list[dict[str, Any]]:
        """The process's JSON log lines."""
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def get(self, path: str, *, port: int | None = None) -> tuple[int, str]:
        """GET a path of the process's ops endpoint (or of another of its ports)."""
        url = f"http://127.0.0.1:{port or self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=10.0) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def metric(self, name: str, **labels: str) -> float:
        """One sample of the process's /metrics (0 when absent)."""
        wanted = name + (
            "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else ""
        )
        _, text = self.get("/metrics")
        for line in text.splitlines():
            sample, _, value = line.rpartition(" ")
            if _canonical(sample) == wanted:
                return float(value)
        return 0.0


def _canonical(sample: str) -> str:
    if "{" not in sample:
        return sample
    name, _, rest = sample.partition("{")
    pairs = sorted(p for p in rest.rstrip("}").split(",") if p)
    return name + "{" + ",".join(pairs) + "}"


@dataclass
class Desk:
    """The installation: servers, relay, and the processes started on it."""

    dovecot: Dovecot
    redis_server: RedisServer
    store_url: str
    var_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    relay_port: int = 0
    _relay: Controller | None = None
    _passwords: dict[str, str] = field(default_factory=dict)

    # -- setting up ---------------------------------------------------------------------

    def start_relay(self, relay: Relay | None = None) -> None:
        """Start the desk's SMTP relay (checking the login) in front of Dovecot's LMTP."""
        self.relay_port = free_port()
        self.relay = relay or Relay(self.dovecot.lmtp_port)
        self._relay = Controller(
            self.relay,
            hostname="127.0.0.1",
            port=self.relay_port,
            authenticator=_authenticator,
            auth_require_tls=False,
        )
        self._relay.start()

    def add_mailbox(self, address: str, password: str = "importer-pw") -> None:
        """A mailbox in Dovecot (the desk's, or an importer's that acknowledgments reach)."""
        self.dovecot.add_user(address, password)
        self._passwords[address] = password

    @property
    def imap_url(self) -> str:
        """The desk's mailbox as the operator configures it."""
        login = DESK_LOGIN.replace("@", "%40")
        return f"imap://{login}:{DESK_PASSWORD}@127.0.0.1:{self.dovecot.imap_port}/INBOX"

    @property
    def smtp_url(self) -> str:
        """The relay as the operator configures it."""
        return f"smtp://{RELAY_USER}:{RELAY_PASSWORD}@127.0.0.1:{self.relay_port}"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a command: the caller's, with only this desk's settings."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTBIO_")}
        return {
            **base,
            "IMPORTBIO_IMAP_URL": self.imap_url,
            "IMPORTBIO_SMTP_URL": self.smtp_url,
            "IMPORTBIO_REDIS_URL": self.redis_server.url,
            "IMPORTBIO_DATABASE_URL": self.store_url,
            "IMPORTBIO_VAR_DIR": str(self.var_dir),
            "IMPORTBIO_DESK_ADDRESS": DESK_ADDRESS,
            "IMPORTBIO_LOG_FORMAT": "json",
            "IMPORTBIO_PARSE_WORKERS": "0",  # two cores are shared by every process here
            "IMPORTBIO_POLL_INTERVAL_S": "5",
            "IMPORTBIO_METRICS_CACHE_S": "0",
            # the desk is reached over plain HTTP on loopback here, with no TLS proxy in front
            "IMPORTBIO_WEB_SECURE_COOKIES": "false",
            **self.extra_env,
            **(extra or {}),
        }

    # -- the operator's commands --------------------------------------------------------

    def run(
        self,
        *args: str,
        timeout_s: float = 120.0,
        stdin: str | None = None,
        clock: datetime | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``importbio ARGS`` to the end (``stdin``: what is typed into it; ``clock``: the
        moment the process's clock starts at, by ``faketime``, a day of a simulated week)."""
        command = [str(IMPORTBIO), *args]
        env = self.env()
        if clock is not None:
            faketime = shutil.which("faketime")
            if faketime is None:
                unavailable("faketime is not installed (Debian package faketime)")
            start = clock.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            command = [faketime, "-f", f"@{start}", *command]
            env |= {"TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        return subprocess.run(
            command,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )

    def ok(self, *args: str, stdin: str | None = None, clock: datetime | None = None) -> str:
        """Run ``importbio ARGS``; insist on exit 0 and no traceback; return stdout."""
        done = self.run(*args, stdin=stdin, clock=clock)
        assert done.returncode == 0, f"importbio {' '.join(args)}: {done.returncode}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    def start(self, kind: str, *, env: Mapping[str, str] | None = None) -> Process:
        """Start one long-running process of ``kind`` with its own ops endpoint."""
        port, web_port = free_port(), free_port()
        number = sum(1 for p in self.processes if p.name.startswith(kind)) + 1
        name = f"{kind}-{number}"
        log_path = self.var_dir / f"{name}.log"
        with log_path.open("wb") as stderr:
            popen = subprocess.Popen(
                [str(IMPORTBIO), *PROCESSES[kind]],
                env=self.env(
                    {
                        "IMPORTBIO_METRICS_PORT": str(port),
                        "IMPORTBIO_WEB_PORT": str(web_port),
                        **(env or {}),
                    }
                ),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        process = Process(name, popen, log_path, port, web_port if kind == "web" else 0)
        self.processes.append(process)

        def serving() -> bool:
            if popen.poll() is not None:
                return True
            return _port_open(port) and process.get("/healthz")[0] == 200

        wait_until(serving, timeout_s=60.0, what=f"{name} to serve /healthz")
        assert popen.poll() is None, f"{name} exited {popen.returncode}:\n{process.log()}"
        return process

    def stop_all(self) -> None:
        """Stop every process (SIGTERM) and the relay."""
        for process in reversed(self.processes):
            process.stop()
        if self._relay is not None:
            self._relay.stop()
            self._relay = None

    def logs(self) -> str:
        """Every process's log, one after the other."""
        return "\n".join(p.log() for p in self.processes)

    # -- mail in and out ----------------------------------------------------------------

    def send_in(self, raw: bytes, *, sender: str) -> None:
        """Deliver a mail into the desk's mailbox with swaks over LMTP, as the desk's MTA does."""
        path = self.var_dir / f"in-{time.monotonic_ns()}.eml"
        path.write_bytes(raw)
        done = subprocess.run(
            [
                "swaks",
                "--protocol",
                "LMTP",
                "--server",
                "127.0.0.1",
                "--port",
                str(self.dovecot.lmtp_port),
                "--from",
                sender,
                "--to",
                DESK_LOGIN,
                "--data",
                f"@{path}",
                "--silent",
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        path.unlink()
        assert done.returncode == 0, done.stdout + done.stderr

    def read_mailbox(self, address: str, folder: str = "INBOX") -> list[Message]:
        """The mails in a mailbox folder, read over IMAP as the importer's mail client does."""
        client = imaplib.IMAP4("127.0.0.1", self.dovecot.imap_port, timeout=10.0)
        try:
            client.login(address, self._passwords.get(address) or DESK_PASSWORD)
            client.select(folder, readonly=True)
            _, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
            return [message_from_bytes(item[1]) for item in data if isinstance(item, tuple)]
        finally:
            client.logout()


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.1)


@contextmanager
def running(desk: Desk, relay: Relay | None = None) -> Iterator[Desk]:
    """The desk with its relay up; every process stopped at the end."""
    desk.start_relay(relay)
    try:
        yield desk
    finally:
        desk.stop_all()


_COI_RE = re.compile(r"COI\.[A-Z]{2}\.\d{4}\.\d{7}")


def coi_of(message: Message) -> str | None:
    """The COI reference a mail's subject names."""
    found = _COI_RE.search(subject_of(message))
    return found.group(0) if found else None


def subject_of(message: Message) -> str:
    """A mail's subject as its reader sees it (encoded words decoded, folds undone)."""
    decoded = make_header(decode_header(str(message.get("Subject", ""))))
    return " ".join(str(decoded).split())


def store_rows(desk: Desk, query: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the desk's PostgreSQL store (what an auditor would look at)."""
    import asyncpg

    async def fetch() -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(desk.store_url.replace("+asyncpg", ""))
        try:
            return [tuple(row) for row in await connection.fetch(query)]
        finally:
            await connection.close()

    return asyncio.run(fetch())
