"""`kiosk add/remove/config`, `kiosks`, `broker-config` and `innovatum-kiosk` without a broker."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from admin.cli import main as admin_main
from admin.store import db as store_db
from admin.sync import fleet
from broker.times import now, to_iso
from kiosk.config import load as load_kiosk_config
from tests.kiosk.sync.conftest import BIN
from tests.mosquitto import broker_dir


@pytest.fixture
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(store_db.ENV_VAR, raising=False)
    db_path = tmp_path / "admin.db"
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(admin_main, ["--db", str(db_path), *args])

    assert run("init").exit_code == 0
    run.db_path = db_path  # type: ignore[attr-defined]
    return run


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def kiosk_rows(db_path: Path) -> list[tuple[str, str, str]]:
    db = store_db.connect(db_path)
    try:
        return [tuple(r) for r in db.execute('SELECT id, "group", location FROM kiosks').fetchall()]
    finally:
        db.close()


def test_kiosk_add_validates_and_refuses_duplicates(admin) -> None:  # type: ignore[no-untyped-def]
    assert admin("kiosk", "add", "lobby-1", "--group", "lobby", "--location", "Entré").exit_code == 0
    assert "already exists" in one_error_line(admin("kiosk", "add", "lobby-1", "--group", "lobby"))
    assert "not a valid identifier" in one_error_line(admin("kiosk", "add", "Lobby/1", "--group", "lobby"))
    assert "not a valid identifier" in one_error_line(admin("kiosk", "add", "x", "--group", "a b"))
    assert kiosk_rows(admin.db_path) == [("lobby-1", "lobby", "Entré")]
    assert "no kiosk" in one_error_line(admin("kiosk", "remove", "lobby-9"))
    assert admin("kiosk", "remove", "lobby-1").exit_code == 0
    assert kiosk_rows(admin.db_path) == []


def test_kiosk_config_writes_a_private_file_the_kiosk_can_load(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "lobby-1", "--group", "lobby", "--location", 'Hall "A"')
    out = tmp_path / "etc" / "kiosk.toml"
    out.parent.mkdir()  # --out never creates directories (tests/admin/test_admin_out_option.py)
    result = admin(
        "kiosk",
        "config",
        "lobby-1",
        "--broker",
        "mqtts://admin.local",
        "--out",
        str(out),
        "--database",
        str(tmp_path / "replica.db"),
        "--ca-file",
        "/etc/ssl/ca.pem",
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    config = load_kiosk_config(out)
    assert (config.kiosk_id, config.group, config.location) == ("lobby-1", "lobby", 'Hall "A"')
    assert (config.broker.host, config.broker.port, config.broker.tls) == ("admin.local", 8883, True)
    assert config.broker.username == "kiosk-lobby-1" and len(config.broker.password) >= 32
    assert config.broker.ca_file == "/etc/ssl/ca.pem"
    init_output = admin("init").output  # prints the public key of the existing key pair
    assert config.admin_public_key in init_output
    stdout = admin("kiosk", "config", "lobby-1", "--broker", "mqtt://admin.local:1883")
    assert stdout.exit_code == 0 and 'username = "kiosk-lobby-1"' in stdout.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kiosk", "config", "nope", "--broker", "mqtt://h"), "no kiosk"),
        (("kiosk", "config", "lobby-1", "--broker", "http://h"), "must look like"),
        (("kiosk", "config", "lobby-1", "--broker", "mqtt://h:99999"), "invalid port"),
        (("kiosk", "config", "lobby-1", "--broker", "mqtt://u:p@h"), "credentials"),
        (("broker-config", "--out", "x", "--tls-cert", "pyproject.toml"), "go together"),
        (("serve", "--broker", "ftp://h"), "must look like"),
        (("serve", "--broker", "mqtts://u:p@h", "--ca-file", "/nonexistent/ca.pem"), "cannot use CA file"),
        (("publish", "--broker", "mqtts://u:p@h", "--ca-file", "/nonexistent/ca.pem"), "cannot use CA file"),
    ],
)
def test_bad_input_is_one_error_line(admin, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "lobby-1", "--group", "lobby")
    assert message in one_error_line(admin(*args))


def test_serve_without_broker_config_says_what_to_do(admin) -> None:  # type: ignore[no-untyped-def]
    assert "broker-config" in one_error_line(admin("serve", "--broker", "mqtt://127.0.0.1:1"))


def test_broker_config_lists_every_account_and_no_removed_one(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "lobby-1", "--group", "lobby")
    admin("kiosk", "add", "lobby-2", "--group", "lobby")
    admin("tenant", "add", "acme", "--name", "Acme AB")
    admin("tenant", "add", "beta", "--name", "Beta AB")  # never granted: no broker account
    admin("tenant", "grant", "acme", "--out", str(tmp_path / "acme.toml"), "--broker", "mqtt://x:1883")
    admin("kiosk", "remove", "lobby-2")
    out = tmp_path / "broker"
    result = admin("broker-config", "--out", str(out), "--port", "1884")
    assert result.exit_code == 0, result.output
    users = sorted(line.split(":")[0] for line in (out / "passwords").read_text().splitlines())
    assert users == ["innovatum-admin", "innovatum-admin-cli", "kiosk-lobby-1", "tenant-acme"]
    conf = (out / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf and "listener 1884\n" in conf
    # rerunning keeps every password (kiosk configs already handed out stay valid)
    before = store_db.connect(admin.db_path).execute("SELECT * FROM broker_accounts").fetchall()
    admin("broker-config", "--out", str(out))
    assert store_db.connect(admin.db_path).execute("SELECT * FROM broker_accounts").fetchall() == before


def test_stale_and_lag_in_the_fleet_view(admin) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "fresh", "--group", "lobby")
    admin("kiosk", "add", "silent", "--group", "lobby")
    admin("kiosk", "add", "gone", "--group", "lobby")
    admin("tenant", "add", "acme", "--name", "Acme AB")
    admin("tenant", "add", "beta", "--name", "Beta AB")
    db = store_db.connect(admin.db_path)
    long_ago = to_iso(now() - timedelta(minutes=10))
    status = {
        "online": True,
        "applied_rev": 1,
        "version": "0.1.0",
        "uptime": 5.0,
        "screen": "attract",
        "at": long_ago,
    }
    assert fleet.record_status(db, "fresh", json.dumps(status).encode(), retained=False)
    assert fleet.record_status(db, "silent", json.dumps(status).encode(), retained=True)
    assert fleet.record_status(db, "gone", json.dumps({**status, "online": False}).encode(), retained=True)
    assert not fleet.record_status(db, "fresh", b"\xff not json", retained=False)
    assert not fleet.record_status(db, "unknown", json.dumps(status).encode(), retained=False)
    assert db.execute("SELECT MAX(rev) FROM revisions").fetchone()[0] == 2  # no revision for status
    states = {s.id: s for s in fleet.fleet(db)}
    assert (states["fresh"].online, states["fresh"].stale, states["fresh"].lag) == (True, False, 1)
    assert (states["silent"].online, states["silent"].stale) == (True, True)
    assert (states["gone"].online, states["gone"].stale) == (False, False)
    db.close()
    table = admin("kiosks").output
    assert "STALE" in table and "offline" in table and "attract" in table


def kiosk_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "innovatum-kiosk"), *args], capture_output=True, text=True, timeout=30)


def test_kiosk_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = kiosk_cli("--config", str(tmp_path / "none.toml"), "--headless")
    assert missing.returncode == 2 and missing.stderr.startswith("error: cannot read config")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[kiosk]\nid = "k"\ndatabase = "r.db"\n[broker]\nurl = "http://x"\n[trust]\nadmin_public_key = "x"\n'
    )
    result = kiosk_cli("dump", "--config", str(bad))
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0 and "mqtt://" in result.stderr
    bad.write_text(bad.read_text().replace("http://x", "mqtt://x"))
    result = kiosk_cli("--config", str(bad), "--headless")
    assert result.returncode == 2 and "admin_public_key" in result.stderr
    key = "4A1RQcZBqznITKHsosc5XqR+gToisIi8urRN+K5w5Lw="
    bad.write_text(
        bad.read_text()
        .replace('"mqtt://x"', '"mqtts://x"\nca_file = "/nonexistent/ca.pem"')
        .replace('"x"', f'"{key}"')
    )
    result = kiosk_cli("--config", str(bad), "--headless")
    assert result.returncode == 2 and result.stderr.startswith("error: broker.ca_file: cannot use CA file")


def test_dump_works_without_a_broker(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "lobby-1", "--group", "lobby")
    config = tmp_path / "k.toml"
    admin(
        "kiosk",
        "config",
        "lobby-1",
        "--broker",
        "mqtt://127.0.0.1:1",
        "--out",
        str(config),
        "--database",
        str(tmp_path / "replica.db"),
    )
    result = kiosk_cli("dump", "--config", str(config))
    assert result.returncode == 0, result.stderr
    dump = json.loads(result.stdout)
    assert (dump["revision"], dump["tenants"], dump["dropped"]) == (0, [], {})


def test_with_tls_the_plain_listener_defaults_to_loopback(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    cert.write_text("placeholder")
    key.write_text("placeholder")
    out = tmp_path / "broker"
    result = admin("broker-config", "--out", str(out), "--tls-cert", str(cert), "--tls-key", str(key))
    assert result.exit_code == 0, result.output
    conf = (out / "mosquitto.conf").read_text()
    assert "listener 1883 127.0.0.1\n" in conf
    assert f"listener 8883\ncertfile {cert}\nkeyfile {key}\n" in conf
    assert "password_file" in conf and "persistence_location" in conf


def test_tenant_credentials_show_only_a_granted_account(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin("tenant", "add", "acme", "--name", "Acme AB")
    assert "tenant grant acme" in one_error_line(admin("tenant", "credentials", "acme"))
    first = admin("tenant", "grant", "acme", "--out", str(tmp_path / "a.toml"), "--broker", "mqtt://x:1883")
    assert first.exit_code == 0, first.output
    assert "rerun `innovatum-admin broker-config`" in first.output
    shown = admin("tenant", "credentials", "acme")
    assert "username: tenant-acme" in shown.output and "topic:    innovatum/v1/request/acme" in shown.output
    again = admin("tenant", "grant", "acme", "--out", str(tmp_path / "b.toml"), "--broker", "mqtt://x:1883")
    assert "new account" not in again.output
    assert (tmp_path / "a.toml").read_text() == (tmp_path / "b.toml").read_text()  # the same password
    assert "no tenant" in one_error_line(admin("tenant", "credentials", "nope"))


def _mosquitto_user_exists() -> bool:
    import pwd

    try:
        pwd.getpwnam("mosquitto")
    except KeyError:
        return False
    return True


@pytest.mark.skipif(
    os.geteuid() != 0 or not _mosquitto_user_exists(), reason="needs root and a mosquitto system user"
)
def test_broker_config_warns_when_mosquitto_could_not_reach_its_files(admin) -> None:  # type: ignore[no-untyped-def]
    reachable = broker_dir()  # 0755 under /tmp (pytest's own tmp_path is 0700 from its root)
    try:
        assert "cannot enter" not in admin("broker-config", "--out", str(reachable / "ok")).output
        private = reachable / "private"
        private.mkdir(mode=0o700)
        result = admin("broker-config", "--out", str(private / "broker"))
        assert result.exit_code == 0 and f"cannot enter {private};" in result.output
        assert (
            "cannot enter"
            not in admin("broker-config", "--out", str(private / "b2"), "--user", "root").output
        )
    finally:
        shutil.rmtree(reachable)


# --- kiosk config --bundle: one file for install-kiosk.sh ----------------------------------------------

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def bundle_members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}  # type: ignore[union-attr]


def test_the_bundle_holds_a_loadable_config_and_the_ca(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "lobby-1", "--group", "lobby")
    ca = tmp_path / "ca.crt"
    ca.write_bytes(PEM)
    out = tmp_path / "lobby-1.kiosk"
    result = admin(
        "kiosk",
        "config",
        "lobby-1",
        "--broker",
        "mqtts://admin.innovatum.lan:8883",
        "--ca-cert",
        str(ca),
        "--bundle",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert f"run deploy/install-kiosk.sh {out.name}" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    files = bundle_members(out.read_bytes())
    assert files["ca.crt"] == PEM
    (tmp_path / "kiosk.toml").write_bytes(files["kiosk.toml"])
    config = load_kiosk_config(tmp_path / "kiosk.toml")
    assert config.broker.ca_file == "/etc/innovatum-kiosk/ca.crt"
    assert config.broker.url == "mqtts://admin.innovatum.lan:8883" and config.kiosk_id == "lobby-1"


def test_the_bundle_on_stdout_for_a_redirect(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "lobby-1", "--group", "lobby")
    result = CliRunner().invoke(
        admin_main,
        ["--db", str(admin.db_path), "kiosk", "config", "lobby-1", "--broker", "mqtts://h", "--bundle", "-"],
    )
    assert result.exit_code == 0
    assert set(bundle_members(result.stdout_bytes)) == {"kiosk.toml"}  # no CA given: the system's CAs


def test_bundle_options_are_checked(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin("kiosk", "add", "lobby-1", "--group", "lobby")
    not_pem = tmp_path / "key.txt"
    not_pem.write_text("hello")
    base = ["kiosk", "config", "lobby-1", "--broker", "mqtts://h"]
    assert "--bundle replaces --out" in one_error_line(admin(*base, "--bundle", "b", "--out", "c"))
    assert "--ca-cert needs --bundle" in one_error_line(admin(*base, "--ca-cert", str(not_pem)))
    message = one_error_line(admin(*base, "--bundle", str(tmp_path / "b"), "--ca-cert", str(not_pem)))
    assert "is not a PEM certificate" in message
    assert not (tmp_path / "b").exists()
