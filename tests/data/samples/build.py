"""Write the sample mails of ``tests/data/samples/`` (``NAME.eml``) from the definitions below.

Run from the repository root: ``.venv/bin/python tests/data/samples/build.py``. The output is
byte-for-byte deterministic (fixed dates, Message-IDs, MIME boundaries, zip timestamps and PDF
padding), so rerunning it leaves git clean unless a definition changed.

Each mail imitates the MIME structure a real client produces: Outlook (HTML with an inline logo
in multipart/related, Thread-Index, X-MS-Has-Attach), Outlook in RTF mode (winmail.dat),
Gmail (Content-ID and X-Attachment-Id on attachments, X-Gm-Message-State), Apple Mail (Apple-Mail
boundaries, inline PDFs, PDFs nested in multipart/alternative), Thunderbird (format=flowed, 8bit),
an iPhone (a single text/plain part), an ERP that sends HTML only, forwards as message/rfc822,
Postfix and Exchange delivery reports and a newsletter. Every person, company and address is
invented. The expected results (``NAME.expected.json``) are written by hand, not by this script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import quopri
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.charset import BASE64, QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.policy import compat32
from email.utils import formataddr
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.support.pdf import make_pdf  # noqa: E402  (the repository root is put on the path above)

DESK = formataddr(("Import Bio", "importbio@landbouw.example.be"))
DESK_ADDR = "importbio@landbouw.example.be"

# ---------------------------------------------------------------------------------------------
# encodings and small helpers


def qp(text: str, charset: str = "utf-8") -> str:
    """Quoted-printable body text, as mail clients write it (76-column soft breaks)."""
    return (
        quopri.encodestring(text.encode(charset).replace(b"\n", b"\r\n"))
        .decode("ascii")
        .replace("\r\n", "\n")
    )


def b64(data: bytes) -> str:
    """Base64 in 76-column lines."""
    return base64.encodebytes(data).decode("ascii")


def raw8(text: str) -> str:
    """Text that the generator writes as raw UTF-8 bytes (8bit bodies and 8-bit headers)."""
    return text.encode("utf-8").decode("ascii", "surrogateescape")


def ew_q(text: str, charset: str = "utf-8", header_name: str = "Subject") -> str:
    """An RFC 2047 Q encoded-word header value, folded as a client folds it."""
    cs = Charset(charset)
    cs.header_encoding = QP
    return Header(text, cs, header_name=header_name).encode(maxlinelen=76)


def ew_b(text: str, charset: str = "utf-8", header_name: str = "Subject") -> str:
    """An RFC 2047 B encoded-word header value, folded as a client folds it."""
    cs = Charset(charset)
    cs.header_encoding = BASE64
    return Header(text, cs, header_name=header_name).encode(maxlinelen=76)


def ew_param(text: str, encode: Callable[..., str] | None = None) -> str:
    """A file name as Outlook writes it: RFC 2047 words inside the quoted parameter."""
    encode = encode or ew_b
    return encode(text, header_name="Content-Disposition").replace("\n ", " ")


def is_ascii(text: str) -> bool:
    return all(ord(c) < 128 for c in text)


def digest(seed: str, size: int) -> bytes:
    return hashlib.sha256(seed.encode()).digest()[:size]


def hexid(seed: str, size: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:size].upper()


def node(
    headers: Sequence[tuple[str, str]], payload: str | list[Message | str] | None = None
) -> Message:
    """A MIME entity with exactly these headers, in this order."""
    msg = Message()
    for name, value in headers:
        msg[name] = value
    if payload is not None:
        msg.set_payload(payload)
    return msg


# ---------------------------------------------------------------------------------------------
# binary content: logos, photos, archives, TNEF


def png(
    width: int, height: int, colour: tuple[int, int, int], accent: tuple[int, int, int]
) -> bytes:
    """A real PNG: a coloured banner with a band of accent colour (a company logo)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            band = height // 3 <= y < 2 * height // 3 and x % 24 < 16
            rows.extend(accent if band else colour)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def noise(seed: str, size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def jpeg_photo(seed: str, size: int) -> bytes:
    """A valid baseline JPEG (8x8 grey) carrying camera-like APPn blocks up to ``size`` bytes."""
    out = bytearray(b"\xff\xd8")
    out += b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    filler = noise(seed, max(0, size - 400))
    for start in range(0, len(filler), 60000):
        block = filler[start : start + 60000]
        out += b"\xff\xef" + struct.pack(">H", len(block) + 2) + block
    out += b"\xff\xdb\x00\x43\x00" + b"\x01" * 64
    out += b"\xff\xc0\x00\x0b\x08\x00\x08\x00\x08\x01\x01\x11\x00"
    out += b"\xff\xc4\x00\x14\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    out += b"\xff\xc4\x00\x14\x10" + b"\x01" + b"\x00" * 15 + b"\x00"
    out += b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    out += b"\x3f"  # DC category 0, then end-of-block, padded with one bits
    out += b"\xff\xd9"
    return bytes(out)


def zip_archive(
    members: Sequence[tuple[str, bytes]], when: tuple[int, int, int, int, int, int]
) -> bytes:
    """A zip as Windows' "Send to > Compressed folder" makes it, with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0x20  # FILE_ATTRIBUTE_ARCHIVE
            archive.writestr(info, data)
    return buf.getvalue()


def _tnef_attr(level: int, attr_id: int, attr_type: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return (
        struct.pack("<BHHI", level, attr_id, attr_type, len(data))
        + data
        + struct.pack("<H", checksum)
    )


def _mapi_string(prop_id: int, value: str) -> bytes:
    raw = value.encode("cp1252") + b"\x00"
    padded = raw + b"\x00" * (-len(raw) % 4)
    return struct.pack("<HHII", 0x001E, prop_id, 1, len(raw)) + padded


def _mapi_long(prop_id: int, value: int) -> bytes:
    return struct.pack("<HHI", 0x0003, prop_id, value & 0xFFFFFFFF)


def _tnef_date(when: tuple[int, int, int, int, int, int]) -> bytes:
    return struct.pack("<7H", *when, 1)


def tnef(
    body: str,
    attachments: Sequence[tuple[str, bytes, str]],
    when: tuple[int, int, int, int, int, int],
) -> bytes:
    """A winmail.dat as Outlook writes it for an RTF message (MS-OXTNEF), with its files.

    Each attachment is (long file name, data, MIME type); the data sits in attAttachData and
    the names in attAttachTitle and PR_ATTACH_LONG_FILENAME, as Outlook does.
    """
    out = bytearray(struct.pack("<IH", 0x223E9F78, 0x5A3C))
    out += _tnef_attr(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attr(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += _tnef_attr(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
    out += _tnef_attr(1, 0x8005, 0x0003, _tnef_date(when))  # attDateSent
    props = _mapi_string(0x1000, body.replace("\n", "\r\n"))  # PR_BODY
    props += _mapi_long(0x3FDE, 28591)  # PR_INTERNET_CPID
    out += _tnef_attr(1, 0x9003, 0x0006, struct.pack("<I", 2) + props)  # attMAPIProps
    for position, (name, data, mime) in enumerate(attachments):
        rend = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0)
        out += _tnef_attr(2, 0x9002, 0x0006, rend)  # attAttachRendData
        out += _tnef_attr(2, 0x8010, 0x0001, name.encode("cp1252") + b"\x00")  # attAttachTitle
        out += _tnef_attr(2, 0x8012, 0x0003, _tnef_date(when))  # attAttachCreateDate
        out += _tnef_attr(2, 0x8013, 0x0003, _tnef_date(when))  # attAttachModifyDate
        out += _tnef_attr(2, 0x800F, 0x0006, data)  # attAttachData
        extension = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        mapi = (
            _mapi_long(0x3705, 1)  # PR_ATTACH_METHOD: ATTACH_BY_VALUE
            + _mapi_string(0x3707, name)  # PR_ATTACH_LONG_FILENAME
            + _mapi_string(0x3703, extension)  # PR_ATTACH_EXTENSION
            + _mapi_string(0x370E, mime)  # PR_ATTACH_MIME_TAG
            + _mapi_long(0x370B, position)  # PR_RENDERING_POSITION
        )
        out += _tnef_attr(2, 0x9005, 0x0006, struct.pack("<I", 5) + mapi)  # attAttachment
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# documents (text PDFs; padding gives them the size of a scan)


def pdf(pages: Sequence[Sequence[str]], size_kb: int) -> bytes:
    return make_pdf(pages, padding_bytes=size_kb * 1024)


def bill_of_lading(
    number: str,
    shipper: Sequence[str],
    consignee: Sequence[str],
    vessel: str,
    loading: str,
    discharge: str,
    goods: Sequence[str],
    issued: str,
    size_kb: int,
) -> bytes:
    page1 = [
        "BILL OF LADING FOR OCEAN TRANSPORT OR MULTIMODAL TRANSPORT",
        f"B/L No.: {number}",
        "Shipper:",
        *shipper,
        "Consignee:",
        *consignee,
        "Notify party: same as consignee",
        f"Vessel / Voyage: {vessel}",
        f"Port of loading: {loading}",
        f"Port of discharge: {discharge}",
        "Description of goods:",
        *goods,
        "FREIGHT PREPAID    3/3 ORIGINALS ISSUED",
        f"Shipped on board: {issued}",
        f"Place and date of issue: {loading.split(',')[0]}, {issued}",
    ]
    page2 = [
        "TERMS AND CONDITIONS OF CARRIAGE",
        "1. Definitions. Carrier means the party on whose behalf this Bill of Lading is signed.",
        "2. Carrier's tariff. The terms of the carrier's applicable tariff are incorporated.",
        "3. Responsibility. The carrier shall be liable for loss or damage as set out herein.",
    ]
    return pdf([page1, page2], size_kb)


def invoice(
    title: str,
    number: str,
    issued: str,
    seller: Sequence[str],
    buyer: Sequence[str],
    items: Sequence[str],
    total: str,
    size_kb: int,
    labels: tuple[str, str, str, str] = ("Invoice No.", "Date", "Seller", "Buyer"),
) -> bytes:
    page = [
        title,
        f"{labels[0]}: {number}",
        f"{labels[1]}: {issued}",
        f"{labels[2]}:",
        *seller,
        f"{labels[3]}:",
        *buyer,
        *items,
        total,
        "Payment terms: 30 days net. Incoterms 2020: CIF Antwerp",
    ]
    return pdf([page], size_kb)


def packing_list(number: str, lines: Sequence[str], size_kb: int) -> bytes:
    return pdf(
        [["PACKING LIST", f"Ref.: {number}", *lines, "Pallets: 20 / shrink-wrapped"]], size_kb
    )


def coi_print(reference: str, exporter: str, importer: str, product: str, size_kb: int) -> bytes:
    page = [
        "CERTIFICATE OF INSPECTION FOR THE IMPORT OF PRODUCTS FROM ORGANIC PRODUCTION",
        "INTO THE EUROPEAN UNION",
        f"1. Issuing control authority or control body    3. Reference: {reference}",
        f"5. Exporter: {exporter}",
        f"12. Importer: {importer}",
        f"13. Description of products: {product}",
        "18. Declaration of the control body: signed",
    ]
    return pdf([page], size_kb)


# ---------------------------------------------------------------------------------------------
# body text


def plain(paragraphs: Sequence[str]) -> str:
    return "\n\n".join(paragraphs) + "\n"


def outlook_html(paragraphs: Sequence[str], lang: str, logo_cid: str | None) -> str:
    """The HTML Outlook (Word 15 engine) writes for a short message with a signature."""
    body: list[str] = []
    for paragraph in paragraphs:
        body.extend(
            f'<p class="MsoNormal">{html.escape(line)}<o:p></o:p></p>'
            for line in paragraph.split("\n")
        )
        body.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
    if logo_cid:
        body.append(
            '<p class="MsoNormal"><img width="160" height="48" style="width:1.6666in;'
            f'height:.5in" id="Afbeelding_x0020_1" src="cid:{logo_cid}" alt="Logo">'
            "<o:p></o:p></p>"
        )
    return (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" '
        'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
        'xmlns="http://www.w3.org/TR/REC-html40">\n'
        '<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
        "<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}\n"
        "o\\:* {behavior:url(#default#VML);}\n</style><![endif]--><style><!--\n"
        "/* Font Definitions */\n@font-face\n\t{font-family:Calibri;\n"
        "\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\n/* Style Definitions */\n"
        "p.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\tfont-size:11.0pt;\n"
        '\tfont-family:"Calibri",sans-serif;\n\tmso-fareast-language:EN-US;}\n'
        "a:link, span.MsoHyperlink\n\t{mso-style-priority:99;\n\tcolor:#0563C1;\n"
        "\ttext-decoration:underline;}\n.MsoChpDefault\n\t{mso-style-type:export-only;}\n"
        "@page WordSection1\n\t{size:612.0pt 792.0pt;\n\tmargin:70.85pt 70.85pt 70.85pt 70.85pt;}\n"
        "div.WordSection1\n\t{page:WordSection1;}\n--></style><!--[if gte mso 9]><xml>\n"
        '<o:shapedefaults v:ext="edit" spidmax="1026" />\n</xml><![endif]-->\n</head>\n'
        f'<body lang="{lang.upper()}" link="#0563C1" vlink="#954F72" '
        'style="word-wrap:break-word">\n<div class="WordSection1">\n'
        + "\n".join(body)
        + "\n</div>\n</body>\n</html>\n"
    )


def gmail_html(paragraphs: Sequence[str]) -> str:
    blocks: list[str] = []
    for paragraph in paragraphs:
        blocks.extend(f"<div>{html.escape(line)}</div>" for line in paragraph.split("\n"))
        blocks.append("<div><br></div>")
    return '<div dir="ltr">' + "".join(blocks[:-1]) + "</div>\n"


def apple_html(paragraphs: Sequence[str]) -> str:
    blocks = "".join(
        "<div>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</div><div><br></div>"
        for p in paragraphs
    )
    return (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: '
        f'after-white-space;">{blocks}'
    )


def flowed(text: str, width: int = 72) -> str:
    """format=flowed (RFC 3676): long lines broken after a space, the space kept."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith(">") or len(line) <= width:
            out.append(line)
            continue
        words = line.split(" ")
        current = ""
        for word in words:
            if current and len(current) + len(word) + 1 > width:
                out.append(current + " ")
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# attachments as each client writes them


@dataclass(frozen=True)
class Att:
    """A file to attach; ``ctype`` is what the sending client claims."""

    filename: str
    data: bytes
    ctype: str = "application/pdf"
    encoded_name: bool = False  # Outlook writes non-ASCII names as RFC 2047 words


def _when_rfc822(date: str) -> str:
    return date.split(" +")[0].split(" -")[0] + " GMT"


def outlook_attachment(att: Att, date: str) -> Message:
    name = ew_param(att.filename) if att.encoded_name else att.filename
    return node(
        [
            ("Content-Type", f'{att.ctype}; name="{name}"'),
            ("Content-Description", name),
            (
                "Content-Disposition",
                f'attachment; filename="{name}"; size={len(att.data)};\n'
                f'\tcreation-date="{_when_rfc822(date)}";\n'
                f'\tmodification-date="{_when_rfc822(date)}"',
            ),
            ("Content-Transfer-Encoding", "base64"),
        ],
        b64(att.data),
    )


def gmail_attachment(att: Att, attachment_id: str) -> Message:
    return node(
        [
            ("Content-Type", f'{att.ctype}; name="{att.filename}"'),
            ("Content-Disposition", f'attachment; filename="{att.filename}"'),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-ID", f"<{attachment_id}>"),
            ("X-Attachment-Id", attachment_id),
        ],
        b64(att.data),
    )


def apple_attachment(att: Att) -> Message:
    if is_ascii(att.filename):
        disposition = f'inline;\n\tfilename="{att.filename}"'
        ctype = f'{att.ctype};\n\tx-unix-mode=0644;\n\tname="{att.filename}"'
    else:
        quoted = "".join(
            chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in "-._") else f"%{b:02X}"
            for b in att.filename.encode("utf-8")
        )
        disposition = f"inline;\n\tfilename*=utf-8''{quoted}"
        ctype = f'{att.ctype};\n\tx-unix-mode=0644;\n\tname="{ew_param(att.filename, ew_q)}"'
    return node(
        [
            ("Content-Disposition", disposition),
            ("Content-Type", ctype),
            ("Content-Transfer-Encoding", "base64"),
        ],
        b64(att.data),
    )


def plain_attachment(att: Att) -> Message:
    """The form Thunderbird and most simple clients use."""
    return node(
        [
            ("Content-Type", f'{att.ctype}; name="{att.filename}"'),
            ("Content-Disposition", f'attachment; filename="{att.filename}"'),
            ("Content-Transfer-Encoding", "base64"),
        ],
        b64(att.data),
    )


# ---------------------------------------------------------------------------------------------
# clients


@dataclass(frozen=True)
class Envelope:
    """The headers every sample has."""

    sender: str
    subject: str  # already encoded when it must be
    date: str
    message_id: str
    to: str = DESK
    cc: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
    received: tuple[str, ...] = field(default=())


def _received(env: Envelope) -> list[tuple[str, str]]:
    hops = env.received or (
        f"from mail.example.net (mail.example.net [192.0.2.25])\n\tby mx.landbouw.example.be "
        f"(Postfix) with ESMTPS id {hexid(env.message_id, 10)}\n\tfor <{DESK_ADDR}>; {env.date}",
    )
    return [("Received", hop) for hop in hops]


def outlook(
    env: Envelope,
    paragraphs: Sequence[str],
    attachments: Sequence[Att] = (),
    lang: str = "nl-BE",
    logo: bytes | None = None,
    charset: str = "utf-8",
    thread: Sequence[tuple[str, str]] = (),
) -> Message:
    """Outlook 365 HTML mail: mixed > related(alternative(plain, html), logo) > attachments."""
    seed = env.message_id
    tag = hexid(seed, 36)
    cid = f"image001.png@01D9{hexid(seed + 'cid', 4)}.{hexid(seed + 'cid2', 8)}" if logo else None
    text = plain(paragraphs)
    alternative = node(
        [("Content-Type", f'multipart/alternative;\n\tboundary="_000_{tag}_"')],
        [
            node(
                [
                    ("Content-Type", f'text/plain; charset="{charset}"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(text, charset),
            ),
            node(
                [
                    ("Content-Type", f'text/html; charset="{charset}"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(outlook_html(paragraphs, lang, cid), charset),
            ),
        ],
    )
    if logo is not None and cid is not None:
        image = node(
            [
                ("Content-Type", 'image/png; name="image001.png"'),
                ("Content-Description", "image001.png"),
                (
                    "Content-Disposition",
                    f'inline; filename="image001.png"; size={len(logo)};\n'
                    f'\tcreation-date="{_when_rfc822(env.date)}";\n'
                    f'\tmodification-date="{_when_rfc822(env.date)}"',
                ),
                ("Content-ID", f"<{cid}>"),
                ("Content-Transfer-Encoding", "base64"),
            ],
            b64(logo),
        )
        content: Message = node(
            [
                (
                    "Content-Type",
                    f'multipart/related;\n\tboundary="_005_{tag}_";\n\ttype="multipart/alternative"',
                )
            ],
            [alternative, image],
        )
    else:
        content = alternative
    if attachments:
        top = node(
            [("Content-Type", f'multipart/mixed;\n\tboundary="_004_{tag}_"')],
            [content, *(outlook_attachment(a, env.date) for a in attachments)],
        )
    else:
        top = content
    topic = env.subject
    for prefix in ("RE: ", "FW: ", "TR: ", "AW: "):
        topic = topic.removeprefix(prefix)
    headers = [
        *_received(env),
        ("From", env.sender),
        ("To", env.to),
        *([("CC", env.cc)] if env.cc else []),
        ("Subject", env.subject),
        ("Thread-Topic", topic),
        ("Thread-Index", base64.b64encode(digest(seed + "thread", 22)).decode()),
        ("Date", env.date),
        ("Message-ID", env.message_id),
        *thread,
        ("Accept-Language", f"{lang}, en-US"),
        ("Content-Language", lang),
        ("X-MS-Has-Attach", "yes" if attachments else ""),
        ("X-MS-TNEF-Correlator", ""),
        ("x-ms-publictraffictype", "Email"),
        *env.extra,
    ]
    return _finish(headers, top)


def gmail(
    env: Envelope,
    paragraphs: Sequence[str],
    attachments: Sequence[Att] = (),
    thread: Sequence[tuple[str, str]] = (),
) -> Message:
    """Gmail: mixed > alternative(plain, html) > attachments with Content-ID."""
    seed = env.message_id
    outer = "000000000000" + hexid(seed + "m", 16).lower()
    inner = "000000000000" + hexid(seed + "a", 16).lower()
    text = plain(paragraphs)
    alternative = node(
        [("Content-Type", f'multipart/alternative; boundary="{inner}"')],
        [
            node(
                [
                    ("Content-Type", 'text/plain; charset="UTF-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(text),
            ),
            node(
                [
                    ("Content-Type", 'text/html; charset="UTF-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(gmail_html(paragraphs)),
            ),
        ],
    )
    if attachments:
        top = node(
            [("Content-Type", f'multipart/mixed; boundary="{outer}"')],
            [
                alternative,
                *(
                    gmail_attachment(a, f"f_l{hexid(seed + str(i), 8).lower()}{i}")
                    for i, a in enumerate(attachments)
                ),
            ],
        )
    else:
        top = alternative
    headers = [
        *_received(env),
        ("X-Gm-Message-State", base64.b64encode(digest(seed + "gm", 45)).decode()),
        ("X-Google-Smtp-Source", base64.b64encode(digest(seed + "smtp", 30)).decode()),
        ("MIME-Version", "1.0"),
        *thread,
        ("From", env.sender),
        ("Date", env.date),
        ("Message-ID", env.message_id),
        ("Subject", env.subject),
        ("To", env.to),
        *([("Cc", env.cc)] if env.cc else []),
        *env.extra,
    ]
    return _finish(headers, top, mime_version=False)


def apple(
    env: Envelope,
    paragraphs: Sequence[str],
    attachments: Sequence[Att] = (),
    rich: bool = False,
    closing: str = "",
) -> Message:
    """Apple Mail.

    Plain: mixed(text, inline PDFs, trailing text). Rich: alternative(text, mixed(html, PDFs,
    html)), the structure Apple Mail writes when PDFs sit in the middle of a styled message.
    """
    seed = env.message_id

    def boundary(n: str) -> str:
        h = hashlib.sha256((seed + n).encode()).hexdigest().upper()
        return f"Apple-Mail={h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    text = plain(paragraphs)
    text_part = node(
        [
            ("Content-Transfer-Encoding", "quoted-printable"),
            ("Content-Type", "text/plain;\n\tcharset=utf-8"),
        ],
        qp(text + ("\n" + closing if closing else "")),
    )
    pdf_parts = [apple_attachment(a) for a in attachments]
    if rich:
        html_part = node(
            [
                ("Content-Transfer-Encoding", "quoted-printable"),
                ("Content-Type", "text/html;\n\tcharset=utf-8"),
            ],
            qp(apple_html(paragraphs)),
        )
        tail_html = node(
            [
                ("Content-Transfer-Encoding", "quoted-printable"),
                ("Content-Type", "text/html;\n\tcharset=utf-8"),
            ],
            qp(f"<div>{html.escape(closing)}</div></body></html>"),
        )
        mixed = node(
            [("Content-Type", f'multipart/mixed;\n\tboundary="{boundary("b")}"')],
            [html_part, *pdf_parts, tail_html],
        )
        top = node(
            [("Content-Type", f'multipart/alternative;\n\tboundary="{boundary("a")}"')],
            [text_part, mixed],
        )
    else:
        tail = node(
            [
                ("Content-Transfer-Encoding", "7bit"),
                ("Content-Type", "text/plain;\n\tcharset=us-ascii"),
            ],
            "\n" + closing + "\n",
        )
        top = node(
            [("Content-Type", f'multipart/mixed;\n\tboundary="{boundary("a")}"')],
            [text_part, *pdf_parts, tail],
        )
    headers = [
        *_received(env),
        ("From", env.sender),
        ("Content-Type", top["Content-Type"]),
        ("Mime-Version", "1.0 (Mac OS X Mail 16.0 \\(3731.500.231\\))"),
        ("Subject", env.subject),
        ("Message-Id", env.message_id),
        ("Date", env.date),
        ("To", env.to),
        ("X-Mailer", "Apple Mail (2.3731.500.231)"),
        *env.extra,
    ]
    del top["Content-Type"]
    msg = node(headers)
    msg.set_payload(top.get_payload())
    return msg


def thunderbird(
    env: Envelope,
    text: str,
    attachments: Sequence[Att] = (),
    lang: str = "de-DE",
) -> Message:
    """Thunderbird 115: mixed with a preamble, text/plain format=flowed in 8bit, attachments."""
    seed = env.message_id
    body = node(
        [
            ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
            ("Content-Transfer-Encoding", "8bit" if not is_ascii(text) else "7bit"),
        ],
        raw8(flowed(text) + "\n"),
    )
    headers = [
        *_received(env),
        ("Message-ID", env.message_id),
        ("Date", env.date),
        ("MIME-Version", "1.0"),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Content-Language", lang),
        ("To", env.to),
        ("From", env.sender),
        ("Subject", env.subject),
        *env.extra,
    ]
    if not attachments:
        return node([*headers, *body.items()], str(body.get_payload()))
    boundary = "------------" + base64.b64encode(digest(seed, 18)).decode().replace(
        "+", "0"
    ).replace("/", "1")
    msg = node(
        [*headers, ("Content-Type", f'multipart/mixed; boundary="{boundary}"')],
        [body, *(plain_attachment(a) for a in attachments)],
    )
    msg.preamble = "This is a multi-part message in MIME format."
    return msg


def iphone(env: Envelope, text: str) -> Message:
    """iOS Mail without attachments: one quoted-printable text/plain part."""
    headers = [
        *_received(env),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "quoted-printable"),
        ("From", env.sender),
        ("Mime-Version", "1.0 (1.0)"),
        ("Date", env.date),
        ("Subject", env.subject),
        ("Message-Id", env.message_id),
        ("To", env.to),
        ("X-Mailer", "iPhone Mail (20F66)"),
        *env.extra,
    ]
    return node(headers, qp(text))


def _finish(headers: list[tuple[str, str]], top: Message, mime_version: bool = True) -> Message:
    msg = node([*headers, *([("MIME-Version", "1.0")] if mime_version else [])])
    for name, value in top.items():
        msg[name] = value
    msg.set_payload(top.get_payload())
    return msg


# ---------------------------------------------------------------------------------------------
# people and companies (all invented)

LOGO_GROENHOF = png(160, 48, (34, 102, 51), (240, 200, 40))
LOGO_NOORDZEE = png(180, 52, (20, 60, 120), (255, 255, 255))
LOGO_VANDAMME = png(150, 44, (120, 30, 30), (230, 230, 230))
LOGO_BIOTRADE = png(170, 50, (90, 140, 40), (250, 250, 240))

GROENHOF = ["Groenhof Bio NV", "Industrieweg 12, 2030 Antwerpen, Belgium"]
ZONNEHOEVE = ["De Zonnehoeve Import BV", "Oostkaai 4, 9000 Gent, Belgium"]
NOORDZEE = ["Noordzee Logistics NV (RFL)", "Kaai 730, 2040 Antwerpen, Belgium"]
VANDAMME = ["Van Damme Fruit Import BV", "Pathoekeweg 88, 8000 Brugge, Belgium"]
BIOTRADE = ["Biotrade Vlaanderen BV", "Kortrijksesteenweg 301, 8500 Kortrijk, Belgium"]

SIG_GROENHOF = (
    "Met vriendelijke groeten,\n\nSofie Peeters\nImport & Logistics\nGroenhof Bio NV\n"
    "Industrieweg 12, 2030 Antwerpen\nT +32 3 555 01 23 | www.groenhof.example.be"
)
SIG_NOORDZEE = (
    "Met vriendelijke groet,\n\nPieter Janssens\nCustoms & Documentation\n"
    "Noordzee Logistics NV\nKaai 730, 2040 Antwerpen\nT +32 3 555 77 10"
)


def sender(name: str, addr: str) -> str:
    return formataddr((name, addr), charset="utf-8")


# ---------------------------------------------------------------------------------------------
# the samples


Sample = Callable[[], tuple[Message, str]]
SAMPLES: dict[str, Sample] = {}


def sample(
    name: str, linesep: str = "\n"
) -> Callable[[Callable[[], Message]], Callable[[], Message]]:
    def register(fn: Callable[[], Message]) -> Callable[[], Message]:
        SAMPLES[name] = lambda: (fn(), linesep)
        return fn

    return register


@sample("01_outlook_nl_complete", "\r\n")
def _s01() -> Message:
    env = Envelope(
        sender=sender("Sofie Peeters", "sofie.peeters@groenhof.example.be"),
        subject="COI.CN.2023.0012345 - aanmelding zending goji-bessen",
        date="Wed, 10 May 2023 08:47:12 +0200",
        message_id="<AM9PR07MB7123A1B2C3D4E5F6A7B8C9D0E1F2A3B4@AM9PR07MB7123.eurprd07.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Goedemorgen,",
            "Hierbij melden wij de zending biologische gedroogde goji-bessen aan "
            "(COI.CN.2023.0012345, 20 pallets, container COSU6312345).\n"
            "In bijlage het cognossement, de factuur en de paklijst.",
            "Verwachte aankomst in Antwerpen: 15/05/2023.",
            SIG_GROENHOF,
        ],
        [
            Att(
                "BL COSU6312345670.pdf",
                bill_of_lading(
                    "COSU6312345670",
                    ["Ningxia Example Organic Foods Co., Ltd.", "Yinchuan, Ningxia, China"],
                    GROENHOF,
                    "COSCO EXAMPLE / 023W",
                    "Tianjin, China",
                    "Antwerp, Belgium",
                    ["1 x 40' HC, 1200 cartons organic dried goji berries, 12,000 kg net"],
                    "12 APR 2023",
                    67,
                ),
            ),
            Att(
                "Factuur 2023-118.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "NX-2023-118",
                    "10 April 2023",
                    ["Ningxia Example Organic Foods Co., Ltd."],
                    GROENHOF,
                    ["Organic dried goji berries, 1200 cartons x 10 kg, USD 8.40/kg"],
                    "Total: USD 100,800.00",
                    45,
                ),
            ),
            Att(
                "Packing list 2023-118.pdf",
                packing_list("NX-2023-118", ["1200 cartons x 10 kg net, 10.6 kg gross"], 27),
            ),
        ],
        logo=LOGO_GROENHOF,
    )


@sample("02_gmail_en_complete")
def _s02() -> Message:
    env = Envelope(
        sender=sender("Lucía Ramos", "lucia.ramos@agroandina.example.com"),
        subject="COI.PE.2023.0045678 | Organic fresh ginger | notification",
        date="Mon, 5 Jun 2023 10:02:31 +0200",
        message_id="<CAF3xQ7mY9kP2Lr8vZt0nHq4Wd6sEe1bJ5gU3oA8iKcRf2TxN7w@mail.gmail.com>",
        cc=formataddr(("Groenhof Bio \u2013 Import", "import@groenhof.example.be")),
    )
    return gmail(
        env,
        [
            "Dear Sir or Madam,",
            "On behalf of our client Groenhof Bio NV (importer, box 12) we notify the following "
            "consignment of organic fresh ginger from Peru, 1 x 40' reefer, 18,000 kg.",
            "COI: COI.PE.2023.0045678\nETA Antwerp: 9 June 2023",
            "Please find attached the bill of lading and the commercial invoice.",
            "Kind regards,\nLucía Ramos\nAgroexport Andina S.A.C.\nAv. La Marina 2100, Lima, Peru",
        ],
        [
            Att(
                "Bill of Lading MSCU1234567.pdf",
                bill_of_lading(
                    "MEDUPE123456",
                    ["Agroexport Andina S.A.C.", "Av. La Marina 2100, Lima, Peru"],
                    GROENHOF,
                    "MSC EXAMPLE / NX321R",
                    "Callao, Peru",
                    "Antwerp, Belgium",
                    ["1 x 40' RH MSCU1234567, 1500 boxes organic fresh ginger, 18,000 kg net"],
                    "12 MAY 2023",
                    98,
                ),
            ),
            Att(
                "Commercial Invoice 23-0456.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "F001-0456",
                    "11 May 2023",
                    ["Agroexport Andina S.A.C."],
                    GROENHOF,
                    ["Organic fresh ginger, 1500 boxes x 12 kg, USD 2.10/kg"],
                    "Total: USD 37,800.00",
                    36,
                ),
            ),
        ],
    )


@sample("03_applemail_fr_complete")
def _s03() -> Message:
    env = Envelope(
        sender=sender("Marie Dubois", "marie.dubois@soleilbio.example.fr"),
        subject=ew_q("Arrivée prévue \u2013 COI.MA.2023.0004321 oranges biologiques"),
        date="Wed, 7 Jun 2023 13:41:07 +0200",
        message_id="<8A1B2C3D-4E5F-4A6B-9C7D-0E1F2A3B4C5D@soleilbio.example.fr>",
    )
    return apple(
        env,
        [
            "Bonjour,",
            "Veuillez trouver ci-joint le connaissement et la facture pour notre envoi "
            "d'oranges biologiques (certificat COI.MA.2023.0004321), 1 conteneur reefer de "
            "22 palettes.",
            "Arrivée prévue au port d'Anvers le 13/06/2023.",
            "Destinataire : Soleil Bio SARL, entrepôt de Gand.",
        ],
        [
            Att(
                "Connaissement MAEU2233445.pdf",
                bill_of_lading(
                    "MAEU2233445",
                    ["Domaine Example Agrumes SARL", "Route de Taroudant km 12, Agadir, Morocco"],
                    ["Soleil Bio SARL", "c/o Oostkaai 4, 9000 Gent, Belgium"],
                    "MAERSK EXAMPLE / 322N",
                    "Agadir, Morocco",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 22 pallets organic oranges Navel, 21,120 kg net"],
                    "30 MAY 2023",
                    83,
                ),
            ),
            Att(
                "Facture n° FA-2023-0193.pdf",
                invoice(
                    "FACTURE",
                    "FA-2023-0193",
                    "29/05/2023",
                    ["Domaine Example Agrumes SARL"],
                    ["Soleil Bio SARL, 12 rue des Lilas, 59000 Lille, France"],
                    ["Oranges Navel biologiques, 22 palettes, 21 120 kg, 0,78 EUR/kg"],
                    "Total : 16 473,60 EUR",
                    31,
                    labels=("Facture n°", "Date", "Vendeur", "Acheteur"),
                ),
            ),
        ],
        rich=True,
        closing="Cordialement,\nMarie Dubois\nSoleil Bio SARL",
    )


@sample("04_thunderbird_de_complete")
def _s04() -> Message:
    env = Envelope(
        sender=sender("Klaus Becker", "k.becker@sonnenfrucht.example.de"),
        subject=ew_q("Ankündigung Sendung COI.TR.2023.0007788 Bio-Aprikosen getrocknet"),
        date="Mon, 19 Jun 2023 08:21:44 +0200",
        message_id="<3c0f5a1e-8b2d-4e7a-9c61-2f4d8a7b1e90@sonnenfrucht.example.de>",
    )
    text = (
        "Sehr geehrte Damen und Herren,\n\n"
        "hiermit melden wir die Sendung getrockneter Bio-Aprikosen aus der Türkei an "
        "(Kontrollbescheinigung COI.TR.2023.0007788, 1 LKW, 33 Paletten). Die voraussichtliche "
        "Ankunft in Antwerpen ist am 23.06.2023, Empfänger ist unser Lager in Antwerpen.\n\n"
        "Im Anhang finden Sie den Frachtbrief (CMR) und die Rechnung.\n\n"
        "Mit freundlichen Grüßen\n\nKlaus Becker\nSonnenfrucht Handels GmbH\n"
        "Hafenstraße 7, 28197 Bremen\n-- \nSonnenfrucht Handels GmbH, HRB 12345 (Beispiel)"
    )
    return thunderbird(
        env,
        text,
        [
            Att(
                "Frachtbrief CMR 4711.pdf",
                pdf(
                    [
                        [
                            "CMR - INTERNATIONALER FRACHTBRIEF / INTERNATIONAL CONSIGNMENT NOTE",
                            "Nr. 4711",
                            "1 Absender: Example Kuru Gida A.S., Malatya, Türkiye",
                            "2 Empfänger: Sonnenfrucht Handels GmbH, Lager Antwerpen, Belgien",
                            "3 Auslieferungsort: Antwerpen, Belgien",
                            "4 Ort und Tag der Übernahme: Malatya, 12.06.2023",
                            "9 Bezeichnung: getrocknete Bio-Aprikosen, 33 Paletten, 19.800 kg",
                            "16 Frachtführer: Example Lojistik Ltd., Istanbul",
                        ]
                    ],
                    41,
                ),
            ),
            Att(
                "Rechnung RE-2023-0815.pdf",
                invoice(
                    "RECHNUNG",
                    "RE-2023-0815",
                    "12.06.2023",
                    ["Example Kuru Gida A.S., Malatya, Türkiye"],
                    ["Sonnenfrucht Handels GmbH, Hafenstraße 7, 28197 Bremen"],
                    ["Bio-Aprikosen getrocknet, 33 Paletten, 19.800 kg, 5,10 EUR/kg"],
                    "Gesamtbetrag: 100.980,00 EUR",
                    29,
                    labels=("Rechnung Nr.", "Datum", "Verkäufer", "Käufer"),
                ),
            ),
        ],
    )


def _ec_bl(size_kb: int) -> bytes:
    return bill_of_lading(
        "HLCUGYE230512345",
        ["Bananera Example S.A.", "Km 4 Via Machala, Machala, Ecuador"],
        VANDAMME,
        "HAPAG EXAMPLE / 2319E",
        "Guayaquil, Ecuador",
        "Antwerp, Belgium",
        ["2 x 40' RH, 2160 boxes organic bananas Cavendish, 39,312 kg net"],
        "28 MAY 2023",
        size_kb,
    )


@sample("05_outlook_nl_missing_invoice", "\r\n")
def _s05() -> Message:
    env = Envelope(
        sender=sender("Tom Van Damme", "tom@vandammefruit.example.be"),
        subject="COI.EC.2023.0031337 bananen",
        date="Tue, 13 Jun 2023 10:48:03 +0200",
        message_id="<DB8PR02MB5521C0FFEE1234567890ABCDEF012345@DB8PR02MB5521.eurprd02.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Dag collega's,",
            "Aanmelding van 2 containers bio bananen uit Ecuador, COI.EC.2023.0031337.\n"
            "ETA: 16-06-2023 (Antwerpen, MPET).",
            "B/L in bijlage.",
            "Mvg,\nTom Van Damme\nVan Damme Fruit Import BV\nPathoekeweg 88, 8000 Brugge",
        ],
        [Att("BL HLCUGYE230512345.pdf", _ec_bl(60))],
        logo=LOGO_VANDAMME,
    )


@sample("06_gmail_en_missing_transport")
def _s06() -> Message:
    env = Envelope(
        sender=sender("Nguyen Thi Lan", "lan.nguyen@mekongnuts.example.com"),
        subject="COI.VN.2023.0002468 organic cashew kernels - documents",
        date="Wed, 14 Jun 2023 04:12:55 +0700",
        message_id="<CAK8vT2pQ1wXr4Zs9aLm3Nc7Ue0Hy5Bo6Fd2Gj8Ik4Pq1Rt7Sv@mail.gmail.com>",
        cc=formataddr(("Biotrade Vlaanderen", "aankoop@biotrade.example.be")),
    )
    return gmail(
        env,
        [
            "Dear team,",
            "Please see attached the commercial invoice and packing list for COI.VN.2023.0002468 "
            "(organic cashew kernels WW320, 1 x 20' container, 15,876 kg).\n"
            "Estimated arrival: June 20, 2023 at Antwerp.",
            "The B/L will be sent by the shipping line next week.",
            "Best regards,\nLan Nguyen\nMekong Nuts Example JSC, Ho Chi Minh City",
        ],
        [
            Att(
                "Commercial Invoice MN-23-117.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "MN-23-117",
                    "2 May 2023",
                    ["Mekong Nuts Example JSC", "Binh Duong, Vietnam"],
                    BIOTRADE,
                    ["Organic cashew kernels WW320, 700 cartons x 22.68 kg, USD 7.95/kg"],
                    "Total: USD 126,214.20",
                    33,
                ),
            ),
            Att(
                "Packing List MN-23-117.pdf",
                packing_list("MN-23-117", ["700 cartons x 22.68 kg net (2 x 11.34 kg vacuum)"], 23),
            ),
        ],
    )


@sample("07_iphone_nl_both_missing")
def _s07() -> Message:
    env = Envelope(
        sender=sender("Wim De Smet", "wim.desmet@koffiebrug.example.be"),
        subject="COI.CO.2023.0013579",
        date="Thu, 15 Jun 2023 07:31:18 +0200",
        message_id="<4F2E8D1C-7B3A-4C69-A5E2-9D8F1B6C3A07@koffiebrug.example.be>",
    )
    return iphone(
        env,
        "Goeiemorgen,\n\nBij deze de aanmelding van onze zending bio koffie (groene bonen) "
        "uit Colombia, COI.CO.2023.0013579, 1 container 19.200 kg.\n"
        "Aankomst Antwerpen 19/6/2023.\n\nDocumenten volgen zo snel mogelijk, de rederij "
        "heeft de B/L nog niet vrijgegeven.\n\nGroeten\nWim\n\nVerstuurd vanaf mijn iPhone",
    )


@sample("08_outlook_nl_documents_in_traces", "\r\n")
def _s08() -> Message:
    env = Envelope(
        sender=sender("Pieter Janssens", "pieter.janssens@noordzee-logistics.example.be"),
        subject="Aanmelding COI.DO.2023.0023456 - bio bananen",
        date="Tue, 20 Jun 2023 09:14:27 +0200",
        message_id="<PAXPR10MB5310D0C5A1F94B2A8E77F0C3C1D2E3F4@PAXPR10MB5310.EURPRD10.PROD.OUTLOOK.COM>",
    )
    return outlook(
        env,
        [
            "Goedemorgen,",
            "Namens onze klant Van Damme Fruit Import BV melden wij de volgende zending aan:\n"
            "COI.DO.2023.0023456 - biologische bananen, 1 x 40' reefer.\n"
            "Verwachte aankomst (vak 20): 26/06/2023, Antwerpen.",
            "De documenten (B/L en factuur) staan in TRACES bij het certificaat.",
            SIG_NOORDZEE,
        ],
        logo=LOGO_NOORDZEE,
    )


@sample("09_gmail_en_bl_uploaded_in_traces")
def _s09() -> Message:
    env = Envelope(
        sender=sender("Amani Mushi", "amani@kilinuts.example.com"),
        subject="COI.TZ.2023.0000871 - notification + invoice",
        date="Wed, 21 Jun 2023 10:20:41 +0300",
        message_id="<CAH9rB4tL2nQz7Xc1Vm8Ke3Pd5Wy0Ja6Sg2Fh9Du4Io1Eq7Ru@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Hello,",
            "We hereby notify the consignment under COI.TZ.2023.0000871 (organic cashew nuts "
            "in shell, 1 x 20', 17,500 kg) for De Zonnehoeve Import BV.",
            "ETA Zeebrugge 2023-06-27.",
            "The bill of lading has been uploaded to the COI in TRACES; the invoice is attached "
            "to this e-mail.",
            "Regards,\nAmani Mushi\nKili Nuts Example Ltd, Mtwara, Tanzania",
        ],
        [
            Att(
                "Invoice KN-2023-044.pdf",
                invoice(
                    "INVOICE",
                    "KN-2023-044",
                    "30 May 2023",
                    ["Kili Nuts Example Ltd", "Mtwara, Tanzania"],
                    ZONNEHOEVE,
                    ["Organic raw cashew nuts in shell, 250 bags x 70 kg, USD 1.45/kg"],
                    "Total: USD 25,375.00",
                    43,
                ),
            )
        ],
    )


@sample("10_outlook_en_proforma_awb", "\r\n")
def _s10() -> Message:
    env = Envelope(
        sender=sender("James Otieno", "j.otieno@rift-fresh.example.com"),
        subject="COI.KE.2023.0009012 organic fine beans - air freight",
        date="Thu, 22 Jun 2023 12:05:09 +0300",
        message_id="<VI1PR08MB4455E3D2C1B0A9F8E7D6C5B4A3928170@VI1PR08MB4455.eurprd08.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Good morning,",
            "Please find attached the air waybill and the proforma invoice for our shipment of "
            "organic fine beans, COI.KE.2023.0009012 (96 cartons, 480 kg).",
            "Expected arrival at Brussels Airport: 23/06/2023, flight ET 724.\n"
            "The final invoice follows after landing.",
            "Best regards,\nJames Otieno\nRift Fresh Example Ltd, Nairobi",
        ],
        [
            Att(
                "AWB 176-12345675.pdf",
                pdf(
                    [
                        [
                            "AIR WAYBILL  176-12345675  NOT NEGOTIABLE",
                            "Shipper: Rift Fresh Example Ltd, Nairobi, Kenya",
                            "Consignee: De Zonnehoeve Import BV, Oostkaai 4, 9000 Gent, Belgium",
                            "Airport of departure: Nairobi (NBO)",
                            "Airport of destination: Brussels (BRU)",
                            "Routing: NBO-ADD-BRU   Flight/Date: ET 724 / 22 JUN 2023",
                            "Nature and quantity of goods:",
                            "organic fine beans, 96 pcs, 520 kg gross",
                        ]
                    ],
                    38,
                ),
            ),
            Att(
                "Proforma Invoice PI-2023-044.pdf",
                invoice(
                    "PROFORMA INVOICE",
                    "PI-2023-044",
                    "20 June 2023",
                    ["Rift Fresh Example Ltd, Nairobi, Kenya"],
                    ZONNEHOEVE,
                    ["Organic fine beans, 96 cartons x 5 kg, EUR 3.20/kg"],
                    "Total (proforma): EUR 1,536.00",
                    25,
                ),
            ),
        ],
        lang="en-GB",
    )


@sample("11_gmail_nl_documents_named_scan")
def _s11() -> Message:
    env = Envelope(
        sender=sender("Hanne Willems", "hanne.willems@rijstenco.example.be"),
        subject="Aanmelding COI.PK.2023.0017171",
        date="Mon, 26 Jun 2023 08:58:30 +0200",
        message_id="<CAJ2mF8sK5pR1Wq9Zx4Lc7Nv3Tb6Yh0Gd2Eu8Ja5Oi1Ws7Xm@mail.gmail.com>",
    )
    bl = pdf(
        [
            [
                "BILL OF LADING",
                "B/L No.: ONEYKHIB12345678",
                "Shipper: Punjab Example Rice Mills (Pvt) Ltd, Lahore, Pakistan",
                "Consignee: Rijst & Co BV, Haven 1200, 9042 Gent, Belgium",
                "Vessel: ONE EXAMPLE 045W   Port of loading: Karachi   Port of discharge: Antwerp",
                "2 x 20' containers: 1,600 bags organic basmati rice, 40,000 kg net",
                "Shipped on board 28 MAY 2023",
            ],
            ["(scanned copy - page 2 of 2)", "Carrier's terms and conditions overleaf"],
        ],
        148,
    )
    inv = pdf(
        [
            [
                "COMMERCIAL INVOICE",
                "Invoice No.: PERM-2023-077   Date: 25 May 2023",
                "Seller: Punjab Example Rice Mills (Pvt) Ltd, Lahore, Pakistan",
                "Buyer: Rijst & Co BV, Gent, Belgium",
                "Organic basmati rice 1121, 1,600 bags x 25 kg, USD 1.32/kg",
                "Total amount: USD 52,800.00",
            ]
        ],
        52,
    )
    return gmail(
        env,
        [
            "Goedemorgen,",
            "Hierbij de aanmelding voor COI.PK.2023.0017171 (bio basmatirijst, 2 x 20').\n"
            "Verwachte aankomst Antwerpen 30 juni 2023.",
            "De B/L en de factuur zitten in bijlage (ingescand).",
            "Groeten,\nHanne Willems\nRijst & Co BV",
        ],
        [Att("scan0001.pdf", bl), Att("document.pdf", inv)],
    )


@sample("12_outlook_nl_invoice_pdf_is_jpeg", "\r\n")
def _s12() -> Message:
    env = Envelope(
        sender=sender("Ahmed El Sayed", "ahmed@nilefarms.example.com"),
        subject="COI.EG.2023.0065431 aardappelen",
        date="Tue, 27 Jun 2023 11:36:52 +0200",
        message_id="<AS8PR04MB8123F00D4B3A2C1D0E9F8A7B6C5D4E3F@AS8PR04MB8123.eurprd04.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Beste,",
            "Aanmelding bio aardappelen (COI.EG.2023.0065431), 1 x 40' reefer voor "
            "Groenhof Bio NV.",
            "ETA 03/07/2023 Antwerpen.",
            "B/L en factuur in bijlage (factuur is een foto, het origineel volgt per post).",
            "Groeten,\nAhmed El Sayed\nNile Farms Example Co., Alexandria",
        ],
        [
            Att(
                "BL MSCUAL987654.pdf",
                bill_of_lading(
                    "MSCUAL987654",
                    ["Nile Farms Example Co.", "Borg El Arab, Alexandria, Egypt"],
                    GROENHOF,
                    "MSC EXAMPLE / 324A",
                    "Alexandria, Egypt",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 1000 bags organic ware potatoes, 25,000 kg net"],
                    "20 JUN 2023",
                    47,
                ),
            ),
            Att("Factuur 2023-0456.pdf", jpeg_photo("s12-photo", 120 * 1024)),
        ],
    )


@sample("13_gmail_en_bl_pdf_is_html")
def _s13() -> Message:
    env = Envelope(
        sender=sender("Carlos Mendoza", "carlos@aguacates-example.example.com"),
        subject="COI.MX.2023.0003344 organic avocados - shipping docs",
        date="Wed, 28 Jun 2023 02:15:40 -0600",
        message_id="<CAM5nP3rT8wQ2Xs6Zk1Lb9Mv4Uc7Yg0Fe3Hd5Ja2Oi8Wr6Tn@mail.gmail.com>",
    )
    portal_page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>eDocs portal - Session expired</title>\n"
        '<link rel="stylesheet" href="/static/portal.css">\n</head>\n<body>\n'
        '<div class="login"><h1>Your session has expired</h1>\n'
        "<p>Please sign in again to download document BL MEDUMX445566.</p>\n"
        '<form method="post" action="/login"><input name="user"><input name="password" '
        'type="password"><button>Sign in</button></form></div>\n'
        + "<!-- "
        + "x" * 3000
        + " -->\n</body>\n</html>\n"
    )
    return gmail(
        env,
        [
            "Hello,",
            "Shipping documents for COI.MX.2023.0003344 (organic Hass avocados, 1 x 40' RH) "
            "for Groenhof Bio NV.",
            "ETA: 04.07.2023 Antwerp",
            "Best regards,\nCarlos Mendoza\nAguacates Example S.A. de C.V., Uruapan",
        ],
        [
            Att("BL MEDUMX445566.pdf", portal_page.encode("utf-8")),
            Att(
                "Invoice AEX-23-0311.pdf",
                invoice(
                    "INVOICE",
                    "AEX-23-0311",
                    "19 June 2023",
                    ["Aguacates Example S.A. de C.V., Uruapan, Mexico"],
                    GROENHOF,
                    ["Organic Hass avocados, 1,760 boxes x 10 kg, USD 2.35/kg"],
                    "Total: USD 41,360.00",
                    34,
                ),
            ),
        ],
    )


@sample("14_outlook_nl_zip_archive", "\r\n")
def _s14() -> Message:
    env = Envelope(
        sender=sender("Sofie Peeters", "sofie.peeters@groenhof.example.be"),
        subject="COI.LK.2023.0002211 kokosrasp - documenten",
        date="Thu, 29 Jun 2023 14:22:05 +0200",
        message_id="<AM9PR07MB7123B2C3D4E5F6A7B8C9D0E1F2A3B4C5@AM9PR07MB7123.eurprd07.prod.outlook.com>",
    )
    members = [
        (
            "BL OOLU2712345670.pdf",
            bill_of_lading(
                "OOLU2712345670",
                ["Lanka Coco Example (Pvt) Ltd", "Kurunegala, Sri Lanka"],
                GROENHOF,
                "OOCL EXAMPLE / 112W",
                "Colombo, Sri Lanka",
                "Antwerp, Belgium",
                ["1 x 20', 640 bags organic desiccated coconut fine grade, 16,000 kg net"],
                "02 JUN 2023",
                62,
            ),
        ),
        (
            "Invoice 23-0711.pdf",
            invoice(
                "COMMERCIAL INVOICE",
                "LCE-23-0711",
                "31 May 2023",
                ["Lanka Coco Example (Pvt) Ltd, Kurunegala, Sri Lanka"],
                GROENHOF,
                ["Organic desiccated coconut fine grade, 640 bags x 25 kg, USD 2.60/kg"],
                "Total: USD 41,600.00",
                31,
            ),
        ),
    ]
    return outlook(
        env,
        [
            "Goedemiddag,",
            "Aanmelding van de zending bio kokosrasp uit Sri Lanka, COI.LK.2023.0002211.\n"
            "Verwachte aankomstdatum: 05/07/2023 (Antwerpen).",
            "De B/L en factuur zitten samen in het zip-bestand.",
            SIG_GROENHOF,
        ],
        [
            Att(
                "Documenten.zip",
                zip_archive(members, (2023, 6, 29, 14, 10, 0)),
                ctype="application/x-zip-compressed",
            )
        ],
        logo=LOGO_GROENHOF,
    )


@sample("15_outlook_rtf_nl_winmail_dat", "\r\n")
def _s15() -> Message:
    env = Envelope(
        sender=sender("Marc Verbruggen", "marc.verbruggen@diepvries-oost.example.be"),
        subject="COI.UA.2023.0005599 diepvries frambozen",
        date="Mon, 3 Jul 2023 09:03:33 +0200",
        message_id="<0A1B2C3D4E5F4061B7C8D9E0F1A2B3C4@EXCH01.diepvries-oost.example.be>",
    )
    text = (
        "Goedemorgen,\n\n"
        "Hierbij melden wij de zending biologische diepvries frambozen uit Oekraïne aan, "
        "COI.UA.2023.0005599 (1 vrachtwagen, 21 pallets).\n"
        "Verwachte aankomst: vrijdag 7 juli 2023, koelhuis Wommelgem.\n\n"
        "In bijlage de CMR en de factuur.\n\n"
        "Met vriendelijke groeten,\nMarc Verbruggen\nDiepvries Oost BV\n"
    )
    files = [
        (
            "CMR UA-0815.pdf",
            pdf(
                [
                    [
                        "CMR  INTERNATIONAL CONSIGNMENT NOTE  No. UA-0815",
                        "1 Sender: Example Berry Farm LLC, Zhytomyr, Ukraine",
                        "2 Consignee: Diepvries Oost BV, Koelhuisstraat 3, 2160 Wommelgem, Belgium",
                        "3 Place of delivery: Wommelgem, Belgium",
                        "4 Place and date of taking over: Zhytomyr, 29.06.2023",
                        "9 Goods: organic frozen raspberries, 21 pallets, 16,800 kg, -18 C",
                    ]
                ],
                41,
            ),
            "application/pdf",
        ),
        (
            "Factuur F23-0815.pdf",
            invoice(
                "INVOICE / FACTUUR",
                "EBF-0815",
                "29.06.2023",
                ["Example Berry Farm LLC, Zhytomyr, Ukraine"],
                ["Diepvries Oost BV, Wommelgem, Belgium"],
                ["Organic frozen raspberries, 16,800 kg, EUR 3.90/kg"],
                "Total: EUR 65,520.00",
                28,
            ),
            "application/pdf",
        ),
    ]
    winmail = tnef(text, files, (2023, 7, 3, 7, 3, 33))
    seed = env.message_id
    top = node(
        [("Content-Type", f'multipart/mixed;\n\tboundary="_002_{hexid(seed, 30)}_"')],
        [
            node(
                [
                    ("Content-Type", 'text/plain; charset="iso-8859-1"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(text, "iso-8859-1"),
            ),
            node(
                [
                    ("Content-Type", 'application/ms-tnef; name="winmail.dat"'),
                    ("Content-Disposition", 'attachment; filename="winmail.dat"'),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(winmail),
            ),
        ],
    )
    headers = [
        *_received(env),
        ("From", env.sender),
        ("To", env.to),
        ("Subject", env.subject),
        ("Thread-Topic", env.subject),
        ("Thread-Index", base64.b64encode(digest(seed, 22)).decode()),
        ("Date", env.date),
        ("Message-ID", env.message_id),
        ("Accept-Language", "nl-BE, en-US"),
        ("Content-Language", "nl-BE"),
        ("X-MS-Has-Attach", "yes"),
        ("X-MS-TNEF-Correlator", f"<{hexid(seed + 'tnef', 32)}@EXCH01.diepvries-oost.example.be>"),
        ("X-Mailer", "Microsoft Outlook 16.0"),
    ]
    return _finish(headers, top)


def _inner_ship_mail(
    *,
    subject: str,
    date: str,
    message_id: str,
    from_: str,
    to: str,
    paragraphs: Sequence[str],
    attachments: Sequence[Att],
) -> Message:
    env = Envelope(sender=from_, subject=subject, date=date, message_id=message_id, to=to)
    msg = gmail(env, paragraphs, attachments)
    for name in ("Received", "X-Gm-Message-State", "X-Google-Smtp-Source"):
        del msg[name]
    return msg


@sample("16_outlook_nl_forwarded_as_attachment", "\r\n")
def _s16() -> Message:
    inner = _inner_ship_mail(
        subject="Shipping documents COI.IN.2023.0011200 basmati rice",
        date="Tue, 4 Jul 2023 16:40:12 +0530",
        message_id="<CAN7pQ2rS9tU1Vw3Xy5Za7Bc9De1Fg3Hi5Jk7Lm9No1Pq3Rs5T@mail.gmail.com>",
        from_=sender("Rohit Sharma", "rohit@himalayagrains.example.com"),
        to=formataddr(("Biotrade Vlaanderen", "aankoop@biotrade.example.be")),
        paragraphs=[
            "Dear Sir,",
            "Please find the BL and invoice for COI.IN.2023.0011200 (organic basmati rice, "
            "1 x 20', 20,000 kg).\nETA Antwerp 10/07/2023.",
            "Regards,\nRohit Sharma\nHimalaya Grains Example Pvt Ltd, Dehradun",
        ],
        attachments=[
            Att(
                "BL MAEU7788990.pdf",
                bill_of_lading(
                    "MAEU7788990",
                    ["Himalaya Grains Example Pvt Ltd", "Dehradun, Uttarakhand, India"],
                    BIOTRADE,
                    "MAERSK EXAMPLE / 325W",
                    "Nhava Sheva, India",
                    "Antwerp, Belgium",
                    ["1 x 20', 800 bags organic basmati rice, 20,000 kg net"],
                    "05 JUN 2023",
                    50,
                ),
            ),
            Att(
                "Invoice HG-2023-061.pdf",
                invoice(
                    "TAX INVOICE CUM COMMERCIAL INVOICE",
                    "HG-2023-061",
                    "02 June 2023",
                    ["Himalaya Grains Example Pvt Ltd, Dehradun, India"],
                    BIOTRADE,
                    ["Organic basmati rice, 800 bags x 25 kg, USD 1.48/kg"],
                    "Total: USD 29,600.00",
                    30,
                ),
            ),
        ],
    )
    forwarded = node([("Content-Type", "message/rfc822"), ("Content-Disposition", "attachment")])
    forwarded.set_payload([inner])
    env = Envelope(
        sender=sender("Eva Claes", "eva.claes@biotrade.example.be"),
        subject="FW: COI.IN.2023.0011200 aanmelding",
        date="Wed, 5 Jul 2023 08:12:40 +0200",
        message_id="<AM6PR03MB4567A0B1C2D3E4F5A6B7C8D9E0F1A2B3@AM6PR03MB4567.eurprd03.prod.outlook.com>",
    )
    msg = outlook(
        env,
        [
            "Goedemorgen,",
            "Zie bijgevoegde mail van onze leverancier met de B/L en factuur voor "
            "COI.IN.2023.0011200.\nAankomst Antwerpen 10/07/2023.",
            "Groeten,\nEva Claes\nBiotrade Vlaanderen BV",
        ],
        logo=LOGO_BIOTRADE,
    )
    # Outlook forwards as attachment: mixed(related(...), message/rfc822) without a file name.
    body = Message()
    for name, value in msg.items():
        if name.lower() not in {"content-type"}:
            continue
        body[name] = value
    body.set_payload(msg.get_payload())
    tag = hexid(env.message_id, 36)
    del msg["Content-Type"]
    msg["Content-Type"] = f'multipart/mixed;\n\tboundary="_004_{tag}_"'
    msg.replace_header("X-MS-Has-Attach", "yes")
    msg.set_payload([body, forwarded])
    return msg


@sample("17_gmail_en_forwarded_eml_named")
def _s17() -> Message:
    inner = _inner_ship_mail(
        subject="Shipping documents - sunflower kernels",
        date="Wed, 5 Jul 2023 11:02:09 +0300",
        message_id="<CAP1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6e@mail.gmail.com>",
        from_=sender("Olena Kovalenko", "olena@stepseeds.example.com"),
        to=formataddr(("Noordzee Logistics", "docs@noordzee-logistics.example.be")),
        paragraphs=[
            "Good day,",
            "Attached are the BL and the invoice for our organic sunflower kernels, "
            "COI.UA.2023.0005566.",
            "Best regards,\nOlena Kovalenko\nStep Seeds Example LLC, Odesa",
        ],
        attachments=[
            Att(
                "BL ZIMUODS0098765.pdf",
                bill_of_lading(
                    "ZIMUODS0098765",
                    ["Step Seeds Example LLC", "Odesa, Ukraine"],
                    NOORDZEE,
                    "ZIM EXAMPLE / 07E",
                    "Constanta, Romania",
                    "Antwerp, Belgium",
                    ["1 x 20', 880 bags organic sunflower kernels, 22,000 kg net"],
                    "23 JUN 2023",
                    54,
                ),
            ),
            Att(
                "Invoice SS-117.pdf",
                invoice(
                    "INVOICE",
                    "SS-117",
                    "21 June 2023",
                    ["Step Seeds Example LLC, Odesa, Ukraine"],
                    NOORDZEE,
                    ["Organic sunflower kernels bakery grade, 22,000 kg, EUR 1.35/kg"],
                    "Total: EUR 29,700.00",
                    27,
                ),
            ),
        ],
    )
    name = "Shipping documents - sunflower kernels.eml"
    forwarded = node(
        [
            ("Content-Type", f'message/rfc822; name="{name}"'),
            ("Content-Disposition", f'attachment; filename="{name}"'),
            ("Content-ID", "<f_ljq8x2a40>"),
            ("X-Attachment-Id", "f_ljq8x2a40"),
        ]
    )
    forwarded.set_payload([inner])
    env = Envelope(
        sender=sender("Pieter Janssens", "pieter.janssens@noordzee-logistics.example.be"),
        subject="Fwd: COI.UA.2023.0005566 sunflower kernels",
        date="Thu, 6 Jul 2023 09:25:51 +0200",
        message_id="<CAB4dE5fG6hI7jK8lM9nO0pQ1rS2tU3vW4xY5zA6bC7dE8fG9h@mail.gmail.com>",
    )
    msg = gmail(
        env,
        [
            "Hello,",
            "Forwarding the supplier's mail with the documents for COI.UA.2023.0005566 "
            "(importer: Noordzee Logistics NV as RFL for its client).",
            "ETA Antwerp 13 July 2023.",
            "Kind regards,\nPieter Janssens\nNoordzee Logistics NV",
        ],
    )
    alternative = Message()
    alternative["Content-Type"] = msg["Content-Type"]
    alternative.set_payload(msg.get_payload())
    del msg["Content-Type"]
    msg["Content-Type"] = f'multipart/mixed; boundary="000000000000{hexid("s17mixed", 16).lower()}"'
    msg.set_payload([alternative, forwarded])
    return msg


@sample("18_gmail_nl_coi_in_body_only")
def _s18() -> Message:
    env = Envelope(
        sender=sender("Lotte Maes", "lotte.maes@cacaohuis.example.be"),
        subject="Aanmelding zending cacaobonen",
        date="Wed, 12 Jul 2023 10:44:16 +0200",
        message_id="<CAD6fG7hI8jK9lM0nO1pQ2rS3tU4vW5xY6zA7bC8dE9fG0hI1j@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Beste,",
            "Hierbij melden wij onze zending bio cacaobonen uit de Dominicaanse Republiek aan.\n"
            "Het certificaat is COI.DO.2023.0023457.\n"
            "Verwachte aankomst: 17-07-2023 in Antwerpen.",
            "In bijlage de B/L en de factuur.",
            "Vriendelijke groeten,\nLotte Maes\nCacaohuis Example BV, Mechelen",
        ],
        [
            Att(
                "BL CMDU6543210.pdf",
                bill_of_lading(
                    "CMDU6543210",
                    ["Cooperativa Cacao Example", "San Francisco de Macoris, Dominican Republic"],
                    ["Cacaohuis Example BV", "Nijverheidsstraat 5, 2800 Mechelen, Belgium"],
                    "CMA CGM EXAMPLE / 0NX2S",
                    "Caucedo, Dominican Republic",
                    "Antwerp, Belgium",
                    ["1 x 20', 300 jute bags organic cocoa beans, 19,500 kg net"],
                    "28 JUN 2023",
                    57,
                ),
            ),
            Att(
                "Factura 2023-118 Cacaohuis.pdf",
                invoice(
                    "FACTURA COMERCIAL / COMMERCIAL INVOICE",
                    "CCE-2023-118",
                    "26/06/2023",
                    ["Cooperativa Cacao Example, San Francisco de Macoris"],
                    ["Cacaohuis Example BV, Mechelen, Belgium"],
                    ["Organic cocoa beans Hispaniola, 300 bags x 65 kg, USD 3.60/kg"],
                    "Total: USD 70,200.00",
                    29,
                ),
            ),
        ],
    )


@sample("19_outlook_en_coi_in_attachment_name_only", "\r\n")
def _s19() -> Message:
    env = Envelope(
        sender=sender("Daniela Cruz", "daniela.cruz@cafe-montana.example.com"),
        subject="Import notification - organic green coffee - container TGHU7766554",
        date="Thu, 13 Jul 2023 08:07:45 -0600",
        message_id="<BN8PR12MB3344A5B6C7D8E9F0A1B2C3D4E5F6A7B8@BN8PR12MB3344.namprd12.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Good morning,",
            "We notify the arrival of one container of organic green coffee for Biotrade "
            "Vlaanderen BV. Arrival date: 18/07/2023, port of Antwerp.",
            "Attached: certificate of inspection, bill of lading and commercial invoice.",
            "Best regards,\nDaniela Cruz\nCafé Montaña Example S.A., San Pedro Sula",
        ],
        [
            Att(
                "COI.HN.2023.0009876.pdf",
                coi_print(
                    "COI.HN.2023.0009876",
                    "Café Montaña Example S.A., Honduras",
                    "Biotrade Vlaanderen BV, Kortrijk, Belgium",
                    "Organic green coffee, 275 bags x 69 kg",
                    44,
                ),
            ),
            Att(
                "BL TGHU7766554.pdf",
                bill_of_lading(
                    "HLCUSAP2306001",
                    ["Café Montaña Example S.A.", "San Pedro Sula, Honduras"],
                    BIOTRADE,
                    "HAPAG EXAMPLE / 2326E",
                    "Puerto Cortes, Honduras",
                    "Antwerp, Belgium",
                    ["1 x 20' TGHU7766554, 275 bags organic green coffee, 18,975 kg net"],
                    "24 JUN 2023",
                    59,
                ),
            ),
            Att(
                "Commercial Invoice CM-2023-051.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "CM-2023-051",
                    "22 June 2023",
                    ["Café Montaña Example S.A., San Pedro Sula, Honduras"],
                    BIOTRADE,
                    ["Organic green coffee SHG EP, 275 bags x 69 kg, USD 4.95/kg"],
                    "Total: USD 93,926.25",
                    32,
                ),
            ),
        ],
        lang="en-US",
    )


@sample("20_gmail_en_two_cois_in_subject")
def _s20() -> Message:
    env = Envelope(
        sender=sender("Rosa Quispe", "rosa.quispe@frutasdelnorte.example.com"),
        subject="COI.PE.2023.0045680 + COI.PE.2023.0045681 organic mangoes",
        date="Mon, 17 Jul 2023 03:30:02 -0500",
        message_id="<CAE7gH8iJ9kL0mN1oP2qR3sT4uV5wX6yZ7aB8cD9eF0gH1iJ2k@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Dear colleagues,",
            "One container with two lots of organic mangoes (Kent), each with its own "
            "certificate: COI.PE.2023.0045680 (lot A, 10 pallets) and COI.PE.2023.0045681 "
            "(lot B, 10 pallets). Importer: Van Damme Fruit Import BV.",
            "ETA: 20/07/2023, Antwerp.",
            "One B/L and one invoice cover both lots.",
            "Regards,\nRosa Quispe\nFrutas del Norte Example S.A.C., Piura",
        ],
        [
            Att(
                "BL HLCULIM230655501.pdf",
                bill_of_lading(
                    "HLCULIM230655501",
                    ["Frutas del Norte Example S.A.C.", "Piura, Peru"],
                    VANDAMME,
                    "HAPAG EXAMPLE / 2327N",
                    "Paita, Peru",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 20 pallets organic mangoes Kent, 4,800 boxes, 19,200 kg"],
                    "01 JUL 2023",
                    55,
                ),
            ),
            Att(
                "Invoice FN-23-0099.pdf",
                invoice(
                    "INVOICE",
                    "FN-23-0099",
                    "30 June 2023",
                    ["Frutas del Norte Example S.A.C., Piura, Peru"],
                    VANDAMME,
                    [
                        "Lot A organic mangoes Kent, 2,400 boxes x 4 kg",
                        "Lot B organic mangoes Kent, 2,400 boxes x 4 kg",
                    ],
                    "Total: USD 26,880.00",
                    31,
                ),
            ),
        ],
    )


@sample("21_outlook_nl_example_coi_xy_invalid", "\r\n")
def _s21() -> Message:
    env = Envelope(
        sender=sender("Jonas Wouters", "jonas.wouters@versfruit.example.be"),
        subject="COI.XY.2023.1234567",
        date="Tue, 18 Jul 2023 13:55:38 +0200",
        message_id="<AM0PR06MB6226B7C8D9E0F1A2B3C4D5E6F7A8B9C0@AM0PR06MB6226.eurprd06.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Goedemiddag,",
            "Zoals gevraagd op jullie website meld ik hierbij onze zending aan met het "
            "referentienummer in het onderwerp.\nETA 24/07/2023, Antwerpen.",
            "Transportdocument en factuur in bijlage.",
            "Groeten,\nJonas Wouters\nVersfruit Example BV, Sint-Truiden",
        ],
        [
            Att(
                "BL MSCUSA112233.pdf",
                bill_of_lading(
                    "MSCUSA112233",
                    ["Example Fruit Exporters (Pty) Ltd", "Stellenbosch, South Africa"],
                    ["Versfruit Example BV", "Veilinglaan 1, 3800 Sint-Truiden, Belgium"],
                    "MSC EXAMPLE / 328N",
                    "Cape Town, South Africa",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 20 pallets pears Packham's Triumph, 18,000 kg net"],
                    "03 JUL 2023",
                    46,
                ),
            ),
            Att(
                "Factuur EFE-7781.pdf",
                invoice(
                    "TAX INVOICE",
                    "EFE-7781",
                    "30 June 2023",
                    ["Example Fruit Exporters (Pty) Ltd, Stellenbosch"],
                    ["Versfruit Example BV, Sint-Truiden, Belgium"],
                    ["Pears Packham's Triumph, 1,500 cartons x 12 kg, EUR 0.95/kg"],
                    "Total: EUR 17,100.00",
                    26,
                ),
            ),
        ],
    )


@sample("22_thunderbird_en_lowercase_coi")
def _s22() -> Message:
    env = Envelope(
        sender=sender("Nuwan Perera", "nuwan@ceylonleaf.example.com"),
        subject="coi.lk.2023.0001234 organic black tea - notification",
        date="Tue, 1 Aug 2023 12:16:29 +0530",
        message_id="<9f2c7e41-5d3b-4a8e-b6c0-1e2f3a4b5c6d@ceylonleaf.example.com>",
    )
    text = (
        "Dear Sir / Madam,\n\n"
        "We would like to notify the shipment of organic black tea (Ceylon OP1, 400 bags) "
        "under certificate coi.lk.2023.0001234 for De Zonnehoeve Import BV. ETA Antwerp: "
        "04/08/2023.\n\n"
        "Please find the bill of lading and the commercial invoice attached.\n\n"
        "Best regards,\nNuwan Perera\nCeylon Leaf Example (Pvt) Ltd, Kandy, Sri Lanka"
    )
    return thunderbird(
        env,
        text,
        [
            Att(
                "Bill_of_Lading_CL-BL-2307.pdf",
                bill_of_lading(
                    "CL-BL-2307",
                    ["Ceylon Leaf Example (Pvt) Ltd", "Kandy, Sri Lanka"],
                    ZONNEHOEVE,
                    "EVERGREEN EXAMPLE / 0931W",
                    "Colombo, Sri Lanka",
                    "Antwerp, Belgium",
                    ["1 x 20', 400 paper sacks organic black tea OP1, 8,000 kg net"],
                    "05 JUL 2023",
                    48,
                ),
            ),
            Att(
                "Commercial_Invoice_CL-2307.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "CL-2307",
                    "04 July 2023",
                    ["Ceylon Leaf Example (Pvt) Ltd, Kandy, Sri Lanka"],
                    ZONNEHOEVE,
                    ["Organic Ceylon black tea OP1, 400 sacks x 20 kg, USD 6.10/kg"],
                    "Total: USD 48,800.00",
                    24,
                ),
            ),
        ],
        lang="en-GB",
    )


@sample("23_gmail_en_spaced_coi")
def _s23() -> Message:
    env = Envelope(
        sender=sender("Mona Hassan", "mona@deltacitrus.example.com"),
        subject="COI EG 2023 0065432 organic oranges",
        date="Wed, 2 Aug 2023 09:49:13 +0300",
        message_id="<CAF8hI9jK0lM1nO2pQ3rS4tU5vW6xY7zA8bC9dE0fG1hI2jK3l@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Dear team,",
            "Notification of organic Valencia oranges, certificate COI EG 2023 0065432, 1 x 40' "
            "reefer for Groenhof Bio NV.\nEstimated time of arrival 08-08-2023 at Antwerp.",
            "Documents attached.",
            "Best regards,\nMona Hassan\nDelta Citrus Example, Ismailia",
        ],
        [
            Att(
                "BL MAEU5566778.pdf",
                bill_of_lading(
                    "MAEU5566778",
                    ["Delta Citrus Example", "Ismailia, Egypt"],
                    GROENHOF,
                    "MAERSK EXAMPLE / 331N",
                    "Damietta, Egypt",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 20 pallets organic Valencia oranges, 22,400 kg net"],
                    "25 JUL 2023",
                    51,
                ),
            ),
            Att(
                "Invoice DC-23-211.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "DC-23-211",
                    "24 July 2023",
                    ["Delta Citrus Example, Ismailia, Egypt"],
                    GROENHOF,
                    ["Organic Valencia oranges, 1,400 cartons x 16 kg, EUR 0.72/kg"],
                    "Total: EUR 16,128.00",
                    29,
                ),
            ),
        ],
    )


@sample("24_erp_html_only_es_dashed_coi")
def _s24() -> Message:
    env = Envelope(
        sender=sender("Exportaciones Example (no-reply)", "facturacion@bananaexport.example.com"),
        subject=ew_q("Notificación de embarque COI-EC-2023-0031338 \u2013 banano orgánico"),
        date="Mon, 7 Aug 2023 07:05:00 -0500",
        message_id="<20230807120500.7F3A2B1C@erp.bananaexport.example.com>",
    )
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Notificación</title></head>'
        '<body style="font-family:Arial,sans-serif;font-size:13px">'
        "<p>Estimados señores:</p>"
        "<p>Les informamos del embarque de <b>banano orgánico</b> para Van Damme Fruit Import BV."
        '</p><table border="1" cellpadding="4" style="border-collapse:collapse">'
        "<tr><td>Certificado</td><td>COI-EC-2023-0031338</td></tr>"
        "<tr><td>Contenedores</td><td>2 x 40' RH</td></tr>"
        "<tr><td>ETA Amberes</td><td>11/08/2023 (llegada estimada)</td></tr>"
        "</table><p>Adjuntamos el conocimiento de embarque (BL) y la factura comercial.</p>"
        "<p>Atentamente,<br>Departamento de Exportaciones<br>Exportaciones Example S.A., "
        'Guayaquil, Ecuador</p><p style="color:#888;font-size:10px">Este mensaje fue generado '
        "automáticamente por el sistema ERP. Por favor responda a exportaciones@bananaexport."
        "example.com.</p></body></html>"
    )
    top = node(
        [("Content-Type", 'multipart/mixed; boundary="=_erp_7F3A2B1C_mixed"')],
        [
            node(
                [
                    ("Content-Type", 'text/html; charset="utf-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(page),
            ),
            plain_attachment(Att("BL-HLCUGYE230733021.pdf", _ec_bl(64))),
            plain_attachment(
                Att(
                    "Factura-EXP-2023-0733.pdf",
                    invoice(
                        "FACTURA COMERCIAL",
                        "EXP-2023-0733",
                        "01/08/2023",
                        ["Exportaciones Example S.A., Guayaquil, Ecuador"],
                        VANDAMME,
                        ["Banano orgánico Cavendish, 2,160 cajas x 18.14 kg, USD 0.62/kg"],
                        "Total: USD 24,294.55",
                        27,
                        labels=("Factura No.", "Fecha", "Vendedor", "Comprador"),
                    ),
                )
            ),
        ],
    )
    headers = [
        *_received(env),
        ("Date", env.date),
        ("From", env.sender),
        ("Reply-To", "exportaciones@bananaexport.example.com"),
        ("To", env.to),
        ("Subject", env.subject),
        ("Message-ID", env.message_id),
        ("X-Mailer", "ERP Example 9.2 (mailer)"),
    ]
    return _finish(headers, top)


@sample("25_outlook_nl_coi_missing_leading_zero", "\r\n")
def _s25() -> Message:
    env = Envelope(
        sender=sender("Sofie Peeters", "sofie.peeters@groenhof.example.be"),
        subject="COI.TN.2023.012345 dadels Deglet Nour",
        date="Wed, 9 Aug 2023 08:33:19 +0200",
        message_id="<AM9PR07MB7123C3D4E5F6A7B8C9D0E1F2A3B4C5D6@AM9PR07MB7123.eurprd07.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Goedemorgen,",
            "Aanmelding van bio dadels Deglet Nour uit Tunesië, 1 x 20'.\n"
            "Vak 20 (verwachte aankomst): 16/08/2023, Antwerpen.",
            "B/L en factuur in bijlage.",
            SIG_GROENHOF,
        ],
        [
            Att(
                "BL CMDUTUN889900.pdf",
                bill_of_lading(
                    "CMDUTUN889900",
                    ["Oasis Example Dattes SARL", "Kebili, Tunisia"],
                    GROENHOF,
                    "CMA CGM EXAMPLE / 0TN5N",
                    "Rades, Tunisia",
                    "Antwerp, Belgium",
                    ["1 x 20', 1,800 cartons organic dates Deglet Nour, 9,000 kg net"],
                    "01 AUG 2023",
                    45,
                ),
            ),
            Att(
                "Facture 2023-0812.pdf",
                invoice(
                    "FACTURE",
                    "2023-0812",
                    "31/07/2023",
                    ["Oasis Example Dattes SARL, Kebili, Tunisie"],
                    GROENHOF,
                    ["Dattes Deglet Nour biologiques, 1 800 cartons x 5 kg, 3,40 EUR/kg"],
                    "Total : 30 600,00 EUR",
                    27,
                    labels=("Facture n°", "Date", "Vendeur", "Acheteur"),
                ),
            ),
        ],
        logo=LOGO_GROENHOF,
    )


@sample("26_outlook_nl_extra_controls_cn_code", "\r\n")
def _s26() -> Message:
    env = Envelope(
        sender=sender("Pieter Janssens", "pieter.janssens@noordzee-logistics.example.be"),
        subject="COI.CN.2023.0034567 aanmelding",
        date="Mon, 4 Sep 2023 08:41:57 +0200",
        message_id="<PAXPR10MB5310E1F2A3B4C5D6E7F8A9B0C1D2E3F4@PAXPR10MB5310.EURPRD10.PROD.OUTLOOK.COM>",
    )
    return outlook(
        env,
        [
            "Goedemorgen,",
            "Namens De Zonnehoeve Import BV melden wij de volgende zending aan:\n"
            "COI.CN.2023.0034567 - GN-code 0910.11.00, 1 x 40' reefer, 24.000 kg.\n"
            "ETA: 07/09/2023, Antwerpen (Deurganck).",
            "B/L en factuur in bijlage.",
            SIG_NOORDZEE,
        ],
        [
            Att(
                "BL COSU6399887760.pdf",
                bill_of_lading(
                    "COSU6399887760",
                    ["Shandong Example Agricultural Co., Ltd.", "Anqiu, Shandong, China"],
                    ZONNEHOEVE,
                    "COSCO EXAMPLE / 031W",
                    "Qingdao, China",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, HS 0910.11, 2,400 cartons, 24,000 kg net"],
                    "28 JUL 2023",
                    59,
                ),
            ),
            Att(
                "Factuur SEA-2023-0456.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "SEA-2023-0456",
                    "25 July 2023",
                    ["Shandong Example Agricultural Co., Ltd., Anqiu, China"],
                    ZONNEHOEVE,
                    ["HS 0910.11.00, 2,400 cartons x 10 kg, USD 1.85/kg"],
                    "Total: USD 44,400.00",
                    29,
                ),
            ),
        ],
        logo=LOGO_NOORDZEE,
    )


@sample("27_outlook_nl_extra_controls_kurkuma", "\r\n")
def _s27() -> Message:
    env = Envelope(
        sender=sender("Eva Claes", "eva.claes@biotrade.example.be"),
        subject="COI.IN.2023.0011223 - kurkuma",
        date="Tue, 5 Sep 2023 10:19:02 +0200",
        message_id="<AM6PR03MB4567B1C2D3E4F5A6B7C8D9E0F1A2B3C4@AM6PR03MB4567.eurprd03.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Goedemorgen,",
            "Hierbij de aanmelding van onze zending biologische kurkuma (gemalen, 1 x 20') "
            "uit India met COI.IN.2023.0011223.\nAankomst: 11 september 2023 in Antwerpen.",
            "Cognossement en factuur in bijlage.",
            "Groeten,\nEva Claes\nBiotrade Vlaanderen BV",
        ],
        [
            Att(
                "Bill of lading MEDUIN556677.pdf",
                bill_of_lading(
                    "MEDUIN556677",
                    ["Kerala Example Spices Pvt Ltd", "Kochi, Kerala, India"],
                    BIOTRADE,
                    "MSC EXAMPLE / IS334W",
                    "Cochin, India",
                    "Antwerp, Belgium",
                    ["1 x 20', 600 bags organic spice powder, 15,000 kg net"],
                    "02 AUG 2023",
                    50,
                ),
            ),
            Att(
                "Factuur KES-0923.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "KES-0923",
                    "31 July 2023",
                    ["Kerala Example Spices Pvt Ltd, Kochi, India"],
                    BIOTRADE,
                    ["Organic ground spice, 600 bags x 25 kg, USD 3.30/kg"],
                    "Total: USD 49,500.00",
                    28,
                ),
            ),
        ],
        logo=LOGO_BIOTRADE,
    )


@sample("28_gmail_nl_swiss_consignee")
def _s28() -> Message:
    env = Envelope(
        sender=sender("Pieter Janssens", "pieter.janssens@noordzee-logistics.example.be"),
        subject="COI.TR.2023.0007790 hazelnoten - aanmelding",
        date="Wed, 6 Sep 2023 09:02:44 +0200",
        message_id="<CAG9iJ0kL1mN2oP3qR4sT5uV6wX7yZ8aB9cD0eF1gH2iJ3kL4m@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Goedemorgen,",
            "Aanmelding COI.TR.2023.0007790: bio hazelnoten (gepeld), 1 x 20', 16.000 kg.\n"
            "Eerste ontvanger (vak 24): Alpenbio Handels AG, Hardstrasse 12, 8005 Zürich, "
            "Zwitserland.\nETA 12/09/2023 Antwerpen.",
            "B/L en factuur in bijlage.",
            SIG_NOORDZEE,
        ],
        [
            Att(
                "BL MSCUTR445500.pdf",
                bill_of_lading(
                    "MSCUTR445500",
                    ["Karadeniz Example Findik A.S.", "Ordu, Turkiye"],
                    ["Alpenbio Handels AG", "Hardstrasse 12, 8005 Zurich, Switzerland"],
                    "MSC EXAMPLE / 335W",
                    "Mersin, Turkiye",
                    "Antwerp, Belgium",
                    ["1 x 20', 640 cartons organic hazelnut kernels, 16,000 kg net"],
                    "18 AUG 2023",
                    52,
                ),
            ),
            Att(
                "Invoice KF-2023-331.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "KF-2023-331",
                    "17 August 2023",
                    ["Karadeniz Example Findik A.S., Ordu, Turkiye"],
                    ["Alpenbio Handels AG, Hardstrasse 12, 8005 Zurich, Switzerland"],
                    ["Organic hazelnut kernels 11-13 mm, 640 cartons x 25 kg, EUR 7.20/kg"],
                    "Total: EUR 115,200.00",
                    31,
                ),
            ),
        ],
    )


@sample("29_outlook_nl_too_early", "\r\n")
def _s29() -> Message:
    env = Envelope(
        sender=sender("Sofie Peeters", "sofie.peeters@groenhof.example.be"),
        subject="COI.BR.2023.0002020 açaí pulp diepvries",
        date="Tue, 6 Jun 2023 08:51:10 +0200",
        message_id="<AM9PR07MB7123D4E5F6A7B8C9D0E1F2A3B4C5D6E7@AM9PR07MB7123.eurprd07.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Goedemorgen,",
            "Wij melden alvast de zending bio açaí pulp (diepvries) uit Brazilië aan, "
            "COI.BR.2023.0002020.\nVerwachte aankomst: 16/06/2023, Antwerpen.",
            "B/L en factuur in bijlage.",
            SIG_GROENHOF,
        ],
        [
            Att(
                "BL MAEU9191919.pdf",
                bill_of_lading(
                    "MAEU9191919",
                    ["Amazonia Example Frutas Ltda", "Belem, Para, Brazil"],
                    GROENHOF,
                    "MAERSK EXAMPLE / 320N",
                    "Vila do Conde, Brazil",
                    "Antwerp, Belgium",
                    ["1 x 40' RH -20 C, 1,920 boxes organic acai pulp, 19,200 kg net"],
                    "24 MAY 2023",
                    56,
                ),
            ),
            Att(
                "Invoice AEF-2023-19.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "AEF-2023-19",
                    "22 May 2023",
                    ["Amazonia Example Frutas Ltda, Belem, Brazil"],
                    GROENHOF,
                    ["Organic frozen acai pulp, 1,920 boxes x 10 kg, USD 3.05/kg"],
                    "Total: USD 58,560.00",
                    30,
                ),
            ),
        ],
        logo=LOGO_GROENHOF,
    )


@sample("30_gmail_en_late")
def _s30() -> Message:
    env = Envelope(
        sender=sender("Kwame Asante", "kwame@goldcoastfruit.example.com"),
        subject="COI.GH.2023.0000456 organic pineapples (air)",
        date="Thu, 15 Jun 2023 07:44:36 +0000",
        message_id="<CAH0jK1lM2nO3pQ4rS5tU6vW7xY8zA9bC0dE1fG2hI3jK4lM5n@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Good morning,",
            "Apologies for the late notification. Our shipment of organic MD2 pineapples, "
            "COI.GH.2023.0000456, for De Zonnehoeve Import BV:\n"
            "ETA Brussels Airport: 14/06/2023 (landed yesterday, flight SN 242).",
            "AWB and invoice attached.",
            "Regards,\nKwame Asante\nGold Coast Fruit Example Ltd, Accra",
        ],
        [
            Att(
                "AWB 082-55443322.pdf",
                pdf(
                    [
                        [
                            "AIR WAYBILL 082-55443322",
                            "Shipper: Gold Coast Fruit Example Ltd, Accra, Ghana",
                            "Consignee: De Zonnehoeve Import BV, Oostkaai 4, 9000 Gent, Belgium",
                            "Airport of departure: Accra (ACC)",
                            "Airport of destination: Brussels (BRU)",
                            "Flight/Date: SN 242 / 13 JUN 2023",
                            "Nature and quantity of goods:",
                            "organic pineapples MD2, 400 cartons, 4,400 kg",
                        ]
                    ],
                    36,
                ),
            ),
            Att(
                "Invoice GCF-0613.pdf",
                invoice(
                    "INVOICE",
                    "GCF-0613",
                    "12 June 2023",
                    ["Gold Coast Fruit Example Ltd, Accra, Ghana"],
                    ZONNEHOEVE,
                    ["Organic pineapples MD2, 400 cartons x 11 kg, EUR 1.60/kg"],
                    "Total: EUR 7,040.00",
                    24,
                ),
            ),
        ],
    )


@sample("31_outlook_nl_eta_over_easter_monday", "\r\n")
def _s31() -> Message:
    env = Envelope(
        sender=sender("Tom Van Damme", "tom@vandammefruit.example.be"),
        subject="COI.ZA.2023.0001111 citrus",
        date="Mon, 3 Apr 2023 08:26:48 +0200",
        message_id="<DB8PR02MB5521D1E2F3A4B5C6D7E8F9A0B1C2D3E4@DB8PR02MB5521.eurprd02.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Dag collega's,",
            "Aanmelding bio citrus (clementines) uit Zuid-Afrika, COI.ZA.2023.0001111.\n"
            "Verwachte aankomst: dinsdag 11 april 2023, Antwerpen.",
            "B/L en factuur in bijlage. Prettige paasdagen!",
            "Mvg,\nTom Van Damme\nVan Damme Fruit Import BV",
        ],
        [
            Att(
                "BL MSCUZA776655.pdf",
                bill_of_lading(
                    "MSCUZA776655",
                    ["Example Citrus Growers (Pty) Ltd", "Citrusdal, South Africa"],
                    VANDAMME,
                    "MSC EXAMPLE / 311N",
                    "Cape Town, South Africa",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 20 pallets organic clementines, 17,280 kg net"],
                    "17 MAR 2023",
                    49,
                ),
            ),
            Att(
                "Invoice ECG-23-031.pdf",
                invoice(
                    "TAX INVOICE",
                    "ECG-23-031",
                    "16 March 2023",
                    ["Example Citrus Growers (Pty) Ltd, Citrusdal"],
                    VANDAMME,
                    ["Organic clementines, 1,920 cartons x 9 kg, EUR 1.05/kg"],
                    "Total: EUR 18,144.00",
                    25,
                ),
            ),
        ],
        logo=LOGO_VANDAMME,
    )


@sample("32_outlook_nl_eta_over_11_july", "\r\n")
def _s32() -> Message:
    env = Envelope(
        sender=sender("Tom Van Damme", "tom@vandammefruit.example.be"),
        subject="COI.CL.2023.0002222 appels",
        date="Tue, 4 Jul 2023 08:12:20 +0200",
        message_id="<DB8PR02MB5521E2F3A4B5C6D7E8F9A0B1C2D3E4F5@DB8PR02MB5521.eurprd02.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Dag collega's,",
            "Aanmelding bio appels Pink Lady uit Chili, COI.CL.2023.0002222.\n"
            "ETA: 12/07/2023, Antwerpen.",
            "B/L en factuur in bijlage.",
            "Mvg,\nTom Van Damme\nVan Damme Fruit Import BV",
        ],
        [
            Att(
                "BL HLCUSCL230601234.pdf",
                bill_of_lading(
                    "HLCUSCL230601234",
                    ["Frutícola Example SpA", "Curico, Chile"],
                    VANDAMME,
                    "HAPAG EXAMPLE / 2322N",
                    "San Antonio, Chile",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 20 pallets organic apples Pink Lady, 18,900 kg net"],
                    "05 JUN 2023",
                    48,
                ),
            ),
            Att(
                "Invoice FE-2023-118.pdf",
                invoice(
                    "FACTURA DE EXPORTACION / EXPORT INVOICE",
                    "FE-2023-118",
                    "02 June 2023",
                    ["Fruticola Example SpA, Curico, Chile"],
                    VANDAMME,
                    ["Organic apples Pink Lady, 1,050 cartons x 18 kg, USD 1.40/kg"],
                    "Total: USD 26,460.00",
                    26,
                ),
            ),
        ],
        logo=LOGO_VANDAMME,
    )


@sample("33_applemail_en_no_eta")
def _s33() -> Message:
    env = Envelope(
        sender=sender("Laura Jansen", "laura.jansen@bananenhuis.example.nl"),
        subject="COI.EC.2023.0031340 - organic bananas",
        date="Thu, 7 Sep 2023 15:07:33 +0200",
        message_id="<E2C4A6B8-1D3F-4E5A-8B7C-9D0E1F2A3B4C@bananenhuis.example.nl>",
    )
    return apple(
        env,
        [
            "Hello,",
            "Please find attached the bill of lading and the invoice for COI.EC.2023.0031340 "
            "(organic bananas, 1 x 40' RH). The container will be cleared in Antwerp for our "
            "Belgian branch, Bananenhuis België BV.",
        ],
        [
            Att(
                "BL SUDU21GYE009988.pdf",
                bill_of_lading(
                    "SUDU21GYE009988",
                    ["Bananera Example S.A.", "Machala, Ecuador"],
                    ["Bananenhuis België BV", "Noorderlaan 100, 2030 Antwerpen, Belgium"],
                    "HAMBURG SUD EXAMPLE / 335N",
                    "Guayaquil, Ecuador",
                    "Antwerp, Belgium",
                    ["1 x 40' RH, 1,080 boxes organic bananas, 19,656 kg net"],
                    "21 AUG 2023",
                    58,
                ),
            ),
            Att(
                "Invoice BE-2023-0907.pdf",
                invoice(
                    "INVOICE",
                    "BE-2023-0907",
                    "21 August 2023",
                    ["Bananera Example S.A., Machala, Ecuador"],
                    ["Bananenhuis België BV, Antwerpen, Belgium"],
                    ["Organic bananas Cavendish, 1,080 boxes x 18.2 kg, USD 0.64/kg"],
                    "Total: USD 12,579.84",
                    27,
                ),
            ),
        ],
        closing="Kind regards,\nLaura Jansen\nBananenhuis BV, Rotterdam",
    )


@sample("34_outlook_nl_prfc_request", "\r\n")
def _s34() -> Message:
    env = Envelope(
        sender=sender("Bart Hermans", "bart.hermans@koelhuis-schelde.example.be"),
        subject=(
            "Aanvraag punt van vrijgave voor het vrije verkeer in de Unie - Koelhuis Schelde NV"
        ),
        date="Mon, 11 Sep 2023 14:03:27 +0200",
        message_id="<AS2PR09MB6677C1D2E3F4A5B6C7D8E9F0A1B2C3D4@AS2PR09MB6677.eurprd09.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Geachte,",
            "Graag vragen wij de opname van onze locatie als punt van vrijgave voor het vrije "
            "verkeer in de Unie (PRFC) aan.",
            "Bedrijfsnaam: Koelhuis Schelde NV\nOndernemingsnummer: BE 0123.456.789 (voorbeeld)\n"
            "Adres/locatie: Scheldelaan 420, 2040 Antwerpen (kaai 526)\n"
            "Contactpersoon: Bart Hermans, +32 3 555 42 00",
            "In bijlage een situatieplan van het magazijn.",
            "Met vriendelijke groeten,\nBart Hermans\nKoelhuis Schelde NV",
        ],
        [
            Att(
                "Situatieplan magazijn Scheldelaan 420.pdf",
                pdf(
                    [
                        [
                            "SITUATIEPLAN - Koelhuis Schelde NV",
                            "Scheldelaan 420, 2040 Antwerpen",
                            "Hal A: koelcellen 1-6 (+2 C)   Hal B: diepvries (-20 C)",
                            "Laadkades 1-12, douane-entrepot type C",
                        ]
                    ],
                    34,
                ),
            )
        ],
    )


@sample("35_gmail_nl_account_question")
def _s35() -> Message:
    env = Envelope(
        sender=sender("Ine Vermeulen", "ine.vermeulen@notenbar.example.be"),
        subject="Gebruiker toevoegen aan onze TRACES-account",
        date="Tue, 12 Sep 2023 11:27:05 +0200",
        message_id="<CAJ1kL2mN3oP4qR5sT6uV7wX8yZ9aB0cD1eF2gH3iJ4kL5mN6o@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Goedemiddag,",
            "Onze administrator in TRACES is uit dienst en wij krijgen onze nieuwe collega "
            "(Jeroen Mertens) niet gekoppeld aan de account van ons bedrijf. Zijn aanvraag staat "
            "al twee weken op 'in afwachting'.",
            "Kunnen jullie helpen om een nieuwe administrator aan te duiden, en de oude gebruiker "
            "te verwijderen?",
            "Alvast bedankt,\nIne Vermeulen\nNotenbar Example BV, Lier",
        ],
    )


@sample("36_outlook_fr_account_question", "\r\n")
def _s36() -> Message:
    env = Envelope(
        sender=sender("Céline Lambert", "celine.lambert@epicerie-verte.example.be"),
        subject=ew_q(
            "Accès TRACES \u2013 suppression d'un utilisateur et ajout d'un administrateur"
        ),
        date="Wed, 13 Sep 2023 09:44:51 +0200",
        message_id="<PR3PR02MB6012A9B8C7D6E5F4A3B2C1D0E9F8A7B6@PR3PR02MB6012.eurprd02.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Madame, Monsieur,",
            "Un ancien collaborateur a toujours accès à notre compte TRACES alors qu'il a quitté "
            "la société. Nous ne parvenons pas à supprimer cet utilisateur, et notre nouvelle "
            "collègue ne peut pas être ajoutée comme administratrice.",
            "Pourriez-vous nous aider ?",
            "Bien à vous,\nCéline Lambert\nL'Épicerie Verte SRL, Tournai",
        ],
        lang="fr-BE",
    )


@sample("37_outlook_nl_reply_with_missing_invoice", "\r\n")
def _s37() -> Message:
    desk_id = "<20230613143202.5E6F7A8B9C@mx.landbouw.example.be>"
    env = Envelope(
        sender=sender("Tom Van Damme", "tom@vandammefruit.example.be"),
        subject="RE: COI.EC.2023.0031337 - ontbrekende factuur",
        date="Wed, 14 Jun 2023 14:51:37 +0200",
        message_id="<DB8PR02MB5521F3A4B5C6D7E8F9A0B1C2D3E4F5A6@DB8PR02MB5521.eurprd02.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Dag,",
            "Hierbij de factuur die nog ontbrak.",
            "Mvg,\nTom Van Damme\nVan Damme Fruit Import BV",
            "Van: Import Bio <importbio@landbouw.example.be>\n"
            "Verzonden: dinsdag 13 juni 2023 16:32\n"
            "Aan: Tom Van Damme <tom@vandammefruit.example.be>\n"
            "Onderwerp: COI.EC.2023.0031337 - ontbrekende factuur",
            "Beste,\nBij uw aanmelding van COI.EC.2023.0031337 ontbreekt de factuur. Gelieve die "
            "per e-mail te bezorgen.\nMet vriendelijke groeten,\nDienst Import Bio",
        ],
        [
            Att(
                "Factuur BE-2023-0612.pdf",
                invoice(
                    "INVOICE",
                    "BE-2023-0612",
                    "27 May 2023",
                    ["Bananera Example S.A., Machala, Ecuador"],
                    VANDAMME,
                    ["Organic bananas Cavendish, 2,160 boxes x 18.2 kg, USD 0.63/kg"],
                    "Total: USD 24,766.56",
                    29,
                ),
            )
        ],
        thread=[("In-Reply-To", desk_id), ("References", desk_id)],
        logo=LOGO_VANDAMME,
    )


def _exchange_oof(
    env: Envelope,
    text: str,
    lang: str,
    in_reply_to: str,
) -> Message:
    seed = env.message_id
    tag = hexid(seed, 36)
    top = node(
        [("Content-Type", f'multipart/alternative;\n\tboundary="_000_{tag}_"')],
        [
            node(
                [
                    ("Content-Type", 'text/plain; charset="utf-8"'),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(text.encode("utf-8")),
            ),
            node(
                [
                    ("Content-Type", 'text/html; charset="utf-8"'),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(
                    (
                        '<html><head><meta http-equiv="Content-Type" content="text/html; '
                        'charset=utf-8"></head><body><div style="font-family:Calibri,Arial">'
                        + "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
                        + "</div></body></html>"
                    ).encode("utf-8")
                ),
            ),
        ],
    )
    headers = [
        *_received(env),
        ("From", env.sender),
        ("To", env.to),
        ("Subject", env.subject),
        ("Thread-Topic", env.subject.split(":", 1)[-1].strip()),
        ("Thread-Index", base64.b64encode(digest(seed, 22)).decode()),
        ("Date", env.date),
        ("Message-ID", env.message_id),
        ("References", in_reply_to),
        ("In-Reply-To", in_reply_to),
        ("Content-Language", lang),
        ("X-MS-Has-Attach", ""),
        ("X-MS-Exchange-Organization-AutoCreatedMessage", "1"),
        ("X-MS-TNEF-Correlator", ""),
        ("X-Auto-Response-Suppress", "All"),
        ("Auto-Submitted", "auto-generated"),
        ("X-MS-Exchange-Inbox-Rules-Loop", env.sender.split("<")[-1].rstrip(">")),
    ]
    return _finish(headers, top)


@sample("38_outlook_nl_out_of_office", "\r\n")
def _s38() -> Message:
    env = Envelope(
        sender=sender("Tom Van Damme", "tom@vandammefruit.example.be"),
        subject="Automatisch antwoord: COI.EC.2023.0031337 - ontbrekende factuur",
        date="Tue, 13 Jun 2023 16:32:09 +0200",
        message_id="<DB8PR02MB55210A1B2C3D4E5F6A7B8C9D0E1F2A3B@DB8PR02MB5521.eurprd02.prod.outlook.com>",
    )
    return _exchange_oof(
        env,
        "Beste,\n\nIk ben afwezig tot en met 14 juni 2023 en heb beperkt toegang tot mijn mails. "
        "Voor dringende zaken kunt u terecht bij logistiek@vandammefruit.example.be.\n\n"
        "Met vriendelijke groeten,\nTom Van Damme",
        "nl-BE",
        "<20230613143202.5E6F7A8B9C@mx.landbouw.example.be>",
    )


@sample("39_gmail_en_out_of_office")
def _s39() -> Message:
    original = "<20230718091500.1A2B3C4D5E@mx.landbouw.example.be>"
    env = Envelope(
        sender=sender("Daniela Cruz", "daniela.cruz@cafe-montana.example.com"),
        subject="Out of office until 24 July",
        date="Tue, 18 Jul 2023 01:15:03 -0600",
        message_id="<CAK2lM3nO4pQ5rS6tU7vW8xY9zA0bC1dE2fG3hI4jK5lM6nO7p@mail.gmail.com>",
        extra=(("Auto-Submitted", "auto-replied"),),
    )
    return gmail(
        env,
        [
            "Thank you for your message. I am out of the office with limited access to e-mail "
            "until 24 July 2023.",
            "For shipping documents please contact exports@cafe-montana.example.com.",
            "Daniela Cruz",
        ],
        thread=[("References", original), ("In-Reply-To", original)],
    )


@sample("40_outlook_fr_out_of_office", "\r\n")
def _s40() -> Message:
    env = Envelope(
        sender=sender("Marie Dubois", "marie.dubois@soleilbio.example.fr"),
        subject=ew_b("Réponse automatique : COI.MA.2023.0004321 - facture", "iso-8859-1"),
        date="Thu, 8 Jun 2023 10:05:44 +0200",
        message_id="<PR1PR01MB7788A1B2C3D4E5F6A7B8C9D0E1F2A3B4@PR1PR01MB7788.eurprd01.prod.outlook.com>",
    )
    return _exchange_oof(
        env,
        "Bonjour,\n\nJe suis absente du bureau jusqu'au 19/06/2023 inclus. Pour toute question "
        "urgente, merci de contacter logistique@soleilbio.example.fr.\n\n"
        "Cordialement,\nMarie Dubois",
        "fr-FR",
        "<20230608080412.7C8D9E0F1A@mx.landbouw.example.be>",
    )


@sample("41_gmail_de_out_of_office_re_subject")
def _s41() -> Message:
    original = "<20230620101011.2B3C4D5E6F@mx.landbouw.example.be>"
    env = Envelope(
        sender=sender("Klaus Becker", "k.becker@sonnenfrucht.example.de"),
        subject=ew_b("Re: COI.TR.2023.0007788 Rückfrage zur Rechnung"),
        date="Tue, 20 Jun 2023 10:10:30 +0200",
        message_id="<CAL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF3gH4iJ5kL6mN7oP8q@mail.gmail.com>",
        extra=(("Auto-Submitted", "auto-replied"),),
    )
    return gmail(
        env,
        [
            "Vielen Dank für Ihre Nachricht.",
            "Ich bin bis einschließlich 30.06.2023 nicht im Büro. Ihre E-Mail wird nicht "
            "weitergeleitet. In dringenden Fällen wenden Sie sich bitte an "
            "einkauf@sonnenfrucht.example.de.",
            "Mit freundlichen Grüßen\nKlaus Becker",
        ],
        thread=[("References", original), ("In-Reply-To", original)],
    )


@sample("42_postfix_dsn_bounce")
def _s42() -> Message:
    original_id = "<20230612081455.3D4E5F6A7B@mx.landbouw.example.be>"
    notification = (
        "This is the mail system at host mx.landbouw.example.be.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "For further assistance, please send mail to postmaster.\n\n"
        "If you do so, please include this problem report. You can\n"
        "delete your own text from the attached returned message.\n\n"
        "                   The mail system\n\n"
        "<j.devries@tuinbouw-handel.example.nl>: host mx.tuinbouw-handel.example.nl[198.51.100.7]\n"
        "    said: 550 5.1.1 <j.devries@tuinbouw-handel.example.nl>: Recipient address\n"
        "    rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)\n"
    )
    status = node([])
    status.set_payload(
        [
            node(
                [
                    ("Reporting-MTA", "dns; mx.landbouw.example.be"),
                    ("X-Postfix-Queue-ID", "3D4E5F6A7B"),
                    ("X-Postfix-Sender", "rfc822; importbio@landbouw.example.be"),
                    ("Arrival-Date", "Mon, 12 Jun 2023 10:14:55 +0200 (CEST)"),
                ]
            ),
            node(
                [
                    ("Final-Recipient", "rfc822; j.devries@tuinbouw-handel.example.nl"),
                    ("Original-Recipient", "rfc822;j.devries@tuinbouw-handel.example.nl"),
                    ("Action", "failed"),
                    ("Status", "5.1.1"),
                    ("Remote-MTA", "dns; mx.tuinbouw-handel.example.nl"),
                    (
                        "Diagnostic-Code",
                        "smtp; 550 5.1.1 <j.devries@tuinbouw-handel.example.nl>:\n"
                        "    Recipient address rejected: User unknown in virtual mailbox table",
                    ),
                ]
            ),
        ]
    )
    status["Content-Description"] = "Delivery report"
    status["Content-Type"] = "message/delivery-status"
    headers_part = (
        "Return-Path: <importbio@landbouw.example.be>\n"
        "Received: by mx.landbouw.example.be (Postfix, from userid 1001)\n"
        "\tid 3D4E5F6A7B; Mon, 12 Jun 2023 10:14:55 +0200 (CEST)\n"
        "From: Import Bio <importbio@landbouw.example.be>\n"
        "To: j.devries@tuinbouw-handel.example.nl\n"
        "Subject: Re: vraag over uw TRACES-account\n"
        f"Message-ID: {original_id}\n"
        "Date: Mon, 12 Jun 2023 10:14:55 +0200\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
    )
    top = node(
        [
            (
                "Content-Type",
                "multipart/report; report-type=delivery-status;\n"
                '\tboundary="A1B2C3D4E5.1686557696/mx.landbouw.example.be"',
            ),
            ("Content-Transfer-Encoding", "8bit"),
        ],
        [
            node(
                [
                    ("Content-Description", "Notification"),
                    ("Content-Type", "text/plain; charset=us-ascii"),
                ],
                notification,
            ),
            status,
            node(
                [
                    ("Content-Description", "Undelivered Message Headers"),
                    ("Content-Type", "text/rfc822-headers"),
                ],
                headers_part,
            ),
        ],
    )
    top.preamble = "This is a MIME-encapsulated message."
    headers = [
        ("Return-Path", "<>"),
        (
            "Received",
            "by mx.landbouw.example.be (Postfix)\n"
            "\tid A1B2C3D4E5; Mon, 12 Jun 2023 10:14:56 +0200 (CEST)",
        ),
        ("Date", "Mon, 12 Jun 2023 10:14:56 +0200 (CEST)"),
        ("From", "MAILER-DAEMON@mx.landbouw.example.be (Mail Delivery System)"),
        ("Subject", "Undelivered Mail Returned to Sender"),
        ("To", DESK_ADDR),
        ("Auto-Submitted", "auto-replied"),
        ("MIME-Version", "1.0"),
        ("Message-Id", "<20230612081456.A1B2C3D4E5@mx.landbouw.example.be>"),
    ]
    msg = node(headers)
    for name, value in top.items():
        msg[name] = value
    msg.preamble = top.preamble
    msg.set_payload(top.get_payload())
    return msg


@sample("43_exchange_ndr_bounce", "\r\n")
def _s43() -> Message:
    original = node(
        [
            ("From", DESK),
            ("To", "info@oude-domeinnaam.example.com"),
            ("Subject", "Uw vraag over de registratie in TRACES"),
            ("Date", "Thu, 14 Sep 2023 09:01:12 +0200"),
            ("Message-ID", "<20230914070112.6A7B8C9D0E@mx.landbouw.example.be>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        qp(
            "Beste,\n\nUw bedrijf kan een account in TRACES aanmaken na certificering door uw "
            "controleorgaan.\n\nMet vriendelijke groeten,\nDienst Import Bio\n"
        ),
    )
    seed = "s43"
    tag = hexid(seed, 36)
    text = (
        "Uw bericht heeft info@oude-domeinnaam.example.com niet bereikt, omdat het adres niet "
        "is gevonden.\n\nDiagnostische informatie voor beheerders:\n\n"
        "Server genereren: AM9PR01MB1234.eurprd01.prod.exchangelabs.com\n\n"
        "info@oude-domeinnaam.example.com\n"
        "Remote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found "
        "by SMTP address lookup'\n"
    )
    alternative = node(
        [("Content-Type", f'multipart/alternative;\n\tboundary="_002_{tag}_"')],
        [
            node(
                [
                    ("Content-Type", 'text/plain; charset="utf-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(text),
            ),
            node(
                [
                    ("Content-Type", 'text/html; charset="utf-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(
                    '<html><head></head><body><p><b><font color="#000066" size="3">'
                    "Bezorging is mislukt voor deze ontvangers of groepen:</font></b></p>"
                    "<p>info@oude-domeinnaam.example.com</p>"
                    "<p>Het e-mailadres dat u hebt ingevoerd, is niet gevonden.</p></body></html>\n"
                ),
            ),
        ],
    )
    status = node([("Content-Type", "message/delivery-status")])
    status.set_payload(
        [
            node(
                [
                    ("Reporting-MTA", "dns;AM9PR01MB1234.eurprd01.prod.exchangelabs.com"),
                    ("Received-From-MTA", "dns;mx.landbouw.example.be"),
                    ("Arrival-Date", "Thu, 14 Sep 2023 07:01:13 +0000"),
                ]
            ),
            node(
                [
                    ("Original-Recipient", "rfc822;info@oude-domeinnaam.example.com"),
                    ("Final-Recipient", "rfc822;info@oude-domeinnaam.example.com"),
                    ("Action", "failed"),
                    ("Status", "5.1.10"),
                    (
                        "Diagnostic-Code",
                        "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by "
                        "SMTP address lookup",
                    ),
                ]
            ),
        ]
    )
    returned = node([("Content-Type", "message/rfc822")])
    returned.set_payload([original])
    top = node(
        [
            (
                "Content-Type",
                f'multipart/report;\n\treport-type=delivery-status;\n\tboundary="_000_{tag}_"',
            )
        ],
        [alternative, status, returned],
    )
    headers = [
        (
            "Received",
            "from AM9PR01MB1234.eurprd01.prod.exchangelabs.com ([fe80::1])\n\tby "
            "mx.landbouw.example.be with ESMTPS; Thu, 14 Sep 2023 09:01:15 +0200",
        ),
        (
            "From",
            "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com>",
        ),
        ("To", DESK),
        ("Date", "Thu, 14 Sep 2023 07:01:14 +0000"),
        ("Content-Language", "nl-NL"),
        (
            "Message-ID",
            "<a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d@AM9PR01MB1234.eurprd01.prod.exchangelabs.com>",
        ),
        ("In-Reply-To", "<20230914070112.6A7B8C9D0E@mx.landbouw.example.be>"),
        ("References", "<20230914070112.6A7B8C9D0E@mx.landbouw.example.be>"),
        ("Subject", "Onbestelbaar: Uw vraag over de registratie in TRACES"),
        ("Auto-Submitted", "auto-replied"),
        ("X-MS-Exchange-Message-Is-Ndr", ""),
        ("X-MS-PublicTrafficType", "Email"),
        ("MIME-Version", "1.0"),
    ]
    return _finish(headers, top, mime_version=False)


@sample("44_newsletter_list_id")
def _s44() -> Message:
    env = Envelope(
        sender=sender("BioHandel Nieuwsbrief", "nieuwsbrief@biohandel-nieuws.example.org"),
        subject="Nieuwsbrief september: nieuwe regels voor COI's en TRACES-tips",
        date="Thu, 14 Sep 2023 06:00:00 +0000",
        message_id="<nb-2023-09.0042.importbio=landbouw.example.be@news.biohandel-nieuws.example.org>",
        to=DESK_ADDR,
    )
    paragraphs = [
        "BioHandel Nieuwsbrief - september 2023",
        "In dit nummer: wat verandert er voor importeurs in 2024, tips om uw TRACES-account "
        "up-to-date te houden, en de agenda van onze infosessies.",
        "Lees online: https://biohandel-nieuws.example.org/nb/2023-09",
        "U ontvangt deze nieuwsbrief omdat u ingeschreven bent. Uitschrijven: "
        "https://biohandel-nieuws.example.org/uitschrijven?u=42",
    ]
    seed = env.message_id
    boundary = f"==nb_{hexid(seed, 20)}=="
    top = node(
        [("Content-Type", f'multipart/alternative; boundary="{boundary}"')],
        [
            node(
                [
                    ("Content-Type", 'text/plain; charset="utf-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(plain(paragraphs)),
            ),
            node(
                [
                    ("Content-Type", 'text/html; charset="utf-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable"),
                ],
                qp(
                    '<!DOCTYPE html><html><body><table width="600" align="center">'
                    + "".join(f"<tr><td><p>{html.escape(p)}</p></td></tr>" for p in paragraphs)
                    + '</table><img src="https://biohandel-nieuws.example.org/o/42.gif" width="1" '
                    'height="1" alt=""></body></html>\n'
                ),
            ),
        ],
    )
    headers = [
        *_received(env),
        ("Date", env.date),
        ("From", env.sender),
        ("Reply-To", "redactie@biohandel-nieuws.example.org"),
        ("To", env.to),
        ("Subject", env.subject),
        ("Message-ID", env.message_id),
        ("List-Id", "BioHandel Nieuwsbrief <nieuwsbrief.biohandel-nieuws.example.org>"),
        (
            "List-Unsubscribe",
            "<https://biohandel-nieuws.example.org/uitschrijven?u=42>,\n "
            "<mailto:unsubscribe-42@biohandel-nieuws.example.org>",
        ),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Precedence", "bulk"),
        ("X-Mailer", "Example Mailer 4.1"),
    ]
    return _finish(headers, top)


@sample("45_gmail_nl_unrelated")
def _s45() -> Message:
    env = Envelope(
        sender=sender("Kevin Smet", "kevin.smet@rekkenpro.example.be"),
        subject="Offerte palletstellingen voor uw magazijn",
        date="Fri, 15 Sep 2023 11:11:11 +0200",
        message_id="<CAM4nO5pQ6rS7tU8vW9xY0zA1bC2dE3fG4hI5jK6lM7nO8pQ9r@mail.gmail.com>",
    )
    return gmail(
        env,
        [
            "Goedemiddag,",
            "Naar aanleiding van ons telefoongesprek stuur ik u graag onze offerte voor "
            "palletstellingen (40 staanders, 120 liggers) door. De levertermijn is 3 weken.",
            "Mag ik u volgende week even bellen om de offerte te overlopen?",
            "Met vriendelijke groeten,\nKevin Smet\nRekkenPro Example BV",
        ],
        [
            Att(
                "Offerte RP-2023-311.pdf",
                pdf(
                    [
                        [
                            "OFFERTE RP-2023-311",
                            "Palletstellingen: 40 staanders 3000 mm, 120 liggers 2700 mm",
                            "Totaal excl. btw: EUR 8.940,00",
                            "Geldig tot 15/10/2023",
                        ]
                    ],
                    22,
                ),
            )
        ],
    )


@sample("46_outlook_it_complete", "\r\n")
def _s46() -> Message:
    env = Envelope(
        sender=sender("Giulia Rossi", "giulia.rossi@spedizioni-adriatico.example.it"),
        subject="COI.AL.2023.0000777 - salvia essiccata biologica - avviso di arrivo",
        date="Tue, 12 Sep 2023 09:37:14 +0200",
        message_id="<FR2P281MB1234A1B2C3D4E5F6A7B8C9D0E1F2A3B4@FR2P281MB1234.DEUP281.PROD.OUTLOOK.COM>",
    )
    return outlook(
        env,
        [
            "Buongiorno,",
            "vi comunichiamo la spedizione di salvia essiccata biologica dall'Albania per conto "
            "del nostro cliente Biotrade Vlaanderen BV, certificato COI.AL.2023.0000777 "
            "(1 camion, 18 bancali).",
            "ETA Anversa: 15/09/2023 (arrivo previsto al magazzino di Kortrijk).",
            "In allegato la lettera di vettura CMR e la fattura.",
            "Cordiali saluti,\nGiulia Rossi\nSpedizioni Adriatico Example S.r.l., Bari",
        ],
        [
            Att(
                "CMR 0457-2023.pdf",
                pdf(
                    [
                        [
                            "CMR - LETTERA DI VETTURA INTERNAZIONALE",
                            "INTERNATIONAL CONSIGNMENT NOTE",
                            "N. 0457-2023",
                            "1 Mittente: Example Herbs Sh.p.k., Shkoder, Albania",
                            "2 Destinatario: Biotrade Vlaanderen BV, 8500 Kortrijk, Belgio",
                            "4 Luogo e data di presa in carico: Shkoder, 07.09.2023",
                            "9 Merce: salvia essiccata biologica, 18 bancali, 5.400 kg",
                        ]
                    ],
                    40,
                ),
            ),
            Att(
                "Fattura n. 245-2023.pdf",
                invoice(
                    "FATTURA / INVOICE",
                    "245-2023",
                    "06/09/2023",
                    ["Example Herbs Sh.p.k., Shkoder, Albania"],
                    BIOTRADE,
                    ["Salvia officinalis essiccata biologica, 5.400 kg, EUR 4,80/kg"],
                    "Totale: EUR 25.920,00",
                    27,
                    labels=("Fattura n.", "Data", "Venditore", "Acquirente"),
                ),
            ),
        ],
        lang="it-IT",
    )


@sample("47_webmail_fr_forward_8bit_subject")
def _s47() -> Message:
    env = Envelope(
        sender=sender("Julien Leroy", "julien.leroy@saveurs-du-sud.example.be"),
        subject=raw8("TR: Arrivée prévue \u2013 COI.SN.2023.0000345 mangues bio"),
        date="Wed, 13 Sep 2023 16:20:58 +0200",
        message_id="<b7e1c2d4a9f04c3e8d5a6b7c8d9e0f1a@webmail.saveurs-du-sud.example.be>",
    )
    text = (
        "Bonjour,\n\n"
        "Je vous transfère le message de notre fournisseur pour l'envoi de mangues bio du "
        "Sénégal. Le connaissement et la facture sont en pièces jointes.\n\n"
        "Julien Leroy\nSaveurs du Sud SRL, Mons\n\n"
        "-------- Message d'origine --------\n"
        "Date : 12/09/2023 18:02\n"
        "De : Awa Ndiaye <awa@casamance-fruits.example.com>\n"
        "À : Julien Leroy <julien.leroy@saveurs-du-sud.example.be>\n"
        "Objet : Arrivée prévue \u2013 COI.SN.2023.0000345\n\n"
        "Bonjour Julien,\n"
        "Le conteneur de mangues bio (certificat COI.SN.2023.0000345) est en route.\n"
        "Date d'arrivée prévue : 18/09/2023 à Anvers.\n"
        "Cordialement,\nAwa Ndiaye\nCasamance Fruits Example SARL, Ziguinchor\n"
    )
    attachments = [
        Att(
            "Connaissement BL GRIM-DKR-55012.pdf",
            bill_of_lading(
                "GRIM-DKR-55012",
                ["Casamance Fruits Example SARL", "Ziguinchor, Senegal"],
                ["Saveurs du Sud SRL", "Rue de la Gare 8, 7000 Mons, Belgium"],
                "GRIMALDI EXAMPLE / GDK0923",
                "Dakar, Senegal",
                "Antwerp, Belgium",
                ["1 x 40' RH, 20 pallets organic mangoes Kent, 4,200 boxes, 16,800 kg"],
                "04 SEP 2023",
                55,
            ),
            encoded_name=True,
        ),
        Att(
            "Facture n°2023-552.pdf",
            invoice(
                "FACTURE",
                "2023-552",
                "02/09/2023",
                ["Casamance Fruits Example SARL, Ziguinchor, Sénégal"],
                ["Saveurs du Sud SRL, Mons, Belgique"],
                ["Mangues Kent biologiques, 4 200 cartons x 4 kg, 1,10 EUR/kg"],
                "Total : 18 480,00 EUR",
                27,
                labels=("Facture n°", "Date", "Vendeur", "Acheteur"),
            ),
            encoded_name=True,
        ),
    ]
    seed = env.message_id
    top = node(
        [("Content-Type", f'multipart/mixed; boundary="=_{hexid(seed, 32).lower()}"')],
        [
            node(
                [
                    ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
                    ("Content-Transfer-Encoding", "8bit"),
                ],
                raw8(flowed(text)),
            ),
            *(
                node(
                    [
                        ("Content-Type", f'application/pdf; name="{ew_param(a.filename)}"'),
                        ("Content-Transfer-Encoding", "base64"),
                        (
                            "Content-Disposition",
                            f'attachment; filename="{ew_param(a.filename)}"; size={len(a.data)}',
                        ),
                    ],
                    b64(a.data),
                )
                for a in attachments
            ),
        ],
    )
    headers = [
        *_received(env),
        ("MIME-Version", "1.0"),
        ("Date", env.date),
        ("From", env.sender),
        ("To", env.to),
        ("Subject", env.subject),
        ("Message-ID", env.message_id),
        ("X-Sender", "julien.leroy@saveurs-du-sud.example.be"),
        ("User-Agent", "Roundcube Webmail/1.6.2"),
    ]
    msg = node(headers)
    for name, value in top.items():
        msg[name] = value
    msg.set_payload(top.get_payload())
    return msg


@sample("48_outlook_nl_no_coi_at_all", "\r\n")
def _s48() -> Message:
    env = Envelope(
        sender=sender("Jonas Wouters", "jonas.wouters@versfruit.example.be"),
        subject="Aanmelding zending gedroogde vijgen",
        date="Thu, 14 Sep 2023 08:15:42 +0200",
        message_id="<AM0PR06MB6226C8D9E0F1A2B3C4D5E6F7A8B9C0D1@AM0PR06MB6226.eurprd06.prod.outlook.com>",
    )
    return outlook(
        env,
        [
            "Goedemorgen,",
            "Hierbij melden wij onze zending gedroogde vijgen uit Turkije aan (1 x 20', "
            "12.000 kg).\nETA 20/09/2023, Antwerpen.",
            "Transportdocument en factuur in bijlage.",
            "Groeten,\nJonas Wouters\nVersfruit Example BV, Sint-Truiden",
        ],
        [
            Att(
                "BL MSCUTR667788.pdf",
                bill_of_lading(
                    "MSCUTR667788",
                    ["Ege Example Kuru Meyve A.S.", "Aydin, Turkiye"],
                    ["Versfruit Example BV", "Veilinglaan 1, 3800 Sint-Truiden, Belgium"],
                    "MSC EXAMPLE / 336W",
                    "Izmir, Turkiye",
                    "Antwerp, Belgium",
                    ["1 x 20', 1,200 cartons dried figs Lerida, 12,000 kg net"],
                    "30 AUG 2023",
                    46,
                ),
            ),
            Att(
                "Factuur EKM-2023-88.pdf",
                invoice(
                    "COMMERCIAL INVOICE",
                    "EKM-2023-88",
                    "29 August 2023",
                    ["Ege Example Kuru Meyve A.S., Aydin, Turkiye"],
                    ["Versfruit Example BV, Sint-Truiden, Belgium"],
                    ["Dried figs Lerida No. 4, 1,200 cartons x 10 kg, EUR 4.10/kg"],
                    "Total: EUR 49,200.00",
                    26,
                ),
            ),
        ],
    )


# ---------------------------------------------------------------------------------------------


def render(msg: Message, linesep: str) -> bytes:
    buf = io.BytesIO()
    policy = compat32.clone(linesep=linesep, max_line_length=78)
    BytesGenerator(buf, mangle_from_=False, policy=policy).flatten(msg)
    return buf.getvalue()


def main() -> None:
    """Write every sample's .eml next to this script."""
    for name, build in SAMPLES.items():
        msg, linesep = build()
        (HERE / f"{name}.eml").write_bytes(render(msg, linesep))
    print(f"wrote {len(SAMPLES)} samples to {HERE}")


if __name__ == "__main__":
    main()
