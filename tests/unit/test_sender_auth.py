"""Sender authentication: DKIM pass and fail, DMARC alignment, SPF through the desk's own
server, trusted and forged Authentication-Results, DNS time-outs and the cache; then what
triage and the acknowledgment policy make of the verdict."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from intake.auth import dmarc
from intake.auth.resolver import CachingResolver, DnsTempError, StaticResolver
from intake.auth.verdict import AuthResult, SenderVerdict, VerdictSource
from intake.auth.verify import SenderAuthenticator
from intake.calendar import WorkCalendar
from intake.codes import Flag
from intake.report import read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from notify.policy import auto_reply_allowed
from tests.support.dkim_keys import Dns, make_key, message, sign
from tests.support.notify import DESK, make_report

DESK_MTA = "mx.desk.example"


async def verify(raw: bytes, dns: Dns, *, trusted: tuple[str, ...] = ()) -> SenderVerdict:
    """The verdict on ``raw`` with ``dns`` answering."""
    return await SenderAuthenticator(dns.resolver(), trusted_ids=trusted).verify(raw)


async def test_a_signed_message_with_an_aligned_signature_passes() -> None:
    """A valid signature of the From domain passes DKIM and DMARC."""
    raw = sign(message(), domain="importer.example")
    verdict = await verify(raw, Dns().key("importer.example").dmarc("importer.example"))
    assert (verdict.dkim, verdict.spf, verdict.dmarc) == (
        AuthResult.PASS,
        AuthResult.NONE,
        AuthResult.PASS,
    )
    assert verdict.dkim_domains == ("importer.example",)
    assert not verdict.failed


async def test_a_tampered_body_fails_dkim_and_dmarc() -> None:
    """Changing the body after signing fails the signature, so DMARC fails too."""
    raw = sign(message(), domain="importer.example")
    tampered = raw.replace(b"ETA 16-06-2023", b"ETA 26-06-2023")
    assert tampered != raw
    verdict = await verify(tampered, Dns().key("importer.example").dmarc("importer.example"))
    assert verdict.dkim is AuthResult.FAIL
    assert verdict.dmarc is AuthResult.FAIL
    assert verdict.failed
    assert "could not be verified" in verdict.reason()


async def test_a_tampered_signed_header_fails_without_a_dmarc_record() -> None:
    """A changed signed header (the subject) fails DKIM; with no DMARC record the broken
    signature alone makes the sender unverified."""
    raw = sign(message(), domain="importer.example")
    tampered = raw.replace(b"0012345 gember", b"0099999 gember")
    verdict = await verify(tampered, Dns().key("importer.example"))
    assert (verdict.dkim, verdict.dmarc) == (AuthResult.FAIL, AuthResult.NONE)
    assert verdict.failed


async def test_a_signature_by_the_wrong_key_fails() -> None:
    """A signature made with another key than the published one fails."""
    raw = sign(message(), domain="importer.example", key=make_key(1))
    verdict = await verify(raw, Dns().key("importer.example", key=make_key(0)))
    assert verdict.dkim is AuthResult.FAIL


async def test_a_valid_signature_of_another_domain_is_not_aligned() -> None:
    """A mail service's own valid signature does not make DMARC pass for the From domain."""
    raw = sign(message(), domain="mailer.example")
    dns = Dns().key("mailer.example").dmarc("importer.example")
    verdict = await verify(raw, dns)
    assert (verdict.dkim, verdict.dmarc) == (AuthResult.PASS, AuthResult.FAIL)
    assert verdict.failed
    # the same mail from a domain that publishes no DMARC policy is not a failure
    unpublished = await verify(raw, Dns().key("mailer.example"))
    assert (unpublished.dkim, unpublished.dmarc) == (AuthResult.PASS, AuthResult.NONE)
    assert not unpublished.failed


@pytest.mark.parametrize(
    ("signer", "from_domain", "record", "expected"),
    [
        ("importer.example", "mail.importer.example", "v=DMARC1; p=none", AuthResult.PASS),
        ("importer.example", "mail.importer.example", "v=DMARC1; p=none; adkim=s", AuthResult.FAIL),
        ("mail.importer.example", "importer.example", "v=DMARC1; p=reject", AuthResult.PASS),
        ("exporter.co.uk", "importer.co.uk", "v=DMARC1; p=reject", AuthResult.FAIL),
        ("eu.importer.co.uk", "importer.co.uk", "v=DMARC1; p=reject", AuthResult.PASS),
    ],
)
async def test_dmarc_alignment_relaxed_and_strict(
    signer: str, from_domain: str, record: str, expected: AuthResult
) -> None:
    """Relaxed alignment compares organizational domains (public suffix list), strict
    ones the exact domain; the policy is found at the organizational domain too."""
    raw = sign(message(sender=f"jan@{from_domain}"), domain=signer)
    dns = Dns().key(signer).dmarc(dmarc.organizational_domain(from_domain), record)
    verdict = await verify(raw, dns)
    assert verdict.dkim is AuthResult.PASS
    assert verdict.dmarc is expected


def test_organizational_domains_follow_the_public_suffix_list() -> None:
    """Registered domains under multi-label suffixes are found."""
    assert dmarc.organizational_domain("a.b.importer.co.uk") == "importer.co.uk"
    assert dmarc.organizational_domain("mail.importer.be") == "importer.be"
    assert dmarc.parse_record(("v=spf1 -all",)) is None
    assert dmarc.parse_record(("v=DMARC1; p=reject", "v=DMARC1; p=none")) is None


async def test_nothing_to_check_is_none_and_asks_no_dns() -> None:
    """An unsigned mail read from a Maildir (no client address) is 'none', not a failure,
    and costs no DNS question."""
    dns = Dns().dmarc("importer.example")
    resolver = dns.resolver()
    verdict = await SenderAuthenticator(resolver).verify(message())
    assert (verdict.dkim, verdict.spf, verdict.dmarc) == (AuthResult.NONE,) * 3
    assert not verdict.failed
    assert resolver.asked == []


async def test_a_trusted_servers_results_are_honoured() -> None:
    """The desk's own server's Authentication-Results decide, without any DNS question."""
    header = (
        f"{DESK_MTA}; dkim=pass header.d=importer.example; "
        "spf=pass smtp.mailfrom=jan@importer.example; dmarc=pass header.from=importer.example"
    )
    raw = message(headers={"Authentication-Results": header})
    resolver = StaticResolver({})
    verdict = await SenderAuthenticator(resolver, trusted_ids=[DESK_MTA]).verify(raw)
    assert verdict.source is VerdictSource.TRUSTED_MTA
    assert (verdict.dkim, verdict.spf, verdict.dmarc) == (AuthResult.PASS,) * 3
    assert resolver.asked == []
    failing = message(headers={"Authentication-Results": f"{DESK_MTA}; dmarc=fail"})
    assert (await SenderAuthenticator(resolver, trusted_ids=[DESK_MTA]).verify(failing)).failed


async def test_a_forged_authentication_results_header_is_ignored() -> None:
    """A header claiming dmarc=pass under another authserv-id changes nothing: the tampered
    signature is still checked and still fails."""
    forged = "mx.forger.example; dkim=pass header.d=importer.example; dmarc=pass"
    raw = sign(message(headers={"Authentication-Results": forged}), domain="importer.example")
    tampered = raw.replace(b"ETA 16-06-2023", b"ETA 30-06-2023")
    dns = Dns().key("importer.example").dmarc("importer.example")
    verdict = await verify(tampered, dns, trusted=(DESK_MTA,))
    assert verdict.source is VerdictSource.VERIFIED
    assert verdict.dmarc is AuthResult.FAIL
    assert verdict.failed


async def test_the_trusted_servers_dkim_with_our_own_dmarc_alignment() -> None:
    """A trusted server that reports DKIM but not DMARC: alignment is judged here."""
    header = f"{DESK_MTA}; dkim=pass header.d=mailer.example"
    raw = message(headers={"Authentication-Results": header})
    verdict = await verify(raw, Dns().dmarc("importer.example"), trusted=(DESK_MTA,))
    assert (verdict.dkim, verdict.dmarc) == (AuthResult.PASS, AuthResult.FAIL)


def _received(ip: str, by: str = DESK_MTA) -> dict[str, str]:
    return {
        "Return-Path": "<bounces@importer.example>",
        "Received": f"from mail.importer.example (mail.importer.example [{ip}]) by {by} "
        "with ESMTPS id 4Qg; Tue, 13 Jun 2023 10:00:01 +0200",
    }


@pytest.mark.parametrize(
    ("ip", "spf_result", "dmarc_result"),
    [
        ("192.0.2.10", AuthResult.PASS, AuthResult.PASS),
        ("203.0.113.66", AuthResult.FAIL, AuthResult.FAIL),
    ],
)
async def test_spf_from_the_trusted_servers_received_header(
    ip: str, spf_result: AuthResult, dmarc_result: AuthResult
) -> None:
    """With the client address from the desk's own server, SPF is checked (pyspf on our
    resolver) and an aligned SPF pass satisfies DMARC."""
    raw = message(headers=_received(ip))
    dns = Dns().txt("importer.example", "v=spf1 ip4:192.0.2.0/24 -all").dmarc("importer.example")
    verdict = await verify(raw, dns, trusted=(DESK_MTA,))
    assert verdict.spf is spf_result
    assert verdict.spf_domain == "importer.example"
    assert verdict.dmarc is dmarc_result


async def test_a_received_header_of_an_untrusted_host_gives_no_spf() -> None:
    """A Received header any server on the way (or the sender) wrote is not used."""
    raw = message(headers=_received("203.0.113.66", by="relay.elsewhere.example"))
    dns = Dns().txt("importer.example", "v=spf1 ip4:192.0.2.0/24 -all")
    verdict = await verify(raw, dns, trusted=(DESK_MTA,))
    assert verdict.spf is AuthResult.NONE


class _SlowResolver:
    async def lookup(self, name: str, rdtype: str) -> tuple[str, ...]:
        await asyncio.sleep(10)
        return ()


class _FailingResolver:
    async def lookup(self, name: str, rdtype: str) -> tuple[str, ...]:
        raise DnsTempError(name, rdtype, "SERVFAIL")


async def test_dns_that_does_not_answer_is_bounded_and_no_failure() -> None:
    """A resolver that hangs is cut off at the timeout; unreachable keys are temperror,
    never a failure of the sender."""
    raw = sign(message(), domain="importer.example")
    slow = await SenderAuthenticator(_SlowResolver(), timeout_s=0.2).verify(raw)
    assert slow.dkim is AuthResult.TEMPERROR
    assert not slow.failed
    assert "longer than 0.2 s" in slow.detail
    down = await SenderAuthenticator(_FailingResolver()).verify(raw)
    assert (down.dkim, down.dmarc) == (AuthResult.TEMPERROR, AuthResult.TEMPERROR)
    assert not down.failed


async def test_the_cache_answers_a_repeated_question() -> None:
    """A second question for the same name within the TTL is answered from the cache."""
    inner = StaticResolver({("s1._domainkey.importer.example", "TXT"): ("v=DKIM1; p=x",)})
    clock = [0.0]
    cache = CachingResolver(inner, ttl_s=60, clock=lambda: clock[0])
    for _ in range(3):
        assert await cache.lookup("S1._domainkey.importer.example.", "TXT") == ("v=DKIM1; p=x",)
    assert len(inner.asked) == 1
    clock[0] = 61.0
    await cache.lookup("s1._domainkey.importer.example", "TXT")
    assert len(inner.asked) == 2


def _context(sender: SenderVerdict | None) -> TriageContext:
    return TriageContext(
        reference_day=date(2023, 6, 13),
        calendar=WorkCalendar(),
        tables=TableSet.load(),
        sender=sender,
    )


async def test_triage_flags_a_failing_sender_and_says_why() -> None:
    """A failing verdict becomes the sender_unverified flag with the verdict as the reason;
    a passing one is a reason without a flag."""
    raw = sign(message(), domain="importer.example")
    tampered = raw.replace(b"ETA 16-06-2023", b"ETA 26-06-2023")
    dns = Dns().key("importer.example").dmarc("importer.example")
    bad = read_mail(tampered, source="t", context=_context(await verify(tampered, dns)))
    assert Flag.SENDER_UNVERIFIED in bad.flags
    assert any("could not be verified" in r and "dmarc=fail" in r for r in bad.reasons)
    assert bad.sender_auth is not None
    assert not bad.sender_auth.verified
    good = read_mail(raw, source="t", context=_context(await verify(raw, dns)))
    assert Flag.SENDER_UNVERIFIED not in good.flags
    assert any("dkim=pass" in r for r in good.reasons)
    assert good.sender_auth is not None
    assert good.sender_auth.verified
    unchecked = read_mail(raw, source="t", context=_context(None))
    assert unchecked.sender_auth is None


def test_the_policy_sends_no_automatic_answer_to_an_unverified_sender() -> None:
    """A notification flagged sender_unverified gets no acknowledgment; the same one
    without the flag does."""
    assert auto_reply_allowed(make_report(), DESK, sent_today_to_sender=0) == (True, "ok")
    allowed, why = auto_reply_allowed(
        make_report(flags=[Flag.SENDER_UNVERIFIED]), DESK, sent_today_to_sender=0
    )
    assert not allowed
    assert "authentication" in why
