"""A site with granted tenants, and the tenant CLI run as a subprocess, as a tenant's laptop runs it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.kiosk.sync.conftest import BIN, Site, wait_until


def grant(site: Site, slug: str, name: str) -> Path:
    site.admin("tenant", "add", slug, "--name", name, "--description-sv", f"{name} gör saker.")
    path = site.root / f"{slug}.toml"
    site.admin("tenant", "grant", slug, "--out", str(path), "--broker", site.broker.url)
    site.write_broker_config()
    site.broker.reload()
    return path


def tenant_cli(credentials: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`innovatum-admin --as-tenant FILE ...` with no database anywhere in reach."""
    return subprocess.run(
        [
            str(BIN / "innovatum-admin"),
            "--db",
            "/nonexistent/admin.db",
            "--as-tenant",
            str(credentials),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def status(credentials: Path) -> list[dict[str, Any]]:
    result = tenant_cli(credentials, "listing", "status", "--json")
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


def kiosk_tenant(site: Site, kiosk_id: str, slug: str) -> dict[str, Any] | None:
    return next((t for t in site.dump(kiosk_id)["tenants"] if t["slug"] == slug), None)


def wait_kiosk(site: Site, kiosk_id: str, slug: str, field: str, value: object, timeout: float = 30) -> None:
    wait_until(
        lambda: (kiosk_tenant(site, kiosk_id, slug) or {}).get(field) == value,
        timeout,
        f"{kiosk_id} to show {slug}.{field} = {value!r}",
    )
