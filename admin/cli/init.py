"""`init`: create the database and the admin node's Ed25519 signing key pair. Safe to run twice."""

from __future__ import annotations

import stat
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from admin.cli.common import Context, fail, pass_context, say
from admin.store.db import key_path
from broker import keys


@click.command("init")
@pass_context
def init(ctx: Context) -> None:
    """Create the admin database and the signing key beside it (mode 0600); prints the public key.

    Running it again changes nothing and prints the same key, so deployment scripts can call it freely.
    Kiosks are installed with the public key to verify everything the admin node publishes.
    """
    path = key_path(ctx.db_path)
    # A key that is already there is checked first, so a damaged or exposed key stops `init` before
    # it creates anything.
    if path.exists():
        _check_key(path)
    existed = ctx.db_path.exists()
    with ctx.database(create=True):
        pass  # opening creates and migrates
    created_key = False
    if not path.exists():
        try:
            keys.generate_private_key(path)
            created_key = True
        except FileExistsError:
            pass  # another `init` won the race: use its key
        except OSError as exc:
            fail(f"cannot create signing key {path}: {exc.strerror or exc}")
    key = _check_key(path)
    public = keys.public_key_b64(key)
    say(f"database: {ctx.db_path} ({'already there' if existed else 'created'})")
    say(f"signing key: {path} ({'created' if created_key else 'already there'})")
    say(f"public key: {public}")
    say(f"key id: {keys.key_id(public)}")


def _check_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = keys.load_private_key(path)
    except keys.KeyFileError as exc:
        fail(f"{exc} (move it away to create a new key; kiosks must then get the new public key)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        fail(f"signing key {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
    return key


def register(main: click.Group) -> None:
    main.add_command(init)
