"""Each effect of a scheduled pass recorded once: its event and its outbox row, together.

An effect's key is unique on both the event and the outbox row, and both are written in
one transaction, so a mail is stored exactly when its event is. Two passes that record the
same effect at once (two schedulers, a catch-up beside the cron) race on the unique key:
the loser's transaction rolls back and is tried again, now seeing the effect as done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.case import tables as t
from intake.case.effects import PlannedMail
from intake.case.store import CaseStore
from intake.case.taking import add_outgoing
from intake.codes import EventKind, Flag


@dataclass(frozen=True, slots=True)
class Effect:
    """One thing a pass does: an event on a case (none for a digest), a mail, a flag."""

    key: str
    case_id: int | None
    event: EventKind | None
    data: dict[str, Any] = field(default_factory=dict)
    mail: PlannedMail | None = None
    flag: Flag | None = None


def _record(session: Session, effects: Sequence[Effect], now: datetime) -> list[int]:
    keys = [e.key for e in effects]
    done = set(session.scalars(select(t.Event.dedupe_key).where(t.Event.dedupe_key.in_(keys))))
    done.update(
        session.scalars(select(t.Outgoing.dedupe_key).where(t.Outgoing.dedupe_key.in_(keys)))
    )
    flagged = [e.case_id for e in effects if e.flag is not None and e.key not in done]
    cases = {
        c.id: c
        for c in session.scalars(
            select(t.Case).where(t.Case.id.in_([i for i in flagged if i is not None]))
        )
    }
    outgoing: list[int] = []
    for effect in effects:
        if effect.key in done:
            continue
        done.add(effect.key)
        event_id: int | None = None
        if effect.event is not None and effect.case_id is not None:
            event = t.Event(
                case_id=effect.case_id,
                kind=effect.event.value,
                at=now,
                dedupe_key=effect.key,
                data=effect.data,
            )
            session.add(event)
            session.flush()
            event_id = event.id
        if effect.mail is not None:
            outgoing.append(add_outgoing(session, effect.mail, effect.case_id, event_id, now))
        case = cases.get(effect.case_id) if effect.case_id is not None else None
        if case is not None and effect.flag is not None and effect.flag.value not in case.flags:
            case.flags = [*case.flags, effect.flag.value]
            case.updated_at = now
    return outgoing


async def record(store: CaseStore, effects: Sequence[Effect], *, now: datetime) -> list[int]:
    """Record the effects not yet recorded, in one transaction; the new outbox rows' ids."""
    if not effects:
        return []
    # a pass racing this one records the same keys first; this one then finds them done
    return await store.run_transaction(
        lambda session: _record(session, effects, now), retry_races=True
    )
