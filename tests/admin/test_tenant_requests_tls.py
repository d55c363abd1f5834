"""A tenant over TLS with nothing but its credentials file: the CA travels inside it."""

from __future__ import annotations

import json

import pytest

from tests.admin.tenant_site import tenant_cli
from tests.kiosk.sync.conftest import Site, wait_until
from tests.kiosk.sync.test_wire_tls import make_certificates
from tests.mosquitto import free_port

pytestmark = pytest.mark.mosquitto


def test_a_tenant_reads_its_listing_over_tls_with_the_inline_ca(site: Site) -> None:
    ca, cert, key = make_certificates(site.broker_dir)
    tls_port = free_port()
    site.broker_args = ["--tls-cert", str(cert), "--tls-key", str(key), "--tls-port", str(tls_port)]
    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    credentials = site.root / "acme.toml"
    url = f"mqtts://localhost:{tls_port}"
    site.admin("tenant", "grant", "acme", "--out", str(credentials), "--broker", url, "--ca-file", str(ca))
    ca.rename(site.root / "elsewhere.pem")  # the tenant's laptop has no copy of the CA file
    site.write_broker_config()
    site.broker.restart(kill=False)
    site.serve()
    wait_until(lambda: tenant_cli(credentials, "listing", "show").returncode == 0, 30, "the listing over TLS")
    shown = tenant_cli(credentials, "listing", "show", "--json")
    assert json.loads(shown.stdout)[0]["name"] == "Acme AB"
    forged = credentials.with_name("forged.toml")
    text = credentials.read_text()
    start = text.index("-----BEGIN CERTIFICATE-----")
    other_ca, _, _ = make_certificates(site.root)
    forged.write_text(
        text[:start] + json.dumps(other_ca.read_text())[1:-1] + text[text.index('"\n', start) :]
    )
    refused = tenant_cli(forged, "listing", "show")
    assert refused.returncode == 1 and refused.stderr.startswith("error: cannot connect: ")
    assert refused.stderr.count("\n") == 1
