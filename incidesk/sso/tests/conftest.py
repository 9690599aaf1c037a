"""A real OpenID provider for the single sign-on tests: the npm package oidc-provider, with the
small configuration in `oidc/provider.mjs`, on loopback on a free port.

`.ci/run` installs its packages (`npm ci` in `oidc/`); skipped, with the reason, only when
Node.js or those packages are missing."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from incidesk.core.tests.servers import free_port
from incidesk.sso.config import Provider, providers_from

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "incidesk"
CLIENT_SECRET = "incidesk-test-secret"  # the test provider's, in provider.mjs too


@dataclass(frozen=True)
class OpenIdProvider:
    """The running test provider."""

    issuer: str

    def provider(self, **overrides: str) -> Provider:
        """Incidesk's configuration for it, as INCIDESK_OIDC_* variables would give."""
        environ = {
            "INCIDESK_OIDC_PROVIDERS": "testidp",
            "INCIDESK_OIDC_TESTIDP_NAME": "Test IdP",
            "INCIDESK_OIDC_TESTIDP_ISSUER": self.issuer,
            "INCIDESK_OIDC_TESTIDP_CLIENT_ID": CLIENT_ID,
            "INCIDESK_OIDC_TESTIDP_CLIENT_SECRET": CLIENT_SECRET,
            "INCIDESK_OIDC_TESTIDP_SCOPES": "openid email profile groups",
            "INCIDESK_OIDC_TESTIDP_DOMAINS": "corp.example",
        }
        environ.update({f"INCIDESK_OIDC_TESTIDP_{k}": v for k, v in overrides.items()})
        return providers_from(environ)["testidp"]


@pytest.fixture
def openid_provider(live_server) -> Iterator[OpenIdProvider]:
    """A fresh provider (no one signed in there) that sends people back to `live_server`."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.skip(f"oidc-provider is not installed: npm ci --prefix {HERE}")
    port = free_port()
    process = subprocess.Popen(
        [
            node,
            str(HERE / "provider.mjs"),
            str(port),
            f"{live_server.url}/sso/callback/",
            f"{live_server.url}/login/",
        ],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip() == "ready" or time.monotonic() > deadline:
                break
        if process.poll() is not None:
            pytest.fail("the OpenID provider did not start")
        yield OpenIdProvider(issuer=f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
