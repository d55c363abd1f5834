"""`innovatum-admin`: the admin node's command line.

How a command family plugs in (every module imported and registered at the bottom of this file):

- Define the click commands/groups in the module, and a function

      def register(main: click.Group) -> None:
          main.add_command(my_group)

  Never import `admin.cli` (this package) from a command module: it is still being initialised when
  the modules are imported, which is why `main` is handed to `register` instead.
- To add a subcommand to another family's group (e.g. `event import-ics`), import that group object
  from its module and add to it inside your own `register`:

      from admin.cli.events import event          # the `event` group
      def register(main: click.Group) -> None:
          event.add_command(import_ics)

  The groups are: `admin.cli.tenants.tenant` and `.partner`, `admin.cli.events.event`,
  `admin.cli.rooms.room` and `.booking`, `admin.cli.announce.announce`.
- Everything a command needs is in `admin.cli.common`: `pass_context` (a `Context` with `.database()`
  and `.actor`), `fail("...")` / `UserError` for one-line errors (exit 1, nothing changed), the
  option helpers `options` (one decorator for the options add and edit share), `json_option` and
  `given`, and the output helpers `print_rows` (--json or a table), `print_json`, `table`,
  `print_table`, `local_time`, `say`, `say_edited`.
- Content changes go through the content layer (`admin.content.*`), which writes via
  `admin.store.changes.transaction`; an `admin.content.validate.Invalid` raised there is turned into a
  one-line error by `admin.cli.common.user_errors()`.

Help lists commands alphabetically (click's default), so registration order does not matter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from admin.cli.common import Context, OneLineUsageError, UserError, default_actor
from admin.store.db import ENV_VAR, default_path


class AdminGroup(click.Group):
    """The top group: a wrong flag or a missing option anywhere below becomes one `error:` line."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with OneLineUsageError.converting():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        # Subcommands parse their arguments inside this call, so their usage errors pass through here.
        with OneLineUsageError.converting():
            return super().invoke(ctx)


@click.group(
    cls=AdminGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"The admin database. Default: ${ENV_VAR}, else the platform's data directory.",
)
@click.option("--actor", default=None, help="Who is making the change, for the audit log (default: $USER).")
@click.option(
    "--as-tenant",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Act as a tenant with the credentials file from Innovatum (then use `listing ...`).",
)
@click.version_option(package_name="innovatum-kiosk")
@click.pass_context
def main(ctx: click.Context, db_path: Path | None, actor: str | None, as_tenant: Path | None) -> None:
    """Manage what the Innovatum lobby screens show."""
    ctx.obj = Context(db_path=db_path or default_path(), actor=actor or default_actor(), as_tenant=as_tenant)
    if as_tenant is not None and ctx.invoked_subcommand not in (None, "listing"):
        raise UserError(f"--as-tenant works only with `listing ...`, not `{ctx.invoked_subcommand}`")


# The command families, one module each, imported once `main` exists (they never import this package).
from admin.cli import (  # noqa: E402
    announce,
    audit,
    backup,
    calendars,
    demo,
    events,
    fleet,
    floors,
    init,
    listing,
    posters,
    remote,
    review,
    rooms,
    sync,
    tenant_access,
    tenants,
)

for _family in (
    announce,
    audit,
    backup,
    calendars,
    demo,
    events,
    fleet,
    floors,
    init,
    listing,
    posters,
    remote,
    review,
    rooms,
    sync,
    tenant_access,
    tenants,
):
    _family.register(main)
