"""What the desk's own mail server says about a message: its Authentication-Results, and
the client it received the message from.

Only a header written by a trusted server counts (its ``authserv-id``, or the host in the
topmost ``Received: … by HOST``); anything else above the body was written by the sender
or by servers on the way and can be forged, so it is ignored (RFC 8601 §5). The trusted
server is expected to remove Authentication-Results carrying its own id from incoming
mail, as RFC 8601 asks; only the topmost header of a trusted id is read.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import authres

from intake.auth.verdict import AuthResult

_RESULTS = {result.value: result for result in AuthResult}
# RFC 8601 §2.7.1 also names "policy" and "hardfail"; those read as fail.
_ALIASES = {"hardfail": AuthResult.FAIL, "policy": AuthResult.FAIL}
_RECEIVED = re.compile(
    r"^\s*from\s+(?P<helo>\S+)\s*\((?P<info>[^)]*)\)\s*by\s+(?P<by>[^\s;]+)", re.IGNORECASE
)
_ADDRESS = re.compile(r"\[(?:IPv6:)?(?P<ip>[0-9A-Fa-f:.]+)\]")


@dataclass(frozen=True, slots=True)
class TrustedResults:
    """The results a trusted Authentication-Results header reports; None where it is silent."""

    authserv_id: str
    dkim: AuthResult | None
    dkim_domains: tuple[str, ...]
    spf: AuthResult | None
    spf_domain: str
    dmarc: AuthResult | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """How the trusted server received the message: the client's address and HELO name."""

    client_ip: str
    helo: str


def _result(value: str) -> AuthResult:
    lowered = value.lower()
    return _ALIASES.get(lowered) or _RESULTS.get(lowered, AuthResult.PERMERROR)


def _domain(value: str) -> str:
    return value.strip().strip("<>").rpartition("@")[2].lower()


def trusted_results(headers: Sequence[str], trusted_ids: Collection[str]) -> TrustedResults | None:
    """The topmost Authentication-Results of a trusted ``authserv-id``, or None."""
    wanted = {i.lower() for i in trusted_ids}
    if not wanted:
        return None
    for value in headers:
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(value)
        except Exception:  # noqa: S112 - any header authres cannot read is not trusted
            continue
        if str(parsed.authserv_id).lower() not in wanted:
            continue
        return _read(str(parsed.authserv_id), parsed.results)
    return None


def _read(authserv_id: str, results: Sequence[object]) -> TrustedResults:
    dkim: AuthResult | None = None
    dkim_domains: list[str] = []
    spf: AuthResult | None = None
    spf_domain = ""
    dmarc: AuthResult | None = None
    for entry in results:
        method = str(getattr(entry, "method", "")).lower()
        result = _result(str(getattr(entry, "result", "")))
        props = {
            f"{p.type}.{p.name}".lower(): str(p.value) for p in getattr(entry, "properties", [])
        }
        if method == "dkim":
            # several signatures: one that passed wins over those that did not
            if result is AuthResult.PASS:
                dkim = AuthResult.PASS
                if props.get("header.d"):
                    dkim_domains.append(props["header.d"].lower())
            elif dkim is None:
                dkim = result
        elif method == "spf" and spf is None:
            spf = result
            spf_domain = _domain(props.get("smtp.mailfrom") or props.get("smtp.helo", ""))
        elif method == "dmarc" and dmarc is None:
            dmarc = result
    return TrustedResults(authserv_id, dkim, tuple(dkim_domains), spf, spf_domain, dmarc)


def trusted_delivery(received: Sequence[str], trusted_ids: Collection[str]) -> Delivery | None:
    """The client of the topmost Received header when a trusted server wrote it, else None."""
    if not received or not trusted_ids:
        return None
    match = _RECEIVED.match(" ".join(received[0].split()))
    if match is None or match.group("by").lower() not in {i.lower() for i in trusted_ids}:
        return None
    address = _ADDRESS.search(match.group("info"))
    if address is None:
        return None
    try:
        ip = ipaddress.ip_address(address.group("ip"))
    except ValueError:
        return None
    return Delivery(client_ip=str(ip), helo=match.group("helo").lower())
