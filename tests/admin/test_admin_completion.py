"""Shell completion for `innovatum-admin`, as the README sets it up (click's `_INNOVATUM_ADMIN_COMPLETE`),
run in the real shells: bash always, zsh when it is installed (CI installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def _bash_completions(*words: str) -> list[str]:
    script = (
        'eval "$(_INNOVATUM_ADMIN_COMPLETE=bash_source innovatum-admin)"\n'
        f"COMP_WORDS=(innovatum-admin {' '.join(words)})\n"
        f"COMP_CWORD={len(words)}\n"
        "_innovatum_admin_completion innovatum-admin\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(["bash", "-c", script], env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_bash_completes_commands_subcommands_and_options() -> None:
    assert _bash_completions("ten") == ["tenant"]
    assert "import" in _bash_completions("tenant", "i")
    assert set(_bash_completions("event", "add", "--title")) == {"--title-sv", "--title-en"}
    assert set(_bash_completions("announce", "push", "x", "--priority", "")) == {
        "info",
        "warning",
        "emergency",
    }


def test_zsh_registers_the_completion_and_gets_the_same_answers() -> None:
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed (apt-get install zsh; .ci/run installs it)")
    script = (
        "autoload -Uz compinit && compinit -u -D\n"
        'eval "$(_INNOVATUM_ADMIN_COMPLETE=zsh_source innovatum-admin)"\n'
        "print -r -- $_comps[innovatum-admin]\n"
    )
    result = subprocess.run(["zsh", "-f", "-c", script], env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "_innovatum_admin_completion"
    # What that function asks the program for, and the answers it hands to compadd.
    answer = subprocess.run(
        [str(BIN / "innovatum-admin")],
        env={
            **ENV,
            "_INNOVATUM_ADMIN_COMPLETE": "zsh_complete",
            "COMP_WORDS": "innovatum-admin tenant i",
            "COMP_CWORD": "2",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 0, answer.stderr
    assert "import" in answer.stdout.splitlines()
