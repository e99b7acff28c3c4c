"""Builders for the notify tests: a desk, a triaged report and the facts of a case."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from intake.case.effects import CaseSnapshot
from intake.codes import DocRole, Flag, Kind, Queue
from intake.report import MailReport
from notify.compose import CaseFacts
from notify.desk import Desk

COI = "COI.CN.2023.0012345"
DESK = Desk(
    address="importbio@desk.example",
    name="Departement Landbouw en Visserij \u2013 import bio",
    own_domains=frozenset({"desk.example", "Landbouw.Example"}),
)


def make_report(**changes: Any) -> MailReport:
    """A report of a complete notification from an importer, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "source": "test",
        "message_id": "<m1@importer.example>",
        "from_": "jan@importer.example",
        "from_name": "Jan Peeters",
        "reply_to": None,
        "to": [DESK.address],
        "subject": f"{COI} aanmelding",
        "date": None,
        "size_bytes": 1000,
        "sha256": "0" * 64,
        "kind": Kind.NOTIFICATION,
        "coi_references": [COI],
        "documents": {role: [] for role in DocRole},
        "missing": [],
        "eta": None,
        "window_opens": None,
        "flags": [],
        "queue": Queue.CHECK,
        "reasons": [],
        "bounce": None,
        "extra_controls": [],
        "in_reply_to": [],
        "references": [],
        "machine_headers": {},
    }
    fields.update(changes)
    return MailReport(**fields)


def make_facts(**changes: Any) -> CaseFacts:
    """The facts of a complete, timely notification, with ``changes`` applied (to the case,
    or to what the answered mail adds)."""
    case = CaseSnapshot(
        case_id=7,
        coi=COI,
        kind=Kind.NOTIFICATION,
        documents={
            DocRole.TRANSPORT: ("BL COSU6312345670.pdf",),
            DocRole.INVOICE: ("Factuur 2023-118.pdf",),
            DocRole.OTHER: (),
        },
        missing=(),
        eta=date(2023, 5, 15),
        window_opens=date(2023, 5, 8),
        flags=(),
        importer="jan@importer.example",
        reply_to=None,
        subject=f"{COI} aanmelding",
        first_message_id=None,
        thread=(),
    )
    own = {
        name: changes.pop(name) for name in ("extra_controls", "importer_name") if name in changes
    }
    return CaseFacts(
        dataclasses.replace(case, **changes),
        extra_controls=own.get("extra_controls", ()),
        importer_name=own.get("importer_name", "Jan Peeters"),
    )


def with_flags(*flags: Flag, **changes: Any) -> CaseFacts:
    """``make_facts`` with the given flags."""
    return make_facts(flags=flags, **changes)
