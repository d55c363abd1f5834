"""The tenant CLI's mistakes that need no broker: each is one `error:` line, exit 1, nothing sent."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from admin.cli import main
from tests.admin.conftest import Run, ok, run_cli


def tenant(credentials: Path, *args: str) -> Run:
    result = CliRunner().invoke(
        main,
        ["--db", "/nonexistent/admin.db", "--as-tenant", str(credentials), *args],
        catch_exceptions=False,
    )
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def credentials(db_path: Path, tmp_path: Path) -> Path:
    ok(run_cli(db_path, "tenant", "add", "acme", "--name", "Acme AB"))
    path = tmp_path / "acme.toml"
    ok(run_cli(db_path, "tenant", "grant", "acme", "--out", str(path), "--broker", "mqtt://127.0.0.1:1"))
    assert path.stat().st_mode & 0o777 == 0o600
    return path


def one_error(result: Run, expected: str) -> None:
    assert result.exit_code == 1, result
    assert len(result.error_lines) == 1 and result.error_lines[0].startswith("error: "), result.stderr
    assert expected in result.stderr, result.stderr


def test_the_credentials_file_has_what_a_tenant_needs(credentials: Path, db_path: Path) -> None:
    text = credentials.read_text()
    for needed in (
        'slug = "acme"',
        'url = "mqtt://127.0.0.1:1"',
        'username = "tenant-acme"',
        "admin_public_key",
    ):
        assert needed in text
    listed = ok(run_cli(db_path, "tenant", "credentials", "acme")).stdout
    assert listed.splitlines()[1].split()[-1] in text  # the password


def test_grant_and_revoke_refuse_what_they_cannot_do(db_path: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "x.toml")
    one_error(
        run_cli(db_path, "tenant", "grant", "nope", "--out", out, "--broker", "mqtt://h"), "no tenant 'nope'"
    )
    ok(run_cli(db_path, "tenant", "add", "acme", "--name", "Acme AB"))
    one_error(run_cli(db_path, "tenant", "grant", "acme", "--out", out, "--broker", "http://h"), "mqtt://")
    one_error(
        run_cli(db_path, "tenant", "grant", "acme", "--out", out, "--broker", "mqtt://u:p@h"),
        "leave credentials",
    )
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("hello")
    one_error(
        run_cli(
            db_path,
            "tenant",
            "grant",
            "acme",
            "--out",
            out,
            "--broker",
            "mqtts://h",
            "--ca-file",
            str(not_pem),
        ),
        "not a PEM certificate",
    )
    assert not Path(out).exists()
    one_error(run_cli(db_path, "tenant", "revoke", "acme"), "has no broker access")


def test_listing_needs_as_tenant_and_as_tenant_only_runs_listing(credentials: Path, db_path: Path) -> None:
    one_error(run_cli(db_path, "listing", "show"), "pass --as-tenant FILE")
    one_error(tenant(credentials, "tenant", "list"), "--as-tenant works only with `listing ...`")


def test_a_broken_credentials_file_is_one_line(tmp_path: Path, credentials: Path) -> None:
    one_error(tenant(tmp_path / "missing.toml", "listing", "show"), "cannot read credentials file")
    broken = tmp_path / "broken.toml"
    broken.write_text("[tenant\nslug=")
    one_error(tenant(broken, "listing", "show"), "is not valid TOML")
    partial = tmp_path / "partial.toml"
    partial.write_text(credentials.read_text().replace("admin_public_key", "other_key"))
    one_error(tenant(partial, "listing", "status"), "trust.admin_public_key is missing")
    other = tmp_path / "other.toml"
    other.write_text(credentials.read_text().replace('slug = "acme"', 'slug = "beta"'))
    one_error(tenant(other, "listing", "edit", "--contact", "x"), "is not the account of tenant 'beta'")


def test_bad_values_and_logos_are_refused_before_anything_is_sent(credentials: Path, tmp_path: Path) -> None:
    one_error(tenant(credentials, "listing", "edit", "--website", "javascript:x"), "not an http(s) URL")
    one_error(tenant(credentials, "listing", "edit", "--description-sv", "x" * 2001), "the limit is 2000")
    one_error(tenant(credentials, "listing", "edit"), "nothing to change")
    frames = [Image.new("RGB", (16, 16), c) for c in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    gif = tmp_path / "animated.gif"
    gif.write_bytes(buffer.getvalue())
    one_error(tenant(credentials, "listing", "edit", "--logo", str(gif)), "animated")
    one_error(tenant(credentials, "listing", "preview", "--logo", str(gif)), "animated")


def test_an_unreachable_broker_is_one_line(credentials: Path) -> None:
    one_error(tenant(credentials, "listing", "status"), "cannot connect: cannot reach mqtt://127.0.0.1:1")
