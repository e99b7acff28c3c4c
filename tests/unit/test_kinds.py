"""Tests for telling bounces, machine mail, PRFC requests, account questions and replies apart."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.codes import Flag, Kind
from intake.parse.mail import Address, DeliveryReport, ParsedMail, TextPart
from intake.triage.kinds import (
    bounce_report,
    bounce_signal,
    machine_signal,
    machine_signal_strength,
    reply_signal,
    strip_subject_prefixes,
    topic_signal,
)

IMPORTER = Address("Jan Peeters", "jan.peeters@importer.example")


def make_mail(
    *,
    subject: str = "",
    body: str = "",
    from_: Address | None = IMPORTER,
    headers: dict[str, str] | None = None,
    in_reply_to: tuple[str, ...] = (),
    references: tuple[str, ...] = (),
    content_type: str = "text/plain",
    delivery_report: DeliveryReport | None = None,
) -> ParsedMail:
    """A ParsedMail with every field given and only what a test names filled in."""
    return ParsedMail(
        size_bytes=len(body) + len(subject),
        sha256="0" * 64,
        message_id="<m1@importer.example>",
        from_=from_,
        reply_to=None,
        to=(Address("", "importbio@desk.example.be"),),
        cc=(),
        subject=subject,
        date=None,
        in_reply_to=in_reply_to,
        references=references,
        content_type=content_type,
        headers=headers or {},
        texts=(TextPart("body", body),) if body else (),
        attachments=(),
        forwarded_subjects=(),
        delivery_report=delivery_report,
        problems=(),
        part_count=1,
        depth=0,
    )


# --------------------------------------------------------------------------- machine mail

STRONG_HEADERS = [
    ("auto-submitted", "auto-replied", "Auto-Submitted"),
    ("auto-submitted", "auto-generated", "Auto-Submitted"),
    ("auto-submitted", "auto-notified", "Auto-Submitted"),
    ("auto-submitted", 'Auto-Replied; owner-email="jan@importer.example"', "Auto-Submitted"),
    ("x-autoreply", "yes", "X-Autoreply"),
    ("x-autoreply", "", "X-Autoreply"),
    ("x-autorespond", "Auto-reply by vacation", "X-Autorespond"),
    ("precedence", "bulk", "Precedence"),
    ("precedence", "Junk", "Precedence"),
    ("precedence", "auto_reply", "Precedence"),
]


@pytest.mark.parametrize(("name", "value", "shown"), STRONG_HEADERS)
def test_auto_reply_headers_are_strong_machine_evidence(name: str, value: str, shown: str) -> None:
    """Each RFC 3834 / common auto-reply header makes the mail an auto-reply, naming the header."""
    mail = make_mail(subject="COI.CN.2024.0012345", headers={name: value})
    signal = machine_signal(mail)
    assert signal is not None
    assert signal.kind is Kind.AUTO_REPLY
    assert f"header {shown}:" in signal.reason
    assert machine_signal_strength(mail) == "strong"


def test_auto_submitted_reason_quotes_the_value() -> None:
    """The reason says the header and its value as seen."""
    signal = machine_signal(make_mail(headers={"auto-submitted": "auto-replied"}))
    assert signal is not None
    assert "header Auto-Submitted: auto-replied" in signal.reason


@pytest.mark.parametrize("value", ["no", "No", "NO", "no; comment", " no (human)"])
def test_auto_submitted_no_is_not_machine_mail(value: str) -> None:
    """Auto-Submitted: no marks mail written by a person, so it is no evidence."""
    mail = make_mail(subject="COI.CN.2024.0012345", headers={"auto-submitted": value})
    assert machine_signal(mail, weak_ok=True) is None
    assert machine_signal_strength(mail) == "none"


@pytest.mark.parametrize(("name", "value"), [("x-autoreply", "no"), ("precedence", "normal")])
def test_negative_or_ordinary_header_values_are_no_evidence(name: str, value: str) -> None:
    """X-Autoreply: no and an ordinary Precedence are not machine mail."""
    mail = make_mail(headers={name: value})
    assert machine_signal(mail, weak_ok=True) is None
    assert machine_signal_strength(mail) == "none"


WEAK_HEADERS = [
    ("precedence", "list", True),
    ("x-auto-response-suppress", "All", False),
    ("list-id", "<traders.lists.example>", True),
    ("list-unsubscribe", "<mailto:leave@lists.example>", True),
    ("list-post", "<mailto:traders@lists.example>", True),
]


@pytest.mark.parametrize(("name", "value", "is_list"), WEAK_HEADERS)
def test_weak_headers_count_only_when_allowed(name: str, value: str, is_list: bool) -> None:
    """List and suppress headers alone are weak: None without weak_ok, else an auto-reply."""
    mail = make_mail(subject="COI.CN.2024.0012345", headers={name: value})
    assert machine_signal(mail, weak_ok=False) is None
    assert machine_signal_strength(mail) == "weak"
    signal = machine_signal(mail)
    assert signal is not None
    assert signal.kind is Kind.AUTO_REPLY
    assert (Flag.MAILING_LIST in signal.flags) is is_list


def test_strong_evidence_keeps_the_mailing_list_flag() -> None:
    """A list mail with a strong header is strong and still flagged as a mailing list."""
    mail = make_mail(headers={"precedence": "bulk", "list-id": "<news.example>"})
    signal = machine_signal(mail, weak_ok=False)
    assert signal is not None
    assert signal.flags == (Flag.MAILING_LIST,)
    assert machine_signal_strength(mail) == "strong"


AUTO_REPLY_SUBJECTS = [
    ("Automatisch antwoord: COI.CN.2024.0012345", "Automatisch antwoord"),
    ("RE: Automatisch antwoord: Aanmelding", "Automatisch antwoord"),
    ("Afwezig: COI.CN.2024.0012345", "Afwezig"),
    ("Afwezigheidsbericht", "Afwezigheidsbericht"),
    ("Out of Office: COI.CN.2024.0012345", "Out of Office"),
    ("Automatic reply: RE: documents", "Automatic reply"),
    ("Auto-Reply: your message", "Auto-Reply"),
    ("Autoreply: ", "Autoreply"),
    ("[EXTERNAL] Out of office until 12 May", "Out of office"),
    ("Réponse automatique : Notification", "Réponse automatique"),
    ("TR: Absence du bureau", "Absence du bureau"),
    ("Je suis absente jusqu'au 3 juin", "Je suis absente"),
    ("Congé: retour le 2 mai", "Congé"),
    ("AW: Abwesenheitsnotiz: Voranmeldung", "Abwesenheitsnotiz"),
    ("Automatische Antwort: Voranmeldung", "Automatische Antwort"),
    ("Abwesend bis 10.05.", "Abwesend"),
    ("Urlaub", "Urlaub"),
    ("Respuesta automática: COI", "Respuesta automática"),
    ("Fuera de la oficina", "Fuera de la oficina"),
    ("R: Risposta automatica: notifica", "Risposta automatica"),
    ("Fuori sede", "Fuori sede"),
    ("Vacation notice", "Vacation"),
    ("Re: Re[2]: out-of-office", "out-of-office"),
]


@pytest.mark.parametrize(("subject", "phrase"), AUTO_REPLY_SUBJECTS)
def test_auto_reply_subjects_in_each_language(subject: str, phrase: str) -> None:
    """An auto-reply phrase at the start (after prefixes) is strong and quoted in the reason."""
    mail = make_mail(subject=subject)
    signal = machine_signal(mail, weak_ok=False)
    assert signal is not None
    assert signal.kind is Kind.AUTO_REPLY
    assert f"subject starts with '{phrase}'" in signal.reason
    assert machine_signal_strength(mail) == "strong"


@pytest.mark.parametrize(
    "subject",
    [
        "COI.NL.2024.1234567 - contact absent until Monday",
        "Documents for COI.CN.2024.0012345 (our buyer is out of office)",
        "Afwezige documenten COI.CN.2024.0012345",
        "Absentee list",
        "Automatisering facturen",
        "Invoice vacation rental",
        "Re: Read receipt settings",
    ],
)
def test_ordinary_subjects_are_not_auto_replies(subject: str) -> None:
    """Auto-reply words later in the subject, or as part of longer words, are no evidence."""
    mail = make_mail(subject=subject)
    assert machine_signal(mail, weak_ok=True) is None
    assert machine_signal_strength(mail) == "none"


@pytest.mark.parametrize(
    "subject", ["Read: COI.CN.2024.0012345", "Gelezen: Aanmelding", "Lu : Avis"]
)
def test_read_receipts_are_machine_mail(subject: str) -> None:
    """Read receipts are written by a mail client, not a person."""
    signal = machine_signal(make_mail(subject=subject))
    assert signal is not None
    assert "read or delivery receipt" in signal.reason


def test_multipart_report_is_machine_mail() -> None:
    """A multipart/report (such as a read notification) is machine mail."""
    mail = make_mail(subject="COI.CN.2024.0012345", content_type="multipart/report")
    assert machine_signal_strength(mail) == "strong"


# --------------------------------------------------------------------------- bounces

QMAIL_BODY = (
    "Hi. This is the qmail-send program at mx.forwarder.example.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
    "<info@importer.example>:\n"
    "Remote host said: 550 5.1.1 <info@importer.example>... User unknown\n"
)
MAILER_DAEMON = Address("", "MAILER-DAEMON@mx.forwarder.example")


def test_dsn_mail_is_a_bounce_naming_recipient_and_status() -> None:
    """A parsed delivery report makes a bounce whose reason names the recipient and status."""
    report = DeliveryReport("info@importer.example", "failed", "5.1.1", "550 5.1.1 unknown", None)
    mail = make_mail(
        subject="Undelivered Mail Returned to Sender",
        content_type="multipart/report",
        delivery_report=report,
        from_=Address("Mail Delivery System", "MAILER-DAEMON@desk.example.be"),
    )
    signal = bounce_signal(mail)
    assert signal is not None
    assert signal.kind is Kind.BOUNCE
    assert "info@importer.example" in signal.reason
    assert "5.1.1" in signal.reason
    assert bounce_report(mail) == report


def test_success_dsn_is_not_a_bounce() -> None:
    """A delivery report that only says ``delivered`` is not a bounce."""
    report = DeliveryReport("info@importer.example", "delivered", "2.0.0", "", None)
    mail = make_mail(content_type="multipart/report", delivery_report=report)
    assert bounce_signal(mail) is None
    assert bounce_report(mail) is None


def test_multipart_report_with_bounce_text_but_no_parsed_status() -> None:
    """A multipart/report whose status part was unreadable is a bounce by its text."""
    mail = make_mail(subject="failure notice", body=QMAIL_BODY, content_type="multipart/report")
    signal = bounce_signal(mail)
    assert signal is not None
    report = bounce_report(mail)
    assert report is not None
    assert report.recipient == "info@importer.example"


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        (MAILER_DAEMON, {}),
        (Address("Mail Delivery System", "bounces@mx.forwarder.example"), {}),
        (Address("Mail Delivery Subsystem", "mailer-daemon@googlemail.com"), {}),
        (Address("Microsoft Outlook", "postmaster@importer.example"), {}),
        (None, {"return-path": "<>"}),
        (
            Address("", "robot@mx.forwarder.example"),
            {"x-failed-recipients": "info@importer.example"},
        ),
    ],
)
def test_non_standard_bounce_from_a_mail_system(
    sender: Address | None, headers: dict[str, str]
) -> None:
    """A bounce text from a mail-system sender (or with X-Failed-Recipients) is a bounce."""
    mail = make_mail(subject="failure notice", body=QMAIL_BODY, from_=sender, headers=headers)
    signal = bounce_signal(mail)
    assert signal is not None
    assert signal.kind is Kind.BOUNCE
    assert "info@importer.example" in signal.reason
    report = bounce_report(mail)
    assert report is not None
    assert (report.recipient, report.status) == ("info@importer.example", "5.1.1")


def test_forwarded_bounce_from_a_person_is_not_a_bounce() -> None:
    """A person forwarding a bounce wrote a mail; it is not itself a bounce."""
    mail = make_mail(subject="Fwd: Undeliverable: COI.CN.2024.0012345", body=QMAIL_BODY)
    assert bounce_signal(mail) is None
    assert bounce_report(mail) is None


def test_mail_system_sender_without_bounce_text_is_not_a_bounce() -> None:
    """A postmaster's ordinary message is not a bounce."""
    mail = make_mail(
        subject="Planned maintenance",
        body="Our mail servers will be down on Sunday.",
        from_=Address("", "postmaster@importer.example"),
    )
    assert bounce_signal(mail) is None


# --------------------------------------------------------------------------- topics

PRFC_SUBJECTS = [
    "punt van vrijgave voor het vrije verkeer in de Unie",
    "Punt van vrijgave voor het vrije verkeer in de Unie - Firma Peeters NV, Antwerpen",
    "Aanvraag nieuw punt van vrijgave",
    "RE: punten van vrijgaven",
    "PUNT VAN VRIJGAVE",
    "nieuw vrijgavepunt Gent",
    "Vrygave voor het vrije verkeer: nieuwe locatie",
    "New point of release for free circulation",
    "Request: points of release",
    "PRFC request warehouse Zeebrugge",
    "Demande de point de mise en libre pratique",
    "Nouveau lieu de mise en libre pratique",
    "Antrag Ort der Überlassung zum zollrechtlich freien Verkehr",
    "Neuer Freigabeort",
]


@pytest.mark.parametrize("subject", PRFC_SUBJECTS)
def test_prfc_subjects_in_each_language(subject: str) -> None:
    """A subject about a point of release for free circulation is a PRFC request."""
    signal = topic_signal(make_mail(subject=subject))
    assert signal is not None
    assert signal.kind is Kind.PRFC_REQUEST
    assert "subject" in signal.reason


def test_prfc_request_in_body() -> None:
    """The body's own text can make a PRFC request when the subject says nothing."""
    body = (
        "Geachte,\n\nGraag voegen wij een nieuw punt van vrijgave toe voor ons magazijn te "
        "Antwerpen (Haven 1234).\n\nMet vriendelijke groeten,\nAn"
    )
    signal = topic_signal(make_mail(subject="Aanvraag", body=body))
    assert signal is not None
    assert signal.kind is Kind.PRFC_REQUEST
    assert "body" in signal.reason


@pytest.mark.parametrize(
    "body",
    [
        "Beste,\n\nGraag registreren wij het volgende punt van vrijgave voor het vrije verkeer "
        "in de Unie:\nFirma Peeters NV\nHavenlaan 1, 2000 Antwerpen",
        "Dear desk, we request a new point of release for free circulation at our warehouse.",
        "Madame, Monsieur, nous demandons l'ajout d'un lieu de mise en libre pratique à Gand.",
        "Wir beantragen einen neuen Freigabeort in Zeebrugge.",
    ],
)
def test_prfc_requests_in_the_body_of_each_language(body: str) -> None:
    """A body sentence asking for a new point of release is a PRFC request."""
    signal = topic_signal(make_mail(subject="Vraag", body=body))
    assert signal is not None
    assert signal.kind is Kind.PRFC_REQUEST


@pytest.mark.parametrize(
    "body",
    [
        "Bijgaand factuur en CMR.\nPunt van vrijgave: Antwerpen, Havenlaan 1.",
        "Lieu de mise en libre pratique : Anvers.",
        "PRFC: Zeebrugge, ETA 12/05.",
    ],
)
def test_notification_naming_its_prfc_in_the_body_is_no_request(body: str) -> None:
    """Naming the point of release of a consignment (box 10) is not asking for a new one."""
    assert topic_signal(make_mail(subject="COI.CN.2024.0012345", body=body)) is None


ACCOUNT_SUBJECTS = [
    "Gebruiker toevoegen TRACES account",
    "TRACES: nieuwe gebruiker",
    "Verwijderen gebruikers uit ons account",
    "Remove user from TRACES",
    "Password reset EU Login",
    "No access to TRACES NT",
    "Ajouter un utilisateur au compte TRACES",
    "Supprimer un utilisateur",
    "Mot de passe TRACES",
    "Benutzer hinzufügen",
    "Zugang TRACES gesperrt",
    "Wachtwoord TRACES",
]


@pytest.mark.parametrize("subject", ACCOUNT_SUBJECTS)
def test_account_subjects_in_several_languages(subject: str) -> None:
    """A subject about users or access of a TRACES account is an account question."""
    signal = topic_signal(make_mail(subject=subject))
    assert signal is not None
    assert signal.kind is Kind.ACCOUNT


ACCOUNT_BODIES = [
    "Goedemorgen,\n\nKunnen jullie onze collega Jan Peeters toevoegen als gebruiker aan ons "
    "TRACES account?\n\nMet vriendelijke groeten,\nAn",
    "Hello,\n\nPlease remove the user piet@importer.example from our company.\n\nKind regards,\nJo",
    "Bonjour,\n\nJe n'arrive pas à ajouter un nouvel utilisateur dans TRACES.\n\nCordialement",
    "Guten Tag,\n\nbitte löschen Sie den Benutzer Müller aus unserem Konto.\n\n"
    "Mit freundlichen Grüßen",
]


@pytest.mark.parametrize("body", ACCOUNT_BODIES)
def test_account_questions_in_the_body(body: str) -> None:
    """An account question in the body's own text is found when the subject is neutral."""
    signal = topic_signal(make_mail(subject="Vraag / question", body=body))
    assert signal is not None
    assert signal.kind is Kind.ACCOUNT
    assert "body" in signal.reason


def test_subject_evidence_beats_body_evidence() -> None:
    """A PRFC subject wins over an account question in the body, and the other way round."""
    account_body = ACCOUNT_BODIES[0]
    prfc = topic_signal(make_mail(subject="Punt van vrijgave", body=account_body))
    assert prfc is not None
    assert prfc.kind is Kind.PRFC_REQUEST
    body = "Ons nieuw punt van vrijgave staat al in de lijst."
    account = topic_signal(make_mail(subject="TRACES gebruiker toevoegen", body=body))
    assert account is not None
    assert account.kind is Kind.ACCOUNT


@pytest.mark.parametrize(
    "body",
    [
        # a notification whose signature names a TRACES user role
        "Dear,\n\nPlease find attached the invoice and bill of lading.\n\nKind regards,\n"
        "John Smith\nTRACES user administrator | ACME Trading\nPlease add us on LinkedIn",
        # a disclaimer with access and delete
        "Hierbij de documenten.\n\nThis e-mail is confidential. Access to this e-mail by anyone "
        "else is unauthorised; if you are not the intended recipient, please delete it.",
        # idioms and general words
        "Please take into account the changed arrival date.",
        "Our bank account changed, see the new invoice.",
        "We do not have access to the invoice yet; it will follow tomorrow.",
        # quoted text of an earlier account question
        "Thank you, all clear.\n\n> Please add a new user to our TRACES account.\n",
        "Bedankt.\n\n-----Original Message-----\nFrom: Jan\nPlease add user X to TRACES.\n",
        # a point of release only in quoted text
        "OK.\n\nOp 3 mei 2024 schreef Jan:\nnieuw punt van vrijgave: Gent\n",
    ],
)
def test_notifications_mentioning_account_words_are_no_topic(body: str) -> None:
    """Signatures, disclaimers, idioms and quoted text do not make an account or PRFC topic."""
    mail = make_mail(subject="COI.CN.2024.0012345 ginger", body=body)
    assert topic_signal(mail) is None


def test_body_beyond_the_first_part_is_ignored() -> None:
    """Evidence far down a long body does not count."""
    body = "Documents attached. " * 400 + "Please add a new user to our TRACES account."
    assert topic_signal(make_mail(subject="COI.CN.2024.0012345", body=body)) is None


# --------------------------------------------------------------------------- replies

REPLY_SUBJECTS = [
    "Re: COI.CN.2024.0012345",
    "RE: COI.CN.2024.0012345",
    "Aw: Voranmeldung",
    "AW: Voranmeldung",
    "Antw: Aanmelding",
    "Antwoord: Aanmelding",
    "SV: Notification",
    "VS: Notification",
    "R: Notifica",
    "RIF: Notifica",
    "RES: Notificação",
    "Odp: Zgłoszenie",
    "Ynt: Bildirim",
    "回复\uff1aCOI.CN.2024.0012345",
    "Re[2]: COI",
    "RE(3): COI",
    "Re : Avis d'arrivée",
    "Re: Re: RE: COI",
    "[EXTERNAL] RE: COI",
    "RE: FW: COI.CN.2024.0012345",
]


@pytest.mark.parametrize("subject", REPLY_SUBJECTS)
def test_reply_prefixes_make_a_reply(subject: str) -> None:
    """A subject starting with a reply prefix (in any language, with counters) is a reply."""
    signal = reply_signal(make_mail(subject=subject))
    assert signal is not None
    assert signal.kind is Kind.REPLY
    assert "subject starts with" in signal.reason


FORWARD_SUBJECTS = [
    "Fw: COI.CN.2024.0012345",
    "FW: COI.CN.2024.0012345",
    "Fwd: COI.CN.2024.0012345",
    "TR: Avis",
    "WG: Voranmeldung",
    "Doorst: Aanmelding",
    "Doorgestuurd: Aanmelding",
    "RV: Notificación",
    "Enc: Notificação",
    "I: Notifica",
    "FW: RE: COI.CN.2024.0012345",
]


@pytest.mark.parametrize("subject", FORWARD_SUBJECTS)
def test_forward_prefixes_are_not_replies(subject: str) -> None:
    """A forwarded notification is a notification, even when it carries In-Reply-To."""
    mail = make_mail(subject=subject, in_reply_to=("<old@desk.example.be>",))
    assert reply_signal(mail) is None


@pytest.mark.parametrize(
    ("in_reply_to", "references", "seen"),
    [
        (("<a@desk.example.be>",), (), "In-Reply-To"),
        ((), ("<a@desk.example.be>", "<b@importer.example>"), "References"),
    ],
)
def test_threading_headers_make_a_reply(
    in_reply_to: tuple[str, ...], references: tuple[str, ...], seen: str
) -> None:
    """In-Reply-To or References mark a reply even without a subject prefix."""
    mail = make_mail(subject="COI.CN.2024.0012345", in_reply_to=in_reply_to, references=references)
    signal = reply_signal(mail)
    assert signal is not None
    assert seen in signal.reason


@pytest.mark.parametrize(
    "subject",
    ["COI.CN.2024.0012345", "Rechnung: 123", "Information: arrival", "Request for access", ""],
)
def test_plain_subjects_are_not_replies(subject: str) -> None:
    """Words that merely begin like a prefix do not make a reply."""
    assert reply_signal(make_mail(subject=subject)) is None


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("RE: FW: COI.CN.2024.0012345", "COI.CN.2024.0012345"),
        ("Antw: Doorst: Aanmelding", "Aanmelding"),
        ("AW:WG:AW: Voranmeldung", "Voranmeldung"),
        ("Re[2]: RE(3): TR : x", "x"),
        ("[EXTERNAL] Re: Out of office", "Out of office"),
        ("回复\uff1a转发: COI", "COI"),
        ("Regarding: COI", "Regarding: COI"),
        ("  plain  ", "plain"),
    ],
)
def test_strip_subject_prefixes(subject: str, stripped: str) -> None:
    """Any run of reply and forward prefixes (and gateway tags) is removed, nothing more."""
    assert strip_subject_prefixes(subject) == stripped


# --------------------------------------------------------------------------- robustness

HEADER_NAMES = st.sampled_from(
    [
        "auto-submitted",
        "x-autoreply",
        "x-autorespond",
        "x-auto-response-suppress",
        "precedence",
        "list-id",
        "list-unsubscribe",
        "list-post",
        "x-failed-recipients",
        "return-path",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    subject=st.text(max_size=300),
    body=st.text(max_size=1500),
    headers=st.dictionaries(HEADER_NAMES, st.text(max_size=60), max_size=6),
    display_name=st.text(max_size=40),
    content_type=st.sampled_from(["text/plain", "multipart/report", "multipart/mixed"]),
)
def test_no_function_raises_on_arbitrary_mail(
    subject: str, body: str, headers: dict[str, str], display_name: str, content_type: str
) -> None:
    """Arbitrary subjects, bodies and header values never make a signal function raise."""
    mail = make_mail(
        subject=subject,
        body=body,
        headers=headers,
        from_=Address(display_name, "x@y.example"),
        content_type=content_type,
    )
    for signal in (
        bounce_signal(mail),
        machine_signal(mail),
        machine_signal(mail, weak_ok=False),
        topic_signal(mail),
        reply_signal(mail),
    ):
        assert signal is None or signal.reason
    assert machine_signal_strength(mail) in {"strong", "weak", "none"}
    bounce_report(mail)
    assert strip_subject_prefixes(subject) in subject


def test_hostile_subjects_and_bodies_are_handled_quickly() -> None:
    """Long runs of prefixes, spaces and words finish fast (bounded input, linear patterns)."""
    started = time.perf_counter()
    for subject in ("Re: " * 4000, "Re" + " " * 8000, "[" * 8000, "Fw" * 4000, "a " * 4000):
        mail = make_mail(subject=subject, body="user add " * 20_000 + "\u00e9" * 10_000)
        reply_signal(mail)
        machine_signal(mail, weak_ok=True)
        topic_signal(mail)
        bounce_signal(mail)
        strip_subject_prefixes(subject)
    assert time.perf_counter() - started < 5.0
