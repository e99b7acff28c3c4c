"""How cases, queues and quarantine look on a terminal, and as JSON."""

from __future__ import annotations

from typing import Any

from intake.case import tables as t
from intake.codes import Queue


def case_summary(case: t.Case) -> dict[str, Any]:
    """The fields of a case an officer scans in a queue."""
    return {
        "id": case.id,
        "coi": case.coi,
        "kind": case.kind,
        "status": case.status,
        "queue": case.queue,
        "eta": case.eta.isoformat() if case.eta else None,
        "window_opens": case.window_opens.isoformat() if case.window_opens else None,
        "risk": case.risk,
        "importer": case.importer,
        "subject": case.subject,
        "missing": case.missing,
        "flags": case.flags,
        "why": case.why,
        "version": case.version,
        "placed": case.placed_version >= case.version,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


def case_detail(
    case: t.Case, events: list[t.Event], messages: list[t.Message], documents: list[t.Document]
) -> dict[str, Any]:
    """A whole case: summary, documents, messages and the timeline."""
    return {
        **case_summary(case),
        "reply_to": case.reply_to,
        "documents": [
            {
                "role": d.role,
                "filename": d.filename,
                "detected_type": d.detected_type,
                "size_bytes": d.size_bytes,
                "evidence": d.evidence,
                "message": d.message_pk,
            }
            for d in documents
        ],
        "messages": [
            {
                "id": m.id,
                "message_id": m.message_id,
                "from": m.from_addr,
                "subject": m.subject,
                "kind": m.kind,
                "received_at": m.received_at.isoformat(),
                "source": m.source_ref,
                "sha256": m.sha256,
                "reasons": m.report.get("reasons", []),
            }
            for m in messages
        ],
        "timeline": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "actor": e.actor,
                "message": e.message_pk,
                "data": e.data,
            }
            for e in events
        ],
    }


def render_counts(counts: dict[Queue, int]) -> str:
    """Queue counts, most urgent first."""
    width = max(len(q.value) for q in counts)
    return "\n".join(f"{q.value:<{width}}  {n:>6}" for q, n in counts.items())


def render_cases(cases: list[t.Case]) -> str:
    """One line per case, in queue order."""
    if not cases:
        return "(no cases)"
    lines = []
    for case in cases:
        eta = case.eta.isoformat() if case.eta else "no ETA    "
        missing = f" missing: {', '.join(case.missing)}" if case.missing else ""
        flags = f" [{', '.join(case.flags)}]" if case.flags else ""
        coi = case.coi or "(no COI)"
        lines.append(
            f"#{case.id:<6} {coi:<22} ETA {eta}  risk {case.risk:>3}  "
            f"{case.importer or ''}{missing}{flags}"
        )
    return "\n".join(lines)


def render_case(detail: dict[str, Any]) -> str:
    """A case for a person: summary, documents, timeline."""
    lines = [
        f"Case #{detail['id']}  {detail['coi'] or '(no COI)'}  — {detail['kind']}, "
        f"{detail['status']}, queue {detail['queue']}",
        f"Importer:  {detail['importer'] or '-'}   reply to: {detail['reply_to'] or '-'}",
        f"Subject:   {detail['subject']}",
        f"ETA:       {detail['eta'] or 'unknown'}"
        + (f" (check window opens {detail['window_opens']})" if detail["window_opens"] else ""),
        f"Why:       {detail['why']}",
    ]
    if detail["missing"]:
        lines.append(f"Missing:   {', '.join(detail['missing'])}")
    if detail["flags"]:
        lines.append(f"Flags:     {', '.join(detail['flags'])}")
    lines.append("Documents:")
    lines += [
        f"  {d['role']:<10} {d['filename']} ({d['detected_type']}): {d['evidence']}"
        for d in detail["documents"]
    ] or ["  (none)"]
    lines.append("Timeline:")
    for event in detail["timeline"]:
        extra = ", ".join(
            f"{k}={v}"
            for k, v in event["data"].items()
            if k in ("queue", "queue_before", "kind", "source")
        )
        lines.append(f"  {event['at'][:19]}  {event['kind']:<15} {event['actor']:<10} {extra}")
    return "\n".join(lines)


def render_quarantine(entries: list[t.Quarantined]) -> str:
    """One line per quarantined message."""
    if not entries:
        return "(quarantine is empty)"
    return "\n".join(
        f"#{q.id:<5} {q.at.isoformat()[:19]}  {q.status:<8} {q.from_addr or '-':<30} "
        f"{q.subject[:40]!r}  {q.reason[:100]}"
        for q in entries
    )


def outgoing_summary(row: t.Outgoing) -> dict[str, Any]:
    """An outgoing mail's state, for officers."""
    return {
        "id": row.id,
        "case_id": row.case_id,
        "kind": row.kind,
        "status": row.status,
        "to": row.recipients,
        "subject": row.subject,
        "message_id": row.message_id,
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "last_result": row.last_result,
    }


def render_outbox(rows: list[t.Outgoing]) -> str:
    """One line per outgoing mail."""
    if not rows:
        return "(the outbox is empty)"
    return "\n".join(
        f"#{r.id:<6} {f'case #{r.case_id}' if r.case_id else 'digest':<12} "
        f"{r.status:<8} {r.kind:<17} "
        f"{', '.join(r.recipients)[:40]:<40} tries {r.attempts}  {r.last_result[:60]}"
        for r in rows
    )
