"""``importbio parse`` run as a person runs it: the installed console script in a subprocess.

Covers every kind of input (a file, a folder tree, a Maildir, an mbox file, standard input),
inputs that cannot be opened, both output formats, and wrong options or settings, which must
stop the command with exit code 2 and one clear line, never a traceback.

Starting the command costs seconds, so every invocation the tests look at is listed once in
``CALLS`` and run concurrently by the module fixture ``runs``; each test then checks what its
invocation printed. Where one real invocation answers several questions (several inputs on
one command line), the tests share it.
"""

from __future__ import annotations

import hashlib
import json
import mailbox
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# The shared ``runs`` fixture starts every invocation inside the first test that needs it.
pytestmark = pytest.mark.timeout(300)

SAMPLES_DIR = Path(__file__).parent / "data" / "samples"
TOO_EARLY = SAMPLES_DIR / "29_outlook_nl_too_early.eml"  # ETA Friday 16 June 2023
OVER_11_JULY = SAMPLES_DIR / "32_outlook_nl_eta_over_11_july.eml"  # ETA Wednesday 12 July 2023
GERMAN = SAMPLES_DIR / "04_thunderbird_de_complete.eml"
BOUNCE = SAMPLES_DIR / "42_postfix_dsn_bounce.eml"
GMAIL = SAMPLES_DIR / "02_gmail_en_complete.eml"
NOW = "2023-06-06T09:00:00+02:00"
# A valid extra-controls table; the broken ones in the tests are variations on it.
GOOD_TABLE = """\
year = 2024
valid_from = 2024-01-01
valid_until = 2024-12-31
source = "test table"

[[row]]
origin = "CN"
origin_names = ["China"]
product = "ginger"
product_words = ["ginger"]
cn_codes = ["0910.11.00"]
min_share_pct = 10
"""


def _lf_message(subject: str, body: str) -> bytes:
    message_id = hashlib.sha256(subject.encode()).hexdigest()[:16]
    return (
        "From: Sofie Peeters <sofie@groenhof.example.be>\n"
        "To: importbio@landbouw.example.be\n"
        f"Subject: {subject}\n"
        "Date: Tue, 06 Jun 2023 08:15:00 +0200\n"
        f"Message-ID: <{message_id}@groenhof.example.be>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        f"{body}"
    ).encode()


MBOX_MESSAGES = (
    _lf_message(
        "COI.CN.2023.0012345 aanmelding",
        "Goedemorgen,\n\nFrom the port of Antwerp the goods go by truck.\nETA 12/06/2023.\n",
    ),
    _lf_message("COI.PE.2023.0045678 notification", "Hello,\n\nETA 13/06/2023 Antwerp.\n"),
    _lf_message("Vraag over TRACES", "Goedemiddag,\n\nFrom now on we use a new account.\n"),
)


# -- running the command ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """What one run of the command left behind."""

    code: int
    stdout: str
    stderr: str

    def reports(self) -> list[dict[str, Any]]:
        """The JSON reports printed, one per line."""
        return [json.loads(line) for line in self.stdout.splitlines()]


@dataclass(frozen=True, slots=True)
class Call:
    """One invocation: arguments after ``importbio``, extra settings, standard input."""

    args: tuple[str | Path, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: bytes = b""
    cwd: Path | None = None


def _console_script() -> str:
    beside = Path(sys.executable).parent / "importbio"
    found = str(beside) if beside.exists() else shutil.which("importbio")
    if found is None:
        pytest.fail("the importbio console script is not installed in this environment")
    return found


def run(call: Call) -> Run:
    """Run ``importbio`` as a shell would, with no IMPORTBIO_* settings but the call's own."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTBIO_")}
    # A wide, plain terminal so usage errors are neither wrapped nor coloured.
    environment.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    environment.update(call.env)
    done = subprocess.run(
        [_console_script(), *map(str, call.args)],
        input=call.stdin,
        capture_output=True,
        env=environment,
        cwd=call.cwd,
        timeout=90,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


# -- the inputs and the invocations ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inputs:
    """Mail and settings folders built once for the module."""

    base: Path

    @property
    def tree(self) -> Path:
        """A folder of .eml files at several depths, other files, and a Maildir inside."""
        return self.base / "tree"

    @property
    def maildir(self) -> Path:
        """A Maildir with a message in new/, one in cur/ and a half-written one in tmp/."""
        return self.base / "Maildir"

    @property
    def mbox(self) -> Path:
        """An mbox file holding ``MBOX_MESSAGES``."""
        return self.base / "inbox.mbox"

    @property
    def missing(self) -> Path:
        """A path where nothing exists."""
        return self.base / "no-such-mail.eml"

    def rules(self, name: str) -> Path:
        """An operator rules folder."""
        return self.base / "rules" / name


def _build_tree(root: Path) -> None:
    for target, sample in (
        (root / "top.eml", TOO_EARLY),
        (root / "nested" / "other.EML", BOUNCE),
        (root / "nested" / "dirs" / "deep.eml", GERMAN),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample, target)
    (root / "nested" / "notes.txt").write_text("not a mail\n")
    (root / "nested" / "dirs" / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "archive").mkdir()
    mailbox.Maildir(root / "archive" / "desk", create=True).add(GMAIL.read_bytes())


def _build_maildir(folder: Path) -> None:
    box = mailbox.Maildir(folder, create=True)
    box.add(TOO_EARLY.read_bytes())
    seen = mailbox.MaildirMessage(GERMAN.read_bytes())
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    (folder / "tmp" / "1686031200.P1.host").write_bytes(GMAIL.read_bytes())


def _write_mbox(path: Path) -> None:
    box = mailbox.mbox(path)
    try:
        for message in MBOX_MESSAGES:
            box.add(message)
        box.flush()
    finally:
        box.close()


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _build(base: Path) -> Inputs:
    inputs = Inputs(base)
    _build_tree(inputs.tree)
    _build_maildir(inputs.maildir)
    _write_mbox(inputs.mbox)
    _write(inputs.rules("syntax") / "2024.toml", GOOD_TABLE.replace("[[row]]", "[[row]").encode())
    _write(
        inputs.rules("field") / "extra_controls" / "2024.toml",
        GOOD_TABLE.replace('source = "test table"\n', "").encode(),
    )
    _write(inputs.rules("cwd") / "pyproject.toml", b"[project]\nname = 'x'\n")
    return inputs


BAD_SETTINGS = {
    "IMPORTBIO_CLOSING_DAYS": "13-45",
    "IMPORTBIO_CPU_BUDGET_S": "abc",
    "IMPORTBIO_RULES_DIR": "/nonexistent/importbio-rules",
}
BROKEN_TABLES = {"syntax": "2024.toml", "field": "extra_controls/2024.toml"}
# (sample, --now, IMPORTBIO_CLOSING_DAYS or None for the default, flags, queue). The --now
# values also cover a bare date and a date-time without offset (both Brussels time).
CLOSING_CASES: dict[str, tuple[Path, str, str | None, list[str], str]] = {
    # 8 June 2023 to Friday 16 June: 6 working days, one more than allowed...
    "default": (TOO_EARLY, "2023-06-08", None, ["too_early"], "early"),
    # ...but 5 when the desk is also closed on Monday 12 June.
    "extra-day": (TOO_EARLY, "2023-06-08T09:00", "07-11, 2023-06-12", [], "check"),
    # 4 to 12 July 2023 is 5 working days only because of 11 July (the samples pin the
    # default); with no closing day at all it is 6.
    "none": (OVER_11_JULY, "2023-07-04T09:00:00+02:00", "", ["too_early"], "early"),
}


def _calls(inputs: Inputs) -> dict[str, Call]:
    calls = {
        "single": Call(("parse", TOO_EARLY, "--now", NOW)),
        "text": Call(("parse", TOO_EARLY, GERMAN, "--now", NOW, "--format", "text")),
        "inputs": Call(
            ("parse", inputs.tree, inputs.maildir, inputs.mbox, inputs.missing, "--now", NOW)
        ),
        "stdin": Call(("parse", "-", "--now", NOW), stdin=TOO_EARLY.read_bytes()),
        "stdin-mbox": Call(("parse", "-", "--now", NOW), stdin=inputs.mbox.read_bytes()),
        "stdin-too-long": Call(
            ("parse", "-", "--now", NOW),
            env={"IMPORTBIO_MAX_MESSAGE_BYTES": "1000"},
            stdin=TOO_EARLY.read_bytes()[:16_001].ljust(16_001, b"x"),
        ),
        "bad-now": Call(("parse", TOO_EARLY, "--now", "yesterday")),
        "no-arguments": Call(()),
        "parse-no-paths": Call(("parse",)),
        "help": Call(("--help",)),
    }
    for name, value in BAD_SETTINGS.items():
        calls[f"setting:{name}"] = Call(("parse", TOO_EARLY), env={name: value})
    for name in BROKEN_TABLES:
        calls[f"table:{name}"] = Call(
            ("parse", TOO_EARLY), env={"IMPORTBIO_RULES_DIR": str(inputs.rules(name))}
        )
    for name, (sample, now, closing_days, _, _) in CLOSING_CASES.items():
        env = {} if closing_days is None else {"IMPORTBIO_CLOSING_DAYS": closing_days}
        calls[f"closing:{name}"] = Call(("parse", sample, "--now", now), env=env)
    # Empty settings mean "none": no closing day, and no operator rules folder (not the
    # working folder, where a stray .toml file would be read as a broken table).
    calls["closing:none"] = Call(
        calls["closing:none"].args,
        env={"IMPORTBIO_CLOSING_DAYS": "", "IMPORTBIO_RULES_DIR": ""},
        cwd=inputs.rules("cwd"),
    )
    return calls


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    """The module's mail and rules folders."""
    return _build(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def runs(inputs: Inputs) -> dict[str, Run]:
    """Every invocation in ``_calls``, run once, several at a time."""
    calls = _calls(inputs)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = dict(zip(calls, pool.map(run, calls.values()), strict=True))
    return results


# -- inputs ------------------------------------------------------------------------------------


def test_no_invocation_prints_a_traceback(runs: dict[str, Run]) -> None:
    """Whatever the input, option or setting, the command never prints a Python traceback."""
    offenders = {
        name: result.stderr
        for name, result in runs.items()
        if "Traceback" in result.stderr or "Traceback" in result.stdout
    }
    assert not offenders, offenders


def test_single_file(runs: dict[str, Run]) -> None:
    """One .eml file gives one JSON report labelled with its path, and exit code 0."""
    result = runs["single"]
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    [report] = result.reports()
    assert report["source"] == str(TOO_EARLY)
    assert report["kind"] == "notification"
    assert report["coi_references"] == ["COI.BR.2023.0002020"]
    assert report["queue"] == "early"


def _under(result: Run, folder: Path) -> list[dict[str, Any]]:
    return [r for r in result.reports() if r["source"].startswith(f"{folder}{os.sep}")]


def test_folder_is_read_recursively_in_a_stable_order(runs: dict[str, Run], inputs: Inputs) -> None:
    """A folder gives a report for every .eml below it at any depth (and for a Maildir inside
    it), top-down and by name, ignoring other files."""
    reports = _under(runs["inputs"], inputs.tree)
    relative = [Path(r["source"]).relative_to(inputs.tree) for r in reports]
    assert [path.parent.as_posix() for path in relative] == [
        ".",
        "archive/desk/new",
        "nested",
        "nested/dirs",
    ]
    assert [path.name for path in relative if path.parent.name != "new"] == [
        "top.eml",
        "other.EML",
        "deep.eml",
    ]
    assert [r["kind"] for r in reports] == [
        "notification",
        "notification",
        "bounce",
        "notification",
    ]
    assert reports[1]["coi_references"] == ["COI.PE.2023.0045678"]


def test_maildir_new_and_cur(runs: dict[str, Run], inputs: Inputs) -> None:
    """A Maildir gives a report for each message in new/ and in cur/, none for tmp/."""
    reports = _under(runs["inputs"], inputs.maildir)
    assert [Path(r["source"]).parent.name for r in reports] == ["new", "cur"]
    assert reports[0]["coi_references"] == ["COI.BR.2023.0002020"]
    assert reports[1]["coi_references"] == ["COI.TR.2023.0007788"]


def test_mbox_file(runs: dict[str, Run], inputs: Inputs) -> None:
    """An mbox file gives one report per message, labelled path#N, each with its exact bytes
    (the ">From " quoting of body lines undone, the separator line dropped)."""
    assert b"\n>From the port of Antwerp" in inputs.mbox.read_bytes()
    reports = [r for r in runs["inputs"].reports() if r["source"].startswith(f"{inputs.mbox}#")]
    assert [r["source"] for r in reports] == [f"{inputs.mbox}#{n}" for n in (1, 2, 3)]
    for report, message in zip(reports, MBOX_MESSAGES, strict=True):
        assert report["size_bytes"] == len(message), report["subject"]
        assert report["sha256"] == hashlib.sha256(message).hexdigest(), report["subject"]
    assert [r["kind"] for r in reports][:2] == ["notification", "notification"]


def test_missing_input_among_good_ones(runs: dict[str, Run], inputs: Inputs) -> None:
    """A missing input is named on stderr, every other input is still printed, exit code 1."""
    result = runs["inputs"]
    assert result.code == 1
    assert len(result.reports()) == 4 + 2 + 3
    [line] = result.stderr.splitlines()
    assert str(inputs.missing) in line


def test_stdin_single_message(runs: dict[str, Run]) -> None:
    """``-`` reads one message from standard input, labelled ``-``."""
    result = runs["stdin"]
    assert result.code == 0, result.stderr
    [report] = result.reports()
    assert report["source"] == "-"
    assert report["sha256"] == hashlib.sha256(TOO_EARLY.read_bytes()).hexdigest()
    assert report["queue"] == "early"


def test_stdin_mbox_stream(runs: dict[str, Run]) -> None:
    """``-`` fed an mbox stream gives one report per message, labelled ``-#N``."""
    result = runs["stdin-mbox"]
    assert result.code == 0, result.stderr
    reports = result.reports()
    assert [r["source"] for r in reports] == ["-#1", "-#2", "-#3"]
    assert [r["sha256"] for r in reports] == [
        hashlib.sha256(message).hexdigest() for message in MBOX_MESSAGES
    ]


def test_stdin_longer_than_it_may_read_is_refused_not_cut(runs: dict[str, Run]) -> None:
    """Standard input past its read limit (16 largest messages) is reported unreadable
    (exit 1), never silently cut into a different message."""
    result = runs["stdin-too-long"]
    assert result.code == 1, result.stderr
    assert result.stdout == ""
    assert "standard input is longer than 16000 bytes" in result.stderr


def _locked(make: Callable[[Path], Path], tmp_path: Path) -> tuple[Path, Run]:
    """Run the command on a tree holding one good mail and a locked path made by ``make``."""
    good = tmp_path / "tree" / "good.eml"
    good.parent.mkdir()
    shutil.copyfile(TOO_EARLY, good)
    locked = make(tmp_path / "tree")
    locked.chmod(0)
    try:
        return locked, run(Call(("parse", tmp_path / "tree", "--now", NOW)))
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_among_good_ones(tmp_path: Path) -> None:
    """A file that cannot be opened is named on stderr, the others are printed, exit code 1."""

    def make(tree: Path) -> Path:
        shutil.copyfile(GERMAN, tree / "locked.eml")
        return tree / "locked.eml"

    locked, result = _locked(make, tmp_path)
    assert result.code == 1
    assert [Path(r["source"]).name for r in result.reports()] == ["good.eml"]
    [line] = result.stderr.splitlines()
    assert str(locked) in line
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_unreadable_subfolder_is_reported(tmp_path: Path) -> None:
    """A folder in the tree that cannot be listed is named on stderr, not silently skipped."""

    def make(tree: Path) -> Path:
        (tree / "locked").mkdir()
        shutil.copyfile(GERMAN, tree / "locked" / "b.eml")
        return tree / "locked"

    locked, result = _locked(make, tmp_path)
    assert result.code == 1
    assert [Path(r["source"]).name for r in result.reports()] == ["good.eml"]
    [line] = result.stderr.splitlines()
    assert str(locked) in line
    assert "Traceback" not in result.stderr


# -- output and options ----------------------------------------------------------------------


def test_text_format_shows_subject_kind_queue_and_reasons(runs: dict[str, Run]) -> None:
    """``--format text`` shows each mail's subject (decoded), kind, queue and every reason."""
    [report] = runs["single"].reports()
    result = runs["text"]
    assert result.code == 0, result.stderr
    text = result.stdout
    for value in (report["subject"], report["kind"], report["queue"], *report["reasons"]):
        assert value in text, value
    assert report["reasons"]
    assert "Ankündigung Sendung COI.TR.2023.0007788" in text
    assert not text.lstrip().startswith("{")


def test_bad_now_is_a_usage_error(runs: dict[str, Run]) -> None:
    """A ``--now`` that is not an ISO date or date-time stops with exit code 2, naming it."""
    result = runs["bad-now"]
    assert result.code == 2
    assert result.stdout == ""
    assert "--now" in result.stderr
    assert "'yesterday'" in result.stderr


def test_no_arguments_prints_usage(runs: dict[str, Run]) -> None:
    """``importbio`` alone prints its usage, naming the parse command, with exit code 2."""
    result = runs["no-arguments"]
    assert result.code == 2
    assert "Usage" in result.stdout + result.stderr
    assert "parse" in result.stdout + result.stderr


def test_parse_without_paths_is_a_usage_error(runs: dict[str, Run]) -> None:
    """``importbio parse`` without a path prints its usage and exits with code 2."""
    result = runs["parse-no-paths"]
    assert result.code == 2
    assert result.stdout == ""
    assert "Usage" in result.stderr
    assert "Missing argument" in result.stderr


def test_help_lists_parse(runs: dict[str, Run]) -> None:
    """``--help`` describes the program and lists the parse command."""
    result = runs["help"]
    assert result.code == 0, result.stderr
    assert "Usage" in result.stdout
    assert "parse" in result.stdout


# -- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BAD_SETTINGS))
def test_wrong_setting_stops_at_start(runs: dict[str, Run], name: str) -> None:
    """A wrong setting stops the command before any mail is read: one line naming it, code 2."""
    result = runs[f"setting:{name}"]
    assert result.code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert name in line


@pytest.mark.parametrize("name", sorted(BROKEN_TABLES))
def test_broken_table_stops_at_start(runs: dict[str, Run], inputs: Inputs, name: str) -> None:
    """A broken table in IMPORTBIO_RULES_DIR (directly or in extra_controls/) stops the command
    with one line naming the file, code 2."""
    result = runs[f"table:{name}"]
    assert result.code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert str(inputs.rules(name) / BROKEN_TABLES[name]) in line


@pytest.mark.parametrize("case", list(CLOSING_CASES))
def test_closing_days_setting_moves_the_window(runs: dict[str, Run], case: str) -> None:
    """IMPORTBIO_CLOSING_DAYS changes which days count, and so the too_early verdict; empty
    settings mean no closing day and no rules folder."""
    _, _, _, flags, queue = CLOSING_CASES[case]
    result = runs[f"closing:{case}"]
    assert result.code == 0, result.stderr
    [report] = result.reports()
    assert report["flags"] == flags, report["reasons"]
    assert report["queue"] == queue, report["reasons"]
