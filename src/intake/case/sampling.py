"""Sampling shares of the extra controls: the rule that recommends sampling a consignment.

Each row of a year's extra-controls table (origin and product) must have MORE than its
minimum share of that calendar year's consignments sampled. The store counts, per year and
row, the consignments seen, the ones sampled (an officer's ``sampling`` decision) and the
ones recommended for sampling and not yet decided; this module says, for the next one,
whether to recommend sampling it.

The rule: with ``counted`` = sampled + recommended-and-open among ``seen`` consignments,
the next consignment is recommended for sampling exactly when, left unsampled, the share
would no longer be above the minimum::

    recommend  ⇔  counted < required(seen + 1)
    required(n) = ⌊p·n / 100⌋ + 1        (the fewest samples with samples / n > p %)

``required`` never grows by more than one from one consignment to the next (p < 100), so
following the rule keeps ``counted`` equal to ``required(seen)`` at every point: the
share is above the minimum after every consignment, and no rule that also keeps it there
can have sampled fewer. The first consignment of a row in a year is always recommended.
A minimum of 100 % or more means every consignment.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The decision code (``notify.codes.Decision.SAMPLING``) that counts as sampled.
SAMPLING_DECISION = "sampling"


class Outcome:
    """What became of a consignment counted under a row (the store's ``outcome`` column)."""

    OPEN = "open"  # no decision yet
    SAMPLED = "sampled"
    NOT_SAMPLED = "not_sampled"  # decided without a sampling decision


@dataclass(frozen=True, slots=True)
class Tally:
    """A row's count in one year before the next consignment."""

    seen: int
    sampled: int
    pending: int  # recommended for sampling, no decision yet

    @property
    def counted(self) -> int:
        """Consignments sampled or on their way to be."""
        return self.sampled + self.pending


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Whether to sample the next consignment of a row, and the figures that say why."""

    sample: bool
    reason: str


def required(seen: int, min_share_pct: int) -> int:
    """The fewest sampled consignments among ``seen`` that put the share above the minimum."""
    if seen <= 0:
        return 0
    if min_share_pct >= 100:
        return seen
    return min_share_pct * seen // 100 + 1


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "no consignments"


def recommend(tally: Tally, *, min_share_pct: int, row: str, year: int) -> Recommendation:
    """Recommend sampling the next consignment of ``row`` when, unsampled, it would leave
    the year's share at or under ``min_share_pct`` (see the module's rule)."""
    after = tally.seen + 1
    counted = tally.counted
    so_far = (
        f"{counted} of {tally.seen} consignments sampled or to be sampled"
        if tally.seen
        else "no consignment counted yet"
    )
    if counted < required(after, min_share_pct):
        return Recommendation(
            True,
            f"Sampling recommended for {row} in {year}: {so_far}; without sampling this one "
            f"the share would be {counted} of {after} ({_pct(counted, after)}), "
            f"not more than the required {min_share_pct} %.",
        )
    return Recommendation(
        False,
        f"No sampling needed for {row} in {year}: {so_far}; without sampling this one the "
        f"share stays {counted} of {after} ({_pct(counted, after)}), "
        f"more than the required {min_share_pct} %.",
    )


@dataclass(frozen=True, slots=True)
class Share:
    """A row's achieved share in a year beside the required one."""

    year: int
    origin: str
    product: str
    min_share_pct: int
    seen: int
    sampled: int
    pending: int

    @property
    def achieved_pct(self) -> float | None:
        """Sampled consignments as a percentage of those seen; None before the first."""
        return 100 * self.sampled / self.seen if self.seen else None

    @property
    def meets(self) -> bool:
        """True when more than the minimum share is sampled (or nothing was seen yet)."""
        return self.sampled >= required(self.seen, self.min_share_pct)

    @property
    def short_by(self) -> int:
        """How many more sampling decisions the row needs to be above its minimum now."""
        return max(0, required(self.seen, self.min_share_pct) - self.sampled)
