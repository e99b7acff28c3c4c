"""The few words the desk's mail needs in Dutch and English outside the templates.

Dates are written out by hand rather than through the process locale, which differs
between machines and is global state: the same case must give the same mail everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from intake.codes import DocRole
from notify.codes import Decision


@dataclass(frozen=True, slots=True)
class Bilingual:
    """One text in Dutch and in English."""

    nl: str
    en: str


_MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_WEEKDAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

ROLE_NAMES: dict[DocRole, Bilingual] = {
    DocRole.TRANSPORT: Bilingual("vervoersdocument", "transport document"),
    DocRole.INVOICE: Bilingual("factuur", "invoice"),
    DocRole.OTHER: Bilingual("ander document", "other document"),
}

#: The outcome as the subject line names it.
DECISION_LABELS: dict[Decision, Bilingual] = {
    Decision.RELEASE_ORGANIC: Bilingual("vrijgegeven als bio", "released as organic"),
    Decision.RELEASE_IN_CONVERSION: Bilingual(
        "vrijgegeven als omschakeling", "released as in-conversion"
    ),
    Decision.RELEASE_NON_ORGANIC: Bilingual(
        "vrijgegeven als niet-bio", "to be released as non-organic"
    ),
    Decision.REJECTED: Bilingual("geweigerd", "rejected"),
    Decision.PHYSICAL_CHECK: Bilingual("fysieke controle", "physical check"),
    Decision.SAMPLING: Bilingual("staalname", "sampling"),
    Decision.DOCUMENTS_REQUESTED: Bilingual("documenten gevraagd", "documents requested"),
}


def long_date(day: date) -> Bilingual:
    """``day`` written out: "maandag 15 mei 2023" and "Monday 15 May 2023"."""
    weekday, month = day.weekday(), day.month - 1
    return Bilingual(
        nl=f"{_WEEKDAYS_NL[weekday]} {day.day} {_MONTHS_NL[month]} {day.year}",
        en=f"{_WEEKDAYS_EN[weekday]} {day.day} {_MONTHS_EN[month]} {day.year}",
    )
