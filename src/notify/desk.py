"""The desk as a sender of mail: its address, its name and the domains that are its own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Whitespace, controls and the characters that would make the From header more than a mailbox.
_UNSAFE_ADDRESS_RE = re.compile(r'[\x00-\x20\x7f<>,;"()\\]|=\?')


@dataclass(frozen=True, slots=True)
class Desk:
    """Who the desk's outgoing mail comes from, and which mail is the desk's own.

    ``own_domains`` are compared case-insensitively and cover their subdomains; the domain of
    ``address`` is always one of them. ``template_dir`` holds the desk's own versions of any
    of the mail templates, used instead of the packaged ones.
    """

    address: str
    name: str
    own_domains: frozenset[str]
    max_auto_per_sender_per_day: int = 5
    template_dir: Path | None = None

    def __post_init__(self) -> None:
        local, at, domain = self.address.rpartition("@")
        plain = self.address.isascii() and not _UNSAFE_ADDRESS_RE.search(self.address)
        if not (local and at and domain and plain):
            raise ValueError(f"the desk address {self.address!r} is not a plain mailbox")
        if self.max_auto_per_sender_per_day < 0:
            raise ValueError("max_auto_per_sender_per_day must be >= 0")
        domains = {d.strip().strip(".").lower() for d in self.own_domains} | {domain.lower()}
        object.__setattr__(self, "own_domains", frozenset(d for d in domains if d))

    @property
    def domain(self) -> str:
        """The domain of the desk's address, lower case (the right side of its Message-IDs)."""
        return self.address.rpartition("@")[2].lower()

    def is_own_domain(self, domain: str) -> bool:
        """True when ``domain`` is one of the desk's domains or a subdomain of one."""
        domain = domain.strip().strip(".").lower()
        return any(domain == own or domain.endswith("." + own) for own in self.own_domains)

    def is_own_address(self, address: str) -> bool:
        """True when ``address`` is the desk's address or on one of its domains."""
        address = address.strip().lower()
        if address == self.address.lower():
            return True
        _, at, domain = address.rpartition("@")
        return bool(at) and self.is_own_domain(domain)
