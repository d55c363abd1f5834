"""`innovatum-admin`: the admin node's command line.

Each command family lives in its own module and registers itself on `main` when imported below.
"""

from __future__ import annotations

from pathlib import Path

import click

from admin.cli.common import Context, default_actor
from admin.store.db import ENV_VAR, default_path


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"The admin database. Default: ${ENV_VAR}, else the platform's data directory.",
)
@click.option("--actor", default=None, help="Who is making the change, for the audit log (default: $USER).")
@click.version_option(package_name="innovatum-kiosk")
@click.pass_context
def main(ctx: click.Context, db_path: Path | None, actor: str | None) -> None:
    """Manage what the Innovatum lobby screens show."""
    ctx.obj = Context(db_path=db_path or default_path(), actor=actor or default_actor())


def _register() -> None:
    # Imported for their side effect of adding commands to `main`; order is the order in --help.
    from admin.cli import (  # noqa: F401
        announce,
        audit,
        calendars,
        demo,
        events,
        fleet,
        init,
        rooms,
        sync,
        tenants,
    )


_register()
