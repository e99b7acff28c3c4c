"""DNS answers for sender authentication: one small interface, a real and a fixed resolver.

Everything that verifies a sender asks ``Resolver.lookup(name, rdtype)``, so tests (and an
installation without outside DNS) can answer from a table, and answers are cached for
their time to live. Answers are plain strings: a TXT record's strings joined, an address,
``"preference exchange"`` for MX, a host name for PTR.

Errors::

    Exception
     └── DnsTempError  (name, rdtype): no answer could be had (timeout, server failure)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Protocol

import dns.asyncresolver
import dns.exception
import dns.resolver

_MAX_CACHE_ENTRIES = 10_000
# An answer that says "nothing here" is kept briefly: a domain can publish its record soon.
_NEGATIVE_TTL_S = 300.0


class DnsTempError(Exception):
    """A DNS question that got no answer, for now."""

    def __init__(self, name: str, rdtype: str, problem: str) -> None:
        super().__init__(f"{rdtype} {name}: {problem}")
        self.name = name
        self.rdtype = rdtype


class Resolver(Protocol):
    """Answers one DNS question; an empty tuple when the name or the record does not exist."""

    async def lookup(self, name: str, rdtype: str) -> tuple[str, ...]: ...


class StaticResolver:
    """Answers from a table of ``(name, rdtype) → records`` (tests, offline installations)."""

    def __init__(self, records: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
        self.records = {
            (name.lower().rstrip("."), rdtype): v for (name, rdtype), v in records.items()
        }
        self.asked: list[tuple[str, str]] = []

    async def lookup(self, name: str, rdtype: str) -> tuple[str, ...]:
        """The table's records for the question, or none."""
        key = (name.lower().rstrip("."), rdtype)
        self.asked.append(key)
        return self.records.get(key, ())


class DnsPythonResolver:
    """The system's resolvers through dnspython's asynchronous API, each question bounded.

    dnspython is what dkimpy and pyspf use themselves; its async resolver keeps the
    intake's event loop free while an answer is awaited.
    """

    def __init__(self, *, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._resolver = dns.asyncresolver.Resolver()
        self._resolver.lifetime = timeout_s

    async def lookup(self, name: str, rdtype: str) -> tuple[str, ...]:
        """Ask the system's resolvers; DnsTempError when they cannot answer in time."""
        try:
            answer = await self._resolver.resolve(name, rdtype, lifetime=self.timeout_s)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return ()
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise DnsTempError(name, rdtype, type(exc).__name__) from None
        except dns.exception.DNSException as exc:
            raise DnsTempError(name, rdtype, type(exc).__name__) from None
        return tuple(_text(rdata, rdtype) for rdata in answer)


def _text(rdata: object, rdtype: str) -> str:
    if rdtype == "TXT":
        strings: tuple[bytes, ...] = getattr(rdata, "strings", ())
        return b"".join(strings).decode("utf-8", "replace")
    if rdtype == "MX":
        exchange = getattr(rdata, "exchange", "")
        return f"{getattr(rdata, 'preference', 0)} {str(exchange).rstrip('.')}"
    if rdtype == "PTR":
        return str(getattr(rdata, "target", "")).rstrip(".")
    return str(getattr(rdata, "address", rdata))


class CachingResolver:
    """Keeps another resolver's answers (a fixed time to live, bounded in size)."""

    def __init__(
        self,
        inner: Resolver,
        *,
        ttl_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.ttl_s = ttl_s
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, tuple[str, ...]]] = {}

    async def lookup(self, name: str, rdtype: str) -> tuple[str, ...]:
        """A cached answer while fresh, else the inner resolver's (errors are not cached)."""
        key = (name.lower().rstrip("."), rdtype)
        now = self.clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = await self.inner.lookup(name, rdtype)
        if len(self._cache) >= _MAX_CACHE_ENTRIES:
            self._cache.clear()
        self._cache[key] = (now + (self.ttl_s if answer else _NEGATIVE_TTL_S), answer)
        return answer
