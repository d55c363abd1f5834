"""The installed `innovatum-admin` console script, run as an operator would (a real process)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _exe() -> list[str]:
    script = Path(sys.executable).with_name("innovatum-admin")
    if script.exists():
        return [str(script)]
    found = shutil.which("innovatum-admin")
    if found is None:
        pytest.skip("innovatum-admin is not installed")
    return [found]


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_exe(), *args], capture_output=True, text=True, env=env, timeout=60)


def test_console_script_with_database_from_environment(tmp_path: Path) -> None:
    env = {**os.environ, "INNOVATUM_ADMIN_DB": str(tmp_path / "admin.db"), "INNOVATUM_ACTOR": "ops"}
    assert _run("init", env=env).returncode == 0
    added = _run("tenant", "add", "acme", "--name", "Acme AB", env=env)
    assert (added.returncode, added.stdout, added.stderr) == (0, "added tenant acme (revision 1)\n", "")
    listed = _run("tenant", "list", "--json", env=env)
    assert [t["slug"] for t in json.loads(listed.stdout)] == ["acme"]
    audit = json.loads(_run("audit", "--json", env=env).stdout)
    assert audit[0]["actor"] == "ops"

    wrong = _run("tenant", "add", "beta", "--name", "B", "--webiste", "https://b.example.com", env=env)
    assert wrong.returncode == 2
    assert wrong.stderr.count("\n") == 1 and wrong.stderr.startswith("error: No such option '--webiste'")
    assert wrong.stdout == ""
