"""The pure IMAP helpers: refs, UID sets, response parsing and mailbox name encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.sources import imap_wire as wire


@given(st.sets(st.integers(min_value=1, max_value=2**32 - 1), min_size=1, max_size=60))
def test_uid_set_covers_exactly_the_uids(uids: set[int]) -> None:
    """A UID set expands back to exactly the UIDs it was made from."""
    expanded: set[int] = set()
    for run in wire.uid_set(uids).split(","):
        low, _, high = run.partition(":")
        expanded.update(range(int(low), int(high or low) + 1))
    assert expanded == uids


@pytest.mark.parametrize(
    ("uids", "expected"),
    [([3], "3"), ([1, 2, 3, 7, 9, 10], "1:3,7,9:10"), ([5, 1, 2, 2], "1:2,5")],
)
def test_uid_set_is_compact(uids: list[int], expected: str) -> None:
    """Consecutive UIDs collapse into ranges, in ascending order, without duplicates."""
    assert wire.uid_set(uids) == expected


def test_uid_set_refuses_nothing() -> None:
    """An empty UID set is an error, never a command that matches nothing or everything."""
    with pytest.raises(ValueError, match="empty"):
        wire.uid_set([])


@given(
    st.text(min_size=1, max_size=40).filter(lambda s: "\n" not in s),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=1, max_value=2**32 - 1),
)
def test_refs_round_trip(mailbox: str, uidvalidity: int, uid: int) -> None:
    """A ref made from a mailbox (even one holding ':'), UIDVALIDITY and UID parses back."""
    ref = wire.make_ref(mailbox, uidvalidity, uid)
    assert wire.parse_ref(ref) == wire.ImapRef(mailbox, uidvalidity, uid)


@pytest.mark.parametrize(
    "ref",
    [
        "maildir:1700000000.M1P2.host",
        "imap:INBOX:12",
        "imap::12:3",
        "imap:INBOX:x:3",
        "imap:INBOX:12:0",
        "imap:INBOX:12:-3",
        "imap:INBOX:12:99999999999",
        "imap:INBOX:12:٣",
        "imap:" + "x" * 2000 + ":1:2",
    ],
)
def test_parse_ref_rejects_other_refs(ref: str) -> None:
    """Refs of other sources and malformed refs parse to None, so they are never acted on."""
    assert wire.parse_ref(ref) is None


def test_search_uids_reads_the_untagged_answer() -> None:
    """UIDs come from the SEARCH lines; status text and an empty answer give nothing extra."""
    assert wire.search_uids([b"4 2 9", b"Search completed (0.001 + 0.000 secs)."]) == [2, 4, 9]
    assert wire.search_uids([b"", b"Search completed."]) == []


def test_select_answer() -> None:
    """UIDVALIDITY and the keyword permission are read from a SELECT answer."""
    lines = [
        b"FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
        b"OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.",
        b"2 EXISTS",
        b"OK [UIDVALIDITY 1795266590] UIDs valid",
        b"[READ-WRITE] Select completed (0.001 + 0.000 secs).",
    ]
    assert wire.select_uidvalidity(lines) == 1795266590
    assert wire.allows_keywords(lines)
    assert not wire.allows_keywords([b"OK [PERMANENTFLAGS (\\Deleted \\Seen)] Limited."])
    assert wire.select_uidvalidity([b"Select completed."]) is None


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([b"[AUTHENTICATIONFAILED] Authentication failed."], "AUTHENTICATIONFAILED"),
        ([b"OK [COPYUID 1 1 1] Moved UIDs.", b"[TRYCREATE] Mailbox doesn't exist: X"], "TRYCREATE"),
        ([b"[ALREADYEXISTS] Mailbox already exists (0.001 + 0.000 secs)."], "ALREADYEXISTS"),
        ([b"Logged in"], None),
        ([], None),
    ],
)
def test_response_code_of_the_tagged_status(lines: list[bytes], code: str | None) -> None:
    """The response code is read from the final, tagged status line."""
    assert wire.response_code(lines) == code


def test_response_text_leaves_out_message_bytes() -> None:
    """The text kept for errors and logs never includes a literal (message bytes)."""
    lines: list[bytes | bytearray] = [
        b"1 FETCH (UID 1 BODY[] {6}",
        bytearray(b"secret"),
        b")",
        b"Fetch failed.",
    ]
    assert "secret" not in wire.response_text(lines)
    assert wire.response_text(lines).endswith("Fetch failed.")


def test_fetched_sizes() -> None:
    """RFC822.SIZE answers map UID to size, ignoring other lines."""
    lines = [b"1 FETCH (UID 7 RFC822.SIZE 21)", b"2 FETCH (RFC822.SIZE 284 UID 9)", b"Done."]
    assert wire.fetched_sizes(lines) == {7: 21, 9: 284}


def test_fetched_bodies_keeps_bytes_and_skips_unsolicited_lines() -> None:
    """Bodies are matched to UIDs wherever the UID sits; a flag update without body is skipped."""
    lines: list[bytes | bytearray] = [
        b"1 FETCH (UID 5 BODY[] {5}",
        bytearray(b"a\r\nb)"),
        b")",
        b"3 FETCH (FLAGS (\\Seen) UID 8)",
        b"2 FETCH (BODY[] {3}",
        bytearray(b"xyz"),
        b" UID 6)",
        b"Fetch completed.",
    ]
    assert wire.fetched_bodies(lines) == {5: b"a\r\nb)", 6: b"xyz"}


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", '"INBOX"'),
        ("Postvak IN", '"Postvak IN"'),
        ("Entwürfe", '"Entw&APw-rfe"'),
        ("R&D", '"R&-D"'),
        ("日本語", '"&ZeVnLIqe-"'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("Éléments envoyés", '"&AMk-l&AOk-ments envoy&AOk-s"'),
    ],
)
def test_encode_mailbox(name: str, encoded: str) -> None:
    """Mailbox names are sent in modified UTF-7 (RFC 3501), quoted."""
    assert wire.encode_mailbox(name) == encoded


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([b"INBOX (UIDVALIDITY 1795273705)", b"STATUS completed"], 1795273705),
        ([b'"Mijn map" (MESSAGES 3 UIDVALIDITY 42 UIDNEXT 7)'], 42),
        ([b"INBOX (MESSAGES 3)"], None),
        ([b"OK [UIDVALIDITY 9] in a SELECT answer, not a STATUS one"], None),
        ([b"INBOX (UIDVALIDITY 12345678901)"], None),
    ],
)
def test_status_uidvalidity(lines: list[bytes], expected: int | None) -> None:
    """The UIDVALIDITY of a STATUS answer is read from its list, and nothing else is."""
    assert wire.status_uidvalidity(lines) == expected
