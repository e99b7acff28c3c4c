"""``importbio users``: the desk's accounts from the command line.

Passwords are read from the terminal without echo, or from standard input with
``--password-stdin`` (for scripts); never from the command line, where other users of
the machine could see them in the process list.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from desk.roles import Role

if TYPE_CHECKING:
    from desk.accounts import Accounts

T = TypeVar("T")

users_app = typer.Typer(
    help="The web desk's officer accounts: add, list, disable, reset, token.",
    no_args_is_help=True,
)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _with_accounts(work: Callable[[Accounts], Awaitable[T]]) -> T:
    # Imported here: every `importbio` command builds this group, few of them use it.
    from desk.accounts import AccountError, Accounts
    from importbio.cli import _run, _settings
    from importbio.runtime import open_store

    settings = _settings()

    async def main() -> T:
        store = await open_store(settings, migrate=False)
        try:
            return await work(Accounts(store.engine))
        finally:
            await store.close()

    try:
        return _run(main())
    except AccountError as exc:
        typer.echo(f"importbio: {exc}", err=True)
        raise typer.Exit(code=1) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The officer's login name.")],
    role: Annotated[Role, typer.Option(help="officer, or admin (also replays quarantine).")] = (
        Role.OFFICER
    ),
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an officer account."""
    password = _password(password_stdin)
    _with_accounts(lambda a: a.add(name, password, role=role, now=datetime.now(UTC)))
    typer.echo(f"user {name} added ({role.value})")


@users_app.command("list")
def list_users() -> None:
    """Every account: role, active or disabled, last login, API tokens."""
    accounts = _with_accounts(lambda a: a.list())
    if not accounts:
        typer.echo("(no users)")
    for account in accounts:
        last = account.last_login_at.isoformat()[:19] if account.last_login_at else "never"
        state = "active" if account.active else "disabled"
        typer.echo(
            f"{account.name:<24} {account.role.value:<8} {state:<9} "
            f"last login {last:<19}  tokens {account.tokens}"
        )


@users_app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="The login name.")]) -> None:
    """Disable an account: its sessions and API tokens stop working at once."""
    _with_accounts(lambda a: a.disable(name))
    typer.echo(f"user {name} disabled")


@users_app.command("reset")
def reset(
    name: Annotated[str, typer.Argument(help="The login name.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password (and enable the account); its older sessions end."""
    password = _password(password_stdin)
    _with_accounts(lambda a: a.reset(name, password))
    typer.echo(f"user {name}: password reset")


@users_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="The login name.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Issue an API token for the JSON API; it is printed once and stored only hashed."""
    issued = _with_accounts(lambda a: a.issue_token(name, label=label, now=datetime.now(UTC)))
    typer.echo(issued)
