"""`kiosk screenshot`, `kiosk identify`, `kiosk restart`: act on one screen from the admin node.

Each connects through the one-shot client `publish` uses (`admin.cli.sync.one_shot_client`), sends a
command signed with the admin key and waits a few seconds for the kiosk's answer. No answer is one
`error:` line that says whether the kiosk is offline, according to its last status on the broker.
The time of every answer is kept and shown by `innovatum-admin kiosks`.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from admin.cli.common import Context, fail, local_time, pass_context, say
from admin.cli.fleet import kiosk
from admin.cli.sync import CONNECT_TIMEOUT, _signing_key, ca_option, one_shot_client
from admin.sync import remote
from broker import topics
from broker.client import PublishFailed
from broker.commands import Action, Reply
from broker.times import now_iso

#: How long a command waits for the kiosk's answer by default.
ANSWER_TIMEOUT = 5.0

broker_option = click.option(
    "--broker",
    "url",
    envvar="INNOVATUM_BROKER",
    required=True,
    metavar="URL",
    help="mqtt://host:1883 or mqtts://host:8883 (default: $INNOVATUM_BROKER, set in admin.env).",
)
timeout_option = click.option(
    "--timeout",
    default=ANSWER_TIMEOUT,
    show_default=True,
    type=click.FloatRange(0.1, 120),
    metavar="SECONDS",
    help="How long to wait for the kiosk's answer.",
)


def _known(ctx: Context, kiosk_id: str) -> str:
    try:
        kiosk_id = topics.safe_id(kiosk_id)
    except ValueError as exc:
        fail(str(exc))
    with ctx.database() as db:
        if db.execute("SELECT 1 FROM kiosks WHERE id = ?", (kiosk_id,)).fetchone() is None:
            fail(f"no kiosk {kiosk_id!r} (see `innovatum-admin kiosks`)")
    return kiosk_id


def _silence(kiosk_id: str, timeout: float, status: tuple[bool, str] | None) -> str:
    waited = f"kiosk {kiosk_id} did not answer within {timeout:g} s"
    if status is None:
        return f"{waited}: it is offline (it has never reported to this broker)"
    online, at = status
    when = local_time(at) if at else "an unknown time"
    if not online:
        return f"{waited}: it is offline (since {when})"
    return f"{waited}: its last status ({when}) says online, but it is not responding"


def _ask(ctx: Context, kiosk_id: str, action: Action, url: str, ca_file: str, timeout: float) -> Reply:
    kiosk_id = _known(ctx, kiosk_id)
    key = _signing_key(ctx)
    subscriptions = remote.subscriptions(kiosk_id)
    with one_shot_client(ctx, url, ca_file, CONNECT_TIMEOUT, subscriptions=subscriptions) as client:
        try:
            outcome = remote.ask(client, key, kiosk_id, action, timeout=timeout)
        except PublishFailed as exc:
            fail(f"could not send the command: {exc}")
    if outcome.reply is None:
        fail(_silence(kiosk_id, timeout, outcome.status))
    with ctx.database() as db:
        db.execute("UPDATE kiosks SET last_answer = ? WHERE id = ?", (now_iso(), kiosk_id))
    if not outcome.reply.ok:
        fail(f"kiosk {kiosk_id} refused: {outcome.reply.error or 'no reason given'}")
    return outcome.reply


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror or exc}")


@click.command("screenshot")
@click.argument("kiosk_id", metavar="ID")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The SVG file to write."
)
@broker_option
@ca_option
@timeout_option
@pass_context
def screenshot(ctx: Context, kiosk_id: str, out: Path, url: str, ca_file: str, timeout: float) -> None:
    """Save what a kiosk shows right now, as SVG (Textual's export of its screen)."""
    if not out.parent.is_dir():
        fail(f"cannot write {out}: no directory {out.parent}")
    reply = _ask(ctx, kiosk_id, "screenshot", url, ca_file, timeout)
    if reply.screenshot is None:
        fail(f"kiosk {kiosk_id} answered without a screenshot")
    _write(out, reply.screenshot)
    say(f"wrote {out}: what {kiosk_id} shows now ({len(reply.screenshot) // 1024} KiB SVG)")


@click.command("identify")
@click.argument("kiosk_id", metavar="ID")
@broker_option
@ca_option
@timeout_option
@pass_context
def identify(ctx: Context, kiosk_id: str, url: str, ca_file: str, timeout: float) -> None:
    """Show the kiosk's name and address large on its screen for 30 s, to find the right one."""
    reply = _ask(ctx, kiosk_id, "identify", url, ca_file, timeout)
    say(f"{kiosk_id}: {reply.detail}")


@click.command("restart")
@click.argument("kiosk_id", metavar="ID")
@broker_option
@ca_option
@timeout_option
@pass_context
def restart(ctx: Context, kiosk_id: str, url: str, ca_file: str, timeout: float) -> None:
    """Make the kiosk program exit; systemd starts it again within seconds."""
    reply = _ask(ctx, kiosk_id, "restart", url, ca_file, timeout)
    say(f"{kiosk_id}: {reply.detail}")


def register(main: click.Group) -> None:
    for command in (screenshot, identify, restart):
        kiosk.add_command(command)
