"""The ``importbio`` command."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from importbio.settings import Settings, SettingsError, load_settings
from intake.calendar import BRUSSELS
from intake.codes import OutboxStatus, Queue
from intake.report import MailReport, read_mail
from intake.sources.files import Found, read_paths
from intake.url_options import mask_password
from notify.codes import Decision

T = TypeVar("T")

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
        raise typer.BadParameter(
            f"'{value}' is not an ISO date or date-time", param_hint="'--now'"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BRUSSELS)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"importbio: {message}", err=True)
    return typer.Exit(code=2)


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
    context = settings.triage_context(now=_parse_now(now))
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


# -- the worker's commands ------------------------------------------------------------


def _settings() -> Settings:
    from importbio.logs import configure_logging

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    return settings


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine until done, SIGTERM or Ctrl-C (both stop it cleanly: connections
    closed, embedded Redis shut down); a service that is not ready ends it with one line."""

    from importbio.runtime import NotReady

    async def guarded() -> T:
        task = asyncio.ensure_future(coroutine)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, task.cancel)
        return await task

    try:
        return asyncio.run(guarded())
    except NotReady as exc:
        raise _fail(str(exc)) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        typer.echo("importbio: stopped", err=True)
        raise typer.Exit(code=0) from None


@app.command()
def run(
    burst: Annotated[bool, typer.Option(help="Take in what is waiting, then stop.")] = False,
    seed: Annotated[
        Path | None,
        typer.Option(
            help="First deliver the .eml files of this folder into the Maildir inbox (a demo)."
        ),
    ] = None,
) -> None:
    """Run everything in one process on embedded defaults: Maildir inbox, SQLite, Redis."""
    from importbio.runtime import run_all

    settings = _settings()
    if seed is not None:
        from intake.sources.maildir import deliver

        delivered = 0
        for item in read_paths([str(seed)], max_message_bytes=settings.max_message_bytes):
            if isinstance(item, Found):
                deliver(settings.maildir_path(), item.raw)
                delivered += 1
        typer.echo(
            f"importbio: delivered {delivered} messages into {settings.maildir_path()}", err=True
        )
    inbox = (
        "IMAP mailbox"
        if settings.imap_url
        else f"Maildir {settings.maildir_path()} (deliver into its new/)"
    )
    typer.echo(
        f"importbio: reading {inbox}; store {mask_password(settings.store_url())}; Ctrl-C stops",
        err=True,
    )
    _run(run_all(settings, burst=burst))


@app.command()
def intake(
    burst: Annotated[bool, typer.Option(help="Take in what is waiting, then stop.")] = False,
) -> None:
    """Watch the mailbox and turn every message into a case (needs Redis and a migrated store)."""
    from importbio.runtime import run_intake, service

    settings = _settings()

    async def main() -> None:
        async with service(settings) as (store, redis, _):
            await run_intake(settings, store, redis, watch=not burst)

    _run(main())


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="Run the queued jobs, then stop.")] = False,
) -> None:
    """Run the queued jobs: documentary-check placement and the sweep."""
    from importbio.runtime import run_worker, service

    settings = _settings()

    async def main() -> None:
        async with service(settings) as (store, _, redis_settings):
            await run_worker(settings, store, redis_settings, burst=burst)

    _run(main())


@app.command()
def migrate() -> None:
    """Create or upgrade the case store's schema."""
    from importbio.runtime import open_store
    from intake.case.migrate import current_head

    settings = _settings()

    async def main() -> None:
        store = await open_store(settings, migrate=True)
        await store.close()

    _run(main())
    typer.echo(f"importbio: the case store is at schema {current_head()}")


@app.command()
def queue(
    name: Annotated[
        Queue | None, typer.Argument(help="A queue; without one, every queue's count.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """The officers' triaged queues: counts, then a queue's cases in priority order."""
    from importbio import views
    from importbio.runtime import open_store

    settings = _settings()

    async def main() -> None:
        store = await open_store(settings, migrate=False)
        try:
            counts = await store.queue_counts()
            cases = await store.queue_cases(name, limit=limit) if name else []
        finally:
            await store.close()
        if as_json:
            payload: dict[str, Any] = {"counts": {q.value: n for q, n in counts.items()}}
            if name:
                payload["cases"] = [views.case_summary(c) for c in cases]
            typer.echo(json.dumps(payload, ensure_ascii=False))
        elif name:
            typer.echo(f"Queue {name.value}: {counts[name]} open\n{views.render_cases(cases)}")
        else:
            typer.echo(views.render_counts(counts))

    _run(main())


@app.command()
def case(
    key: Annotated[str, typer.Argument(help="A COI reference (any spelling) or a case number.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
) -> None:
    """One case, its documents and its timeline."""
    from importbio import views
    from importbio.runtime import open_store

    settings = _settings()

    async def main() -> dict[str, Any] | None:
        store = await open_store(settings, migrate=False)
        try:
            found = await store.find_case(key)
            if found is None:
                return None
            return views.case_detail(
                found,
                await store.timeline(found.id),
                await store.case_messages(found.id),
                await store.case_documents(found.id),
            )
        finally:
            await store.close()

    detail = _run(main())
    if detail is None:
        typer.echo(f"importbio: no case {key}", err=True)
        raise typer.Exit(code=1)
    typer.echo(json.dumps(detail, ensure_ascii=False) if as_json else views.render_case(detail))


quarantine_app = typer.Typer(
    help="Messages that could not be read whole: list, show, replay.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    all_entries: Annotated[
        bool, typer.Option("--all", help="Also the ones already replayed.")
    ] = False,
) -> None:
    """Quarantined messages, newest first."""
    from importbio import views
    from importbio.runtime import open_store

    settings = _settings()

    async def main() -> str:
        store = await open_store(settings, migrate=False)
        try:
            return views.render_quarantine(
                await store.quarantined(status=None if all_entries else "held")
            )
        finally:
            await store.close()

    typer.echo(_run(main()))


@quarantine_app.command("show")
def quarantine_show(
    entry: Annotated[int, typer.Argument(help="The entry number.")],
    raw: Annotated[
        bool, typer.Option("--raw", help="Print the message's bytes exactly as received.")
    ] = False,
) -> None:
    """One quarantined message: why, and (with --raw) its bytes."""
    from importbio import views
    from importbio.runtime import open_store

    settings = _settings()

    async def main() -> tuple[Any, bytes | None]:
        store = await open_store(settings, migrate=False)
        try:
            found = await store.quarantine_entry(entry)
            return found, (await store.raw(found.sha256) if found else None)
        finally:
            await store.close()

    found, data = _run(main())
    if found is None:
        typer.echo(f"importbio: no quarantine entry {entry}", err=True)
        raise typer.Exit(code=1)
    if raw:
        sys.stdout.buffer.write(data or b"")
        return
    typer.echo(views.render_quarantine([found]))
    typer.echo(f"\nReason: {found.reason}\nSource: {found.source_ref}\nSHA-256: {found.sha256}")


@quarantine_app.command("replay")
def quarantine_replay(entry: Annotated[int, typer.Argument(help="The entry number.")]) -> None:
    """Read a quarantined message again with the current settings (e.g. raised limits)."""
    import getpass

    from desk.actions import ActionError, Announcer, DeskActions
    from importbio.runtime import desk, open_store, redis_pool

    settings = _settings()

    async def main() -> str:
        store = await open_store(settings, migrate=False)
        try:
            actions = DeskActions(store, desk=desk(settings), calendar=store.calendar)
            try:
                outcome, changed = await actions.replay(
                    entry,
                    context=lambda now: settings.triage_context(now=now),
                    by=f"cli:{getpass.getuser()}",
                    now=datetime.now(UTC),
                )
            except ActionError as exc:
                raise _fail(str(exc)) from None
            if changed is not None and settings.redis_url:
                async with redis_pool(settings, embedded_ok=False) as (redis, _):
                    await Announcer(redis)(changed)
            return f"entry {entry}: {outcome}" + (f", case #{changed.case_id}" if changed else "")
        finally:
            await store.close()

    typer.echo(_run(main()))


@app.command()
def decide(
    key: Annotated[str, typer.Argument(help="A COI reference (any spelling) or a case number.")],
    decision: Annotated[
        str, typer.Argument(help="One of: " + ", ".join(d.value for d in Decision))
    ],
    note: Annotated[
        str | None, typer.Option(help="A note for the importer, quoted in the mail.")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who decides (default: the login name).")] = None,
    document: Annotated[
        list[str] | None,
        typer.Option(help="A document the importer must send (documents_requested); repeatable."),
    ] = None,
) -> None:
    """Record a decision on a case and queue the mail that tells the importer."""
    from importbio.runtime import desk, open_store, redis_pool
    from notify.jobs import enqueue_delivery
    from notify.responders import DecisionNotice

    try:
        chosen = Decision(decision)
    except ValueError:
        raise typer.BadParameter(f"'{decision}' is not a decision", param_hint="DECISION") from None
    documents = tuple(document or ())
    if chosen is Decision.DOCUMENTS_REQUESTED and not (documents or note):
        raise typer.BadParameter("documents_requested needs --document or --note")
    settings = _settings()
    officer = by or os.environ.get("USER") or "officer"

    async def main() -> str:
        store = await open_store(settings, migrate=False)
        try:
            found = await store.find_case(key)
            if found is None:
                return f"no case {key}"
            decided = await store.decide(
                found.id,
                chosen.value,
                final=chosen.is_final,
                by=officer,
                note=note,
                documents_requested=documents,
                now=datetime.now(UTC),
                mailer=DecisionNotice(desk(settings)),
            )
            if decided is None:
                return f"no case {key}"
            if decided.outgoing is not None and settings.redis_url is not None:
                async with redis_pool(settings, embedded_ok=False) as (redis, _):
                    await enqueue_delivery(redis, decided.outgoing)
            mail = (
                f"mail #{decided.outgoing} queued"
                if decided.outgoing
                else "no mail (no valid address)"
            )
            return (
                f"case #{found.id} {found.coi or ''}: {chosen.value} recorded by {officer}; {mail}"
            )
        finally:
            await store.close()

    message = _run(main())
    typer.echo(message)
    if message.startswith("no case"):
        raise typer.Exit(code=1)


outbox_app = typer.Typer(help="The desk's outgoing mail: list, retry.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("list")
def outbox_list(
    status: Annotated[
        list[OutboxStatus] | None, typer.Option(help="Only these statuses (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
) -> None:
    """Outgoing mail, newest first: pending, sent, failed, bounced."""
    from importbio import views
    from importbio.runtime import open_store

    settings = _settings()

    async def main() -> list[Any]:
        store = await open_store(settings, migrate=False)
        try:
            return await store.outbox(statuses=tuple(status or ()))
        finally:
            await store.close()

    rows = _run(main())
    if as_json:
        typer.echo(json.dumps([views.outgoing_summary(r) for r in rows], ensure_ascii=False))
    else:
        typer.echo(views.render_outbox(rows))


@outbox_app.command("retry")
def outbox_retry(outgoing: Annotated[int, typer.Argument(help="The mail's number.")]) -> None:
    """Send a failed or bounced mail again (it is due at once)."""
    from importbio.runtime import open_store, redis_pool
    from notify.jobs import enqueue_delivery

    settings = _settings()

    async def main() -> bool:
        store = await open_store(settings, migrate=False)
        try:
            done = await store.retry_outgoing(outgoing, now=datetime.now(UTC))
            if done and settings.redis_url is not None:
                async with redis_pool(settings, embedded_ok=False) as (redis, _):
                    await enqueue_delivery(redis, outgoing)
            return done
        finally:
            await store.close()

    if not _run(main()):
        typer.echo(f"importbio: mail #{outgoing} is not failed or bounced", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"mail #{outgoing} is due again")


# -- the schedule ----------------------------------------------------------------------


@app.command()
def scheduler() -> None:
    """Fire the scheduled jobs (reminders, window notices, escalations, digests) into the
    workers' queue, while this process holds the leadership lock in Redis."""
    from importbio.ops.server import serve_ops
    from importbio.runtime import redis_pool, scheduler_calendar
    from notify.reminders.scheduler import run_scheduler

    settings = _settings()

    async def main() -> None:
        # no store: the scheduler only enqueues, the workers read and write the cases
        async with (
            serve_ops(settings, None),
            redis_pool(settings, embedded_ok=False) as (redis, _),
        ):
            await run_scheduler(settings.reminder_config(), scheduler_calendar(settings), redis)

    _run(main())


@app.command()
def remind(
    now: Annotated[
        str,
        typer.Option(help="Run what is due as of this moment (ISO; Brussels time if no offset)."),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent; change nothing.")
    ] = False,
    job: Annotated[
        list[str] | None, typer.Option(help="Only this job (repeatable); default: all due.")
    ] = None,
) -> None:
    """Run the scheduled jobs due as of a moment: to catch up after an outage, or to see."""
    from importbio import schedule_views
    from importbio.runtime import open_store, redis_pool, reminder_runner
    from notify.jobs import enqueue_delivery
    from notify.reminders.config import JobName

    moment = _parse_now(now)
    assert moment is not None
    try:
        only = [JobName(j) for j in job or ()]
    except ValueError:
        names = ", ".join(j.value for j in JobName)
        raise typer.BadParameter(f"jobs are: {names}", param_hint="'--job'") from None
    settings = _settings()

    async def main() -> str:
        store = await open_store(settings, migrate=False)
        try:
            runner = reminder_runner(settings, store)
            if only:
                results = [await runner.run(j, now=moment, dry_run=dry_run) for j in only]
            else:
                results = await runner.run_due(now=moment, dry_run=dry_run)
            outgoing = [i for r in results for i in r.outgoing]
            if outgoing and settings.redis_url is not None:
                async with redis_pool(settings, embedded_ok=False) as (redis, _):
                    for outgoing_id in outgoing:
                        await enqueue_delivery(redis, outgoing_id)
            return schedule_views.render_results(results, calendar=store.calendar, now=moment)
        finally:
            await store.close()

    typer.echo(_run(main()))


@app.command()
def schedule(
    now: Annotated[
        str | None, typer.Option(help="List as of this moment instead of now (ISO).")
    ] = None,
) -> None:
    """The next run of each scheduled job and what it would send if it ran on the store now."""
    from importbio import schedule_views
    from importbio.runtime import open_store, reminder_runner
    from notify.reminders.scheduler import next_runs

    moment = _parse_now(now) or datetime.now(BRUSSELS)
    settings = _settings()

    async def main() -> str:
        store = await open_store(settings, migrate=False)
        try:
            runner = reminder_runner(settings, store)
            runs = next_runs(runner.config, store.calendar, now=moment)
            results = [await runner.run(r.job, now=r.at, dry_run=True) for r in runs]
            return schedule_views.render_schedule(runs, results)
        finally:
            await store.close()

    typer.echo(_run(main()))


@app.command()
def sampling(
    year: Annotated[
        int | None,
        typer.Option(min=2000, max=2999, help="The calendar year (default: this year)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
) -> None:
    """Sampling shares of the extra controls: per table row, achieved beside required."""
    from datetime import date

    from importbio.runtime import open_store
    from importbio.sampling_view import render_shares, share_summary
    from importbio.settings import extra_controls_tables

    settings = _settings()
    chosen = year or datetime.now(BRUSSELS).year
    table = extra_controls_tables(settings.rules_dir).for_day(date(chosen, 12, 31))
    # an older table keeps applying until a newer one is loaded, as in triage
    rows = table.rows if table is not None else ()
    note = f"table {table.year}" if table is not None else "no table loaded"

    async def main() -> list[Any]:
        store = await open_store(settings, migrate=False)
        try:
            return await store.sampling_shares(chosen, rows)
        finally:
            await store.close()

    shares = _run(main())
    if as_json:
        typer.echo(json.dumps([share_summary(s) for s in shares], ensure_ascii=False))
    else:
        typer.echo(render_shares(chosen, shares, table_note=note))


@app.command()
def config() -> None:
    """The effective settings, secrets masked."""
    settings = _settings()
    for name, value in settings.effective().items():
        typer.echo(f"{name}={value}")


@app.command()
def health(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object instead of text.")
    ] = False,
) -> None:
    """Check the case store's schema, Redis, the mailbox and the SMTP relay, one line each.

    Exit code 0 when every check passes, 1 when one fails, 2 on a wrong setting.
    """
    from importbio.ops.health import all_ok, render
    from importbio.ops.health import health as run_checks

    settings = _settings()
    results = _run(run_checks(settings))
    ok = all_ok(results)
    if as_json:
        checks = [result.as_dict() for result in results]
        typer.echo(json.dumps({"healthy": ok, "checks": checks}, ensure_ascii=False))
    else:
        typer.echo(render(results))
    if not ok:
        raise typer.Exit(code=1)


@app.command()
def web(
    host: Annotated[str | None, typer.Option(help="Listen address (IMPORTBIO_WEB_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (IMPORTBIO_WEB_PORT).")
    ] = None,
) -> None:
    """Serve the officers' web desk and its JSON API (needs a migrated store)."""
    from desk.serve import serve
    from importbio.runtime import NotReady

    settings = _settings()
    try:
        asyncio.run(serve(settings, host=host or settings.web_host, port=port or settings.web_port))
    except (SettingsError, NotReady) as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo("importbio: stopped", err=True)


def _add_users_commands() -> None:
    from desk.commands import users_app

    app.add_typer(users_app, name="users")


def _add_prfc_commands() -> None:
    from desk.prfc_commands import prfc_app

    app.add_typer(prfc_app, name="prfc")


_add_users_commands()
_add_prfc_commands()


def main() -> None:
    """Console entry point."""
    app(prog_name="importbio")


if __name__ == "__main__":
    main()
