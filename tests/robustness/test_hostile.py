"""Hand-built hostile messages: each gives one report, quickly, and loses nothing.

A message that breaks a limit goes to ``review`` with the ``quarantine`` flag and a
reason; any other message gets a normal report. Every report carries the size and
SHA-256 of the bytes given, so the original can always be found again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
import re
import struct
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import pytest

from intake.calendar import WorkCalendar
from intake.codes import Flag, Queue
from intake.parse.limits import ParseLimits
from intake.parse.reader import parse_mail
from intake.report import MailReport, read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet
from tests.support.pdf import make_pdf

CONTEXT = TriageContext(
    reference_day=date(2023, 5, 10), calendar=WorkCalendar(), tables=TableSet.load()
)
MAX_CPU_S = 5.0  # a guard against hangs, not a benchmark
COI = "COI.CN.2023.0001234"
HEAD = (
    "From: Jan Peeters <jan.peeters@importer.example>\r\n"
    "To: importbio@desk.example\r\n"
    f"Subject: {COI} gember\r\n"
    "Date: Wed, 10 May 2023 09:30:00 +0200\r\n"
    "Message-ID: <hostile.1@importer.example>\r\n"
    "MIME-Version: 1.0\r\n"
).encode("ascii")
EIGHT_BIT_SUBJECT = "gedroogde vijgen \u2013 Frösche"  # an en dash, not in Latin-1
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- builders ---------------------------------------------------------------------------


def _multipart(parts: Iterable[bytes], boundary: str = "b0", head: bytes = HEAD) -> bytes:
    """A multipart/mixed message with ``parts`` (each its own headers and body)."""
    delimiter = f"--{boundary}\r\n".encode()
    chunks = [head, f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode()]
    for part in parts:
        chunks += [delimiter, part, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def _text_part(text: bytes, charset: str = "utf-8", subtype: str = "plain") -> bytes:
    return (
        f"Content-Type: text/{subtype}; charset={charset}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("latin-1") + text


def _attachment(name: str, data: bytes, content_type: str = "application/octet-stream") -> bytes:
    return (
        f'Content-Type: {content_type}; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(data)


def _zip(members: Iterable[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, compresslevel=9) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _zeros_zip(name: str, size_bytes: int) -> bytes:
    """A zip of one member of ``size_bytes`` zeros, written a MiB at a time (little memory)."""
    buffer = io.BytesIO()
    chunk = bytes(1 << 20)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        left = size_bytes
        while left > 0:
            member.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
    return buffer.getvalue()


def _flat_parts(count: int) -> bytes:
    return _multipart(b"Content-Type: text/plain\r\n\r\n." for _ in range(count))


def _nested_multiparts(levels: int) -> bytes:
    opens = [
        f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n'.encode()
        for i in range(levels)
    ]
    closes = [f"\r\n--n{i}--\r\n".encode() for i in reversed(range(levels))]
    return b"".join([HEAD, *opens, b"Content-Type: text/plain\r\n\r\ndeep\r\n", *closes])


def _nested_messages(levels: int) -> bytes:
    inner = b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
    return HEAD + inner * levels + b"Content-Type: text/plain\r\n\r\ndeep\r\n"


def _encoded_word_subject(words: int) -> bytes:
    subject = b" ".join([b"=?utf-8?q?caf=C3=A9?="] * words)
    return HEAD.replace(f"Subject: {COI} gember".encode(), b"Subject: " + subject) + b"\r\nbody"


def _header_lines(count: int, line: bytes) -> bytes:
    return HEAD + line * count + b"\r\nbody\r\n"


def _nul_everywhere() -> bytes:
    raw = _multipart(
        [_text_part(b"hello\x00world\x00"), _attachment("BL\x00.pdf", b"%PDF-1.4\x00\x00\x00")]
    )
    return raw.replace(b"\r\n", b"\x00\r\n").replace(b": ", b":\x00 ")


def _bad_base64_pdf() -> bytes:
    return _multipart(
        [
            b'Content-Type: application/pdf; name="BL MSCU1234567.pdf"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            b"%%%!!!JVBERi0xLjQK***===\r\n====JVBE\r\n\x80\x81\xff"
        ]
    )


def _charset_message(charset: str) -> bytes:
    """Body, HTML and an encoded-word of the subject, all labelled with ``charset``."""
    subject = f"Subject: =?{charset}?q?caf=E9?= =?{charset}?b?Y2Fmw6k=?= {COI}\r\n"
    head = HEAD.replace(f"Subject: {COI} gember\r\n".encode(), subject.encode("latin-1"))
    body = b"Leveringsdatum caf\xe9 +AOk- \\N{BULLET} \xff\xfe\x00 einde"
    return _multipart(
        [_text_part(body, charset), _text_part(b"<p>caf\xe9</p>", charset, "html")], head=head
    )


def _eight_bit_headers(encoding: str) -> bytes:
    head = HEAD.replace(b"Jan Peeters", "Jörg Müller".encode(encoding))
    head = head.replace(b"gember", EIGHT_BIT_SUBJECT.encode(encoding, "replace"))
    return _multipart(
        [_text_part(b"Zie bijlage."), _attachment("Factuur ñ.pdf", b"%PDF-1.4\n")], head=head
    ).replace(b"Factuur \xc3\xb1", "Factuur é".encode(encoding))


def _ratio_bomb() -> bytes:
    return _multipart([_attachment("docs.zip", _zeros_zip("BL.pdf", 10 * 1024 * 1024))])


def _size_bomb() -> bytes:
    return _multipart([_attachment("docs.zip", _zeros_zip("BL.pdf", 130 * 1024 * 1024))])


def _lying_zip() -> bytes:
    """A zip whose directory claims 1 kB for a member that expands to 3 MB."""
    data = bytearray(_zip([("BL.pdf", bytes(3_000_000))]))
    struct.pack_into("<I", data, data.find(b"PK\x01\x02") + 24, 1000)
    struct.pack_into("<I", data, data.find(b"PK\x03\x04") + 22, 1000)
    return _multipart([_attachment("docs.zip", bytes(data))])


def _many_members() -> bytes:
    members = ((f"scan{i:05}.txt", b"") for i in range(10_000))
    return _multipart([_attachment("scans.zip", _zip(members, zipfile.ZIP_STORED))])


def _nested_zips(levels: int) -> bytes:
    data = _zip([("BL MSCU1234567.pdf", make_pdf([["BILL OF LADING"]]))])
    for level in range(levels):
        data = _zip([(f"level{level}.zip", data)])
    return _multipart([_attachment("documents.zip", data)])


def _encrypted_member() -> bytes:
    data = bytearray(_zip([("Invoice 2023-118.pdf", b"%PDF-1.4 not really encrypted")]))
    data[data.find(b"PK\x03\x04") + 6] |= 0x1  # general purpose flag: encrypted
    data[data.find(b"PK\x01\x02") + 8] |= 0x1
    return _multipart([_attachment("docs.zip", bytes(data))])


def _garbage_tnef(signature: bool) -> bytes:
    noise = random.Random(7).randbytes(6000)
    data = (b"\x78\x9f\x3e\x22" if signature else b"") + noise
    return _multipart([_attachment("winmail.dat", data, "application/ms-tnef")])


def _truncated_pdf() -> bytes:
    pdf = make_pdf([["BILL OF LADING", "MSCU1234567"], ["page two"]])
    return _multipart([_attachment("document.pdf", pdf[: len(pdf) // 2], "application/pdf")])


def _oversized() -> bytes:
    """70 MB, over the 64 MiB limit, built as one allocation."""
    body_bytes = 70 * 1024 * 1024
    return b"".join([HEAD, b"Content-Type: text/plain\r\n\r\n", b"a" * body_bytes])


def _unclosed_boundaries() -> bytes:
    return HEAD + (
        b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        b'--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'
        b"--inner\r\nContent-Type: text/plain\r\n\r\nETA 16/05/2023\r\n"
        b'--outer\r\nContent-Type: application/pdf; name="BL.pdf"\r\n\r\n%PDF-1.4\r\n'
    )


def _same_boundary(times: int) -> bytes:
    declaration = b'Content-Type: multipart/mixed; boundary="same"\r\n\r\n--same\r\n'
    return HEAD + declaration * times + b"Content-Type: text/plain\r\n\r\nx\r\n--same--\r\n"


def _distinct_boundaries(count: int) -> bytes:
    return _multipart(
        f'Content-Type: multipart/mixed; boundary="d{i}"\r\n\r\n--d{i}--\r\n'.encode()
        for i in range(count)
    )


def _attached_mail(inner: bytes) -> bytes:
    return _multipart([_text_part(b"See the forwarded mail."), _attachment("fwd.eml", inner)])


# -- the table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A hostile message, and the reason fragment when it must be quarantined."""

    id: str
    build: Callable[[], bytes]
    quarantine_reason: str | None = None  # None: a normal report is expected
    flag: Flag | None = None  # a flag the report must carry


CASES: tuple[Case, ...] = (
    Case("100k flat parts", lambda: _flat_parts(100_000), "body parts"),
    Case("5000 nested multiparts", lambda: _nested_multiparts(5000), "boundaries"),
    Case("2000 nested message/rfc822", lambda: _nested_messages(2000), "attached messages"),
    Case("subject of 20000 encoded-words", lambda: _encoded_word_subject(20_000), None),
    Case("5 MB header line", lambda: _header_lines(1, b"X-Long: " + b"a" * 5_000_000 + b"\r\n"),
         "header block"),
    Case("100k header lines in 600 kB", lambda: _header_lines(100_000, b"X: 1\r\n"), None),
    Case("100k header lines past the header limit",
         lambda: _header_lines(100_000, b"X-Trace: 12345\r\n"), "header block"),
    Case("NUL bytes everywhere", _nul_everywhere, None),
    Case("bad base64 in a PDF", _bad_base64_pdf, None, Flag.UNREADABLE_ATTACHMENT),
    Case("charset x-unknown", lambda: _charset_message("x-unknown"), None),
    Case("charset utf-7", lambda: _charset_message("utf-7"), None),
    Case("charset utf-8 with a stray quote", lambda: _charset_message('"utf-8\\"'), None),
    Case("charset idna", lambda: _charset_message("idna"), None),
    Case("charset punycode", lambda: _charset_message("punycode"), None),
    Case("charset undefined", lambda: _charset_message("undefined"), None),
    Case("charset with a NUL", lambda: _charset_message("utf\x008"), None),
    Case("charset naming a bytes codec", lambda: _charset_message("hex"), None),
    Case("charset utf-16 on 8-bit text", lambda: _charset_message("utf-16"), None),
    Case("8-bit Latin-1 headers", lambda: _eight_bit_headers("latin-1"), None),
    Case("8-bit UTF-8 headers", lambda: _eight_bit_headers("utf-8"), None),
    Case("no headers at all", lambda: b"Just a body.\r\nNo headers.\r\n", None),
    Case("empty input", lambda: b"", None),
    Case("only a line end", lambda: b"\r\n", None),
    Case("zip bomb by ratio", _ratio_bomb, "zip bomb"),
    Case("zip bomb past 128 MB", _size_bomb, "would expand"),
    Case("zip directory understating a member", _lying_zip, None, Flag.UNREADABLE_ATTACHMENT),
    Case("zip of 10000 members", _many_members, "10000 files"),
    Case("zips nested 5 deep", lambda: _nested_zips(5), None, Flag.ARCHIVE_ATTACHMENT),
    Case("encrypted zip member", _encrypted_member, None, Flag.ENCRYPTED_ATTACHMENT),
    Case("winmail.dat of garbage", lambda: _garbage_tnef(signature=True), None),
    Case("winmail.dat without a signature", lambda: _garbage_tnef(signature=False), None),
    Case("truncated PDF", _truncated_pdf, None, Flag.UNREADABLE_ATTACHMENT),
    Case("70 MB message", _oversized, "more than the limit"),
    Case("boundaries that never close", _unclosed_boundaries, None, Flag.MIME_DEFECTS),
    Case("one boundary declared 600 times", lambda: _same_boundary(600), "body parts"),
    Case("600 distinct boundaries", lambda: _distinct_boundaries(600), "boundaries"),
    Case("attached mail of 100k parts", lambda: _attached_mail(_flat_parts(100_000)),
         "fwd.eml was not opened"),
    Case("attached mail nesting 3000 multiparts", lambda: _attached_mail(_nested_multiparts(3000)),
         "fwd.eml was not opened"),
)  # fmt: skip


def _read(raw: bytes, context: TriageContext = CONTEXT) -> tuple[MailReport, float]:
    started = time.process_time()
    report = read_mail(raw, source="hostile", context=context)
    return report, time.process_time() - started


def _assert_nothing_lost(report: MailReport, raw: bytes) -> None:
    assert report.size_bytes == len(raw)
    assert report.sha256 == hashlib.sha256(raw).hexdigest()
    report.to_json()  # the boundary value always serialises (no lone surrogates)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_message_gives_a_report_quickly(case: Case) -> None:
    """A hostile message gives one report within the time bound: quarantined at a limit,
    normal otherwise, and always with the original's size and hash."""
    raw = case.build()
    report, cpu_s = _read(raw)
    assert cpu_s < MAX_CPU_S
    _assert_nothing_lost(report, raw)
    if case.quarantine_reason is None:
        assert Flag.QUARANTINE not in report.flags, report.reasons
    else:
        assert report.queue is Queue.REVIEW
        assert Flag.QUARANTINE in report.flags
        assert any(case.quarantine_reason in reason for reason in report.reasons), report.reasons
    if case.flag is not None:
        assert case.flag in report.flags, report.reasons
    assert not any("internal error" in reason for reason in report.reasons)
    assert not _CONTROL_CHARS.search(report.subject + report.from_name)


@pytest.mark.parametrize(
    ("case_id", "subject", "from_name", "from_addr"),
    [
        ("5 MB header line", f"{COI} gember", "Jan Peeters", "jan.peeters@importer.example"),
        ("70 MB message", f"{COI} gember", "Jan Peeters", "jan.peeters@importer.example"),
        ("100k flat parts", f"{COI} gember", "Jan Peeters", "jan.peeters@importer.example"),
        ("no headers at all", "", "", None),
    ],
)
def test_headers_are_read_even_when_the_body_is_not(
    case_id: str, subject: str, from_name: str, from_addr: str | None
) -> None:
    """A message quarantined at a limit still reports its subject and sender."""
    (case,) = [c for c in CASES if c.id == case_id]
    report, _ = _read(case.build())
    assert (report.subject, report.from_name, report.from_) == (subject, from_name, from_addr)
    if from_addr is not None:
        assert report.coi_references == [COI]
        assert report.message_id == "<hostile.1@importer.example>"


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_eight_bit_headers_are_decoded(encoding: str) -> None:
    """Raw 8-bit subjects, display names and file names are read as text, not as U+FFFD."""
    raw = _eight_bit_headers(encoding)
    report, _ = _read(raw)
    written = EIGHT_BIT_SUBJECT.encode(encoding, "replace").decode(encoding)
    assert report.subject == f"{COI} {written}"
    assert report.from_name == "Jörg Müller"
    names = [d.filename for docs in report.documents.values() for d in docs]
    assert names == ["Factuur é.pdf"]


def test_eight_bit_inside_an_encoded_word_is_decoded() -> None:
    """A raw Latin-1 byte inside a Q-encoded word is read in the word's charset."""
    raw = b"Subject: =?iso-8859-1?Q?Die_Hasen_und_die_Fr\xf6sche?=\r\n\r\nbody\r\n"
    report, _ = _read(raw)
    assert report.subject == "Die Hasen und die Frösche"


def test_twenty_thousand_encoded_words_are_cut_and_flagged() -> None:
    """A subject of 20,000 encoded-words is decoded up to the bound and flagged as cut."""
    report, _ = _read(_encoded_word_subject(20_000))
    assert report.subject.startswith("cafécafé")
    assert len(report.subject) <= ParseLimits().max_header_value_chars
    assert Flag.HEADER_TRUNCATED in report.flags


@pytest.mark.parametrize(
    "charset", ["x-unknown", "utf-7", '"utf-8\\"', "idna", "punycode", "undefined", "utf\x008"]
)
def test_unknown_or_unfit_charsets_still_give_the_body_text(charset: str) -> None:
    """A body labelled with an unknown or unfit charset is still read as text."""
    mail = parse_mail(_charset_message(charset))
    assert "Leveringsdatum" in mail.body_text
    assert "einde" in mail.body_text


def _spin(*_args: object, **_kwargs: object) -> None:
    """Burn CPU in pure Python for 5 s: a slow path nobody foresaw."""
    end = time.process_time() + 5.0
    while time.process_time() < end:
        pass


_SMALL_BUDGET = TriageContext(
    reference_day=date(2023, 5, 10),
    calendar=WorkCalendar(),
    tables=TableSet.load(),
    limits=ParseLimits(cpu_budget_s=0.2),
)
_NORMAL = _multipart(
    [
        _text_part(b"Goede dag, ETA 16/05/2023. Zie bijlagen."),
        _attachment("document.pdf", make_pdf([["BILL OF LADING"]]), "application/pdf"),
    ]
)


def test_cpu_budget_stops_a_slow_triage_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """A triage step that spins is stopped by the CPU budget, twice at most, and the
    message is quarantined with a reason naming the budget."""
    monkeypatch.setattr("intake.triage.triage.find_eta", _spin)
    report, cpu_s = _read(_NORMAL, _SMALL_BUDGET)
    assert cpu_s < 1.0
    assert report.queue is Queue.REVIEW
    assert Flag.QUARANTINE in report.flags
    assert any("CPU budget" in reason for reason in report.reasons), report.reasons
    assert report.subject == f"{COI} gember"
    _assert_nothing_lost(report, _NORMAL)


def test_cpu_budget_is_not_swallowed_by_a_catch_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget stops a slow step even inside a library call wrapped in ``except Exception``."""
    monkeypatch.setattr("intake.parse.pdftext.PdfReader", _spin)
    report, cpu_s = _read(_NORMAL, _SMALL_BUDGET)
    assert cpu_s < 1.0
    assert Flag.QUARANTINE in report.flags
    assert any("CPU budget" in reason for reason in report.reasons), report.reasons
    _assert_nothing_lost(report, _NORMAL)


def test_html_that_drives_the_stdlib_parser_quadratic_is_read_in_linear_time() -> None:
    """A large HTML body of unclosed tags (quadratic for ``HTMLParser``) is read by the linear
    tag strip: well within the budget, and the message is not quarantined for it."""
    raw = _multipart([_text_part(b"<a" * 1_000_000, subtype="html")])
    context = TriageContext(
        reference_day=date(2023, 5, 10),
        calendar=WorkCalendar(),
        tables=TableSet.load(),
        limits=ParseLimits(cpu_budget_s=2.0),
    )
    report, cpu_s = _read(raw, context)
    assert cpu_s < 1.0
    assert Flag.QUARANTINE not in report.flags
    _assert_nothing_lost(report, raw)


def test_an_internal_error_still_gives_a_quarantined_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug met while reading gives a quarantined report naming the error, not a crash."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("intake.triage.triage.find_eta", broken)
    report, _ = _read(_NORMAL)
    assert report.queue is Queue.REVIEW
    assert Flag.QUARANTINE in report.flags
    assert any("internal error" in r and "KeyError" in r for r in report.reasons)
    assert report.subject == f"{COI} gember"
    _assert_nothing_lost(report, _NORMAL)
