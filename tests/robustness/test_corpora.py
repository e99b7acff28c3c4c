"""Every message of the shared public corpora gives one report: no exception, no hang.

The corpora live beside the repository (``<repo>/../shared/corpora``), are read in
place, and are skipped when absent. Each message is also read with its line ends
turned into CRLF and into LF. On the ``rfc/`` and ``legacy/`` folders, a few plain
facts (subject, sender, Message-ID, date, the names of the attached files) are
compared with what another parser (stalwart's, its JSON beside each message) found.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from intake.calendar import WorkCalendar
from intake.parse.mail import ParsedMail
from intake.parse.reader import parse_mail
from intake.report import MailReport, read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet

pytestmark = pytest.mark.corpus

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
MESSAGES = sorted(CORPORA.rglob("*.eml")) if CORPORA.is_dir() else []
COMPARED_FOLDERS = ("rfc", "legacy")
COMPARED = [p for p in MESSAGES if p.parent.name in COMPARED_FOLDERS]
CONTEXT = TriageContext(
    reference_day=date(2023, 5, 10), calendar=WorkCalendar(), tables=TableSet.load()
)
MAX_CPU_S = 5.0  # a guard against hangs, not a benchmark
_INTERNAL_ERROR = re.compile(
    r"internal error|traceback|could not be parsed \(|reading the message was stopped", re.I
)

# Where our reading of the attached files legitimately differs from the other parser's.
ATTACHMENT_DIFFERENCES: dict[str, str] = {
    "stalwart/legacy/035.eml": "quoted file names hold 'C:\\TEMP\\…': we turn path "
    "separators into '_', the other parser drops the backslashes as quoting",
    "stalwart/legacy/039.eml": "quoted file names hold 'C:\\TEMP\\…': we turn path "
    "separators into '_', the other parser drops the backslashes as quoting",
    "stalwart/rfc/001.eml": "message/external-body parts name files stored elsewhere: "
    "no file is attached, so we list none",
}


def _crlf(raw: bytes) -> bytes:
    """Every line end as CRLF (bare LFs turned into CRLF)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _lf(raw: bytes) -> bytes:
    """Every CRLF line end as a bare LF."""
    return raw.replace(b"\r\n", b"\n")


LINE_ENDS: dict[str, Callable[[bytes], bytes]] = {
    "as-is": lambda raw: raw,
    "crlf": _crlf,
    "lf": _lf,
}
# The other parser's JSON files: "NNN.json" read the message with every CR removed,
# "NNN.crlf.json" with every bare LF turned into CRLF.
VIEWS: dict[str, Callable[[bytes], bytes]] = {
    ".json": lambda raw: raw.replace(b"\r", b""),
    ".crlf.json": _crlf,
}


def _relative(path: Path) -> str:
    return path.relative_to(CORPORA).as_posix()


def _params(paths: list[Path], variants: list[str]) -> list[Any]:
    if not paths:
        reason = f"no shared corpora at {CORPORA}"
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=reason), id="no-corpora")]
    return [
        pytest.param(path, variant, id=f"{_relative(path)}-{variant}")
        for path in paths
        for variant in variants
    ]


def _read_timed(raw: bytes, source: str) -> tuple[MailReport, float]:
    started = time.process_time()
    report = read_mail(raw, source=source, context=CONTEXT)
    return report, time.process_time() - started


@pytest.mark.parametrize(("path", "variant"), _params(MESSAGES, list(LINE_ENDS)))
def test_corpus_message_gives_one_report(path: Path, variant: str) -> None:
    """A corpus message, with any line ends, gives one report in bounded time that keeps
    the original's size and hash and names no internal failure."""
    raw = LINE_ENDS[variant](path.read_bytes())
    report, cpu_s = _read_timed(raw, _relative(path))
    assert isinstance(report, MailReport)
    assert cpu_s < MAX_CPU_S
    assert (report.size_bytes, report.sha256) == (len(raw), hashlib.sha256(raw).hexdigest())
    assert json.loads(report.to_json())["sha256"] == report.sha256
    failures = [reason for reason in report.reasons if _INTERNAL_ERROR.search(reason)]
    assert not failures


# -- comparison with the other parser ---------------------------------------------------


def _their_view(path: Path, suffix: str) -> dict[str, Any]:
    view: dict[str, Any] = json.loads(path.with_name(path.stem + suffix).read_text("utf-8"))
    return view


def _headers(part: dict[str, Any]) -> dict[str, Any]:
    """The first value of each header of a part, by the other parser's lower-case name."""
    found: dict[str, Any] = {}
    for header in part["headers"]:
        name = header["name"]
        key = name if isinstance(name, str) else str(name.get("other", "")).lower()
        found.setdefault(key, header["value"])
    return found


def _typed(value: Any, kind: str) -> Any:
    return value.get(kind) if isinstance(value, dict) else None


def _their_subject(view: dict[str, Any]) -> str:
    return _typed(_headers(view["parts"][0]).get("subject"), "Text") or ""


def _their_sender(view: dict[str, Any]) -> str | None:
    address = _typed(_headers(view["parts"][0]).get("from"), "Address") or {}
    mailboxes = address.get("List") or [
        box for group in address.get("Group", []) for box in group.get("addresses", [])
    ]
    return mailboxes[0].get("address") if mailboxes else None


def _their_message_id(view: dict[str, Any]) -> str | None:
    value = _typed(_headers(view["parts"][0]).get("message_id"), "Text")
    return f"<{value}>" if value else None


def _their_date(view: dict[str, Any]) -> datetime | None:
    stamp = _typed(_headers(view["parts"][0]).get("date"), "DateTime")
    if not stamp:
        return None
    offset = timedelta(hours=stamp["tz_hour"], minutes=stamp["tz_minute"])
    zone = timezone(-offset if stamp["tz_before_gmt"] else offset)
    return datetime(
        stamp["year"],
        stamp["month"],
        stamp["day"],
        stamp["hour"],
        stamp["minute"],
        stamp["second"],
        tzinfo=zone,
    )


def _their_file_names(view: dict[str, Any]) -> list[str]:
    """Names of the attached files of the top-level message (attached mails aside)."""
    names: list[str] = []
    for index in view["attachments"]:
        part = view["parts"][index]
        if "Message" in part["body"]:
            continue
        headers = _headers(part)
        for header, parameter in (("content_disposition", "filename"), ("content_type", "name")):
            attributes = (_typed(headers.get(header), "ContentType") or {}).get("attributes")
            value = next((a["value"] for a in attributes or () if a["name"] == parameter), None)
            if value:
                names.append(value)
                break
    return names


def _our_file_names(mail: ParsedMail) -> list[str]:
    return [
        a.filename
        for a in mail.attachments
        if a.container == "" and a.filename and a.content_type != "message/rfc822"
    ]


def _same_text(ours: str, theirs: str) -> bool:
    """Equal, where a U+FFFD of theirs (a byte it could not decode) matches any character."""
    return len(ours) == len(theirs) and all(
        a == b or b == "\ufffd" for a, b in zip(ours, theirs, strict=True)
    )


def _shape(text: str) -> str:
    return "".join(c if c.isascii() else "?" for c in text)


def _parsed(path: Path, suffix: str) -> tuple[ParsedMail, dict[str, Any]]:
    return parse_mail(VIEWS[suffix](path.read_bytes())), _their_view(path, suffix)


@pytest.mark.parametrize(("path", "suffix"), _params(COMPARED, list(VIEWS)))
def test_subject_agrees_with_the_other_parser(path: Path, suffix: str) -> None:
    """The decoded subject is the other parser's, except where it could not decode a byte."""
    mail, view = _parsed(path, suffix)
    assert _same_text(mail.subject, _their_subject(view)), (mail.subject, _their_subject(view))


@pytest.mark.parametrize(("path", "suffix"), _params(COMPARED, list(VIEWS)))
def test_sender_id_and_date_agree_with_the_other_parser(path: Path, suffix: str) -> None:
    """The From address, Message-ID and Date are the other parser's."""
    mail, view = _parsed(path, suffix)
    ours = (mail.from_.addr_spec if mail.from_ else None, mail.message_id, mail.date)
    assert ours == (_their_sender(view), _their_message_id(view), _their_date(view))


@pytest.mark.parametrize(("path", "suffix"), _params(COMPARED, list(VIEWS)))
def test_attached_file_names_agree_with_the_other_parser(path: Path, suffix: str) -> None:
    """The names of the attached files are the other parser's, where both mean the same."""
    if _relative(path) in ATTACHMENT_DIFFERENCES:
        pytest.skip(ATTACHMENT_DIFFERENCES[_relative(path)])
    mail, view = _parsed(path, suffix)
    ours = sorted(_our_file_names(mail), key=_shape)
    theirs = sorted(_their_file_names(view), key=_shape)
    assert len(ours) == len(theirs), (ours, theirs)
    assert all(_same_text(a, b) for a, b in zip(ours, theirs, strict=True)), (ours, theirs)
