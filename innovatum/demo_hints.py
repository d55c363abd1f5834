"""What the demo tells a newcomer: printed before the kiosk takes over the terminal and again when it
ends (the screen in between hides everything printed before it).

The commands are the ones that work from where the demo was started: `innovatum-admin` when it is on
PATH, otherwise the path of the demo's own venv (`.venv/bin/innovatum-admin` from a README set-up), so a
second terminal can paste them as they are. Only what applies to the demo is said: its broker is started
and stopped by the demo, so nothing about reloading or starting Mosquitto.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

#: A demo tenant that is not hiring yet in the demo data, so the hint changes something visible.
NOT_HIRING_TENANT = "forsvik-energilabb"


def admin_command() -> str:
    """How to run innovatum-admin from the current directory in a new shell."""
    script = Path(sys.executable).parent / "innovatum-admin"
    on_path = shutil.which("innovatum-admin")
    if on_path is not None and Path(on_path).resolve() == script.resolve():
        return "innovatum-admin"
    try:
        relative = script.relative_to(Path.cwd())
    except ValueError:
        return shlex.quote(str(script))
    return shlex.quote(str(relative) if relative.parent != Path(".") else f"./{relative}")


def commands(db: Path, heading: str) -> str:
    """What a second terminal can do while the demo runs, ready to paste."""
    admin = admin_command()
    return "\n".join(
        [
            f"{heading}, from this directory, change what the screen shows:",
            f"  export INNOVATUM_ADMIN_DB={shlex.quote(str(db.resolve()))}",
            f'  {admin} announce push "Hej!" --en "Hello!" --priority warning',
            f"  {admin} tenant edit {NOT_HIRING_TENANT} --hiring --hiring-url https://example.com/jobs",
            f"  {admin} --help",
        ]
    )


def starting(db: Path, broker: str) -> str:
    heading = "In a second terminal"
    return f"The demo runs: {broker}, data in {db.parent}. Ctrl+Q or Ctrl+C quits.\n{commands(db, heading)}"


def ended(db: Path, data_dir_option: str) -> str:
    """`data_dir_option` is the `--data-dir ...` the demo was started with ("" for the default)."""
    demo = admin_command().replace("innovatum-admin", "innovatum") + " demo" + data_dir_option
    return (
        f"The demo has stopped, and its broker with it. Its data stays in {db.parent}:\n"
        f"  {demo}            # again, where it was\n"
        f"  {demo} --fresh    # start over\n"
        f"{commands(db, 'While it runs, in a second terminal')}"
    )
