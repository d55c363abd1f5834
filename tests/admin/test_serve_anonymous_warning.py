"""`serve` warns when the broker lets anyone in (a laptop's Mosquitto with Debian's defaults), and is
quiet about a broker run with the project's own config, which refuses anonymous clients."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from admin.sync.anonymous import accepts_anonymous
from broker.settings import BrokerSettings
from tests.kiosk.sync.conftest import BIN, Site
from tests.mosquitto import Mosquitto, broker_dir, free_port


def test_serve_warns_about_a_broker_that_accepts_anonymous_clients(site: Site) -> None:
    conf_dir = broker_dir()
    port = free_port()
    # What a distribution's Mosquitto does for local clients when nobody configured it.
    (conf_dir / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    anonymous_broker = Mosquitto(conf_dir, port)
    anonymous_broker.start()
    errors = site.root / "serve-anonymous.err"
    with errors.open("w") as stderr:
        serve = subprocess.Popen(
            [
                str(BIN / "innovatum-admin"),
                "--db",
                str(site.db_path),
                "serve",
                "--broker",
                anonymous_broker.url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ},
        )
    try:
        expected = f"warning: the broker at {anonymous_broker.url} accepts anonymous connections"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and expected not in errors.read_text():
            time.sleep(0.1)
        assert expected in errors.read_text(), errors.read_text()
        assert serve.poll() is None  # a warning, not a refusal: the operator decides
    finally:
        serve.terminate()
        serve.wait(timeout=10)
        anonymous_broker.stop()
        shutil.rmtree(conf_dir, ignore_errors=True)


def test_the_projects_own_broker_config_is_not_flagged(site: Site) -> None:
    assert not accepts_anonymous(BrokerSettings.from_url(site.broker.url), timeout=10)
