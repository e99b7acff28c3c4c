"""What the schedule runs and when: job times, lead times and officer groups, as values.

The settings hold these as short strings (``"08:00"`` or ``"off"``; ``"name=queue,queue:
address,address; ..."``); the parsers here turn them into values or raise ``ValueError``
with a message that names the bad part, so a wrong setting stops the program at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum

from intake.codes import Queue
from notify.addresses import valid_address


class JobName(StrEnum):
    """A scheduled job; the value is its name in settings, logs and arq job ids."""

    WINDOW_OPEN = "window_open"
    ESCALATION = "escalation"
    REQUESTS = "requests"
    DIGEST = "digest"
    MISSING_DOCUMENTS = "missing_documents"


# The order the jobs run in when several are due at once (``remind``): cases move off the
# early queue before anything counts queues, and escalations are in the digest they precede.
JOB_ORDER: tuple[JobName, ...] = tuple(JobName)

DEFAULT_TIMES: Mapping[JobName, time] = {
    JobName.WINDOW_OPEN: time(7, 0),
    JobName.ESCALATION: time(7, 30),
    JobName.REQUESTS: time(7, 45),
    JobName.DIGEST: time(8, 0),
    JobName.MISSING_DOCUMENTS: time(9, 0),
}


@dataclass(frozen=True, slots=True)
class OfficerGroup:
    """Officers who share queues: their digest and escalations go to ``addresses``."""

    name: str
    queues: frozenset[Queue]
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReminderConfig:
    """The schedule: when each job runs (None: off), lead times in working days, groups."""

    times: Mapping[JobName, time | None] = field(default_factory=lambda: dict(DEFAULT_TIMES))
    missing_lead_working_days: int = 3
    escalation_lead_working_days: int = 1
    requests_after_working_days: int = 3
    groups: tuple[OfficerGroup, ...] = ()
    misfire_grace_s: float = 3600.0
    lock_ttl_s: float = 30.0

    def __post_init__(self) -> None:
        if self.missing_lead_working_days < 1:
            raise ValueError("the missing-documents lead must be at least 1 working day")
        if self.escalation_lead_working_days < 0 or self.requests_after_working_days < 1:
            raise ValueError("escalation leads must be >= 0 and request ages >= 1 working day")

    def enabled(self) -> tuple[JobName, ...]:
        """The jobs that run, in their running order."""
        return tuple(job for job in JOB_ORDER if self.times.get(job) is not None)

    def groups_for(self, queue: Queue) -> tuple[OfficerGroup, ...]:
        """The officer groups that own ``queue``."""
        return tuple(group for group in self.groups if queue in group.queues)


def parse_job_time(value: str) -> time | None:
    """``"08:00"`` or ``"08:00:30"`` → that time of day; ``"off"`` → None."""
    text = value.strip().lower()
    if text in {"off", "no", "false", "0", "disabled"}:
        return None
    parts = text.split(":")
    try:
        if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
            numbers = [int(p) for p in parts]
            return time(numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 0)
    except ValueError:
        pass
    raise ValueError(f"'{value}' is not HH:MM, HH:MM:SS or off")


def parse_officer_groups(value: str, *, desk_address: str) -> tuple[OfficerGroup, ...]:
    """``"docs=check,incomplete:a@x.be,b@x.be; requests=prfc,account:c@x.be"`` → groups.

    Every queue must be a known one and every address one plain mailbox that is not the
    desk's own (mail there would come back into the intake).
    """
    groups: list[OfficerGroup] = []
    for item in (part.strip() for part in value.split(";")):
        if not item:
            continue
        name, eq, rest = item.partition("=")
        queues_text, colon, addresses_text = rest.partition(":")
        name = name.strip()
        if not (name and eq and colon):
            raise ValueError(f"'{item}' is not NAME=QUEUE,...:ADDRESS,...")
        if any(g.name == name for g in groups):
            raise ValueError(f"the group '{name}' is named twice")
        queues: set[Queue] = set()
        for word in (q.strip().lower() for q in queues_text.split(",")):
            try:
                queues.add(Queue(word))
            except ValueError:
                raise ValueError(f"group '{name}': '{word}' is not a queue") from None
        addresses: list[str] = []
        for word in (a.strip() for a in addresses_text.split(",")):
            address = valid_address(word)
            if address is None:
                raise ValueError(f"group '{name}': '{word}' is not a mail address")
            if address.lower() == desk_address.strip().lower():
                raise ValueError(f"group '{name}': {address} is the desk's own mailbox")
            if address not in addresses:
                addresses.append(address)
        groups.append(OfficerGroup(name, frozenset(queues), tuple(addresses)))
    return tuple(groups)
