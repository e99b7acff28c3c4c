"""What the desk's mail may say about a case: the case as stored, and what the mail that
caused the answer adds to it."""

from __future__ import annotations

from dataclasses import dataclass

from intake.case.effects import CaseSnapshot


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The facts of one case as a mail states them; every string may come from received mail.

    ``extra_controls`` holds (product, minimum share of consignments sampled in %) pairs of
    the mail being answered; ``importer_name`` is its sender's display name.
    """

    case: CaseSnapshot
    extra_controls: tuple[tuple[str, int], ...] = ()
    importer_name: str = ""
