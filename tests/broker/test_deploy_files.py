"""deploy/: the systemd units verify, their commands exist and parse, the scripts are sound bash.

What cannot be checked on a development machine (that cage and foot start on a Pi's display) is not
pretended here; deploy/README.md is the walkthrough for that.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PREFIX_BIN = "/opt/innovatum/bin/"
VENV_BIN = Path(sys.executable).parent
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]

UNITS = sorted([*DEPLOY.glob("*/*.service"), *DEPLOY.glob("*/*.timer")])
#: drop-in file → the packaged unit it extends (as installed on Debian).
DROP_INS = {
    DEPLOY / "admin" / "mosquitto-innovatum.conf": "mosquitto.service",
    DEPLOY / "kiosk" / "getty-autologin.conf": "getty@tty1.service",
}
SHELL_SCRIPTS = sorted(DEPLOY.rglob("*.sh"))
#: Debian binaries the units run besides our console scripts (packages: cage, foot, mosquitto, util-linux).
SYSTEM_BINARIES = {"/usr/bin/cage", "/usr/bin/foot", "/usr/sbin/mosquitto", "/sbin/agetty"}
ADMIN_ENV = dict(
    line.split("=", 1)
    for line in (DEPLOY / "admin" / "admin.env").read_text().splitlines()
    if line and not line.startswith("#")
)


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) in file order; systemd allows repeated keys, so configparser will not do."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a key=value line: {raw!r}"
        entries.append((section, key.strip(), value.strip()))
    return entries


def exec_starts(path: Path) -> list[list[str]]:
    commands = []
    for section, key, value in unit_entries(path):
        if section == "Service" and key == "ExecStart" and value:
            words = shlex.split(value.replace("${INNOVATUM_BROKER}", ADMIN_ENV["INNOVATUM_BROKER"]))
            words[0] = words[0].lstrip("-@:+!")
            commands.append(words)
    return commands


def all_commands() -> list[tuple[str, list[str]]]:
    files = [*UNITS, *DROP_INS]
    return [(path.name, words) for path in files for words in exec_starts(path)]


def after(words: list[str], marker: str) -> list[str]:
    return words[words.index(marker) + 1 :]


def our_commands() -> list[tuple[str, list[str]]]:
    """Every console-script command line in the units, including the one inside cage and foot."""
    found = []
    for name, words in all_commands():
        while words and words[0] in ("/usr/bin/cage", "/usr/bin/foot"):
            words = after(words, "--")
        if words and words[0].startswith(PREFIX_BIN):
            found.append((name, words))
    return found


def test_the_deploy_directory_has_what_the_readme_walks_through() -> None:
    assert {p.name for p in UNITS} == {
        "innovatum-admin.service",
        "innovatum-admin-backup.service",
        "innovatum-admin-backup.timer",
        "innovatum-kiosk-screen.service",
        "innovatum-kiosk-headless.service",
    }
    readme = (DEPLOY / "README.md").read_text()
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file() and p.name != "README.md"):
        assert str(path.relative_to(DEPLOY)) in readme, f"README.md never mentions {path.name}"


@pytest.mark.parametrize("name,words", all_commands(), ids=[n for n, _ in all_commands()])
def test_every_exec_start_runs_a_console_script_or_a_debian_binary(name: str, words: list[str]) -> None:
    program = words[0]
    if program.startswith(PREFIX_BIN):
        assert program.removeprefix(PREFIX_BIN) in SCRIPTS, f"{name}: {program} is not a console script"
    else:
        assert program in SYSTEM_BINARIES, f"{name}: unexpected program {program}"


def test_the_screen_runs_the_kiosk_inside_foot_inside_cage() -> None:
    (words,) = exec_starts(DEPLOY / "kiosk" / "innovatum-kiosk-screen.service")
    assert words[0] == "/usr/bin/cage"
    inner = after(words, "--")
    assert inner[0] == "/usr/bin/foot"
    assert inner[inner.index("--") + 1 :] == [
        f"{PREFIX_BIN}innovatum-kiosk",
        "--config",
        "/etc/innovatum-kiosk/kiosk.toml",
    ]


def _cli(script: str) -> click.Command:
    module, _, attribute = SCRIPTS[script].partition(":")
    command = getattr(__import__(module, fromlist=[attribute]), attribute)
    assert isinstance(command, click.Command)
    return command


@pytest.mark.parametrize("name,words", our_commands(), ids=[n for n, _ in our_commands()])
def test_the_command_lines_parse_with_the_real_cli(name: str, words: list[str]) -> None:
    # --help at the end: click parses every option first (an unknown one is a usage error, exit 2),
    # then prints the help of the innermost command instead of running it.
    command = _cli(words[0].removeprefix(PREFIX_BIN))
    result = CliRunner().invoke(command, [*words[1:], "--help"])
    assert result.exit_code == 0, f"{name}: {shlex.join(words)}\n{result.output}"
    assert "Usage:" in result.output


def test_the_admin_service_serves_the_broker_from_its_environment_file() -> None:
    entries = unit_entries(DEPLOY / "admin" / "innovatum-admin.service")
    service = {key: value for section, key, value in entries if section == "Service"}
    assert service["ExecStart"].endswith("serve --broker ${INNOVATUM_BROKER}")
    assert service["EnvironmentFile"] == "/etc/innovatum/admin.env"
    assert ADMIN_ENV["INNOVATUM_ADMIN_DB"].startswith(f"/var/lib/{service['StateDirectory']}/")
    assert service["User"] == "innovatum"
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert service[hardening] in ("yes", "strict"), hardening


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed here")
    return found


def _verify(tmp_path: Path, unit_name: str) -> subprocess.CompletedProcess[str]:
    # SYSTEMD_UNIT_PATH makes systemd-analyze load the unit and its drop-ins from tmp_path first.
    env = {**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"}
    return subprocess.run(
        [_systemd_analyze(), "verify", unit_name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


def _installable_copy(text: str) -> str:
    """The unit as systemd-analyze can check it here: our scripts from this venv; Pi-only binaries
    (cage, foot) replaced by /usr/bin/true, since verify fails on a program that is not installed."""
    text = text.replace(PREFIX_BIN, f"{VENV_BIN}/")
    for binary in SYSTEM_BINARIES:
        if not Path(binary).exists():
            text = re.sub(rf"(ExecStart=[-@:+!]*){re.escape(binary)}\b", r"\1/usr/bin/true", text)
    return text


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_units_pass_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    (tmp_path / unit.name).write_text(_installable_copy(unit.read_text()))
    if unit.suffix == ".timer":  # a timer verifies together with the service it starts
        service = unit.with_suffix(".service")
        (tmp_path / service.name).write_text(_installable_copy(service.read_text()))
    result = _verify(tmp_path, unit.name)
    ours = [line for line in result.stderr.splitlines() if unit.name in line]
    assert result.returncode == 0 and not ours, result.stderr


@pytest.mark.parametrize("drop_in", DROP_INS, ids=[d.name for d in DROP_INS])
def test_drop_ins_pass_systemd_analyze_verify(drop_in: Path, tmp_path: Path) -> None:
    unit = DROP_INS[drop_in]
    template = unit.split("@")[0] + "@.service" if "@" in unit else unit
    packaged = Path("/lib/systemd/system") / template
    if not packaged.exists():
        pytest.skip(f"{template} is not installed here to extend")
    shutil.copy(packaged, tmp_path / template)
    (tmp_path / f"{unit}.d").mkdir()
    (tmp_path / f"{unit}.d" / drop_in.name).write_text(drop_in.read_text())
    result = _verify(tmp_path, unit)
    ours = [line for line in result.stderr.splitlines() if drop_in.name in line]
    assert result.returncode == 0 and not ours, result.stderr


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=[s.name for s in SHELL_SCRIPTS])
def test_shell_scripts_are_valid_strict_executable_bash(script: Path) -> None:
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert re.search(r"^set -[a-z]*u[a-z]* *-?o pipefail$|^set -euo pipefail$", text, re.M)
    assert script.stat().st_mode & stat.S_IXUSR


# install-kiosk.sh refuses bad input before changing anything -------------------------------------------

INSTALL = DEPLOY / "install-kiosk.sh"
MUTATING = ["apt-get", "systemctl", "useradd", "usermod", "install", "python3", "pip", "rm", "mkdir", "cp"]


def _run_install(tmp_path: Path, *args: str, as_user: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the script with every command that changes a system replaced by a stub that logs its call."""
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    for name in MUTATING:
        stub = stubs / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\nexit 99\n')
        stub.chmod(0o755)
    env = {"PATH": f"{stubs}:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    command = ["bash", str(INSTALL), *args]
    if as_user is not None:
        tmp_path.chmod(0o777)
        log.touch()
        log.chmod(0o666)
        command = ["setpriv", "--reuid", as_user, "--regid", as_user, "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=30)


def _calls(tmp_path: Path) -> str:
    log = tmp_path / "calls.log"
    return log.read_text() if log.exists() else ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--mode", "kiosk"), 2, "error: --mode must be screen, console or headless, not 'kiosk'"),
        (("--colour",), 2, "error: unknown argument '--colour'"),
        (("--config",), 2, "error: --config needs a value"),
        (
            ("--config", "/nonexistent/kiosk.toml"),
            1,
            "error: cannot read the config file '/nonexistent/kiosk.toml'",
        ),
        (("/nonexistent/lobby-1.kiosk",), 1, "error: cannot read the bundle '/nonexistent/lobby-1.kiosk'"),
        (("a.kiosk", "b.kiosk"), 2, "error: one bundle at a time ('a.kiosk', then 'b.kiosk')"),
        (("a.kiosk", "--config", "k.toml"), 2, "error: give a bundle or --config, not both"),
        ((str(DEPLOY / "kiosk" / "foot.ini"),), 1, "error: '"),
    ],
)
def test_install_kiosk_refuses_bad_arguments_and_touches_nothing(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    if os.geteuid() != 0 and code == 1:
        pytest.skip("the file checks come after the root check")
    result = _run_install(tmp_path, *args)
    assert result.returncode == code
    assert result.stderr.splitlines()[0].startswith(message)
    assert result.stdout == ""
    assert _calls(tmp_path) == ""


def test_install_kiosk_needs_root(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root (to drop to another user) and setpriv")
    result = _run_install(tmp_path, "--config", str(DEPLOY / "kiosk" / "foot.ini"), as_user="65534")
    assert result.returncode == 1
    assert result.stderr.startswith("error: run this as root")
    assert result.stderr.count("\n") == 1
    assert _calls(tmp_path) == ""


def test_install_kiosk_help(tmp_path: Path) -> None:
    result = _run_install(tmp_path, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: sudo ")
    assert "--mode MODE" in result.stdout
    assert _calls(tmp_path) == ""


@pytest.mark.parametrize("name", ["innovatum-kiosk-screen.service", "innovatum-kiosk-headless.service"])
def test_kiosk_units_are_watched_by_systemd(name: str) -> None:
    service = {k: v for s, k, v in unit_entries(DEPLOY / "kiosk" / name) if s == "Service"}
    assert service["Type"] == "notify"  # READY=1 from kiosk/notify.py
    assert int(service["WatchdogSec"]) > 0  # WATCHDOG=1 from the event loop
    assert service["Restart"] == "always"


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=[s.name for s in SHELL_SCRIPTS])
def test_shell_scripts_pass_shellcheck(script: Path) -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed here (apt-get install shellcheck)")
    result = subprocess.run(
        [shellcheck, "--external-sources", str(script)], capture_output=True, text=True, cwd=DEPLOY
    )
    assert result.returncode == 0, result.stdout


# install-admin.sh: the same refusals, and a dry run that changes nothing -------------------------------

INSTALL_ADMIN = DEPLOY / "install-admin.sh"


def _run_stubbed(tmp_path: Path, script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """An installer with every command that changes a system replaced by a logging stub;
    `systemctl is-*` (read-only) answers "no"; rm and mktemp's files under TMPDIR are allowed."""
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    for name in [*MUTATING, "runuser", "chown", "chmod", "chgrp", "openssl", "useradd", "env"]:
        (stubs / name).write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\nexit 99\n')
    (stubs / "systemctl").write_text(
        f'#!/bin/sh\ncase "$1" in is-*|get-default) exit 1 ;; esac\necho "systemctl $*" >> {log}\nexit 99\n'
    )
    (stubs / "rm").write_text(
        '#!/bin/sh\nfor a in "$@"; do case "$a" in\n'
        f'  -*|{scratch}/*) ;;\n  *) echo "rm $*" >> {log}; exit 99 ;;\nesac; done\nexec /bin/rm "$@"\n'
    )
    # The version check (python3 -c) reads only; python3 -m venv would write.
    (stubs / "python3").write_text(
        f'#!/bin/sh\n[ "$1" = -c ] && exec /usr/bin/python3 "$@"\necho "python3 $*" >> {log}\nexit 99\n'
    )
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    env = {
        "PATH": f"{stubs}:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "TMPDIR": str(scratch),
    }
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "error: --name HOST is required (the name kiosks use to reach this server)"),
        (("--name", "a b"), 2, "error: --name 'a b' is not a host name"),
        (("--name", "x", "--cert", "c"), 2, "error: --cert and --key go together"),
        (("--name", "x", "--ca", "c"), 2, "error: --ca needs --cert and --key"),
        (("--name", "x", "--colour"), 2, "error: unknown argument '--colour'"),
        (
            ("--name", "x", "--cert", "/nonexistent/c", "--key", "/nonexistent/k"),
            1,
            "error: cannot read '/nonexistent/c'",
        ),
    ],
)
def test_install_admin_refuses_bad_arguments_and_touches_nothing(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    if os.geteuid() != 0 and code == 1:
        pytest.skip("the file checks come after the root check")
    result = _run_stubbed(tmp_path, INSTALL_ADMIN, *args)
    assert result.returncode == code
    assert result.stderr.splitlines()[0] == message
    assert _calls(tmp_path) == ""


def test_install_admin_dry_run_prints_every_step_and_changes_nothing(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the installer checks for root before its dry run")
    if Path("/etc/innovatum").exists() or Path("/opt/innovatum").exists():
        pytest.skip("an installation exists on this machine; the dry run would describe fewer steps")
    result = _run_stubbed(tmp_path, INSTALL_ADMIN, "--name", "admin.innovatum.lan", "--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "==> dry run: printing what would change, changing nothing"
    for expected in (
        "would run: useradd --system",
        "would run: python3 -m venv /opt/innovatum",
        "would run: /opt/innovatum/bin/pip install",
        "would run: innovatum-admin init",
        "/CN=Innovatum\\ kiosk\\ CA\\ \\(admin.innovatum.lan\\)",
        "/CN=admin.innovatum.lan",
        "broker-config --out /etc/mosquitto/innovatum",
        "would run: systemctl enable --quiet innovatum-admin.service",
        "would run: systemctl enable --quiet innovatum-admin-backup.timer",
        "would run: systemctl restart innovatum-admin.service",
    ):
        assert expected in out, expected
    assert out.splitlines()[-1].startswith("==> dry run: ") and "nothing was changed" in out
    assert _calls(tmp_path) == ""
    assert not Path("/etc/innovatum").exists() and not Path("/opt/innovatum").exists()


def test_install_kiosk_dry_run_changes_nothing(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the installer checks for root before its dry run")
    if Path("/etc/innovatum-kiosk").exists() or Path("/opt/innovatum").exists():
        pytest.skip("an installation exists on this machine")
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk]\n")
    result = _run_stubbed(tmp_path, INSTALL, "--config", str(config), "--mode", "headless", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would check the config with the kiosk's own loader" in result.stdout
    assert "would run: systemctl enable --quiet innovatum-kiosk-headless.service" in result.stdout
    assert "nothing was changed" in result.stdout
    assert _calls(tmp_path) == ""
