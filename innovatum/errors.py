"""The demo's one-line errors, in the project's style (`error: ...` on stderr, exit status 1)."""

from __future__ import annotations

from typing import IO, Any

import click


class DemoError(click.ClickException):
    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {' '.join(self.format_message().split())}", err=True)
