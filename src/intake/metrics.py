"""The process's Prometheus metrics: what the intake, the IMAP source, the worker, the outbox
and the scheduler count and time.

prometheus-client is the reference client for the Prometheus text format; its default
registry also exports the process's CPU, memory and open files. Each process serves them on
its ops endpoint (``importbio.ops.server``) when ``IMPORTBIO_METRICS_PORT`` is set; without
it the counters cost a few nanoseconds and are never read. Gauges read from the store at
scrape time live in ``importbio.ops.gauges``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Mail is taken in within milliseconds; an SMTP relay may take seconds.
_LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

MAILS_TAKEN = Counter(
    "importbio_mails_taken",
    "Mails taken in from the mailbox, by kind and by what the store did with them.",
    ["kind", "outcome"],
)
TRIAGE_OUTCOMES = Counter(
    "importbio_triage",
    "Triage outcomes of the mails that opened or changed a case, by officer queue.",
    ["queue"],
)
IMAP_RECONNECTS = Counter(
    "importbio_imap_reconnects", "IMAP sessions re-established after a drop or a failure."
)
MAIL_ATTEMPTS = Counter(
    "importbio_mail_attempts",
    "Attempts to hand a mail to the SMTP relay, by outcome (sent, temporary, permanent).",
    ["delivery"],
)
REMINDERS_SENT = Counter(
    "importbio_reminders_sent", "Reminders the scheduler put in the outbox, by kind.", ["kind"]
)
TAKE_SECONDS = Histogram(
    "importbio_take_seconds",
    "Seconds to take one parsed mail into the store (one transaction).",
    buckets=_LATENCY_BUCKETS_S,
)
PLACE_SECONDS = Histogram(
    "importbio_place_seconds",
    "Seconds to place one documentary check on its officer queue.",
    buckets=_LATENCY_BUCKETS_S,
)
SEND_SECONDS = Histogram(
    "importbio_send_seconds",
    "Seconds to hand one mail to the SMTP relay (or write it to the sent folder).",
    buckets=_LATENCY_BUCKETS_S,
)

# The scheduler process: what its timers did, and whether it holds the leadership lock.
SCHEDULER_FIRES = Counter(
    "importbio_scheduler_fires",
    "Timer runs of the scheduler, by job and outcome (fired, not_leader, closed_day).",
    ["job", "outcome"],
)
SCHEDULER_LEADER = Gauge(
    "importbio_scheduler_leader", "1 while this scheduler process holds the leadership lock."
)

# The web desk: sign-ins, refused forms and the decisions officers record there.
DESK_SIGN_INS = Counter(
    "importbio_desk_sign_ins",
    "Sign-in attempts at the web desk, by outcome (ok, refused, throttled).",
    ["outcome"],
)
DESK_FORMS_REFUSED = Counter(
    "importbio_desk_forms_refused",
    "Forms the web desk refused: no valid CSRF token, or the session had ended.",
)
DESK_DECISIONS = Counter(
    "importbio_desk_decisions", "Decisions recorded in the web desk, by decision.", ["decision"]
)
