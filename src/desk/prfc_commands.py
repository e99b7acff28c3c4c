"""``importbio prfc``: the list of points of release for free circulation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from desk.prfc_list import ListedPoint

prfc_app = typer.Typer(
    help="The points of release for free circulation the desk confirmed.", no_args_is_help=True
)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}' is not a date (YYYY-MM-DD)", param_hint="'--on'"
        ) from None


def render_list(points: list[ListedPoint], day: date | None) -> str:
    """The list as text: one block a point."""
    lines = [
        f"Points of release for free circulation, {f'as on {day}' if day else 'as listed now'}"
    ]
    if not points:
        lines.append("(none)")
    for p in points:
        address = " / ".join(line.strip() for line in p.address.splitlines() if line.strip())
        lines.append(
            f"#{p.id}  {p.company}  |  {address}  |  confirmed {p.confirmed_on} by {p.confirmed_by}"
        )
    return "\n".join(lines)


@prfc_app.command("list")
def list_points(
    on: Annotated[
        str | None, typer.Option(help="The list as it stood on this day (YYYY-MM-DD).")
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of text.")] = False,
) -> None:
    """The list (as it stands, or on a day), as text or CSV."""
    from desk.prfc_list import PrfcList, list_csv
    from importbio.cli import _run, _settings
    from importbio.runtime import open_store

    day = _day(on)
    settings = _settings()

    async def main() -> list[ListedPoint]:
        store = await open_store(settings, migrate=False)
        try:
            return await PrfcList(store.engine).on(day)
        finally:
            await store.close()

    points = _run(main())
    if as_csv:
        typer.echo(list_csv(points), nl=False)
    else:
        typer.echo(render_list(points, day))
