"""Workers without single sign-on do not load its libraries (they cost ~20 MB each), nor,
without OTEL_* tracing, the OpenTelemetry SDK's tracing (redis-py loads its metrics part
whenever it is installed), nor py_webauthn and its OpenSSL bindings before a passkey
ceremony."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from app.main import create_app
create_app()
LIBRARIES = (
    "ldap3", "authlib", "joserfc", "httpx", "opentelemetry.sdk.trace", "webauthn", "OpenSSL"
)
print(",".join(m for m in LIBRARIES if m in sys.modules))
"""


def _loaded(tmp_path: Path, **env: str) -> set[str]:
    environment = {
        **os.environ,
        "DB_FILENAME": str(tmp_path / "probe.db"),
        "SECRET": "probe-secret-that-is-long-enough-for-hs256-0123",
        **env,
    }
    for name in [name for name in environment if name.startswith(("AUTH_", "OTEL_"))]:
        if name not in env:
            del environment[name]
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {name for name in completed.stdout.strip().split(",") if name}


def test_no_provider_loads_no_sso_library(tmp_path: Path) -> None:
    assert _loaded(tmp_path) == set()


def test_an_ldap_provider_loads_only_the_ldap_client(tmp_path: Path) -> None:
    loaded = _loaded(
        tmp_path,
        AUTH_PROVIDERS="corp",
        AUTH_CORP_DRIVER="ldap",
        AUTH_CORP_CLIENT_URL="ldap://127.0.0.1:1",
        AUTH_CORP_BIND_DN="cn=reader,dc=example,dc=com",
        AUTH_CORP_BIND_PASSWORD="reader-password",
        AUTH_CORP_USER_DN="ou=people,dc=example,dc=com",
    )
    assert loaded == {"ldap3"}


def test_tracing_loads_the_opentelemetry_sdk_only_when_an_exporter_is_named(
    tmp_path: Path,
) -> None:
    assert _loaded(tmp_path, OTEL_TRACES_EXPORTER="none") == set()
    assert _loaded(tmp_path, OTEL_TRACES_EXPORTER="console") == {"opentelemetry.sdk.trace"}
