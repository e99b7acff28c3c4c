"""The Maildir inbox adapter: delivery, draining, moving out, and sharing between intakes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from intake.sources.base import Incoming
from intake.sources.maildir import MaildirError, MaildirSource, deliver


def _message(number: int) -> bytes:
    """A message whose bytes a careless reader would alter (CRLF, NUL, 8-bit, no final EOL)."""
    return (
        f"From: importer{number}@example.test\r\nSubject: COI.BE.2024.{number:07d}\r\n\r\n".encode()
        + b"caf\xe9 \x00 line\n>From here\r\n"
        + bytes((number * 37 + k) % 256 for k in range(number % 7))
    )


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def _drain(source: MaildirSource, *, pause: bool = False) -> list[Incoming]:
    """Everything the source yields, each batch marked done right after."""
    seen: list[Incoming] = []
    async for batch in source.batches(watch=False):
        seen.extend(batch)
        if pause:
            await asyncio.sleep(0)
        await source.done(batch)
    return seen


async def test_drain_yields_every_message_once_with_identical_bytes(tmp_path: Path) -> None:
    """Fifty delivered messages come out in delivery order, byte for byte, in batches."""
    sent = {f"maildir:{deliver(tmp_path, _message(n))}": _message(n) for n in range(50)}
    source = MaildirSource(tmp_path, batch_size=7)
    sizes: list[int] = []
    got: list[Incoming] = []
    async for batch in source.batches(watch=False):
        sizes.append(len(batch))
        got.extend(batch)
    await source.close()
    assert {item.ref: item.raw for item in got} == sent
    assert [item.ref for item in got] == list(sent)  # delivery order
    assert max(sizes) == 7
    assert len(got) == 50


async def test_done_moves_all_into_processed_flagged_seen(tmp_path: Path) -> None:
    """After done, every message sits in .Processed/cur as <name>:2,S, unchanged, inbox empty."""
    names = [deliver(tmp_path, _message(n)) for n in range(50)]
    source = MaildirSource(tmp_path)
    got = await _drain(source)
    await source.close()
    assert len(got) == 50
    assert _files(tmp_path / ".Processed" / "cur") == sorted(f"{n}:2,S" for n in names)
    for number, name in enumerate(names):
        assert (tmp_path / ".Processed" / "cur" / f"{name}:2,S").read_bytes() == _message(number)
    assert _files(tmp_path / "new") == []
    assert _files(tmp_path / "cur") == []
    assert _files(tmp_path / "tmp") == []


async def test_quarantine_moves_the_message_and_writes_the_reason(tmp_path: Path) -> None:
    """Quarantine moves the file to .Quarantine/cur/<name>:2, and keeps the reason beside it."""
    name = deliver(tmp_path, _message(1))
    source = MaildirSource(tmp_path)
    async for batch in source.batches(watch=False):
        await source.quarantine(batch[0], "MIME structure nested 400 deep")
    await source.close()
    moved = tmp_path / ".Quarantine" / "cur" / f"{name}:2,"
    assert moved.read_bytes() == _message(1)
    reasons = tmp_path / ".Quarantine" / "reasons"
    assert _files(reasons) == [f"{name}.txt"]  # no temporary file left behind
    assert (reasons / f"{name}.txt").read_text() == "MIME structure nested 400 deep\n"
    assert _files(tmp_path / "new") == _files(tmp_path / "cur") == []


async def test_watch_picks_up_mail_delivered_after_start(tmp_path: Path) -> None:
    """With watch, a message delivered while the source waits comes out within two seconds."""
    source = MaildirSource(tmp_path, poll_interval_s=0.05)
    stream = source.batches(watch=True)
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    name = await asyncio.to_thread(deliver, tmp_path, _message(3))
    batch = await asyncio.wait_for(waiting, timeout=2.0)
    assert [(item.ref, item.raw) for item in batch] == [(f"maildir:{name}", _message(3))]
    await stream.aclose()
    await source.close()


async def test_watch_never_yields_a_held_message_twice(tmp_path: Path) -> None:
    """A message waiting for done is not yielded again by later polls of the same source."""
    deliver(tmp_path, _message(1))
    source = MaildirSource(tmp_path, poll_interval_s=0.02)
    stream = source.batches(watch=True)
    first = await anext(stream)
    assert len(first) == 1
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(stream), timeout=0.3)
    await source.done(first)
    await source.close()
    assert _files(tmp_path / ".Processed" / "cur") == [f"{first[0].ref[8:]}:2,S"]


async def test_two_sources_in_one_process_share_the_work(tmp_path: Path) -> None:
    """Two sources draining one Maildir concurrently yield every message exactly once."""
    names = {deliver(tmp_path, _message(n)) for n in range(120)}
    first, second = MaildirSource(tmp_path, batch_size=3), MaildirSource(tmp_path, batch_size=3)
    got_first, got_second = await asyncio.gather(
        _drain(first, pause=True), _drain(second, pause=True)
    )
    await first.close()
    await second.close()
    assert got_first, "the first source took no share"
    assert got_second, "the second source took no share"
    refs = [item.ref for item in [*got_first, *got_second]]
    assert sorted(refs) == sorted(f"maildir:{n}" for n in names)
    assert len(_files(tmp_path / ".Processed" / "cur")) == 120


def _drain_in_process(root: str, start: object, results: object) -> None:
    """Child process body: wait until both children are ready, drain, report the refs."""
    source = MaildirSource(Path(root), batch_size=2)
    start.wait(timeout=60)  # type: ignore[attr-defined]

    async def run() -> list[str]:
        refs = [item.ref for item in await _drain(source)]
        await source.close()
        return refs

    results.put(asyncio.run(run()))  # type: ignore[attr-defined]


def test_two_processes_share_the_work(tmp_path: Path) -> None:
    """Two OS processes draining one Maildir at once yield every message exactly once."""
    names = {deliver(tmp_path, _message(n)) for n in range(120)}
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_drain_in_process, args=(str(tmp_path), start, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    shares = [results.get(timeout=60), results.get(timeout=60)]
    assert all(shares)  # both really took part
    refs = [*shares[0], *shares[1]]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    results.close()
    results.join_thread()
    assert sorted(refs) == sorted(f"maildir:{n}" for n in names)
    assert len(_files(tmp_path / ".Processed" / "cur")) == 120


async def test_a_held_message_is_not_taken_by_another_source(tmp_path: Path) -> None:
    """A message one live source holds in cur/ is skipped by a source started after it."""
    deliver(tmp_path, _message(1))
    first = MaildirSource(tmp_path)
    held = await anext(first.batches(watch=False))
    assert len(_files(tmp_path / "cur")) == 1
    second = MaildirSource(tmp_path)
    assert await _drain(second) == []
    await first.done(held)
    await first.close()
    await second.close()


async def test_a_message_left_claimed_by_a_crash_is_adopted(tmp_path: Path) -> None:
    """A claimed file left in cur/ without S (its process died) is yielded by the next source."""
    name = deliver(tmp_path, _message(5))
    crashed = MaildirSource(tmp_path)
    stranded = await anext(crashed.batches(watch=False))
    await crashed.close()  # what the kernel does to the locks of a killed process
    assert _files(tmp_path / "cur") == [f"{name}:2,"]
    source = MaildirSource(tmp_path)
    got = await _drain(source)
    await source.close()
    assert [(item.ref, item.raw) for item in got] == [(stranded[0].ref, _message(5))]
    assert _files(tmp_path / ".Processed" / "cur") == [f"{name}:2,S"]


@pytest.mark.parametrize("flags", ["", "S", "FS", "RS"])
async def test_mail_a_person_moved_to_cur_is_still_processed(tmp_path: Path, flags: str) -> None:
    """Inbox cur/ files are unprocessed whatever their flags; done adds S and keeps the rest."""
    source = MaildirSource(tmp_path)
    (tmp_path / "cur" / f"1700000000.M1P1.host:2,{flags}").write_bytes(_message(2))
    got = await _drain(source)
    await source.close()
    assert [(item.ref, item.raw) for item in got] == [("maildir:1700000000.M1P1.host", _message(2))]
    expected_flags = "".join(sorted(set(flags) | {"S"}))
    assert _files(tmp_path / ".Processed" / "cur") == [f"1700000000.M1P1.host:2,{expected_flags}"]


async def test_done_finds_a_message_whose_flags_changed_meanwhile(tmp_path: Path) -> None:
    """A held message a mail client renamed (flagged seen) is still moved out by done."""
    name = deliver(tmp_path, _message(4))
    source = MaildirSource(tmp_path)
    batch = await anext(source.batches(watch=False))
    os.rename(tmp_path / "cur" / f"{name}:2,", tmp_path / "cur" / f"{name}:2,FS")
    await source.done(batch)
    await source.close()
    assert _files(tmp_path / ".Processed" / "cur") == [f"{name}:2,FS"]
    assert _files(tmp_path / "cur") == []


async def test_done_on_a_message_already_gone_is_not_an_error(tmp_path: Path) -> None:
    """Done is quiet about a message another intake already moved, and about unknown refs."""
    name = deliver(tmp_path, _message(1))
    source = MaildirSource(tmp_path)
    batch = await anext(source.batches(watch=False))
    os.rename(tmp_path / "cur" / f"{name}:2,", tmp_path / ".Processed" / "cur" / f"{name}:2,S")
    await source.done(batch)
    await source.done([Incoming(ref="maildir:1.M2P3.nowhere", raw=b"")])
    await source.close()
    assert _files(tmp_path / ".Processed" / "cur") == [f"{name}:2,S"]


async def test_done_by_ref_alone_moves_a_free_message(tmp_path: Path) -> None:
    """Done on a ref this source never yielded still moves the message if no one holds it."""
    name = deliver(tmp_path, _message(6))
    source = MaildirSource(tmp_path)
    await source.done([Incoming(ref=f"maildir:{name}", raw=b"")])
    await source.close()
    assert _files(tmp_path / ".Processed" / "cur") == [f"{name}:2,S"]
    assert (tmp_path / ".Processed" / "cur" / f"{name}:2,S").read_bytes() == _message(6)


async def test_done_never_replaces_a_file_of_the_same_name(tmp_path: Path) -> None:
    """A name already taken in .Processed gets a fresh unique name instead of an overwrite."""
    name = deliver(tmp_path, _message(7))
    source = MaildirSource(tmp_path)
    (tmp_path / ".Processed" / "cur" / f"{name}:2,S").write_bytes(b"older")
    await _drain(source)
    await source.close()
    processed = tmp_path / ".Processed" / "cur"
    assert sorted(p.read_bytes() for p in processed.iterdir()) == sorted([b"older", _message(7)])


@pytest.mark.parametrize("ref", ["imap:INBOX:1:2", "maildir:", "maildir:../x", "maildir:a/b"])
async def test_done_rejects_refs_that_are_not_maildir_names(tmp_path: Path, ref: str) -> None:
    """A ref that is not a plain Maildir unique name cannot reach outside the Maildir."""
    source = MaildirSource(tmp_path)
    with pytest.raises(ValueError, match="not a Maildir message ref"):
        await source.done([Incoming(ref=ref, raw=b"")])
    await source.close()


async def test_odd_entries_in_the_inbox_are_skipped(tmp_path: Path) -> None:
    """Dotfiles, folders, symlinks and FIFOs in new/ are not messages and are left alone."""
    name = deliver(tmp_path, _message(1))
    new = tmp_path / "new"
    (new / ".hidden").write_bytes(b"x")
    (new / "folder").mkdir()
    (new / "link").symlink_to(new / name)
    os.mkfifo(new / "fifo")
    source = MaildirSource(tmp_path)
    got = await _drain(source)
    await source.close()
    assert [item.ref for item in got] == [f"maildir:{name}"]
    assert _files(new) == [".hidden", "fifo", "folder", "link"]


def test_layout_is_created_private(tmp_path: Path) -> None:
    """A missing Maildir and its Processed and Quarantine folders are created, mode 0700."""
    root = tmp_path / "spool" / "intake"
    MaildirSource(root, processed_folder="Done")
    for folder in ("", ".Done", ".Quarantine"):
        for sub in ("new", "cur", "tmp"):
            path = root / folder / sub
            assert path.is_dir()
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_a_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    """A root that exists and is not a folder gives a MaildirError naming it."""
    root = tmp_path / "inbox"
    root.write_bytes(b"not a folder")
    with pytest.raises(MaildirError, match="inbox: exists and is not a folder") as caught:
        MaildirSource(root)
    assert caught.value.path == root


@pytest.mark.parametrize("folder", ["", ".Hidden", "a/b", "..", "x\0y"])
def test_unsafe_folder_names_are_refused(tmp_path: Path, folder: str) -> None:
    """Processed and quarantine folder names must be plain Maildir++ names."""
    with pytest.raises(ValueError, match="Maildir\\+\\+ folder name"):
        MaildirSource(tmp_path, quarantine_folder=folder)


def test_deliver_makes_unique_names_and_leaves_tmp_empty(tmp_path: Path) -> None:
    """Quick deliveries get distinct, time-ordered names, land in new/ and leave tmp/ empty."""
    names = [deliver(tmp_path, b"x") for _ in range(200)]
    assert len(set(names)) == 200
    times = [(int(n.split(".")[0]), int(n.split(".M")[1].split("P")[0])) for n in names]
    assert times == sorted(times)
    assert _files(tmp_path / "new") == sorted(names)
    assert _files(tmp_path / "tmp") == []
    assert all(":" not in n and "/" not in n for n in names)


async def test_a_colon_in_a_new_name_is_part_of_the_unique_name(tmp_path: Path) -> None:
    """A non-standard new/ name with a colon keeps its whole name through claim and done."""
    source = MaildirSource(tmp_path)
    (tmp_path / "new" / "1700000000.M1P1.old:host").write_bytes(_message(8))
    got = await _drain(source)
    await source.close()
    assert [item.ref for item in got] == ["maildir:1700000000.M1P1.old:host"]
    assert _files(tmp_path / ".Processed" / "cur") == ["1700000000.M1P1.old:host:2,S"]
