"""The verdict on a sender's authentication (DKIM, SPF, DMARC), as values triage can read.

The intake establishes it before triage (DNS look-ups are I/O) and hands it in as data;
triage turns a failing verdict into ``Flag.SENDER_UNVERIFIED`` with the verdict's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AuthResult(StrEnum):
    """The result of one method, in the words of RFC 8601 (Authentication-Results)."""

    PASS = "pass"  # noqa: S105 - a result code, not a password
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"  # no information: no signature, no client address, no record
    TEMPERROR = "temperror"  # a look-up timed out or failed: no judgement either way
    PERMERROR = "permerror"  # a broken record or signature


class VerdictSource(StrEnum):
    """Who established the results."""

    VERIFIED = "verified"  # checked here, with DNS answers
    TRUSTED_MTA = "trusted_mta"  # read from the desk's own MTA's Authentication-Results
    OFF = "off"  # verification switched off


@dataclass(frozen=True, slots=True)
class SenderVerdict:
    """What is known of who sent a message, and why it counts as verified or not.

    ``from_domain`` is the domain of the From address; ``dkim_domains`` the domains whose
    signature verified; ``spf_domain`` the envelope sender's domain that SPF judged.
    """

    dkim: AuthResult
    spf: AuthResult
    dmarc: AuthResult
    source: VerdictSource
    from_domain: str = ""
    dkim_domains: tuple[str, ...] = ()
    spf_domain: str = ""
    detail: str = ""

    @property
    def failed(self) -> bool:
        """True when the sender demonstrably fails authentication (not when unknown).

        DMARC decides where the From domain publishes a policy; without one, a broken
        signature with none that verifies, or an SPF hard fail, is a failure.
        """
        if self.dmarc is AuthResult.FAIL:
            return True
        if self.dmarc is AuthResult.PASS:
            return False
        return self.dkim is AuthResult.FAIL or self.spf is AuthResult.FAIL

    def summary(self) -> str:
        """``dkim=pass spf=none dmarc=pass``: the results in one line."""
        return f"dkim={self.dkim.value} spf={self.spf.value} dmarc={self.dmarc.value}"

    def reason(self) -> str:
        """One sentence for the officer: the results, who established them, and why."""
        who = "the desk's mail server" if self.source is VerdictSource.TRUSTED_MTA else "importbio"
        domain = f" for {self.from_domain}" if self.from_domain else ""
        detail = f": {self.detail}" if self.detail else ""
        if self.failed:
            return (
                f"The sender could not be verified{domain} ({self.summary()}, checked by "
                f"{who}){detail}; the mail may be forged and gets no automatic answer."
            )
        return f"Sender authentication{domain}: {self.summary()} (checked by {who}){detail}."


NOT_CHECKED = SenderVerdict(
    dkim=AuthResult.NONE,
    spf=AuthResult.NONE,
    dmarc=AuthResult.NONE,
    source=VerdictSource.OFF,
)
