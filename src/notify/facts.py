"""What the desk's mail may say about a case: ``CaseFacts``, built by the caller from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from intake.codes import DocRole, Flag, Kind


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The facts of one case as a mail states them; every string may come from received mail.

    ``extra_controls`` holds (product, minimum share of consignments sampled in %) pairs.
    """

    case_id: int
    coi: str | None
    kind: Kind
    documents: dict[DocRole, tuple[str, ...]]
    missing: tuple[DocRole, ...]
    eta: date | None
    window_opens: date | None
    flags: tuple[Flag, ...]
    extra_controls: tuple[tuple[str, int], ...]
    importer_name: str
    subject: str
