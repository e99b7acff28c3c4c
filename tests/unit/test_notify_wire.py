"""The wire form of desk mail: whatever checked values go in read back the same."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from hypothesis import given, settings
from hypothesis import strategies as st

from notify.wire import WireMail, to_bytes

# Text as templates produce it: any printable character, line breaks, trailing blanks.
_TEXT = st.lists(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
        | st.sampled_from(["\n", " ", "=", ".", "\t"]),
        max_size=120,
    )
    | st.sampled_from(["From here", ".", "-- ", "a" * 200, "=_x", "é" * 90]),
    max_size=8,
).map("\n".join)
_SUBJECT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=200
).map(lambda s: " ".join(s.split()) or "x")


def _mail(subject: str, text: str, html: str, references: tuple[str, ...] = ()) -> WireMail:
    return WireMail(
        from_name="Departement Landbouw en Visserij \u2013 import bio",
        from_address="importbio@lv.example.be",
        to=("jan@importer.example", "an@importer.example"),
        subject=subject,
        date=datetime(2025, 4, 22, 10, 0, tzinfo=UTC),
        message_id="<abc123@lv.example.be>",
        in_reply_to="<x1@importer.example>",
        references=references,
        auto_submitted="auto-replied",
        precedence="auto_reply",
        text=text,
        html=html,
    )


def _parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@settings(max_examples=200, deadline=None)
@given(subject=_SUBJECT, text=_TEXT, html=_TEXT)
def test_any_subject_and_bodies_read_back_the_same(subject: str, text: str, html: str) -> None:
    """Subject, text and HTML of any content parse back unchanged, in lines of 998 at most."""
    raw = to_bytes(_mail(subject, text, html))
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    parsed = _parse(raw)
    assert parsed["Subject"] == subject
    plain = parsed.get_body(preferencelist=("plain",))
    rich = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert rich is not None
    assert plain.get_content().replace("\r\n", "\n") == text.replace("\r\n", "\n")
    assert rich.get_content().replace("\r\n", "\n") == html.replace("\r\n", "\n")


def test_headers_read_back() -> None:
    """Sender with a non-ASCII name, recipients, threading and robot headers read back."""
    references = tuple(f"<ref{n}.{'x' * 60}@importer.example>" for n in range(20))
    parsed = _parse(
        to_bytes(_mail("Ontvangen / Received: COI.EC.2023.0031337", "t\n", "h\n", references))
    )
    sender = parsed["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Departement Landbouw en Visserij \u2013 import bio",
        "importbio@lv.example.be",
    )
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        "jan@importer.example",
        "an@importer.example",
    ]
    assert parsed["References"].split() == list(references)
    assert parsed["In-Reply-To"] == "<x1@importer.example>"
    assert (parsed["Auto-Submitted"], parsed["Precedence"]) == ("auto-replied", "auto_reply")
    assert parsed["Date"].datetime == datetime(2025, 4, 22, 10, 0, tzinfo=UTC)
    assert parsed["Content-Language"] == "nl, en"
    assert parsed.get_content_type() == "multipart/alternative"


def test_plain_words_of_a_subject_stay_plain() -> None:
    """In a subject with a few non-ASCII words, the COI reference stays literal on the wire."""
    subject = "Beslissing / Decision: COI.EC.2023.0031337 \u2013 Vrijgegeven / Released =?x?="
    raw = to_bytes(_mail(subject, "t\n", "h\n"))
    header = raw.split(b"\r\nSubject: ", 1)[1].split(b"\r\nDate: ", 1)[0]
    assert b" COI.EC.2023.0031337 =?utf-8?q?" in header
    assert b"=?x?=" not in header
    assert _parse(raw)["Subject"] == subject
