"""The sampling shares of a year as the ``sampling`` command shows them (JSON and text)."""

from __future__ import annotations

from typing import Any

from intake.case.sampling import Share


def share_summary(share: Share) -> dict[str, Any]:
    """One row's figures as JSON-ready values."""
    achieved = share.achieved_pct
    return {
        "year": share.year,
        "origin": share.origin,
        "product": share.product,
        "required_share_pct": share.min_share_pct,
        "seen": share.seen,
        "sampled": share.sampled,
        "recommended_open": share.pending,
        "achieved_share_pct": round(achieved, 1) if achieved is not None else None,
        "meets_minimum": share.meets,
        "short_by": share.short_by,
    }


def render_shares(year: int, shares: list[Share], *, table_note: str) -> str:
    """A table: per row, consignments seen and sampled, achieved beside required share."""
    lines = [f"Sampling shares {year} ({table_note})"]
    if not shares:
        lines.append("(no extra-controls table and nothing counted for this year)")
        return "\n".join(lines)
    lines.append(
        f"{'origin':<7}{'product':<22}{'seen':>6}{'sampled':>9}{'open':>6}"
        f"{'achieved':>10}{'required':>10}  status"
    )
    for share in shares:
        achieved = f"{share.achieved_pct:.1f} %" if share.achieved_pct is not None else "-"
        if share.seen == 0:
            status = "nothing seen yet"
        elif share.meets:
            status = "ok"
        else:
            status = f"BELOW: {share.short_by} more to sample"
        lines.append(
            f"{share.origin:<7}{share.product[:21]:<22}{share.seen:>6}{share.sampled:>9}"
            f"{share.pending:>6}{achieved:>10}{'> ' + str(share.min_share_pct) + ' %':>10}  "
            f"{status}"
        )
    return "\n".join(lines)
