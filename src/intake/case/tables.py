"""The case store's tables (SQLAlchemy 2 declarative mapping).

Unique keys carry exactly-once: a raw message is stored once (its SHA-256), a message
once per (Message-ID, body hash) and per raw hash, a case once per COI reference, and
each message is referenced by exactly one case event. The schema itself lives in
Alembic migrations (``intake/case/migrations``); a test keeps the two in step.

Moments are stored as UTC and read back time-zone aware on every back-end. Bounded text
columns have their lengths here as constants, so the store cuts values to fit the same
way on SQLite (which does not enforce lengths) and PostgreSQL (which refuses longer ones).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from intake.calendar import BRUSSELS

_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY auto-increments)
Id = BigInteger().with_variant(Integer(), "sqlite")

ADDRESS_CHARS = 320  # an e-mail address (RFC 3696: 64 + 1 + 255)
MESSAGE_ID_CHARS = 998  # the longest header line RFC 5322 allows
SOURCE_REF_CHARS = 500
CONTENT_TYPE_CHARS = 200
PRODUCT_CHARS = 200  # a product name of the extra-controls table


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored as UTC and read back aware.

    SQLite has no time-zone type: SQLAlchemy would write an aware moment's wall-clock time
    without its offset and read it back naive, so moments given in different zones would
    mix and priorities computed from them would shift by the offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """To UTC; a naive moment is Brussels time, as everywhere in the intake."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=BRUSSELS)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware, in UTC (SQLite hands back the naive UTC value written)."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """All tables of the case store."""

    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class RawMessage(Base):
    """The bytes of a message exactly as received, addressed by their SHA-256."""

    __tablename__ = "raw_messages"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class Case(Base):
    """One consignment (keyed by its COI reference) or one request or stray mail."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue_priority", "queue", "priority", "id"),
        Index("ix_cases_status_version", "placed_version", "version"),
        # the schedule's queries: open cases by arrival, windows opening, requests by age
        Index("ix_cases_status_eta", "status", "eta"),
        Index("ix_cases_window_opens", "window_opens"),
        Index("ix_cases_kind_created_at", "kind", "created_at"),
        Index("ix_cases_queue_status", "queue", "status"),  # the desk's counts
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    coi: Mapped[str | None] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    queue: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(BigInteger, default=0)
    risk: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(Text, default="")
    importer: Mapped[str | None] = mapped_column(String(ADDRESS_CHARS), index=True)
    reply_to: Mapped[str | None] = mapped_column(String(ADDRESS_CHARS))
    eta: Mapped[date | None] = mapped_column(Date, index=True)
    window_opens: Mapped[date | None] = mapped_column(Date)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # document roles present
    why: Mapped[str] = mapped_column(Text, default="")  # why it is on its queue
    decision: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    placed_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Message(Base):
    """A received message: where it came from, what triage made of it, which case it is in."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("message_id", "body_sha256"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("raw_messages.sha256"), unique=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(MESSAGE_ID_CHARS), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    source_ref: Mapped[str] = mapped_column(String(SOURCE_REF_CHARS))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    from_addr: Mapped[str | None] = mapped_column(String(ADDRESS_CHARS))
    subject: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class Document(Base):
    """A document a message brought to its case."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(CONTENT_TYPE_CHARS))
    detected_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)


class Event(Base):
    """Something that happened to a case: the timeline and the audit trail.

    ``message_pk`` is unique: every message is in exactly one event. ``dedupe_key`` is
    unique where set: an effect with a key (a reminder of a kind on a day) happens once.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_case_id_id", "case_id", "id"),
        Index("ix_events_kind_at", "kind", "at"),  # the desk's statistics by period
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200), default="importbio")
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), unique=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Quarantined(Base):
    """A message that could not be read whole: its bytes and why, until a person acts."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("raw_messages.sha256"), unique=True)
    source_ref: Mapped[str] = mapped_column(String(SOURCE_REF_CHARS))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20), default="held", index=True)
    message_id: Mapped[str | None] = mapped_column(String(MESSAGE_ID_CHARS))
    from_addr: Mapped[str | None] = mapped_column(String(ADDRESS_CHARS))
    subject: Mapped[str] = mapped_column(Text, default="")


class Outgoing(Base):
    """A mail the desk sends, stored before it is sent, in the transaction of its cause.

    ``dedupe_key`` names the effect ("ack:<sha256>", "decision:<event id>"): one mail per
    effect, whatever happens. ``case_id`` is empty for mail about no single case (an
    officer group's digest). ``status`` moves pending → sending → sent | failed; a mail
    left ``sending`` by a crash goes back to pending once its lease expires.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID_CHARS), unique=True)
    mail_from: Mapped[str] = mapped_column(String(ADDRESS_CHARS))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    recipient_key: Mapped[str] = mapped_column(String(ADDRESS_CHARS), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_result: Mapped[str] = mapped_column(Text, default="")


class SamplingRow(Base):
    """A row of an extra-controls table in one calendar year (origin and product).

    Its database row is also the lock that makes counting a new consignment and
    recommending it for sampling one step: two intakes never both skip a sample.
    """

    __tablename__ = "sampling_rows"
    __table_args__ = (UniqueConstraint("year", "origin", "product"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(2))
    product: Mapped[str] = mapped_column(String(PRODUCT_CHARS))
    min_share_pct: Mapped[int] = mapped_column(Integer)


class SamplingEntry(Base):
    """A consignment (case) counted under a sampling row, and what became of it."""

    __tablename__ = "sampling_entries"
    __table_args__ = (UniqueConstraint("row_id", "case_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("sampling_rows.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recommended: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(20))  # sampling.Outcome
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# -- the officers' desk ------------------------------------------------------------------------

USER_NAME_CHARS = 100


class DeskUser(Base):
    """An officer's account on the web desk. ``session_epoch`` grows on every password reset
    or disabling, so every session signed before it stops working at once."""

    __tablename__ = "desk_users"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(USER_NAME_CHARS), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """A token for the JSON API, kept only as its SHA-256: the token itself is shown once."""

    __tablename__ = "desk_api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReleasePoint(Base):
    """A point of release for free circulation the desk confirmed, from a PRFC request.

    Rows are never changed in place but for closing them: a later confirmation for the
    same company and address, or an admin's correction, adds a row from ``valid_from`` and
    sets ``superseded_at``/``superseded_by`` on the older one; a withdrawal sets
    ``superseded_at`` with ``withdrawn_by`` and its reason. So the list as it stood on any
    day can be read back, and every change says who made it.
    """

    __tablename__ = "release_points"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    company: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(Text)
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[str] = mapped_column(String(200))
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("release_points.id"))
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())  # listed in this form from
    changed_by: Mapped[str | None] = mapped_column(String(200))  # an admin's correction
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
