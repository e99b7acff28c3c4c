"""The sample mails under ``tests/data/samples`` against their hand-written expectations.

Each ``NAME.eml`` is read in-process with a context built the way ``importbio parse`` builds
it, at the moment its ``NAME.expected.json`` names, and the report must agree exactly on the
fields the desk acts on. The whole folder is also run once through the real console script,
to pin the JSON lines a person or a script reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from importbio.settings import Settings
from intake.codes import DocRole, FileType, Flag, Kind, Queue
from intake.report import MailReport, read_mail

SAMPLES_DIR = Path(__file__).parent / "data" / "samples"
SAMPLES = sorted(SAMPLES_DIR.glob("*.eml"))
SAMPLE_IDS = [path.stem for path in SAMPLES]
EXPECTED_KEYS = frozenset(
    {"now", "kind", "coi_references", "documents", "missing", "eta", "flags", "queue", "note"}
)
COMPARED = ("kind", "coi_references", "documents", "missing", "eta", "queue", "flags")
# The moment the console run judges timing at; kinds and documents do not depend on it.
CONSOLE_NOW = "2023-06-06T09:00:00+02:00"
DOCUMENT_FIELDS = {
    "filename": str,
    "content_type": str,
    "detected_type": str,
    "size_bytes": int,
    "evidence": str,
}


def _expected(eml: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(eml.with_suffix(".expected.json").read_text("utf-8"))
    return data


@cache
def _report(stem: str) -> MailReport:
    """The report for one sample, read at its expected moment with the default settings."""
    eml = SAMPLES_DIR / f"{stem}.eml"
    now = datetime.fromisoformat(_expected(eml)["now"])
    # The defaults only (model_construct reads no environment), so an IMPORTBIO_* variable in
    # the shell running the tests cannot change a verdict.
    context = Settings.model_construct().triage_context(now=now)
    return read_mail(eml.read_bytes(), source=str(eml), context=context)


def _observed(report: MailReport) -> dict[str, Any]:
    """The compared fields of a report, in the expected file's JSON shapes."""
    return {
        "kind": report.kind.value,
        "coi_references": list(report.coi_references),
        "documents": {
            role.value: [doc.filename for doc in report.documents.get(role, [])] for role in DocRole
        },
        "missing": [role.value for role in report.missing],
        "eta": report.eta.isoformat() if report.eta else None,
        "queue": report.queue.value,
        "flags": sorted(flag.value for flag in report.flags),
    }


def _console_script() -> str:
    beside = Path(sys.executable).parent / "importbio"
    found = str(beside) if beside.exists() else shutil.which("importbio")
    if found is None:
        pytest.fail("the importbio console script is not installed in this environment")
    return found


def test_every_sample_has_its_expectation() -> None:
    """Every sample mail has an expected file beside it, and every expected file a mail."""
    mails = {path.stem for path in SAMPLES}
    expectations = {
        path.name.removesuffix(".expected.json") for path in SAMPLES_DIR.glob("*.expected.json")
    }
    assert mails, f"no samples found in {SAMPLES_DIR}"
    assert mails == expectations, (
        f"mails without expectation: {sorted(mails - expectations)}; "
        f"expectations without mail: {sorted(expectations - mails)}"
    )


def test_readme_lists_every_sample() -> None:
    """The samples README has a table row for every sample mail."""
    readme = (SAMPLES_DIR / "README.md").read_text("utf-8")
    unlisted = [stem for stem in SAMPLE_IDS if f"| {stem} |" not in readme]
    assert not unlisted, f"samples missing from README.md: {unlisted}"


@pytest.mark.parametrize("eml", SAMPLES, ids=SAMPLE_IDS)
def test_expected_file_is_well_formed(eml: Path) -> None:
    """Each expected file holds exactly the documented keys, with codes the product knows."""
    expected = _expected(eml)
    assert set(expected) == EXPECTED_KEYS, f"keys differ: {sorted(set(expected) ^ EXPECTED_KEYS)}"
    assert datetime.fromisoformat(expected["now"]).utcoffset() is not None, "now needs an offset"
    assert Kind(expected["kind"])
    assert Queue(expected["queue"])
    assert all(Flag(flag) for flag in expected["flags"])
    assert len(set(expected["flags"])) == len(expected["flags"]), "a flag is listed twice"
    assert set(expected["documents"]) == {role.value for role in DocRole}
    assert all(DocRole(role) for role in expected["missing"])


@pytest.mark.parametrize("eml", SAMPLES, ids=SAMPLE_IDS)
def test_sample_matches_expectation(eml: Path) -> None:
    """The report of each sample agrees with its expected kind, COIs, documents, timing, flags
    and queue."""
    expected = _expected(eml)
    want = {key: expected[key] for key in COMPARED}
    want["flags"] = sorted(want["flags"])
    report = _report(eml.stem)
    got = _observed(report)
    differences = [
        f"  {key}:\n    expected {want[key]!r}\n    got      {got[key]!r}"
        for key in COMPARED
        if want[key] != got[key]
    ]
    assert not differences, (
        f"{eml.name} ({expected['note']})\n"
        + "\n".join(differences)
        + "\n  reasons:\n"
        + "\n".join(f"    - {reason}" for reason in report.reasons)
    )


@pytest.mark.parametrize("eml", SAMPLES, ids=SAMPLE_IDS)
def test_every_flag_comes_with_a_reason(eml: Path) -> None:
    """A report gives at least as many distinct reasons as it raises flags, none of them blank."""
    report = _report(eml.stem)
    assert all(reason.strip() for reason in report.reasons), report.reasons
    assert len(set(report.reasons)) >= len(report.flags), (report.flags, report.reasons)


def _check_document(document: dict[str, Any], where: str) -> None:
    assert set(document) >= set(DOCUMENT_FIELDS), f"{where}: fields {sorted(document)}"
    for name, kind in DOCUMENT_FIELDS.items():
        assert isinstance(document[name], kind), f"{where}.{name} is {document[name]!r}"
    assert FileType(document["detected_type"])
    assert document["size_bytes"] >= 0


def _check_line(report: dict[str, Any]) -> None:
    """One printed report has every documented field, with values of the documented shape."""
    where = report.get("source", "?")
    for name in ("message_id", "from", "reply_to", "eta"):
        assert report[name] is None or isinstance(report[name], str), f"{where}: {name}"
    for name in ("source", "subject"):
        assert isinstance(report[name], str), f"{where}: {name}"
    assert Kind(report["kind"])
    assert Queue(report["queue"])
    assert all(Flag(flag) for flag in report["flags"])
    assert all(DocRole(role) for role in report["missing"])
    assert all(isinstance(ref, str) for ref in report["coi_references"])
    assert set(report["documents"]) == {role.value for role in DocRole}, where
    for role, documents in report["documents"].items():
        for number, document in enumerate(documents):
            _check_document(document, f"{where}: documents.{role}[{number}]")
    reasons = report["reasons"]
    assert all(isinstance(reason, str) and reason.strip() for reason in reasons), where
    assert len(set(reasons)) >= len(report["flags"]), f"{where}: a flag without a reason"


def test_console_script_prints_one_json_line_per_sample(tmp_path: Path) -> None:
    """``importbio parse SAMPLES --now …`` prints one complete JSON report per sample."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMPORTBIO_")}
    done = subprocess.run(
        [_console_script(), "parse", str(SAMPLES_DIR), "--now", CONSOLE_NOW],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(SAMPLES), done.stdout[-2000:]
    reports = [json.loads(line) for line in lines]
    by_source = {Path(report["source"]).stem: report for report in reports}
    assert sorted(by_source) == SAMPLE_IDS
    for stem, report in by_source.items():
        _check_line(report)
        expected = _expected(SAMPLES_DIR / f"{stem}.eml")
        assert report["kind"] == expected["kind"], stem
        documents = {
            role: [d["filename"] for d in docs] for role, docs in report["documents"].items()
        }
        assert documents == expected["documents"], stem
