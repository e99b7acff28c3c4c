"""DMARC (RFC 7489): the policy record, organizational domains and identifier alignment.

Pure: the record's text is looked up by the caller. The organizational domain comes from
the public suffix list bundled with publicsuffix2 (no download at run time), so the same
input always gives the same judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from publicsuffix2 import PublicSuffixList

from intake.auth.verdict import AuthResult


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    """What alignment needs of a ``v=DMARC1`` record; ``strict_*`` is ``adkim=s``/``aspf=s``."""

    policy: str
    strict_dkim: bool
    strict_spf: bool


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


@lru_cache(maxsize=4096)
def organizational_domain(domain: str) -> str:
    """The registered domain of ``domain`` (``mail.importer.co.uk`` → ``importer.co.uk``)."""
    clean = domain.lower().strip().rstrip(".")
    if not clean:
        return clean
    # An unlisted top-level domain is a public suffix of one label (the list's "*" rule).
    suffix = str(_suffixes().get_tld(clean) or clean.rpartition(".")[2])
    labels = clean.split(".")
    keep = suffix.count(".") + 2
    return clean if len(labels) <= keep else ".".join(labels[-keep:])


def aligned(identifier: str, from_domain: str, *, strict: bool) -> bool:
    """Whether an authenticated domain is aligned with the From domain (RFC 7489 §3.1)."""
    a, b = identifier.lower().rstrip("."), from_domain.lower().rstrip(".")
    if not a or not b:
        return False
    if strict:
        return a == b
    return organizational_domain(a) == organizational_domain(b)


def parse_record(texts: tuple[str, ...]) -> DmarcRecord | None:
    """The one DMARC record among a name's TXT strings; None when there is not exactly one."""
    records = [t for t in texts if t.strip().lower().replace(" ", "").startswith("v=dmarc1")]
    if len(records) != 1:
        return None
    tags: dict[str, str] = {}
    for part in records[0].split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags[name.strip().lower()] = value.strip().lower()
    policy = tags.get("p", "")
    if policy not in ("none", "quarantine", "reject"):
        # RFC 7489 §6.6.3: an invalid p with a valid rua is read as none; we keep it simple
        policy = "none"
    return DmarcRecord(
        policy=policy,
        strict_dkim=tags.get("adkim") == "s",
        strict_spf=tags.get("aspf") == "s",
    )


def evaluate(
    record: DmarcRecord,
    *,
    from_domain: str,
    dkim_domains: tuple[str, ...],
    spf: AuthResult,
    spf_domain: str,
) -> AuthResult:
    """DMARC passes when a verified signature or an SPF pass is aligned with From."""
    if any(aligned(d, from_domain, strict=record.strict_dkim) for d in dkim_domains):
        return AuthResult.PASS
    if spf is AuthResult.PASS and aligned(spf_domain, from_domain, strict=record.strict_spf):
        return AuthResult.PASS
    return AuthResult.FAIL


def record_names(from_domain: str) -> tuple[str, ...]:
    """Where the policy is looked up: the From domain, then its organizational domain."""
    org = organizational_domain(from_domain)
    names = [f"_dmarc.{from_domain}"]
    if org != from_domain:
        names.append(f"_dmarc.{org}")
    return tuple(names)
