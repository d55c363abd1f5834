"""`backup` and `restore`: a consistent copy of the admin database, and going back to one.

`backup --out FILE` is safe while `serve` runs (SQLite's online backup). With `--out DIR` it writes
`admin-<UTC time>.db` into the directory and, with `--keep N`, removes all but the newest N of those:
that is what the systemd timer runs. `restore FILE` moves every kiosk to the backup's content with a
new revision (see `admin.store.backup` for why a restore moves forward, never back).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from admin.cli.common import Context, fail, pass_context, say
from admin.store import backup as store_backup
from admin.store.db import key_path

#: Files `--out DIR` writes and `--keep` prunes; nothing else in the directory is touched.
STAMPED_PREFIX = "admin-"
STAMPED_SUFFIX = ".db"


def _stamped(directory: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"{STAMPED_PREFIX}{stamp}{STAMPED_SUFFIX}"


def _prune(directory: Path, keep: int) -> list[Path]:
    stamped = sorted(
        p for p in directory.glob(f"{STAMPED_PREFIX}*{STAMPED_SUFFIX}") if p.is_file() and not p.is_symlink()
    )
    old = stamped[:-keep] if keep else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="The backup file, or an existing directory to write admin-<UTC time>.db into.",
)
@click.option(
    "--keep",
    type=click.IntRange(1),
    default=None,
    help="With a directory: keep only the newest N admin-*.db backups in it.",
)
@pass_context
def backup(ctx: Context, out: Path, keep: int | None) -> None:
    """Copy the admin database consistently, even while `serve` runs (mode 0600: it holds passwords).

    The signing key (admin.key beside the database) is not in the backup: it never changes, so copy
    it once to a safe place. A restore on a node with another key would not be trusted by the kiosks.
    """
    directory = out.is_dir()
    if keep is not None and not directory:
        fail("--keep needs --out to be a directory")
    target = _stamped(out) if directory else out
    with ctx.database() as db:
        try:
            store_backup.backup(db, target)
        except store_backup.BackupError as exc:
            fail(str(exc))
    say(f"backed up {ctx.db_path} to {target}")
    if directory and keep is not None:
        for path in _prune(out, keep):
            say(f"removed the old backup {path}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def restore(ctx: Context, file: Path) -> None:
    """Bring every kiosk back to the content in a backup, as one new revision.

    Kiosks never go back to an older revision, so the restore is a new edit that republishes the
    backup's state; `serve` sends it out. Kiosks, broker accounts and the audit log stay as they are.
    """
    if not file.exists():
        fail(f"no backup file {file}")
    if not key_path(ctx.db_path).exists():
        fail(f"no signing key beside {ctx.db_path}: restore the database's admin.key first")
    with ctx.database() as db:
        try:
            result = store_backup.restore(db, file, actor=ctx.actor)
        except store_backup.BackupError as exc:
            fail(str(exc))
    if result.rev is None:
        say(f"restored {file}: the published content already equals the backup's (no new revision)")
    else:
        say(
            f"restored {file} as revision {result.rev}: {result.upserts} records back or changed, "
            f"{result.deletions} removed; `serve` publishes it to every kiosk"
        )


def register(main: click.Group) -> None:
    main.add_command(backup)
    main.add_command(restore)
