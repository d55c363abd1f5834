"""The kiosk bundle: everything a new kiosk needs from the admin node, in one file.

`innovatum-admin kiosk config ID --broker URL --bundle FILE [--ca-cert CA]` writes a gzip'd tar with

    kiosk.toml   the kiosk's config (its broker password, the admin public key); with a CA, its
                 `ca_file` points at where the installer puts the CA on the kiosk
    ca.crt       the CA certificate that signed the broker's TLS certificate (when given)

and `deploy/install-kiosk.sh FILE` takes it as its one argument. One file to carry to the Pi
instead of two, and no guessing where the CA lives on either machine. The bundle holds a password:
it is written 0600, and `--bundle -` writes it to stdout so that `sudo -u innovatum ... > file`
lands in a directory the operator can write, not one the service user must.
"""

from __future__ import annotations

import io
import tarfile
import time

#: Where install-kiosk.sh installs the bundle's CA certificate on the kiosk.
KIOSK_CA_PATH = "/etc/innovatum-kiosk/ca.crt"
CONFIG_NAME = "kiosk.toml"
CA_NAME = "ca.crt"
PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"


def bundle_bytes(config_text: str, ca_pem: bytes | None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in ((CONFIG_NAME, config_text.encode("utf-8")), (CA_NAME, ca_pem)):
            if data is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o600
            info.mtime = int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
