"""Signed mail for the sender-authentication tests: RSA keys, DKIM signatures, DNS tables.

Keys are made here with ``cryptography``; the DNS answers live in a ``StaticResolver``,
so no test needs a network.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from functools import lru_cache

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from intake.auth.resolver import StaticResolver


@dataclass(frozen=True, slots=True)
class Key:
    """An RSA key pair: the private key as PEM, the public one as a DKIM TXT record."""

    private_pem: bytes
    record: str


@lru_cache(maxsize=4)
def make_key(number: int = 0) -> Key:
    """A 1024-bit RSA key (``number`` tells several apart), cached for the run."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Key(pem, f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}")


def message(
    *,
    sender: str = "jan@importer.example",
    subject: str = "COI.CN.2023.0012345 gember",
    body: str = "Aanmelding, ETA 16-06-2023.\n",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain notification from ``sender`` with optional extra headers on top."""
    mail = EmailMessage()
    for name, value in (headers or {}).items():
        mail[name] = value
    mail["From"] = f"Jan Peeters <{sender}>"
    mail["To"] = "importbio@desk.example"
    mail["Subject"] = subject
    digest = hashlib.sha256(f"{sender}|{subject}|{body}".encode()).hexdigest()[:16]
    mail["Message-ID"] = f"<{digest}@importer.example>"
    mail["Date"] = "Tue, 13 Jun 2023 10:00:00 +0200"
    mail.set_content(body)
    return mail.as_bytes(policy=SMTP)


def sign(raw: bytes, *, domain: str, selector: str = "s1", key: Key | None = None) -> bytes:
    """``raw`` with a DKIM-Signature of ``domain`` on top."""
    used = key or make_key()
    signature = dkim.sign(
        raw,
        selector.encode(),
        domain.encode(),
        used.private_pem,
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    return bytes(signature) + raw


@dataclass
class Dns:
    """A DNS table under construction."""

    records: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def key(self, domain: str, selector: str = "s1", key: Key | None = None) -> Dns:
        """Publish the DKIM key of ``selector`` at ``domain``."""
        self.records[(f"{selector}._domainkey.{domain}", "TXT")] = ((key or make_key()).record,)
        return self

    def dmarc(self, domain: str, record: str = "v=DMARC1; p=reject") -> Dns:
        """Publish a DMARC record at ``_dmarc.domain``."""
        self.records[(f"_dmarc.{domain}", "TXT")] = (record,)
        return self

    def txt(self, name: str, *texts: str) -> Dns:
        """Publish TXT records (an SPF policy, say)."""
        self.records[(name, "TXT")] = texts
        return self

    def resolver(self) -> StaticResolver:
        """A resolver answering from the table."""
        return StaticResolver(self.records)
