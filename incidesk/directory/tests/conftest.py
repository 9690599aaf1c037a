"""A private slapd for the directory tests: Debian's OpenLDAP server on loopback, on a free port,
filled from `fixtures/directory.ldif`, with StartTLS under a CA generated for the session.

Skipped, with the reason, only when slapd is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from incidesk.accounts.models import Role, Team
from incidesk.core.tests.servers import free_port, listening
from incidesk.directory.models import GroupMapping
from incidesk.directory.tests.people import ADMINS, AGENTS, LEADS

FIXTURES = Path(__file__).parent / "fixtures"
SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
BASE = "dc=corp,dc=example"
SERVICE_DN = f"cn=incidesk-svc,ou=service,{BASE}"
SERVICE_PASSWORD = "svc-secret"


@dataclass(frozen=True)
class Directory:
    """The running test directory: where it listens and the CA its certificate comes from."""

    port: int
    ldaps_port: int
    ca_file: Path

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def settings(self, **overrides: object) -> dict:
        """Incidesk's LDAP settings for this directory (what INCIDESK_LDAP_* would give)."""
        from incidesk.settings import ldap_settings

        environ = {
            "INCIDESK_LDAP_URI": self.uri,
            "INCIDESK_LDAP_START_TLS": "1",
            "INCIDESK_LDAP_CA_FILE": str(self.ca_file),
            "INCIDESK_LDAP_BIND_DN": SERVICE_DN,
            "INCIDESK_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "INCIDESK_LDAP_USER_BASE": f"ou=people,{BASE}",
            "INCIDESK_LDAP_GROUP_BASE": f"ou=groups,{BASE}",
        }
        environ.update({key: str(value) for key, value in overrides.items()})
        return ldap_settings(environ)

    def modify(self, ldif: str) -> None:
        """Change the directory as its administrator would (ldapmodify over StartTLS)."""
        subprocess.run(
            [
                *("/usr/bin/ldapmodify", "-x", "-ZZ", "-H", self.uri),
                *("-D", f"cn=admin,{BASE}", "-w", "admin-secret"),
            ],
            input=ldif.encode(),
            check=True,
            capture_output=True,
            env={"LDAPTLS_CACERT": str(self.ca_file), "LDAPTLS_REQCERT": "demand"},
        )


def _certificates(folder: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 and localhost signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Incidesk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    if not SLAPD.exists():
        pytest.skip("slapd is not installed (apt-get install slapd ldap-utils)")
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "db").mkdir()
    _certificates(folder)
    config = (FIXTURES / "slapd.conf").read_text().format(dir=folder, fixtures=FIXTURES)
    # The administrator's password exists only in this temporary configuration.
    config += 'rootpw "admin-secret"\n'
    (folder / "slapd.conf").write_text(config)
    subprocess.run(
        [SLAPADD, "-f", folder / "slapd.conf", "-l", FIXTURES / "directory.ldif"],
        check=True,
        capture_output=True,
    )
    port, ldaps_port = free_port(), free_port()
    listen = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{ldaps_port}/"
    log = (folder / "slapd.log").open("wb")
    process = subprocess.Popen(
        [SLAPD, "-f", folder / "slapd.conf", "-h", listen, "-d", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if not listening(port, process):
        raise RuntimeError((folder / "slapd.log").read_text())
    try:
        yield Directory(port=port, ldaps_port=ldaps_port, ca_file=folder / "ca.pem")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(folder / "db", ignore_errors=True)


@pytest.fixture
def directory(slapd: Directory, settings) -> Directory:
    """The test directory switched on for Incidesk, as the environment would."""
    settings.INCIDESK_LDAP = slapd.settings()
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "incidesk.directory.backend.DirectoryBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    return slapd


GROUPS = f"ou=groups,{BASE}"


@pytest.fixture
def mappings(db) -> dict[str, Team]:
    """The desk's mapping: agents (with the first line's team), leads, admins."""
    first_line = Team.objects.create(name="Первая линия", code="first-line")
    network = Team.objects.create(name="Сеть", code="network")
    GroupMapping.objects.create(
        position=10, group_dn=f"cn=desk-agents,{GROUPS}", role=Role.AGENT, team=first_line
    )
    GroupMapping.objects.create(
        position=20, group_dn=f"cn=desk-leads,{GROUPS}", role=Role.LEAD, team=network
    )
    GroupMapping.objects.create(position=30, group_dn=f"CN=Desk-Admins,{GROUPS}", role=Role.ADMIN)
    return {"first-line": first_line, "network": network}


@pytest.fixture
def teams(db) -> dict[str, Team]:
    """Agents (team Desk), leads (team Network), admins; for the tests without a directory."""
    desk = Team.objects.create(name="Desk", code="desk")
    network = Team.objects.create(name="Network", code="network")
    GroupMapping.objects.create(position=1, group_dn=AGENTS, role=Role.AGENT, team=desk)
    GroupMapping.objects.create(position=2, group_dn=LEADS, role=Role.LEAD, team=network)
    GroupMapping.objects.create(position=3, group_dn=ADMINS.upper(), role=Role.ADMIN)
    return {"desk": desk, "network": network}
