"""Open the containers importers put documents in: zip archives and winmail.dat (TNEF).

Both are opened with hard limits, because a container is where a small attachment can
turn into a large or endless one (a zip bomb): member count, total expanded bytes and
the expansion ratio are checked against the archive's own directory *and* while reading.
"""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
from dataclasses import dataclass, field

from intake.codes import Flag
from intake.parse.limits import ParseLimits
from intake.parse.mail import Problem

_ZIP_ENCRYPTED_FLAG = 0x1
_JUNK_PREFIXES = ("__MACOSX/", "._")


@dataclass(frozen=True, slots=True)
class Member:
    """A file taken out of a container."""

    name: str
    data: bytes = field(repr=False)
    encrypted: bool = False


@dataclass(frozen=True, slots=True)
class Opened:
    """What came out of a container, and what went wrong on the way."""

    members: tuple[Member, ...]
    problems: tuple[Problem, ...]


def open_zip(data: bytes, *, label: str, limits: ParseLimits) -> Opened:
    """The files of a zip archive, within the limits; never raises."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith(_JUNK_PREFIXES)
            and "/._" not in info.filename
        ]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        return Opened(
            (),
            (
                Problem(
                    Flag.UNREADABLE_ATTACHMENT,
                    f"The zip archive {label} could not be opened ({exc}).",
                ),
            ),
        )
    if len(infos) > limits.max_archive_members:
        return Opened(
            (),
            (
                _limit(
                    f"The zip archive {label} holds {len(infos)} files, "
                    f"more than the limit of {limits.max_archive_members}."
                ),
            ),
        )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_archive_bytes:
        return Opened(
            (),
            (
                _limit(
                    f"The zip archive {label} would expand to {declared} bytes, "
                    f"more than the limit of {limits.max_archive_bytes}."
                ),
            ),
        )

    members: list[Member] = []
    problems: list[Problem] = []
    budget = limits.max_archive_bytes
    for info in infos:
        name = info.filename.rsplit("/", 1)[-1] or info.filename
        if info.flag_bits & _ZIP_ENCRYPTED_FLAG:
            members.append(Member(name=name, data=b"", encrypted=True))
            continue
        ratio_cap = max(info.compress_size, 1) * limits.max_archive_ratio
        cap = min(budget, max(ratio_cap, 1024 * 1024))
        try:
            with archive.open(info) as handle:
                content = handle.read(cap + 1)
        except (
            zipfile.BadZipFile,
            ValueError,
            OSError,
            EOFError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            problems.append(
                Problem(
                    Flag.UNREADABLE_ATTACHMENT,
                    f"{label}/{name} could not be read from the zip archive ({exc}).",
                )
            )
            continue
        if len(content) > cap:
            return Opened(
                (),
                (
                    _limit(
                        f"{label}/{name} expands past {cap} bytes "
                        "(ratio or size limit): treated as a zip bomb."
                    ),
                ),
            )
        budget -= len(content)
        members.append(Member(name=name, data=content))
    return Opened(tuple(members), tuple(problems))


def open_tnef(data: bytes, *, label: str, limits: ParseLimits) -> Opened:
    """The attachments hidden in an Outlook winmail.dat (TNEF) file; never raises."""
    from tnefparse import TNEF  # imported here: only Outlook's rich-text mail needs it

    logger = logging.getLogger("tnefparse")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tnef = TNEF(data, do_checksum=False)
            found = [
                (str(a.long_filename() or a.name or ""), bytes(a.data or b""))
                for a in tnef.attachments
            ]
    except Exception as exc:
        return Opened(
            (),
            (
                Problem(
                    Flag.UNREADABLE_ATTACHMENT,
                    f"The Outlook file {label} could not be decoded ({type(exc).__name__}).",
                ),
            ),
        )
    finally:
        logger.setLevel(level)
    if len(found) > limits.max_archive_members:
        return Opened(
            (),
            (
                _limit(
                    f"{label} holds {len(found)} files, more than "
                    f"the limit of {limits.max_archive_members}."
                ),
            ),
        )
    members = tuple(
        Member(name=name.replace("\x00", "").strip() or "unnamed", data=blob)
        for name, blob in found
    )
    return Opened(members, ())


def _limit(reason: str) -> Problem:
    return Problem(Flag.QUARANTINE, reason, quarantine=True)
