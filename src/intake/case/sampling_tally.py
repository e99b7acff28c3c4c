"""The sampling counts in the case store: counting a consignment inside the intake's
transaction, recording a decision, and reading a year's shares.

Counting locks the row's ``sampling_rows`` record first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so the tally the
rule reads cannot change before the consignment is counted under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session

from intake.case import tables as t
from intake.case.sampling import (
    SAMPLING_DECISION,
    Outcome,
    Share,
    Tally,
    recommend,
)
from intake.report import ExtraControlsOut
from intake.triage.rules.extra_controls import ExtraControlsRow


@dataclass(frozen=True, slots=True)
class Counted:
    """What counting a case under its rows found: the reasons of every row it is under
    (new or earlier), and whether sampling it is recommended under any."""

    reasons: tuple[str, ...]
    recommended: bool
    new_reasons: tuple[str, ...]


def row_label(product: str, origin: str) -> str:
    """``ginger from CN``: how a row is named in reasons."""
    return f"{product} from {origin}"


def _row(session: Session, year: int, match: ExtraControlsOut) -> t.SamplingRow:
    from intake.case.taking import insert_ignore  # taking imports this module

    insert_ignore(
        session,
        t.SamplingRow,
        {
            "year": year,
            "origin": match.origin,
            "product": match.product[: t.PRODUCT_CHARS],
            "min_share_pct": match.min_share_pct,
        },
    )
    row = session.scalar(
        select(t.SamplingRow)
        .where(
            t.SamplingRow.year == year,
            t.SamplingRow.origin == match.origin,
            t.SamplingRow.product == match.product[: t.PRODUCT_CHARS],
        )
        .with_for_update()
    )
    assert row is not None  # inserted above or by an earlier transaction
    return row


def _tally(session: Session, row_id: int) -> Tally:
    seen, sampled, pending = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((t.SamplingEntry.outcome == Outcome.SAMPLED, 1))), 0),
            func.coalesce(
                func.sum(
                    case(
                        (
                            and_(
                                t.SamplingEntry.outcome == Outcome.OPEN,
                                t.SamplingEntry.recommended.is_(True),
                            ),
                            1,
                        )
                    )
                ),
                0,
            ),
        ).where(t.SamplingEntry.row_id == row_id)
    ).one()
    return Tally(seen=int(seen), sampled=int(sampled), pending=int(pending))


def count_case(
    session: Session,
    case_id: int,
    matches: Sequence[ExtraControlsOut],
    *,
    year: int,
    now: datetime,
) -> Counted:
    """Count the case once under each row it falls under in ``year``, recommending
    sampling by the rule in ``intake.case.sampling``."""
    new_reasons: list[str] = []
    for match in sorted(matches, key=lambda m: (m.origin, m.product)):
        row = _row(session, year, match)
        exists = session.scalar(
            select(t.SamplingEntry.id).where(
                t.SamplingEntry.row_id == row.id, t.SamplingEntry.case_id == case_id
            )
        )
        if exists is not None:
            continue
        advice = recommend(
            _tally(session, row.id),
            min_share_pct=row.min_share_pct,
            row=row_label(row.product, row.origin),
            year=year,
        )
        session.add(
            t.SamplingEntry(
                row_id=row.id,
                case_id=case_id,
                seen_at=now,
                recommended=advice.sample,
                outcome=Outcome.OPEN,
                reason=advice.reason,
            )
        )
        new_reasons.append(advice.reason)
    session.flush()
    entries = session.execute(
        select(t.SamplingEntry.reason, t.SamplingEntry.recommended)
        .where(t.SamplingEntry.case_id == case_id)
        .order_by(t.SamplingEntry.id)
    ).all()
    return Counted(
        reasons=tuple(reason for reason, _ in entries),
        recommended=any(recommended for _, recommended in entries),
        new_reasons=tuple(new_reasons),
    )


def record_decision(
    session: Session, case_id: int, decision: str, *, final: bool, now: datetime
) -> None:
    """A sampling decision counts the case as sampled under its rows; a final decision
    without one counts it as not sampled."""
    if decision == SAMPLING_DECISION:
        session.execute(
            update(t.SamplingEntry)
            .where(t.SamplingEntry.case_id == case_id)
            .values(outcome=Outcome.SAMPLED, decided_at=now)
        )
    elif final:
        session.execute(
            update(t.SamplingEntry)
            .where(t.SamplingEntry.case_id == case_id, t.SamplingEntry.outcome == Outcome.OPEN)
            .values(outcome=Outcome.NOT_SAMPLED, decided_at=now)
        )


def year_shares(session: Session, year: int, rows: Sequence[ExtraControlsRow]) -> list[Share]:
    """Every row of ``rows`` (the year's table) and every row counted in ``year``, with its
    consignments seen, sampled and recommended-and-open."""
    stored = session.scalars(select(t.SamplingRow).where(t.SamplingRow.year == year)).all()
    by_key = {(r.origin, r.product): r for r in stored}
    keys: list[tuple[str, str, int]] = [(r.origin, r.product, r.min_share_pct) for r in rows]
    known = {(o, p) for o, p, _ in keys}
    keys += [
        (r.origin, r.product, r.min_share_pct) for r in stored if (r.origin, r.product) not in known
    ]
    shares: list[Share] = []
    for origin, product, min_share_pct in keys:
        row = by_key.get((origin, product))
        tally = _tally(session, row.id) if row is not None else Tally(0, 0, 0)
        shares.append(
            Share(
                year=year,
                origin=origin,
                product=product,
                min_share_pct=row.min_share_pct if row is not None else min_share_pct,
                seen=tally.seen,
                sampled=tally.sampled,
                pending=tally.pending,
            )
        )
    return shares


def case_entries(session: Session, case_id: int) -> list[tuple[t.SamplingEntry, t.SamplingRow]]:
    """A case's sampling entries with their rows, oldest first."""
    rows = session.execute(
        select(t.SamplingEntry, t.SamplingRow)
        .join(t.SamplingRow, t.SamplingRow.id == t.SamplingEntry.row_id)
        .where(t.SamplingEntry.case_id == case_id)
        .order_by(t.SamplingEntry.id)
    ).all()
    return [(entry, row) for entry, row in rows]
