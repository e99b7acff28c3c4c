"""Property tests: whatever the headers, the MIME tree or the bytes, ``read_mail`` reports.

Three generators: arbitrary header fields in an otherwise normal message, random MIME
trees serialised by the standard library, and arbitrary bytes. For each, reading never
raises, the report keeps the original's size and hash and serialises, and its decoded
header fields hold no control characters.
"""

from __future__ import annotations

import base64
import hashlib
import io
import quopri
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.calendar import WorkCalendar
from intake.codes import Flag
from intake.report import MailReport, read_mail
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import TableSet

CONTEXT = TriageContext(
    reference_day=date(2023, 5, 10), calendar=WorkCalendar(), tables=TableSet.load()
)
# Sized so that the three tests together take well under a minute on two cores.
SETTINGS = settings(
    deadline=None,
    max_examples=400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BASE = (
    b"From: Jan Peeters <jan.peeters@importer.example>\r\n"
    b"To: importbio@desk.example\r\n"
    b"Subject: COI.CN.2023.0001234 gember\r\n"
    b"Date: Wed, 10 May 2023 09:30:00 +0200\r\n"
    b"Message-ID: <prop.1@importer.example>\r\n"
    b"MIME-Version: 1.0\r\n"
)
_BODY = b"Content-Type: text/plain; charset=utf-8\r\n\r\nETA 16/05/2023, zie bijlage.\r\n"


def _read(raw: bytes) -> MailReport:
    report = read_mail(raw, source="property", context=CONTEXT)
    assert report.size_bytes == len(raw)
    assert report.sha256 == hashlib.sha256(raw).hexdigest()
    report.to_json()
    assert not _CONTROL_CHARS.search(report.subject + report.from_name)
    assert not any("internal error" in reason for reason in report.reasons), report.reasons
    return report


# -- (a) arbitrary header fields --------------------------------------------------------

_KNOWN_NAMES = st.sampled_from(
    [
        "Subject",
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "MIME-Version",
        "Auto-Submitted",
        "List-Id",
        "Precedence",
        "X-Failed-Recipients",
    ]
)
_FIELD_NAME = st.one_of(
    _KNOWN_NAMES,
    st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"), min_size=1,
            max_size=40),
)  # fmt: skip
_CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "utf-16", "x-unknown", "utf-7", "idna", ""]
_ENCODED_WORD = st.builds(
    lambda charset, enc, text, closed: (
        f"=?{charset}?{enc}?{text}" + ("?=" if closed else "")
    ).encode("utf-8", "surrogatepass"),
    st.sampled_from(_CHARSETS),
    st.sampled_from(["q", "Q", "b", "B", "x", ""]),
    st.text(max_size=40),
    st.booleans(),
)
_VALUE_PIECE = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(max_size=80).map(lambda t: t.encode("latin-1", "replace")),
    _ENCODED_WORD,
    st.sampled_from([b"\x00", b"\r", b"\n", b"\r\n ", b"\t", b"\x1b", b"=?", b"?=", b"<", b">"]),
    st.integers(1_000, 30_000).map(lambda n: b"x" * n),
)
_FIELD_VALUE = st.lists(_VALUE_PIECE, max_size=6).map(b"".join)


@SETTINGS
@given(fields=st.lists(st.tuples(_FIELD_NAME, _FIELD_VALUE), min_size=1, max_size=8))
def test_arbitrary_header_fields_give_a_report(fields: list[tuple[str, bytes]]) -> None:
    """Any header names and values added to a normal message still give a report."""
    added = b"".join(name.encode("ascii") + b": " + value + b"\r\n" for name, value in fields)
    _read(added + _BASE + _BODY)


# -- (b) random MIME trees --------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """A MIME tree, and how many files at most it can show the desk."""

    message: Message
    max_documents: int


_TEXT_CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "utf-16", "koi8-r", "us-ascii"]
_LABELS = [*_TEXT_CHARSETS, "x-unknown", "utf-7", '"utf-8\\"', "idna", "bogus"]
_ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode"]
_FILENAME = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=60
)


def _encode_payload(part: Message, data: bytes, encoding: str) -> None:
    if encoding == "base64":
        part.set_payload(base64.encodebytes(data).decode("ascii"))
    elif encoding == "quoted-printable":
        part.set_payload(quopri.encodestring(data).decode("ascii"))
    else:  # written raw: the generator keeps 8-bit bytes as they are
        part.set_payload(data.decode("ascii", "surrogateescape"))
    part["Content-Transfer-Encoding"] = encoding


@st.composite
def _text_leaf(draw: st.DrawFn) -> Tree:
    part = MIMEBase("text", draw(st.sampled_from(["plain", "html"])))
    text = draw(st.text(max_size=300))
    data = text.encode(draw(st.sampled_from(_TEXT_CHARSETS)), "replace")
    part.set_param("charset", draw(st.sampled_from(_LABELS)))
    _encode_payload(part, data, draw(st.sampled_from(_ENCODINGS)))
    if draw(st.booleans()):
        part.add_header("Content-Disposition", "attachment", filename=draw(_FILENAME))
    return Tree(part, 1)


def _zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            archive.writestr(f"{index}{name}", data)  # numbered: zipfile warns on duplicates
    return buffer.getvalue()


_MEMBER_NAME = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="/\\"), max_size=30
)


@st.composite
def _file_leaf(draw: st.DrawFn) -> Tree:
    subtype = draw(st.sampled_from(["pdf", "zip", "octet-stream"]))
    members = 0
    if subtype == "zip" and draw(st.booleans()):
        files = draw(st.lists(st.tuples(_MEMBER_NAME, st.binary(max_size=300)), max_size=4))
        data = _zip_of(files)
        members = len(files)
    elif subtype == "pdf" and draw(st.booleans()):
        data = b"%PDF-1.4\n" + draw(st.binary(max_size=500))
    else:
        data = draw(st.binary(max_size=1000))
    part = MIMEBase("application", subtype)
    _encode_payload(part, data, draw(st.sampled_from(["base64", "base64", "8bit", "binary"])))
    if draw(st.booleans()):
        part.add_header(
            "Content-Disposition",
            draw(st.sampled_from(["attachment", "inline"])),
            filename=draw(_FILENAME),
        )
    return Tree(part, 1 + members)


def _multipart(children: list[Tree], subtype: str) -> Tree:
    part = MIMEMultipart(subtype)
    for child in children:
        part.attach(child.message)
    return Tree(part, sum(child.max_documents for child in children))


def _attached(child: Tree, subject: str) -> Tree:
    inner = child.message
    if "Subject" not in inner:
        inner["Subject"] = subject.replace("\r", " ").replace("\n", " ")
    return Tree(MIMEMessage(inner), child.max_documents)


_TREES = st.recursive(
    st.one_of(_text_leaf(), _file_leaf()),
    lambda children: st.one_of(
        st.builds(
            _multipart,
            st.lists(children, min_size=1, max_size=4),
            st.sampled_from(["mixed", "alternative", "related", "report"]),
        ),
        st.builds(_attached, children, st.text(max_size=40)),
    ),
    max_leaves=12,
)


@SETTINGS
@given(tree=_TREES)
def test_random_mime_trees_give_a_report(tree: Tree) -> None:
    """A random MIME tree never makes reading fail, and no more documents are reported
    than the tree has files."""
    top = tree.message
    for name, value in (
        ("From", "Jan Peeters <jan.peeters@importer.example>"),
        ("Subject", "COI.CN.2023.0001234 gember"),
        ("Message-ID", "<tree.1@importer.example>"),
    ):
        del top[name]
        top[name] = value
    report = _read(top.as_bytes())
    documents = sum(len(docs) for docs in report.documents.values())
    assert documents <= tree.max_documents
    if Flag.QUARANTINE not in report.flags:
        assert report.subject == "COI.CN.2023.0001234 gember"


# -- (c) arbitrary bytes ----------------------------------------------------------------


@settings(SETTINGS, max_examples=1000)
@given(raw=st.one_of(st.binary(max_size=4000), st.binary(max_size=2000).map(lambda b: _BASE + b)))
def test_arbitrary_bytes_give_a_report(raw: bytes) -> None:
    """Any bytes at all, alone or after a normal header block, give a report."""
    _read(raw)
