"""Every command in README.md and deploy/README.md that can run on a laptop runs here, in order,
against scratch data; the convention (what counts as a command, `not-run:` markers, how the blocks
run) is docs/DOCTEST.md, and this module is its implementation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
BIN = Path(sys.executable).parent

SHELL_INFO = {"sh", "bash", "shell", "console"}
NOT_RUN = re.compile(r"<!--\s*not-run:(?P<why>.*?)-->")
LINE_NOT_RUN = re.compile(r"#\s*not-run:(?P<why>.*)$")
PROMPT = re.compile(r"^([$#]) ")
ACTIVATE = re.compile(r"^(\.|source) \.venv/bin/activate\b")


@dataclass
class Block:
    line: int  # where it starts in the file, for messages
    lines: list[str]
    fenced_info: str | None  # the fence's info string; None for an indented block
    skip: str = ""  # why it does not run ("" when it runs)


def blocks(text: str) -> list[Block]:
    """The code blocks of a Markdown file, each with the not-run reason of its preceding comments."""
    found: list[Block] = []
    lines = text.splitlines()
    comments: list[str] = []  # HTML comment lines since the last other content
    index = 0
    previous_blank = True
    while index < len(lines):
        line = lines[index]
        fence = re.match(r"^```(\S*)\s*$", line)
        if fence:
            end = index + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            found.append(Block(index + 1, lines[index + 1 : end], fence.group(1), _skip(comments)))
            comments, index, previous_blank = [], end + 1, False
            continue
        if line.startswith("    ") and previous_blank:
            end = index
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            body = [item[4:] for item in lines[index:end]]
            while body and not body[-1].strip():
                body.pop()
            found.append(Block(index + 1, body, None, _skip(comments)))
            comments, index, previous_blank = [], end, True
            continue
        if line.strip().startswith("<!--"):
            comments.append(line.strip())
        elif line.strip():
            comments = []
        previous_blank = not line.strip() or line.strip().startswith("<!--")
        index += 1
    return found


def _skip(comments: list[str]) -> str:
    for comment in comments:
        if comment.startswith("<!-- test-command"):
            return "the README's test command (run by .ci/run)"
        marker = NOT_RUN.search(comment)
        if marker is not None:
            why = marker.group("why").strip()
            assert why, f"{comment}: not-run needs a reason (docs/DOCTEST.md)"
            return why
    return ""


def commands(block: Block) -> list[str]:
    """The commands a block runs (continuation lines joined), per docs/DOCTEST.md."""
    prompted = any(PROMPT.match(line) for line in block.lines)
    if not prompted and block.fenced_info not in SHELL_INFO:
        return []
    result: list[str] = []
    keep = False
    continuing = False
    for line in block.lines:
        if continuing:
            if keep:
                result[-1] += "\n" + line
        elif prompted:
            prompt = PROMPT.match(line)
            keep = prompt is not None and prompt.group(1) == "$"
            if keep:
                result.append(line[2:])
        else:
            keep = True
            result.append(line)
        continuing = line.rstrip().endswith("\\")
    runnable = []
    for command in result:
        marker = LINE_NOT_RUN.search(command)
        if marker is not None:
            assert marker.group("why").strip(), f"{command}: not-run needs a reason (docs/DOCTEST.md)"
            continue
        runnable.append(command)
    return runnable


def _scratch(tmp_path: Path, *, venv_on_path: bool) -> tuple[Path, dict[str, str]]:
    work = tmp_path / "work"
    (work / "home").mkdir(parents=True)
    (work / ".venv").symlink_to(VENV)
    (work / "assets").symlink_to(ROOT / "assets")
    return _scratch_env(work, venv_on_path=venv_on_path)


def _scratch_env(work: Path, *, venv_on_path: bool) -> tuple[Path, dict[str, str]]:
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if Path(entry) != BIN]
    if venv_on_path:
        path.insert(0, str(BIN))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "INNOVATUM_ADMIN_", "VIRTUAL_ENV"))
    }
    env.update(HOME=str(work / "home"), PATH=os.pathsep.join(path), TERM="dumb", COLUMNS="160")
    return work, env


def _run(name: str, block: Block, script: str, work: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-x", "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    where = f"{name}, the block at line {block.line}"
    assert result.returncode == 0, f"{where} failed:\n{result.stderr[-4000:]}\n{result.stdout[-2000:]}"
    # A tour step that changes nothing changes nothing visible either.
    assert "no new revision" not in result.stdout, f"{where}: a step changed nothing:\n{result.stdout}"


def test_the_convention_is_what_the_files_use() -> None:
    """The parser itself: what it would run and what it skips, on a sample of each kind."""
    sample = "\n".join(
        [
            "<!-- not-run: needs a server -->",
            "```sh",
            "skipped-block",
            "```",
            "",
            "```sh",
            "runs --a # comment",
            "also-runs   # not-run: one line skipped",
            "```",
            "",
            "    $ prompted \\",
            "          continued",
            "    # as-root",
            "    $ second",
            "",
            "A paragraph ends the indented block.",
            "",
            "    a diagram ┌─┐",
            "",
            "```toml",
            "key = 1",
            "```",
        ]
    )
    found = blocks(sample)
    assert [block.skip for block in found] == ["needs a server", "", "", "", ""]
    assert [commands(block) for block in found[1:]] == [
        ["runs --a # comment"],
        ["prompted \\\n      continued", "second"],
        [],
        [],
    ]


@pytest.mark.slow
def test_readme_commands_run_as_written(tmp_path: Path) -> None:
    work, env = _scratch(tmp_path, venv_on_path=False)
    # The first, interactive block's effect: the demo's data, as `innovatum demo` leaves it.
    setup = subprocess.run(
        [".venv/bin/innovatum", "demo", "--setup-only"], cwd=work, env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    ran = 0
    for block in blocks((ROOT / "README.md").read_text(encoding="utf-8")):
        lines = commands(block)
        if block.skip or not lines:
            continue
        _run("README.md", block, "\n".join(lines), work, env)
        ran += len(lines)
        if any(ACTIVATE.match(line) for line in lines):
            # The reader stays in the shell where the tour activated the venv: so do later blocks.
            _, env = _scratch_env(work, venv_on_path=True)
    assert ran >= 20, "the README's tour is gone? (fewer commands than expected ran)"
    # The tour wrote where it says, in the directory it was run from.
    assert (work / "entre-1.toml").exists() and (work / "broker" / "mosquitto.conf").exists()


@pytest.mark.slow
def test_deploy_readme_commands_run_as_written(tmp_path: Path) -> None:
    work, env = _scratch(tmp_path, venv_on_path=True)
    ran = 0
    for block in blocks((ROOT / "deploy" / "README.md").read_text(encoding="utf-8")):
        lines = commands(block)
        if block.skip or not lines:
            continue
        _run("deploy/README.md", block, "\n".join(lines), work, env)
        ran += len(lines)
    assert ran >= 5


@pytest.mark.parametrize("name", ["README.md", "deploy/README.md"])
def test_every_not_run_says_why(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    for marker in NOT_RUN.finditer(text):
        assert marker.group("why").strip(), f"{name}: {marker.group(0)} needs a reason"
