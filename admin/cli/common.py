"""What every command shares: the database from the global --db, the acting user, one-line errors."""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click
import sqlite_utils
from rich.console import Console
from rich.table import Table
from rich.text import Text

from admin.content import validate
from admin.content.listings import Outcome
from admin.content.validate import Invalid, InvalidRows
from admin.store import db as store_db
from broker.times import STOCKHOLM, parse_iso

#: What click.option(...) returns: a decorator for a command function.
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class UserError(click.ClickException):
    """A mistake the operator can fix: printed as one line on stderr, exit status 1, nothing changed."""

    def show(self, file: Any = None) -> None:
        # One line even if an underlying message (an OS or SQLite error) carries a line break.
        click.echo(f"error: {' '.join(self.format_message().split())}", err=True)


class RowErrors(UserError):
    """Every bad row of an import, one `error:` line each, then (for more than one) the summary."""

    def __init__(self, rows: InvalidRows) -> None:
        super().__init__(rows.problems[0] if rows.total == 1 else rows.summary())
        self.rows = rows

    def show(self, file: Any = None) -> None:
        if self.rows.total > 1:
            for problem in self.rows.problems:
                click.echo(f"error: {' '.join(problem.split())}", err=True)
        super().show(file)


class OneLineUsageError(click.UsageError):
    """click's usage errors print the usage block too; operators and scripts get one line instead."""

    def show(self, file: Any = None) -> None:
        hint = f" (see '{self.ctx.command_path} --help')" if self.ctx is not None else ""
        message = " ".join(self.format_message().split())  # click's Choice errors span lines
        click.echo(f"error: {message}{hint}", err=True)

    @staticmethod
    @contextmanager
    def converting() -> Iterator[None]:
        try:
            yield
        except click.exceptions.NoArgsIsHelpError:
            raise  # a bare group name: its help is the useful answer
        except OneLineUsageError:
            raise
        except click.UsageError as exc:
            raise OneLineUsageError(exc.format_message(), exc.ctx) from None


def fail(message: str) -> NoReturn:
    raise UserError(message)


@dataclass
class Context:
    db_path: Path
    actor: str
    #: The tenant's credentials file (`--as-tenant`): then only `listing ...` runs, with no database.
    as_tenant: Path | None = None

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


def options(*decorators: Decorator) -> Decorator:
    """Several options as one decorator, listed in the order --help shows them, so that commands
    sharing them (add and edit) cannot drift apart."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return decorate


def json_option(help_text: str) -> Decorator:
    """`--json` (as the parameter `as_json`): what a list command prints for scripts."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def out_option(
    help_text: str, *, directory: bool = False, required: bool = False, dest: str = "out"
) -> Decorator:
    """`--out FILE` (or DIR): where a command writes. Its parent directory must exist: a typo in a path
    is an error, not a directory tree created somewhere unexpected. A DIR itself may be new."""

    def check(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if value is not None and not value.absolute().parent.is_dir():
            raise click.BadParameter(f"{value.parent} is not an existing directory (create it first)")
        return value

    return click.option(
        "--out",
        dest,
        required=required,
        default=None,
        type=click.Path(file_okay=not directory, dir_okay=directory, path_type=Path),
        metavar="DIR" if directory else "FILE",
        callback=check,
        help=help_text,
    )


def given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The options the operator gave: click passes None for the others, and edit must keep those."""
    return {name: value for name, value in values.items() if value is not None}


def default_actor() -> str:
    try:
        return os.environ.get("INNOVATUM_ACTOR") or getpass.getuser()
    except Exception:
        return "unknown"


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the content layer's `Invalid` (and a busy or broken database) into one-line errors."""
    try:
        yield
    except InvalidRows as exc:
        raise RowErrors(exc) from None
    except Invalid as exc:
        fail(str(exc))
    except sqlite3.OperationalError as exc:
        fail(f"database error: {exc}")
    except sqlite3.IntegrityError as exc:
        fail(f"rejected by the database: {exc}")


# --- output ------------------------------------------------------------------------------------------


def print_json(items: Iterable[dict[str, Any]]) -> None:
    """The --json form: one JSON array of objects, UTF-8, stable key order."""
    # RFC 8259: no NaN or Infinity (callers pass finite numbers; this makes a slip an error, not bad JSON).
    click.echo(json.dumps(list(items), ensure_ascii=False, indent=2, allow_nan=False))


def console() -> Console:
    # Wide enough for a table when stdout is a pipe, and no colour codes in that case.
    return Console(soft_wrap=False, highlight=False, width=None if os.isatty(1) else 160)


def cell(value: Any) -> Text:
    """Tenants' text is untrusted: always a Text, so `[bold]` or `[link=...]` is shown literally."""
    if value is None:
        return Text("")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    return Text(validate.printable(str(value)))  # and never a terminal escape, whoever wrote it


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    result = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*(cell(value) for value in row))
    return result


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    console().print(table(title, columns, rows))


def local_time(value: str | None) -> str:
    """A stored ISO time as Stockholm wall-clock time for people: 2026-12-01 18:00."""
    if not value:
        return ""
    return parse_iso(value).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def say(message: str) -> None:
    """A confirmation for people (stdout), e.g. which revision a change became."""
    click.echo(message)


def revision_note(rev: int | None) -> str:
    return f"revision {rev}" if rev is not None else "no new revision: nothing changed"


def say_edited(what: str, outcome: Outcome) -> None:
    """What `... edit` did to `what` ("event 3", "room arena-1"): changed it, or nothing."""
    if outcome.action == "unchanged":
        say(f"{what} unchanged ({revision_note(None)})")
    else:
        say(f"changed {what} ({revision_note(outcome.rev)})")


def print_rows(
    rows: list[dict[str, Any]],
    *,
    as_json: bool,
    title: str,
    columns: Sequence[str],
    cells: Callable[[dict[str, Any]], Sequence[Any]],
) -> None:
    """A list command's output: the rows as JSON with --json, else a table of `cells(row)`."""
    if as_json:
        print_json(rows)
    else:
        print_table(title, columns, [cells(row) for row in rows])
