"""The ``importbio`` command."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import typer

from importbio.settings import Settings, SettingsError, load_settings
from intake.calendar import BRUSSELS, WorkCalendar, local_date
from intake.parse.limits import ParseLimits
from intake.report import MailReport, read_mail
from intake.sources.files import Found, read_paths
from intake.triage.context import TriageContext
from intake.triage.rules.extra_controls import RulesError, TableSet

app = typer.Typer(
    help="Intake and notification worker of the organic-import desk (TRACES NT COI).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root() -> None:
    """Intake and notification worker of the organic-import desk (TRACES NT COI)."""


class OutputFormat(StrEnum):
    """How ``parse`` prints its results."""

    JSON = "json"
    TEXT = "text"


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not an ISO date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BRUSSELS)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"importbio: {message}", err=True)
    return typer.Exit(code=2)


def _context(settings: Settings, now: datetime | None) -> TriageContext:
    try:
        tables = TableSet.load([settings.rules_dir] if settings.rules_dir else [])
    except RulesError as exc:
        raise _fail(str(exc)) from None
    today = local_date(now) if now else date.today()
    return TriageContext(
        reference_day=today,
        calendar=WorkCalendar(settings.closing_day_list()),
        tables=tables,
        now=now,
        limits=ParseLimits(
            cpu_budget_s=settings.cpu_budget_s, max_message_bytes=settings.max_message_bytes
        ),
    )


@app.command()
def parse(
    paths: Annotated[
        list[str],
        typer.Argument(
            help=(
                "An .eml file, a folder of them (recursively), a Maildir, an mbox file, "
                "or - for stdin."
            )
        ),
    ],
    now: Annotated[
        str | None,
        typer.Option(
            help=(
                "Judge timing as of this moment "
                "(ISO date or date-time, Brussels time if no offset)."
            )
        ),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="json: one JSON object per line; text: for a person."),
    ] = OutputFormat.JSON,
) -> None:
    """Read notification e-mails and print what the desk would do with each.

    Exit code 0 when every input was read, 1 when some could not be opened, 2 on usage errors.
    """
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    context = _context(settings, _parse_now(now))
    failed = 0
    for item in read_paths(paths, max_message_bytes=settings.max_message_bytes):
        if not isinstance(item, Found):
            failed += 1
            typer.echo(f"importbio: cannot read {item.label}: {item.reason}", err=True)
            continue
        report = read_mail(item.raw, source=item.label, context=context)
        typer.echo(report.to_json() if output is OutputFormat.JSON else render_text(report))
    if failed:
        raise typer.Exit(code=1)


def render_text(report: MailReport) -> str:
    """A readable summary of one report."""
    lines = [f"── {report.source}"]
    sender = (
        f"{report.from_name} <{report.from_}>"
        if report.from_name
        else (report.from_ or "(no sender)")
    )
    lines.append(f"From:      {sender}")
    lines.append(f"Subject:   {report.subject or '(none)'}")
    lines.append(f"Kind:      {report.kind.value}  →  queue {report.queue.value}")
    if report.coi_references:
        lines.append(f"COI:       {', '.join(report.coi_references)}")
    for role, docs in report.documents.items():
        for doc in docs:
            size_kb = max(1, round(doc.size_bytes / 1024))
            lines.append(
                f"{role.value + ':':<11}{doc.filename} "
                f"({doc.detected_type.value}, {size_kb} KB): {doc.evidence}"
            )
    if report.missing:
        lines.append(f"Missing:   {', '.join(r.value for r in report.missing)}")
    if report.eta:
        opens = f" (check window opens {report.window_opens})" if report.window_opens else ""
        lines.append(f"ETA:       {report.eta}{opens}")
    if report.bounce:
        lines.append(
            f"Bounce:    {report.bounce.recipient} {report.bounce.status} {report.bounce.action}"
        )
    if report.flags:
        lines.append(f"Flags:     {', '.join(f.value for f in report.flags)}")
    lines.append("Why:")
    lines.extend(f"  - {reason}" for reason in report.reasons)
    return "\n".join(lines) + "\n"


def main() -> None:
    """Console entry point."""
    app(prog_name="importbio")


if __name__ == "__main__":
    main()
