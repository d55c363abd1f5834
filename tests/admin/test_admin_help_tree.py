"""Every command and subcommand, including those other modules add, answers --help."""

from __future__ import annotations

from collections.abc import Iterator

import click
from click.testing import CliRunner

from admin.cli import main

# The names operators and deployment scripts rely on (issue 2); others may be added freely.
REQUIRED = {
    ("init",),
    ("demo-data",),
    ("audit",),
    *[
        (group, sub)
        for group in ("tenant", "partner")
        for sub in ("add", "edit", "remove", "show", "list", "import")
    ],
    ("event", "add"),
    ("event", "edit"),
    ("event", "remove"),
    ("event", "list"),
    ("room", "add"),
    ("room", "list"),
    ("booking", "add"),
    ("booking", "remove"),
    ("booking", "list"),
    ("announce", "push"),
    ("announce", "list"),
    ("announce", "retract"),
}


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, (*path, name))


def test_every_command_has_help() -> None:
    paths = dict(walk(main))
    assert set(paths) >= REQUIRED, sorted(REQUIRED - set(paths))
    runner = CliRunner()
    for path, command in paths.items():
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert result.stdout.startswith("Usage: "), path
        assert (command.help or command.short_help or "").strip(), (
            f"{' '.join(path)} says nothing about itself"
        )


def test_short_help_flag_works_too() -> None:
    result = CliRunner().invoke(main, ["tenant", "add", "-h"])
    assert result.exit_code == 0 and "--description-sv" in result.stdout


def _entry_points() -> list[tuple[str, click.Command]]:
    from innovatum.cli import main as demo_main
    from kiosk.cli import main as kiosk_main

    return [("innovatum-admin", main), ("innovatum", demo_main), ("innovatum-kiosk", kiosk_main)]


def test_every_option_says_what_it_does() -> None:
    """Walks every command of every console script: an option without help text fails, by name."""
    missing = []
    for script, top in _entry_points():
        for path, command in walk(top):
            for param in command.params:
                if isinstance(param, click.Option) and not (param.help or "").strip():
                    missing.append(f"{script} {' '.join(path)} {param.opts[0]}".replace("  ", " "))
    assert missing == []
