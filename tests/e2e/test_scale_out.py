"""Scale-out: two intake and two worker processes on the same mailbox, Redis and store share
the work, and no message is taken twice: one event per message, one acknowledgment each."""

from __future__ import annotations

import pytest

from tests.e2e.desk import Desk, coi_of, store_rows, wait_until
from tests.e2e.mail import coi, importer, notification

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

MAILS = 40


def test_two_intakes_and_two_workers_take_and_acknowledge_each_mail_once(desk: Desk) -> None:
    """Forty notifications through two intakes and two workers: forty cases, forty events,
    forty acknowledgments, each importer's mailbox holding exactly its own one."""
    for number in range(1, MAILS + 1):
        desk.add_mailbox(importer(number))
    processes = [desk.start(kind) for kind in ("intake", "intake", "worker", "worker")]
    intakes, workers = processes[:2], processes[2:]

    for number in range(1, MAILS + 1):
        desk.send_in(notification(number), sender=importer(number))

    def all_acknowledged() -> bool:
        rows = store_rows(desk, "SELECT count(*) FROM outbox WHERE status = 'sent'")
        return rows[0][0] >= MAILS

    wait_until(all_acknowledged, timeout_s=180, what=f"{MAILS} acknowledgments sent")
    for process in processes:
        assert process.stop() == 0, process.log()[-3000:]

    assert store_rows(desk, "SELECT count(*) FROM messages") == [(MAILS,)]
    assert store_rows(desk, "SELECT count(*) FROM events WHERE message_pk IS NOT NULL") == [
        (MAILS,)
    ]
    assert store_rows(desk, "SELECT count(*) FROM cases") == [(MAILS,)]
    assert store_rows(desk, "SELECT status, count(*) FROM outbox GROUP BY status") == [
        ("sent", MAILS)
    ]
    for number in range(1, MAILS + 1):
        mails = desk.read_mailbox(importer(number))
        assert [coi_of(mail) for mail in mails] == [coi(number)], importer(number)
    assert desk.read_mailbox("intake@example.test") == []
    # Two intakes moving the same message at once may each leave a copy in Processed (IMAP
    # MOVE is copy + expunge on the server); every message is there, and the store has each once.
    processed = {m["Message-ID"] for m in desk.read_mailbox("intake@example.test", "Processed")}
    assert len(processed) == MAILS
    assert desk.relay.accepted == MAILS

    new_cases = [sum(1 for e in p.log_events() if e.get("outcome") == "new_case") for p in intakes]
    assert sum(new_cases) == MAILS
    sent_by = [
        sum(1 for e in p.log_events() if e["event"] == "mail attempt" and e["delivery"] == "sent")
        for p in workers
    ]
    assert sum(sent_by) == MAILS
    # both workers took part (each claims what the other has not locked)
    assert all(count > 0 for count in sent_by), sent_by
