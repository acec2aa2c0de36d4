"""What every command-line group shares: the console, failing with a Chinese message, the principal."""

from __future__ import annotations

import getpass
from typing import NoReturn

import typer
from rich.console import Console

from kechuang.core.security import Principal

console = Console()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print the message in red and exit with `code`."""
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


def cli_principal(username: str | None) -> Principal:
    """Act as a named user (scoped to that user's role) or as the command-line operator."""
    if username is None:
        return Principal(None, f"cli:{getpass.getuser()}", "city_admin", display_name="命令行")
    from kechuang.core.db import session_scope
    from kechuang.core.security import principal_source

    with session_scope() as session:
        principal = principal_source().by_username(session, username)
    if principal is None:
        fail(f"用户不存在：{username}", 2)
    return principal
