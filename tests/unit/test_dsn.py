"""Tests for reading delivery status notifications and bounce prose."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.parse.dsn import MAX_DIAGNOSTIC_CHARS, guess_bounce_from_text, read_delivery_status
from intake.parse.mail import DeliveryReport

POSTFIX_DSN = """\
Reporting-MTA: dns; mail.desk.example.be
X-Postfix-Queue-ID: 4TqXyZ1abcz9sW
X-Postfix-Sender: rfc822; importbio@desk.example.be
Arrival-Date: Tue,  5 Mar 2024 10:14:02 +0100 (CET)

Final-Recipient: rfc822; info@importer.example
Original-Recipient: rfc822;info@importer.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.importer.example
Diagnostic-Code: smtp; 550 5.1.1 <info@importer.example>: Recipient address
    rejected: User unknown in virtual mailbox table
"""

EXCHANGE_DSN = """\
Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com
Received-From-MTA: dns;EUR01-HE1-obe.outbound.protection.outlook.com
Arrival-Date: Tue, 5 Mar 2024 09:12:33 +0000

Final-Recipient: rfc822;piet.peeters@importer.example
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient
 piet.peeters@importer.example not found by SMTP address lookup
X-Display-Name: Piet Peeters
"""

GMAIL_DSN = """\
Reporting-MTA: dns; googlemail.com
Received-From-MTA: dns; importbio@desk.example.be
Arrival-Date: Wed, 06 Mar 2024 01:02:03 -0800 (PST)
X-Original-Message-ID: <abc.123@desk.example.be>

Final-Recipient: rfc822; nobody.here@gmail.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; gmail-smtp-in.l.google.com. (2a00:1450:400c:c0b::1a, the server
 for the domain gmail.com.)
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does
 not exist. Please try 550-5.1.1 double-checking the recipient's email address
 for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1
 https://support.google.com/mail/?p=NoSuchUser a1-20020a1709063b0100b00a4.123 - gsmtp
Last-Attempt-Date: Wed, 06 Mar 2024 01:02:04 -0800 (PST)
"""

EXIM_DSN = """\
Reporting-MTA: dns; mail.forwarder.example.org

Action: failed
Final-Recipient: rfc822;buyer@importer.example
Status: 5.0.0
Remote-MTA: dns; mx.importer.example
Diagnostic-Code: smtp; 550 5.7.1 <buyer@importer.example>: Relay access denied
"""

MULTI_RECIPIENT_DSN = """\
Reporting-MTA: dns; mail.desk.example.be

Final-Recipient: rfc822; ok@importer.example
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; slow@importer.example
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.importer.example[192.0.2.9]:25: Connection timed out

Final-Recipient: rfc822; gone@importer.example
Action: failed
Status: 5.2.1
Diagnostic-Code: smtp; 550 5.2.1 Mailbox disabled
"""

DSN_CASES = [
    pytest.param(POSTFIX_DSN, "info@importer.example", "failed", "5.1.1", id="postfix"),
    pytest.param(EXCHANGE_DSN, "piet.peeters@importer.example", "failed", "5.1.10", id="exchange"),
    pytest.param(GMAIL_DSN, "nobody.here@gmail.com", "failed", "5.1.1", id="gmail"),
    pytest.param(EXIM_DSN, "buyer@importer.example", "failed", "5.0.0", id="exim"),
    pytest.param(MULTI_RECIPIENT_DSN, "gone@importer.example", "failed", "5.2.1", id="multi"),
]


@pytest.mark.parametrize(("text", "recipient", "action", "status"), DSN_CASES)
def test_reads_recipient_action_and_status_of_real_world_dsns(
    text: str, recipient: str, action: str, status: str
) -> None:
    """Each MTA's DSN gives the failed recipient, its action and its enhanced status code."""
    report = read_delivery_status(text)
    assert report is not None
    assert (report.recipient, report.action, report.status) == (recipient, action, status)
    assert report.original_message_id is None


def test_diagnostic_is_unfolded_and_loses_its_type() -> None:
    """A folded Diagnostic-Code is joined into one line without its ``smtp;`` type."""
    report = read_delivery_status(POSTFIX_DSN)
    assert report is not None
    assert report.diagnostic == (
        "550 5.1.1 <info@importer.example>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )


def test_long_diagnostic_is_cut_to_the_limit() -> None:
    """A diagnostic longer than the limit is cut to at most that many characters."""
    report = read_delivery_status(GMAIL_DSN.replace("gsmtp", "gsmtp " + "x" * 1000))
    assert report is not None
    assert len(report.diagnostic) <= MAX_DIAGNOSTIC_CHARS
    assert report.diagnostic.startswith("550-5.1.1 The email account")


def test_delayed_recipient_wins_over_delivered_when_none_failed() -> None:
    """Without a failed recipient, the first delayed one is reported."""
    text = MULTI_RECIPIENT_DSN.split("Final-Recipient: rfc822; gone")[0]
    report = read_delivery_status(text)
    assert report is not None
    assert (report.recipient, report.action, report.status) == (
        "slow@importer.example",
        "delayed",
        "4.4.1",
    )
    assert report.diagnostic.startswith("connect to mx.importer.example")


def test_first_recipient_when_none_failed_or_delayed() -> None:
    """A report of successful deliveries gives its first recipient."""
    text = (
        "Reporting-MTA: dns; a.example\n\n"
        "Final-Recipient: rfc822; one@b.example\nAction: delivered\nStatus: 2.0.0\n\n"
        "Final-Recipient: rfc822; two@b.example\nAction: relayed\nStatus: 2.0.0\n"
    )
    report = read_delivery_status(text)
    assert report is not None
    assert (report.recipient, report.action) == ("one@b.example", "delivered")


def test_original_recipient_is_used_without_final_recipient() -> None:
    """Original-Recipient names the recipient when Final-Recipient is missing."""
    text = (
        "Reporting-MTA: dns; a.example\n\n"
        "Original-Recipient: rfc822;<orig@b.example>\nAction: failed\nStatus: 5.1.1\n"
    )
    report = read_delivery_status(text)
    assert report is not None
    assert report.recipient == "orig@b.example"


def test_missing_fields_give_empty_values_or_derived_ones() -> None:
    """Missing Status is taken from the diagnostic, missing Action from the status class."""
    text = (
        "Reporting-MTA: dns; a.example\n\n"
        "Final-Recipient: rfc822; x@b.example\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
    )
    report = read_delivery_status(text)
    assert report == DeliveryReport(
        "x@b.example", "failed", "5.2.2", "552 5.2.2 Mailbox full", None
    )


def test_recipient_without_anything_else() -> None:
    """A recipient block with only Final-Recipient still yields a report with empty fields."""
    report = read_delivery_status("Final-Recipient: rfc822; lone@b.example\n")
    assert report == DeliveryReport("lone@b.example", "", "", "", None)


def test_recipient_blocks_without_blank_lines_are_told_apart() -> None:
    """A sender that forgets the blank line between recipients still gets each one read."""
    text = (
        "Reporting-MTA: dns; a.example\n"
        "Final-Recipient: rfc822; first@b.example\nAction: delivered\nStatus: 2.0.0\n"
        "Final-Recipient: rfc822; second@b.example\nAction: failed\nStatus: 5.1.1\n"
    )
    report = read_delivery_status(text)
    assert report is not None
    assert (report.recipient, report.status) == ("second@b.example", "5.1.1")


def test_crlf_line_ends_and_case_of_field_names_do_not_matter() -> None:
    """CRLF line ends and upper-case field names are read like the canonical form."""
    text = POSTFIX_DSN.upper().replace("\n", "\r\n")
    report = read_delivery_status(text)
    assert report is not None
    assert (report.recipient, report.action, report.status) == (
        "INFO@IMPORTER.EXAMPLE",
        "failed",
        "5.1.1",
    )


def test_status_with_comment_keeps_only_the_code() -> None:
    """A Status field with a comment gives only the enhanced code."""
    text = (
        "Final-Recipient: rfc822; a@b.example\nAction: failed\n"
        "Status: 5.1.1 (bad destination mailbox)\n"
    )
    report = read_delivery_status(text)
    assert report is not None
    assert report.status == "5.1.1"


def test_duplicate_fields_keep_the_first_value() -> None:
    """A repeated field keeps its first value, and its continuation does not spill into it."""
    text = (
        "Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n"
        "Status: 4.0.0\n  folded continuation\n"
    )
    report = read_delivery_status(text)
    assert report is not None
    assert report.status == "5.1.1"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "Reporting-MTA: dns; a.example\nArrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\n",
        "this is not a delivery status at all\njust text: with colons",
        "\x00\x01\x02 garbage \ufffd\ufffd",
        ": no name\n  : continuation without field\n",
    ],
)
def test_no_recipient_block_gives_none(text: str) -> None:
    """Text without any per-recipient field gives None."""
    assert read_delivery_status(text) is None


QMAIL_BODY = """\
Hi. This is the qmail-send program at mail.forwarder.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<someone@importer.example>:
192.0.2.10 does not like recipient.
Remote host said: 550 5.1.1 <someone@importer.example>... User unknown
Giving up on 192.0.2.10.

--- Below this line is a copy of the message.

Return-Path: <importbio@desk.example.be>
From: importbio@desk.example.be
To: someone@importer.example
"""

EXIM_BODY = """\
This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  buyer@importer.example
    host mx.importer.example [192.0.2.7]
    SMTP error from remote mail server after RCPT TO:<buyer@importer.example>:
    550 5.1.1 <buyer@importer.example>: Recipient address rejected: User unknown

------ This is a copy of the message, including all the headers. ------

From: importbio@desk.example.be
"""

EXCHANGE_BODY = """\
Delivery has failed to these recipients or groups:

Jan Janssens (jan.janssens@importer.example)
The e-mail address you entered couldn't be found. Please check the recipient's e-mail
address and try to resend the message. If the problem continues, please contact your helpdesk.

Diagnostic information for administrators:

Generating server: EXCH01.importer.example

jan.janssens@importer.example
#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##

Original message headers:

From: importbio@desk.example.be
"""

POSTFIX_BODY = """\
This is the mail system at host mail.desk.example.be.

I\u2019m sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<info@importer.example>: host mx.importer.example[192.0.2.45] said: 550
    5.1.1 <info@importer.example>: Recipient address rejected: User unknown in
    local recipient table (in reply to RCPT TO command)
"""

GMAIL_BODY = """\
** Address not found **

Your message wasn't delivered to nobody.here@gmail.com because the address couldn't be
found, or is unable to receive mail.

Learn more here: https://support.google.com/mail/?p=NoSuchUser

The response from the remote server was:
550 5.1.1 The email account that you tried to reach does not exist.
"""

GMAIL_BODY_WITHOUT_CODE = """\
Address not found

Your message wasn't delivered to no.one@importer.example because the domain
importer.example couldn't be found. Check for typos or unnecessary spaces and try again.
"""

OUTLOOK_COM_BODY = """\
Your message to lager@importer.example couldn't be delivered.

lager wasn't found at importer.example.

Original Message Details
Sender Address: importbio@desk.example.be
"""

DUTCH_EXCHANGE_BODY = """\
De bezorging is mislukt voor deze ontvangers of groepen:

info@importeur.example
Het e-mailadres dat u hebt ingevoerd, kan niet worden gevonden.

Diagnostische gegevens voor beheerders:

Server genereren: EXCH02.importeur.example

info@importeur.example
Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
"""

FRENCH_EXCHANGE_BODY = """\
La remise a \u00e9chou\u00e9 pour ces destinataires ou groupes :

contact@importateur.example
Une boucle de messages a \u00e9t\u00e9 d\u00e9tect\u00e9e.

Informations de diagnostic pour les administrateurs :

contact@importateur.example
Remote Server returned '554 5.4.14 Hop count exceeded - possible mail loop ATTR34'
"""

GERMAN_EXCHANGE_BODY = """\
Fehler bei der Zustellung an folgende Empf\u00e4nger oder Gruppen:

lager@importeur.example
Die eingegebene E-Mail-Adresse wurde nicht gefunden.

lager@importeur.example
Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
"""

GERMAN_PLAIN_BODY = """\
Ihre Nachricht konnte nicht zugestellt werden an: einkauf@importeur.example
Grund: 552 5.2.2 Postfach voll
"""

PROSE_CASES = [
    pytest.param("failure notice", QMAIL_BODY, "", "someone@importer.example", "5.1.1", id="qmail"),
    pytest.param(
        "Mail delivery failed: returning message to sender",
        EXIM_BODY,
        "buyer@importer.example",
        "buyer@importer.example",
        "5.1.1",
        id="exim",
    ),
    pytest.param(
        "Undeliverable: COI.CN.2024.0012345",
        EXCHANGE_BODY,
        "",
        "jan.janssens@importer.example",
        "5.1.1",
        id="exchange",
    ),
    pytest.param(
        "Undelivered Mail Returned to Sender",
        POSTFIX_BODY,
        "",
        "info@importer.example",
        "5.1.1",
        id="postfix",
    ),
    pytest.param(
        "Delivery Status Notification (Failure)",
        GMAIL_BODY,
        "",
        "nobody.here@gmail.com",
        "5.1.1",
        id="gmail",
    ),
    pytest.param(
        "Delivery Status Notification (Failure)",
        GMAIL_BODY_WITHOUT_CODE,
        "",
        "no.one@importer.example",
        "",
        id="gmail-no-code",
    ),
    pytest.param(
        "Undeliverable: Aanmelding",
        OUTLOOK_COM_BODY,
        "",
        "lager@importer.example",
        "",
        id="outlook-com",
    ),
    pytest.param(
        "Onbestelbaar: COI.CN.2024.0012345",
        DUTCH_EXCHANGE_BODY,
        "",
        "info@importeur.example",
        "5.1.1",
        id="nl-onbestelbaar",
    ),
    pytest.param(
        "Non remis : Notification COI.MA.2024.0054321",
        FRENCH_EXCHANGE_BODY,
        "",
        "contact@importateur.example",
        "5.4.14",
        id="fr-non-remis",
    ),
    pytest.param(
        "Unzustellbar: Voranmeldung",
        GERMAN_EXCHANGE_BODY,
        "",
        "lager@importeur.example",
        "5.1.1",
        id="de-unzustellbar",
    ),
    pytest.param(
        "Nicht zustellbar: Voranmeldung",
        GERMAN_PLAIN_BODY,
        "",
        "einkauf@importeur.example",
        "5.2.2",
        id="de-nicht-zustellbar",
    ),
]


@pytest.mark.parametrize(("subject", "body", "header", "recipient", "status"), PROSE_CASES)
def test_guesses_failed_address_and_code_from_bounce_prose(
    subject: str, body: str, header: str, recipient: str, status: str
) -> None:
    """Each MTA's bounce prose gives the failed address, its status code and action failed."""
    report = guess_bounce_from_text(subject, body, header)
    assert report is not None
    assert (report.recipient, report.status, report.action) == (recipient, status, "failed")
    assert report.original_message_id is None
    assert len(report.diagnostic) <= MAX_DIAGNOSTIC_CHARS


def test_guess_diagnostic_is_the_paragraph_with_the_code() -> None:
    """The diagnostic is the collapsed paragraph that carries the status code."""
    report = guess_bounce_from_text("failure notice", QMAIL_BODY, "")
    assert report is not None
    assert report.diagnostic == (
        "Remote host said: 550 5.1.1 <someone@importer.example>... User unknown "
        "Giving up on 192.0.2.10."
    )


def test_guess_exchange_diagnostic_names_the_resolver_error() -> None:
    """Exchange's ``Remote Server returned`` line is the diagnostic."""
    report = guess_bounce_from_text("Onbestelbaar: x", DUTCH_EXCHANGE_BODY, "")
    assert report is not None
    assert "RESOLVER.ADR.RecipNotFound" in report.diagnostic


def test_guess_smtp_code_alone_is_the_status() -> None:
    """Without an enhanced code, the basic SMTP reply code is the status."""
    body = (
        "Mail delivery failed.\n\n"
        "<old@importer.example>: 550 Requested action not taken: mailbox unavailable\n"
    )
    report = guess_bounce_from_text("Returned mail: see transcript", body, "")
    assert report is not None
    assert (report.recipient, report.status) == ("old@importer.example", "550")


def test_guess_ignores_ip_addresses_and_versions_as_status() -> None:
    """Dotted numbers inside IP addresses are not taken for a status code."""
    body = (
        "Undeliverable message.\n\n"
        "<x@importer.example>: host [10.5.1.2] refused; relay 192.2.3.4 down\n"
    )
    report = guess_bounce_from_text("Undeliverable", body, "")
    assert report is not None
    assert report.status == ""


def test_guess_warning_is_reported_as_delayed() -> None:
    """An Exim delay warning is reported with action delayed and its 4.x.x code."""
    body = (
        "This message was created automatically by mail delivery software.\n"
        "A message that you sent has not yet been delivered to one or more of its\n"
        "recipients after more than 24 hours on the queue on mail.example.org.\n\n"
        "The address to which the message has not yet been delivered is:\n\n"
        "  slow@importer.example\n"
        "    Delay reason: SMTP error from remote mail server after\n"
        "    RCPT TO:<slow@importer.example>:\n"
        "    451 4.7.1 Greylisted, please try again later\n\n"
        "This is a warning message only. You do not need to resend your message.\n"
    )
    report = guess_bounce_from_text("Warning: message 1rAbC-000 delayed 24 hours", body, "")
    assert report is not None
    assert (report.recipient, report.action, report.status) == (
        "slow@importer.example",
        "delayed",
        "4.7.1",
    )


def test_guess_postfix_delay_warning_is_delayed() -> None:
    """Postfix's delay warning is reported as delayed, with the recipient it names."""
    body = (
        "This is the mail system at host mail.desk.example.be.\n\n"
        "####################################################################\n"
        "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
        "####################################################################\n\n"
        "<slow@importer.example>: connect to mx.importer.example[192.0.2.9]:25: Connection\n"
        "    timed out\n"
    )
    report = guess_bounce_from_text("Delayed Mail (still being retried)", body, "")
    assert report is not None
    assert (report.recipient, report.action, report.status) == (
        "slow@importer.example",
        "delayed",
        "",
    )


def test_guess_ignores_bounce_words_inside_the_returned_copy() -> None:
    """Bounce wording that only occurs in a quoted original message is not a bounce."""
    body = (
        "Hello,\n\n-----Original Message-----\nSubject: Undeliverable: test\n"
        "Delivery has failed to these recipients or groups: a@b.example\n"
    )
    assert guess_bounce_from_text("Question", body, "") is None


def test_guess_uses_x_failed_recipients_header_first() -> None:
    """The X-Failed-Recipients header names the recipient even without bounce words."""
    report = guess_bounce_from_text("Hello", "some text", "First <a@b.example>, c@d.example")
    assert report is not None
    assert report.recipient == "a@b.example"


def test_guess_skips_addresses_in_the_returned_copy() -> None:
    """Addresses only found in the copy of the returned message are not the recipient."""
    body = (
        "Hi. This is the qmail-send program.\nGiving up.\n\n"
        "--- Below this line is a copy of the message.\n\nTo: person@importer.example\n"
    )
    report = guess_bounce_from_text("failure notice", body, "")
    assert report is not None
    assert report.recipient == ""


def test_guess_skips_the_reporting_systems_own_mailbox() -> None:
    """The MTA's postmaster address is not taken as the failed recipient."""
    body = (
        "Undeliverable.\nContact postmaster@mx.example for help.\n"
        "<real@importer.example>: 550 5.1.1 unknown\n"
    )
    report = guess_bounce_from_text("Undeliverable", body, "")
    assert report is not None
    assert report.recipient == "real@importer.example"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "COI.CN.2024.0012345 gember",
            "Bijgaand de factuur en het vervoersdocument.\nStatus 5.1.1",
        ),
        ("Question", "Dear desk, please call me at 550 123 456. Regards, jan@importer.example"),
        ("", ""),
    ],
)
def test_guess_ordinary_mail_is_not_a_bounce(subject: str, body: str) -> None:
    """Mail without bounce wording or X-Failed-Recipients is not guessed to be a bounce."""
    assert guess_bounce_from_text(subject, body, "") is None


def test_hostile_inputs_are_bounded_in_time() -> None:
    """Megabytes of crafted text are handled quickly (bounded input, linear patterns)."""
    started = time.perf_counter()
    read_delivery_status("Final-Recipient: rfc822; " + "a" * 2_000_000)
    read_delivery_status("Final-Recipient: x\n" * 200_000)
    read_delivery_status("X:" + " " * 1_000_000 + "y")
    guess_bounce_from_text("Undeliverable", "a" * 2_000_000 + "@", "")
    guess_bounce_from_text("Undeliverable", ("a." * 40 + "@") * 20_000, "x" * 100_000)
    guess_bounce_from_text("Undeliverable", "550 " * 500_000, "")
    guess_bounce_from_text("\u00e9" * 100_000, "\u00e9\u2019" * 1_000_000, "")
    assert time.perf_counter() - started < 5.0


FIELD_NAMES = st.sampled_from(
    ["Final-Recipient", "Original-Recipient", "Action", "Status", "Diagnostic-Code", "X-Y", ""]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            FIELD_NAMES, st.text(max_size=80), st.sampled_from(["\n", "\r\n", "\n\n", "\n "])
        ),
        max_size=20,
    )
)
def test_read_delivery_status_never_raises_on_field_soup(
    fields: list[tuple[str, str, str]],
) -> None:
    """Any mix of DSN-like fields gives None or a report with bounded text, never an error."""
    text = "".join(f"{name}: {value}{end}" for name, value, end in fields)
    report = read_delivery_status(text)
    assert report is None or len(report.diagnostic) <= MAX_DIAGNOSTIC_CHARS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=2000), st.text(max_size=200))
def test_guess_never_raises(subject: str, body: str, header: str) -> None:
    """Arbitrary subject, body and header text give None or a failed/delayed report."""
    report = guess_bounce_from_text(subject, body, header)
    assert report is None or report.action in {"failed", "delayed"}
