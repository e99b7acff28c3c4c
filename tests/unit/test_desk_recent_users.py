"""The desk's short memory of whom a session or token names: kept for its time only,
never for an unknown one, and forgotten at once when an account changes in the process."""

from __future__ import annotations

from desk import recent_users
from desk.recent_users import RecentUsers, forget_all


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


class Lookup:
    """A lookup that counts its calls and answers what it is told to."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.calls = 0

    async def __call__(self) -> str | None:
        self.calls += 1
        return self.answer


async def test_an_answer_is_reused_until_it_expires() -> None:
    """Within ``ttl_s`` the store is not asked again; after it, it is."""
    clock, lookup = Clock(), Lookup("anna")
    users: RecentUsers[str] = RecentUsers(ttl_s=5.0, clock=clock)
    assert await users.get("k", lookup) == "anna"
    clock.now_s += 4.9
    assert await users.get("k", lookup) == "anna"
    assert lookup.calls == 1
    clock.now_s += 0.2
    lookup.answer = None  # disabled meanwhile, by another process
    assert await users.get("k", lookup) is None
    assert lookup.calls == 2


async def test_an_unknown_session_or_token_is_never_remembered() -> None:
    """A refused lookup is asked again each time, and a later success is then kept."""
    clock, lookup = Clock(), Lookup(None)
    users: RecentUsers[str] = RecentUsers(ttl_s=5.0, clock=clock)
    assert await users.get("k", lookup) is None
    assert await users.get("k", lookup) is None
    assert lookup.calls == 2
    lookup.answer = "anna"
    assert await users.get("k", lookup) == "anna"
    assert await users.get("k", lookup) == "anna"
    assert lookup.calls == 3


async def test_a_change_in_the_process_forgets_every_answer_at_once() -> None:
    """``forget_all`` (what disabling or a reset calls) makes every memory ask again."""
    clock, first, second = Clock(), Lookup("anna"), Lookup("root")
    one: RecentUsers[str] = RecentUsers(ttl_s=60.0, clock=clock)
    two: RecentUsers[str] = RecentUsers(ttl_s=60.0, clock=clock)
    await one.get("a", first)
    await two.get("b", second)
    forget_all()
    first.answer = None
    assert await one.get("a", first) is None
    assert await two.get("b", second) == "root"
    assert (first.calls, second.calls) == (2, 2)


async def test_an_answer_looked_up_during_a_change_is_not_kept() -> None:
    """A lookup that started before ``forget_all`` may have read the old account: its
    answer is returned once but not reused."""
    clock = Clock()
    users: RecentUsers[str] = RecentUsers(ttl_s=60.0, clock=clock)
    calls = 0

    async def racing() -> str:
        nonlocal calls
        calls += 1
        forget_all()  # the account changes while this lookup runs
        return "anna"

    assert await users.get("k", racing) == "anna"
    assert await users.get("k", Lookup("anna")) == "anna"
    assert calls == 1
    lookup = Lookup(None)
    assert await users.get("k", lookup) == "anna"  # the second answer was kept
    assert lookup.calls == 0


async def test_zero_seconds_remembers_nothing_and_the_memory_is_bounded() -> None:
    """``ttl_s=0`` asks every time; the memory never holds more than ``MAX_ENTRIES``."""
    clock, lookup = Clock(), Lookup("anna")
    off: RecentUsers[str] = RecentUsers(ttl_s=0.0, clock=clock)
    await off.get("k", lookup)
    await off.get("k", lookup)
    assert lookup.calls == 2
    users: RecentUsers[str] = RecentUsers(ttl_s=60.0, clock=clock)
    for key in range(recent_users.MAX_ENTRIES + 10):
        await users.get(key, lookup)
    assert 0 < len(users) <= recent_users.MAX_ENTRIES
