"""The parser's lighter copy (large base64 bodies set aside) changes nothing that is read."""

from __future__ import annotations

import base64
import hashlib
import random
from email.message import EmailMessage
from pathlib import Path

import pytest
from benchmarks.corpus import message
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.parse import reader
from intake.parse.limits import DEFAULT_LIMITS
from intake.parse.mail import ParsedMail
from intake.parse.prescan import prescan
from intake.parse.unfold import set_aside_base64_bodies

SAMPLES = sorted((Path(__file__).parents[1] / "data" / "samples").glob("*.eml"))


def _essence(mail: ParsedMail) -> tuple[object, ...]:
    return (
        mail.subject,
        mail.sha256,
        mail.size_bytes,
        [
            (a.location, a.content_type, a.detected_type, hashlib.sha256(a.payload).hexdigest())
            for a in mail.attachments
        ],
        [(t.where, t.text) for t in mail.texts],
        [(p.flag, p.quarantine) for p in mail.problems],
        mail.part_count,
    )


def _both(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[ParsedMail, ParsedMail]:
    monkeypatch.setattr(reader, "_SET_ASIDE_FROM_BYTES", 0)
    light = reader.parse_mail(raw)
    monkeypatch.setattr(reader, "_SET_ASIDE_FROM_BYTES", 1 << 62)
    whole = reader.parse_mail(raw)
    return light, whole


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_read_the_same_with_and_without_set_aside(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every sample gives the same attachments, bytes, texts and problems either way."""
    light, whole = _both(path.read_bytes(), monkeypatch)
    assert _essence(light) == _essence(whole)


def test_a_large_generated_notification_sets_its_pdfs_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 400 KB notification's two PDF bodies are set aside, and decode to the same bytes."""
    raw = message(7)
    aside = set_aside_base64_bodies(raw, prescan(raw, DEFAULT_LIMITS).boundaries)
    assert len(aside.bodies) == 2
    assert len(aside.data) < len(raw) // 20
    light, whole = _both(raw, monkeypatch)
    assert _essence(light) == _essence(whole)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    size=st.integers(20_000, 60_000),
    crlf=st.booleans(),
    line_bytes=st.sampled_from([60, 76, 1000]),
    damage=st.sampled_from(["none", "dash", "colon", "padding"]),
)
def test_any_base64_body_reads_the_same(
    seed: int, size: int, crlf: bool, line_bytes: int, damage: str
) -> None:
    """Whatever the body, line length, line ends or damage, both ways decode the same bytes."""
    payload = random.Random(seed).randbytes(size)
    encoded = base64.b64encode(payload)
    lines = [encoded[i : i + line_bytes] for i in range(0, len(encoded), line_bytes)]
    if damage == "dash":
        lines.insert(len(lines) // 2, b"--not-a-boundary")
    elif damage == "colon":
        lines.insert(len(lines) // 2, b"X-Header: value")
    elif damage == "padding":
        lines[-1] = lines[-1].rstrip(b"=")
    body = b"\n".join(lines)
    msg = EmailMessage()
    msg["Subject"] = "COI.CN.2023.0012345"
    msg.set_content("see attached")
    msg.add_attachment(b"placeholder", maintype="application", subtype="pdf", filename="BL.pdf")
    raw = msg.as_bytes().replace(base64.b64encode(b"placeholder"), body)
    if crlf:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with pytest.MonkeyPatch.context() as patch:
        light, whole = _both(raw, patch)
    assert _essence(light) == _essence(whole)
