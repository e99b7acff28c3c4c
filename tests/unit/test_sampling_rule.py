"""The sampling rule alone: over any year of consignments, following the recommendation
keeps every share above its minimum after every consignment, with the fewest samples."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.case.sampling import Share, Tally, recommend, required


def test_required_is_the_fewest_samples_strictly_above_the_minimum() -> None:
    """More than 10 % of 10 consignments is 2, of 9 is 1; 100 % means all."""
    assert [required(n, 10) for n in (0, 1, 9, 10, 11, 19, 20)] == [0, 1, 1, 2, 2, 2, 3]
    assert [required(n, 20) for n in (1, 4, 5, 10)] == [1, 1, 2, 3]
    assert required(7, 100) == 7
    assert required(7, 0) == 1


def test_the_reason_gives_the_figures() -> None:
    """The recommendation names the row, the count so far and the share without this one."""
    advice = recommend(
        Tally(seen=9, sampled=1, pending=0), min_share_pct=10, row="ginger", year=2023
    )
    assert advice.sample
    assert "1 of 9" in advice.reason
    assert "1 of 10 (10.0 %)" in advice.reason
    skip = recommend(
        Tally(seen=10, sampled=2, pending=0), min_share_pct=10, row="ginger", year=2023
    )
    assert not skip.sample
    assert "2 of 11 (18.2 %)" in skip.reason


@settings(max_examples=300, deadline=None)
@given(min_share_pct=st.integers(0, 100), consignments=st.integers(1, 400))
def test_following_the_rule_keeps_the_share_above_the_minimum_with_fewest_samples(
    min_share_pct: int, consignments: int
) -> None:
    """After every consignment the share is above the minimum, and the samples taken equal
    the lower bound any such rule must reach: it never over-samples."""
    sampled = 0
    for seen in range(consignments):
        advice = recommend(Tally(seen, sampled, 0), min_share_pct=min_share_pct, row="r", year=1)
        sampled += advice.sample
        share = Share(1, "CN", "r", min_share_pct, seen + 1, sampled, 0)
        assert share.meets
        assert sampled == required(seen + 1, min_share_pct)


@settings(max_examples=200, deadline=None)
@given(
    min_share_pct=st.sampled_from([10, 20, 35]),
    decisions=st.lists(st.sampled_from(["follow", "skip", "extra"]), min_size=1, max_size=200),
)
def test_the_rule_catches_up_after_officers_depart_from_it(
    min_share_pct: int, decisions: list[str]
) -> None:
    """Officers may skip a recommended sample or sample more: a consignment is recommended
    exactly while the share would otherwise be at or under the minimum, every one is
    recommended while the row is short, and following the rule again brings it back."""
    sampled = 0
    seen = 0
    for decision in decisions:
        short = not Share(1, "CN", "r", min_share_pct, seen, sampled, 0).meets
        advice = recommend(Tally(seen, sampled, 0), min_share_pct=min_share_pct, row="r", year=1)
        would_fail = not Share(1, "CN", "r", min_share_pct, seen + 1, sampled, 0).meets
        assert advice.sample == would_fail
        assert advice.sample or not short
        sampled += (advice.sample and decision != "skip") or decision == "extra"
        seen += 1
    for _ in range(len(decisions)):
        advice = recommend(Tally(seen, sampled, 0), min_share_pct=min_share_pct, row="r", year=1)
        sampled += advice.sample
        seen += 1
    assert Share(1, "CN", "r", min_share_pct, seen, sampled, 0).meets


def test_pending_recommendations_count_so_two_open_cases_do_not_both_need_sampling() -> None:
    """A recommended case not yet decided counts as sampled for the next one."""
    first = recommend(Tally(0, 0, 0), min_share_pct=10, row="r", year=1)
    second = recommend(Tally(1, 0, 1), min_share_pct=10, row="r", year=1)
    assert first.sample
    assert not second.sample
