"""A real OpenID provider for the single sign-on tests: the npm package oidc-provider, with the
small configuration in `oidc/provider.mjs`, on loopback on a free port.

`.ci/run` installs its packages (`npm ci` in `oidc/`); skipped, with the reason, only when
Node.js or those packages are missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

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


class SmallProvider(ThreadingHTTPServer):
    """A provider's discovery, JWKS (one RSA key, `sign` uses it) and token endpoint, in a
    thread on loopback; `answer` is the (status, body) the next refresh gets."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = f"http://127.0.0.1:{self.server_address[1]}"
        self.answer: tuple[int, dict] = (200, {"access_token": "a", "refresh_token": "r-2"})
        self.refreshes: list[dict[str, list[str]]] = []

    def sign(self, claims: dict, kid: str = "k1") -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": kid})


class Handler(BaseHTTPRequestHandler):
    server: SmallProvider

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        issuer = self.server.issuer
        if self.path == "/jwks":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.server.key.public_key()))
            self._send(200, {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
            return
        self._send(
            200,
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/auth",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.refreshes.append(parse_qs(self.rfile.read(length).decode()))
        self._send(*self.server.answer)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def small_provider(settings) -> Iterator[SmallProvider]:
    """The small provider, configured as the desk's only one ("corp")."""
    server = SmallProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.INCIDESK_OIDC_PROVIDERS = providers_from(
        {
            "INCIDESK_OIDC_PROVIDERS": "corp",
            "INCIDESK_OIDC_CORP_ISSUER": server.issuer,
            "INCIDESK_OIDC_CORP_CLIENT_ID": "incidesk",
            "INCIDESK_OIDC_CORP_CLIENT_SECRET": "s3cret",
        }
    )
    settings.INCIDESK_OIDC_RECHECK_MINUTES = 15
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
