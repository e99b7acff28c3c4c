"""Tests for making received text safe for outgoing headers and quoted plain text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.safety import ELLIPSIS, quote_safely, safe_header_text, safe_lines, safe_message_id

_CONTROL_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
# Text with the characters that hurt most, mixed into anything else.
_HOSTILE_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["\r", "\n", "\r\n", "=?", "?=", "=", "?", "\u2028", "\u202e", "\x00"]),
        st.text(max_size=8),
    ),
    max_size=80,
).map("".join)


def _no_controls(text: str) -> bool:
    return not any(unicodedata.category(c) in _CONTROL_CATEGORIES for c in text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("COI.CN.2023.0012345", "COI.CN.2023.0012345"),
        ("Hello\r\nBcc: x@y.example", "Hello Bcc: x@y.example"),
        ("  many   spaces\tand\ttabs  ", "many spaces and tabs"),
        ("=?utf-8?b?SGk=?=", "= ?utf-8?b?SGk= ? ="),
        ("Subject =?utf-8?q?=3Cscript=3E?=", "Subject = ?utf-8?q? =3Cscript=3E? ="),
        ("bidi \u202etxt.exe", "bidi txt.exe"),
        ("zero\u200bwidth", "zerowidth"),
        ("line\u2028separator", "line separator"),
        ("", ""),
    ],
)
def test_safe_header_text_examples(value: str, expected: str) -> None:
    """Line breaks, controls and encoded-word markers are removed or split, text is kept."""
    assert safe_header_text(value) == expected


def test_safe_header_text_cuts_with_ellipsis() -> None:
    """A long value is cut to the limit and ends with an ellipsis."""
    assert safe_header_text("abcdefghij" * 5, max_chars=12) == "abcdefghija" + ELLIPSIS
    assert safe_header_text("abcdefghij", max_chars=10) == "abcdefghij"


def test_safe_header_text_never_splits_a_character_from_its_mark() -> None:
    """The cut never leaves a base letter without its combining mark, or a mark alone."""
    # q with a dot above has no precomposed form, so it stays two code points under NFC.
    result = safe_header_text("q\u0307" * 10, max_chars=6)
    kept = result.removesuffix(ELLIPSIS)
    assert kept == "q\u0307" * (len(kept) // 2)


def test_safe_header_text_rejects_a_zero_limit() -> None:
    """A limit below one character is a programming error."""
    with pytest.raises(ValueError, match="max_chars"):
        safe_header_text("x", max_chars=0)


@given(_HOSTILE_TEXT, st.integers(min_value=1, max_value=300))
def test_safe_header_text_properties(value: str, max_chars: int) -> None:
    """No CR/LF, no control, no encoded-word marker survives, and the length is bounded."""
    result = safe_header_text(value, max_chars=max_chars)
    assert "\r" not in result
    assert "\n" not in result
    assert "=?" not in result
    assert "?=" not in result
    assert len(result) <= max_chars
    assert _no_controls(result)
    assert result == result.strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\r\nb", "> a\n> b"),
        ("a\rb\nc", "> a\n> b\n> c"),
        ("a\n\n\n\nb", "> a\n>\n> b"),
        ("\n\nstart\n\n", "> start"),
        ("tab\there", "> tab here"),
        ("evil\u202e line\x07", "> evil line"),
        ("<b>bold</b>", "> <b>bold</b>"),
    ],
)
def test_quote_safely_examples(text: str, expected: str) -> None:
    """Each line is quoted with "> ", blank runs shrink to one, controls are removed."""
    assert quote_safely(text) == expected


def test_quote_safely_bounds_lines() -> None:
    """A long text keeps its first lines and says that more was left out."""
    quoted = quote_safely("\n".join(f"line {i}" for i in range(50)), max_lines=5)
    assert quoted.splitlines() == [
        "> line 0",
        "> line 1",
        "> line 2",
        "> line 3",
        f"> [{ELLIPSIS}]",
    ]


def test_quote_safely_bounds_line_length() -> None:
    """A long line is cut with an ellipsis."""
    quoted = quote_safely("x" * 500, max_line_chars=40)
    assert quoted == "> " + "x" * 39 + ELLIPSIS


@given(
    _HOSTILE_TEXT,
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=1, max_value=120),
)
def test_quote_safely_properties(text: str, max_lines: int, max_line_chars: int) -> None:
    """Every line is quoted, bounded and free of controls; there are never too many lines."""
    quoted = quote_safely(text, max_lines=max_lines, max_line_chars=max_line_chars)
    lines = quoted.split("\n") if quoted else []
    assert "\r" not in quoted
    assert len(lines) <= max_lines
    for line in lines:
        assert line == ">" or line.startswith("> ")
        assert len(line) <= max_line_chars + 2
        assert _no_controls(line)


@given(_HOSTILE_TEXT)
def test_safe_lines_are_single_lines(text: str) -> None:
    """Each safe line is really one line: no character splits it again."""
    for line in safe_lines(text):
        assert line.splitlines() in ([line], [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc.123@mail.example>", "<abc.123@mail.example>"),
        ("  <CAF=x+y@mail.gmail.example>  ", "<CAF=x+y@mail.gmail.example>"),
        ("abc@mail.example", None),
        ("<abc@mail.example>\r\nBcc: x@y.example", None),
        ("<a b@mail.example>", None),
        ("<abc@mail.example> <def@mail.example>", None),
        ("<abc@def@mail.example>", None),
        ("<=?utf-8?q?x?=@mail.example>", None),
        ("<" + "a" * 300 + "@mail.example>", None),
        ("<abc>", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_message_id(value: str | None, expected: str | None) -> None:
    """Only one well-formed <left@right> Message-ID is kept for In-Reply-To and References."""
    assert safe_message_id(value) == expected
