"""TLS: `broker-config --tls-cert --tls-key` and a kiosk on mqtts:// with its CA file."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.kiosk.sync.conftest import Site, wait_until
from tests.mosquitto import free_port

pytestmark = pytest.mark.mosquitto


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for localhost / 127.0.0.1."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Innovatum test CA"))
        .issuer_name(_name("Innovatum test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o644)  # a throwaway key; mosquitto may read it after dropping to its own user
    return ca_path, cert_path, key_path


def test_kiosk_syncs_over_tls_and_rejects_a_broker_it_cannot_verify(site: Site) -> None:
    ca, cert, key = make_certificates(site.broker_dir)
    tls_port = free_port()
    site.broker_args = ["--tls-cert", str(cert), "--tls-key", str(key), "--tls-port", str(tls_port)]
    site.write_broker_config()
    conf = (site.broker_dir / "mosquitto.conf").read_text()
    assert f"listener {tls_port}\ncertfile {cert}" in conf
    site.broker.restart(kill=False)  # listeners change only on a restart

    site.admin("tenant", "add", "acme", "--name", "Acme AB")
    site.add_kiosk("secure", url=f"mqtts://localhost:{tls_port}", ca_file=str(ca))
    site.add_kiosk("trusting", url=f"mqtts://localhost:{tls_port}")  # system CAs: must not trust ours
    site.serve()  # the admin node on the loopback plain listener
    site.kiosk("secure")
    site.kiosk("trusting")
    state = site.wait_converged("secure", timeout=30)
    assert [t["slug"] for t in state["tenants"]] == ["acme"]
    wait_until(
        lambda: "certificate verify failed" in site.log("trusting.log"), 30, "a TLS verification error"
    )
    assert site.dump("trusting")["revision"] == 0
