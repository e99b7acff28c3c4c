"""A throwaway Dovecot (IMAP and LMTP) run from a folder under /tmp, on 127.0.0.1.

Started in the foreground (``dovecot -F``) as a child process, so SIGTERM stops it at once
and a restart on the same ports and folder works. Users live in a passwd-file that Dovecot
re-reads when it changes, so users can be added while it runs.

The folder is made under ``/tmp`` with mode 755 on purpose: Dovecot's mail processes run as
``nobody`` and must reach the mail folders, which pytest's private temp folders forbid.
"""

from __future__ import annotations

import imaplib
import os
import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
from pathlib import Path

from tests.services.common import free_port, require_binary, unavailable, wait_for_port

DOMAIN = "example.test"
_UID_RE = re.compile(rb"UID (\d+)")

_CONF = """\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_uid = nobody
mail_gid = nogroup
mail_location = maildir:{root}/mail/%d/%n/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users/%u
  default_fields = home={root}/mail/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{extra}
"""


def address(user: str) -> str:
    """The full login name of a user given with or without its domain."""
    return user if "@" in user else f"{user}@{DOMAIN}"


class Dovecot:
    """One Dovecot server; ``extra_conf`` is appended to its configuration.

    With ``tls``, a self-signed certificate for 127.0.0.1 (``cert_path``) serves STARTTLS
    on the IMAP port and implicit TLS on ``imaps_port``.
    """

    def __init__(self, *, extra_conf: str = "", tls: bool = False) -> None:
        self.binary = require_binary("dovecot")
        self.doveadm_binary = require_binary("doveadm")
        self.root = Path(tempfile.mkdtemp(prefix="importbio-dovecot-", dir="/tmp"))
        self.root.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        shutil.chown(self.root / "mail", "nobody", "nogroup")
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        self.imaps_port = free_port() if tls else 0
        self.cert_path = self.root / "cert.pem"
        self.conf_path = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self.users_path = self.root / "users"
        self.users_path.mkdir()
        self.stderr_path = self.root / "stderr.log"
        self.conf_path.write_text(
            _CONF.format(
                root=self.root,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                lmtp_port=self.lmtp_port,
                ssl=self._tls_conf() if tls else "ssl = no",
                extra=extra_conf,
            )
        )
        self._passwords: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None

    def _tls_conf(self) -> str:
        key_path = self.root / "key.pem"
        subprocess.run(
            [
                require_binary("openssl"),
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-days",
                "2",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key_path),
                "-out",
                str(self.cert_path),
            ],
            capture_output=True,
            timeout=30.0,
            check=True,
        )
        return f"ssl = yes\nssl_cert = <{self.cert_path}\nssl_key = <{key_path}"

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start the server and wait until its IMAP and LMTP ports answer."""
        if self.running:
            return
        # A file, not a pipe: the mail processes inherit it and may outlive the master.
        with self.stderr_path.open("ab") as stderr:
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its own process group, so stop() ends every child
            )
        process = self._process
        for port in (self.imap_port, self.lmtp_port):
            if not wait_for_port(port, timeout_s=10.0, alive=lambda: process.poll() is None):
                output = self._reap()
                unavailable(f"dovecot did not start: {output}\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server and every process it started, and wait until they are gone.

        The master alone leaves running imap processes behind, which keep serving their
        clients; a real outage drops them, so the whole process group gets SIGTERM,
        and SIGKILL after 5 s.
        """
        process = self._process
        if process is None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        self._reap()
        deadline = time.monotonic() + 5.0
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        _signal_group(process.pid, signal.SIGKILL)
        (self.root / "run" / "master.pid").unlink(missing_ok=True)

    def restart(self) -> None:
        """Stop and start again on the same ports and folders."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self) -> bool:
        """True while the master process runs."""
        return self._process is not None and self._process.poll() is None

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

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log, for failure reports."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no dovecot log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- users and mail -----------------------------------------------------------------

    def add_user(self, name: str, password: str) -> str:
        """Add a user (or change its password) and return its full login name."""
        if ":" in password or "\n" in password:
            raise ValueError("a passwd-file password cannot hold ':' or a newline")
        login = address(name)
        if "/" in login or login.startswith("."):
            raise ValueError("a user name cannot hold '/' or start with '.'")
        # One passwd-file per user: Dovecot opens a new file at once, but re-reads a
        # changed one at most once a second.
        path = self.users_path / login
        changed = path.exists()
        tmp = path.with_name(f".{login}.tmp")
        tmp.write_text(f"{login}:{{PLAIN}}{password}::::::\n")
        os.replace(tmp, path)
        self._passwords[login] = password
        if changed and self.running:
            self._wait_for_login(login, password)
        return login

    def _wait_for_login(self, login: str, password: str) -> None:
        # Dovecot re-reads a changed passwd-file at most once per second, so a user
        # added within the second of the last lookup is unknown for a moment.
        deadline = time.monotonic() + 5.0
        while True:
            done = subprocess.run(
                [self.doveadm_binary, "-c", str(self.conf_path), "auth", "test", login, password],
                capture_output=True,
                timeout=10.0,
                check=False,
            )
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot does not know {login}: {done.stdout!r}")
            time.sleep(0.05)

    def deliver(self, user: str, raw: bytes) -> None:
        """Deliver one message into the user's INBOX over LMTP, as an MTA would."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10.0) as lmtp:
            lmtp.sendmail(f"sender@{DOMAIN}", [address(user)], raw)

    def imap(self, user: str) -> imaplib.IMAP4:
        """A logged-in stdlib IMAP client for the user; the caller logs out."""
        login = address(user)
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10.0)
        client.login(login, self._passwords[login])
        return client

    def append(self, user: str, folder: str, raw: bytes) -> int:
        """Append a message to a folder and return its UID."""
        client = self.imap(user)
        try:
            status, data = client.append(folder, "", None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
            found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            return int(found.group(1)) if found else -1
        finally:
            client.logout()

    def folder_uids(self, user: str, folder: str) -> list[int]:
        """The UIDs of the messages in a folder, ascending."""
        client = self.imap(user)
        try:
            client.select(_quote(folder), readonly=True)
            _, data = client.uid("SEARCH", "ALL")
            return sorted(int(uid) for uid in (data[0] or b"").split())
        finally:
            client.logout()

    def folder_messages(self, user: str, folder: str) -> list[bytes]:
        """The bytes of every message in a folder, in UID order, without setting \\Seen."""
        client = self.imap(user)
        try:
            client.select(_quote(folder), readonly=True)
            _, data = client.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
            found: list[tuple[int, bytes]] = []
            for item in data:
                if isinstance(item, tuple):
                    uid = _UID_RE.search(item[0])
                    found.append((int(uid.group(1)) if uid else 0, item[1]))
            return [raw for _, raw in sorted(found)]
        finally:
            client.logout()

    def folder_flags(self, user: str, folder: str) -> list[str]:
        """The flags of every message in a folder, in UID order, as IMAP wrote them."""
        client = self.imap(user)
        try:
            client.select(_quote(folder), readonly=True)
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            client.logout()

    def doveadm(self, *args: str) -> str:
        """Run a doveadm command against this server and return its output."""
        done = subprocess.run(
            [self.doveadm_binary, "-c", str(self.conf_path), *args],
            capture_output=True,
            timeout=30.0,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {done.stderr.decode().strip()}")
        return done.stdout.decode()

    def create_folder(self, user: str, folder: str) -> None:
        """Create a folder in the user's mailbox."""
        self.doveadm("mailbox", "create", "-u", address(user), folder)

    def delete_folder(self, user: str, folder: str) -> None:
        """Delete a folder and the messages in it."""
        self.doveadm("mailbox", "delete", "-u", address(user), folder)

    def folders(self, user: str) -> list[str]:
        """The folder names of the user's mailbox."""
        return self.doveadm("mailbox", "list", "-u", address(user)).split()

    def kick(self, user: str) -> None:
        """Drop the user's open IMAP connections, as a server restart or a network cut would."""
        self.doveadm("kick", address(user))


def _signal_group(group: int, number: int) -> bool:
    """Send a signal to a process group; False when no process is left in it."""
    try:
        os.killpg(group, number)
    except ProcessLookupError:
        return False
    return True


def _group_alive(group: int) -> bool:
    """True while a process of the group runs (zombies, which nobody may reap here, do not)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return _signal_group(group, 0)
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(group) and fields[0] != "Z":
            return True
    return False


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
