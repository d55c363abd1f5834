"""What every command shares: the database from the global --db, the acting user, one-line errors."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click
import sqlite_utils

from admin.store import db as store_db


class UserError(click.ClickException):
    """A mistake the operator can fix: printed as one line on stderr, exit status 1, nothing changed."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def fail(message: str) -> NoReturn:
    raise UserError(message)


@dataclass
class Context:
    db_path: Path
    actor: str

    def open(self, *, create: bool = False) -> sqlite_utils.Database:
        try:
            return store_db.connect(self.db_path, create=create)
        except FileNotFoundError as exc:
            fail(str(exc))
        except Exception as exc:  # a corrupt or unreadable file: one line, not a traceback
            fail(f"cannot open admin database {self.db_path}: {exc}")

    @contextmanager
    def database(self, *, create: bool = False) -> Iterator[sqlite_utils.Database]:
        db = self.open(create=create)
        try:
            yield db
        finally:
            db.close()


pass_context = click.make_pass_decorator(Context)


def default_actor() -> str:
    try:
        return os.environ.get("INNOVATUM_ACTOR") or getpass.getuser()
    except Exception:
        return "unknown"
