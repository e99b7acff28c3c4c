"""Verifying who sent a message: DKIM (dkimpy), SPF (pyspf) and DMARC alignment.

This is the I/O edge of sender authentication: every DNS question goes through one
``Resolver`` (injectable, cacheable), and the whole check of one message is bounded by
``timeout_s``. What the desk's own trusted mail server already reported in its
Authentication-Results is taken as it is; what it did not report is checked here.
Where there is nothing to check (no signature; no client address, as for mail read from
a Maildir or an IMAP box without a trusted Received header) the result is ``none``.

dkimpy and pyspf are the maintained reference implementations (dkimpy is what
authheaders builds on); both do their own DNS, so their look-ups are routed to the
resolver: DKIM keys are fetched first and handed in, pyspf's questions are answered
from its worker thread through the event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import warnings
from collections.abc import Collection
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

import dkim
import structlog

from intake.auth import dmarc
from intake.auth.resolver import DnsTempError, Resolver
from intake.auth.trusted import Delivery, TrustedResults, trusted_delivery, trusted_results
from intake.auth.verdict import AuthResult, SenderVerdict, VerdictSource
from intake.parse.prescan import header_block_end

with warnings.catch_warnings():
    # pyspf 2.0.14's docstrings hold invalid escapes: a DeprecationWarning (SyntaxWarning
    # from Python 3.12) when the module is first compiled
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    import spf

log = structlog.get_logger(__name__)

MAX_SIGNATURES = 5
_SPF_RESULTS = {
    "pass": AuthResult.PASS,
    "fail": AuthResult.FAIL,
    "softfail": AuthResult.SOFTFAIL,
    "neutral": AuthResult.NEUTRAL,
    "none": AuthResult.NONE,
    "temperror": AuthResult.TEMPERROR,
    "permerror": AuthResult.PERMERROR,
}


class SenderAuthenticator:
    """Establishes the ``SenderVerdict`` of a raw message."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        trusted_ids: Collection[str] = (),
        timeout_s: float = 5.0,
        max_message_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.resolver = resolver
        self.trusted_ids = frozenset(i.strip().lower() for i in trusted_ids if i.strip())
        self.timeout_s = timeout_s
        self.max_message_bytes = max_message_bytes

    async def verify(self, raw: bytes) -> SenderVerdict:
        """The verdict on ``raw``; never raises, and gives up after ``timeout_s``."""
        try:
            return await asyncio.wait_for(self._verify(raw), self.timeout_s)
        except TimeoutError:
            return _unknown(f"the checks took longer than {self.timeout_s:g} s")
        except Exception as exc:  # a bug met on this input must not stop the intake
            log.warning("sender verification failed", error=type(exc).__name__)
            return _unknown(f"the checks stopped on an error ({type(exc).__name__})")

    async def _verify(self, raw: bytes) -> SenderVerdict:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[: header_block_end(raw)])
        from_domain = _from_domain(headers)
        trusted = trusted_results(_all(headers, "authentication-results"), self.trusted_ids)
        source = VerdictSource.TRUSTED_MTA if trusted is not None else VerdictSource.VERIFIED
        if trusted is not None and trusted.dmarc is not None:
            return SenderVerdict(
                dkim=trusted.dkim or AuthResult.NONE,
                spf=trusted.spf or AuthResult.NONE,
                dmarc=trusted.dmarc,
                source=source,
                from_domain=from_domain,
                dkim_domains=trusted.dkim_domains,
                spf_domain=trusted.spf_domain,
            )
        dkim_result, dkim_domains, dkim_detail = await self._dkim(raw, headers, trusted)
        spf_result, spf_domain = await self._spf(headers, trusted)
        dmarc_result, dmarc_detail = await self._dmarc(
            from_domain, dkim_result, dkim_domains, spf_result, spf_domain
        )
        return SenderVerdict(
            dkim=dkim_result,
            spf=spf_result,
            dmarc=dmarc_result,
            source=source,
            from_domain=from_domain,
            dkim_domains=dkim_domains,
            spf_domain=spf_domain,
            detail="; ".join(d for d in (dkim_detail, dmarc_detail) if d),
        )

    # -- DKIM --------------------------------------------------------------------------

    async def _dkim(
        self, raw: bytes, headers: Message, trusted: TrustedResults | None
    ) -> tuple[AuthResult, tuple[str, ...], str]:
        if trusted is not None and trusted.dkim is not None:
            return trusted.dkim, trusted.dkim_domains, ""
        signatures = _all(headers, "dkim-signature")[:MAX_SIGNATURES]
        if not signatures:
            return AuthResult.NONE, (), ""
        if len(raw) > self.max_message_bytes:
            return AuthResult.NONE, (), "the message is too large to verify its signature"
        keys: dict[str, bytes | None] = {}
        for signature in signatures:
            tags = _tags(signature)
            if tags.get("s") and tags.get("d"):
                name = f"{tags['s']}._domainkey.{tags['d']}".lower()
                try:
                    texts = await self.resolver.lookup(name, "TXT")
                except DnsTempError:
                    keys[name] = None
                    continue
                keys[name] = "".join(texts).encode() if texts else b""
        results = await asyncio.to_thread(_verify_signatures, raw, len(signatures), keys)
        passed = tuple(
            dict.fromkeys(domain for result, domain in results if result is AuthResult.PASS)
        )
        if passed:
            return AuthResult.PASS, passed, ""
        # no signature verified: the most telling of the others
        for wanted in (AuthResult.FAIL, AuthResult.TEMPERROR, AuthResult.PERMERROR):
            failing = [domain for result, domain in results if result is wanted]
            if failing:
                return wanted, (), f"the DKIM signature of {failing[0]} did not verify"
        return AuthResult.PERMERROR, (), ""

    # -- SPF ---------------------------------------------------------------------------

    async def _spf(
        self, headers: Message, trusted: TrustedResults | None
    ) -> tuple[AuthResult, str]:
        if trusted is not None and trusted.spf is not None:
            return trusted.spf, trusted.spf_domain
        delivery = trusted_delivery(_all(headers, "received"), self.trusted_ids)
        if delivery is None:
            return AuthResult.NONE, ""
        envelope = (headers.get("return-path") or "").strip().strip("<>").strip()
        sender = envelope or f"postmaster@{delivery.helo}"
        domain = sender.rpartition("@")[2].lower()
        loop = asyncio.get_running_loop()
        result = await asyncio.to_thread(self._spf_check, delivery, sender, loop)
        return result, domain

    def _spf_check(
        self, delivery: Delivery, sender: str, loop: asyncio.AbstractEventLoop
    ) -> AuthResult:
        """pyspf's check, run in a worker thread, its questions answered on ``loop``."""

        def lookup(name: str, rdtype: str) -> tuple[str, ...]:
            future = asyncio.run_coroutine_threadsafe(self.resolver.lookup(name, rdtype), loop)
            try:
                return future.result(timeout=self.timeout_s)
            except (DnsTempError, concurrent.futures.TimeoutError) as exc:
                future.cancel()
                raise spf.TempError(f"DNS {exc}") from None

        query = _SpfQuery(
            lookup, i=delivery.client_ip, s=sender, h=delivery.helo, timeout=self.timeout_s
        )
        try:
            outcome = query.check()
        except spf.TempError:
            return AuthResult.TEMPERROR
        return _SPF_RESULTS.get(str(outcome[0]).lower(), AuthResult.PERMERROR)

    # -- DMARC -------------------------------------------------------------------------

    async def _dmarc(
        self,
        from_domain: str,
        dkim_result: AuthResult,
        dkim_domains: tuple[str, ...],
        spf_result: AuthResult,
        spf_domain: str,
    ) -> tuple[AuthResult, str]:
        if not from_domain or (dkim_result is AuthResult.NONE and spf_result is AuthResult.NONE):
            return AuthResult.NONE, ""
        record = None
        try:
            for name in dmarc.record_names(from_domain):
                record = dmarc.parse_record(await self.resolver.lookup(name, "TXT"))
                if record is not None:
                    break
        except DnsTempError:
            return AuthResult.TEMPERROR, "the DMARC policy could not be looked up"
        if record is None:
            return AuthResult.NONE, ""
        result = dmarc.evaluate(
            record,
            from_domain=from_domain,
            dkim_domains=dkim_domains,
            spf=spf_result,
            spf_domain=spf_domain,
        )
        if result is AuthResult.FAIL:
            return result, f"no verified signature or SPF pass is aligned with {from_domain}"
        return result, ""


class _SpfQuery(spf.query):  # type: ignore[misc]  # pyspf has no type information
    """pyspf's query with its DNS questions sent to our resolver."""

    def __init__(self, lookup: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lookup = lookup

    def dns(
        self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False
    ) -> list[Any]:
        """The answers to one question in the shapes pyspf expects."""
        if not name or qtype == "SPF":
            return []
        answers = self._lookup(str(name).rstrip(".").lower(), qtype)
        result: list[Any] = []
        for answer in answers:
            if qtype == "TXT":
                result.append([answer.encode()])
            elif qtype == "MX":
                preference, _, exchange = answer.partition(" ")
                result.append((int(preference or 0), exchange))
            else:
                result.append(answer)
        if not result and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result


def _verify_signatures(
    raw: bytes, count: int, keys: dict[str, bytes | None]
) -> list[tuple[AuthResult, str]]:
    """Each signature's result and domain (CPU work: hashing and RSA, run in a thread)."""

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes:
        key = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
        found = keys.get(key, b"")
        if found is None:
            raise _KeyUnavailableError(key)
        return found

    checker = dkim.DKIM(raw, minkey=1024)
    results: list[tuple[AuthResult, str]] = []
    for index in range(count):
        domain = ""
        try:
            good = checker.verify(idx=index, dnsfunc=dnsfunc)
            domain = checker.domain.decode() if checker.domain else ""
            results.append((AuthResult.PASS if good else AuthResult.FAIL, domain.lower()))
        except _KeyUnavailableError:
            results.append((AuthResult.TEMPERROR, _domain_of(checker)))
        except dkim.ValidationError:  # body hash mismatch, expired: the signature is bad
            results.append((AuthResult.FAIL, _domain_of(checker)))
        except dkim.DKIMException:  # no key published, a malformed key or signature
            results.append((AuthResult.PERMERROR, _domain_of(checker)))
    return results


class _KeyUnavailableError(Exception):
    """The key's look-up timed out: the signature is neither good nor bad."""


def _domain_of(checker: Any) -> str:
    domain = getattr(checker, "domain", None)
    return domain.decode().lower() if isinstance(domain, bytes) else ""


def _all(headers: Message, name: str) -> list[str]:
    return [str(v) for v in headers.get_all(name, [])]


def _tags(signature: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in "".join(signature.split()).split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags[name.strip().lower()] = value.strip()
    return tags


def _from_domain(headers: Message) -> str:
    values = _all(headers, "from")
    if len(values) != 1:  # none or several From headers: no domain to align with
        return ""
    addresses = [a for _, a in getaddresses(values) if "@" in a]
    return addresses[0].rpartition("@")[2].lower().rstrip(".>") if len(addresses) == 1 else ""


def _unknown(detail: str) -> SenderVerdict:
    return SenderVerdict(
        dkim=AuthResult.TEMPERROR,
        spf=AuthResult.TEMPERROR,
        dmarc=AuthResult.TEMPERROR,
        source=VerdictSource.VERIFIED,
        detail=detail,
    )
