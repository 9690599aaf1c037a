"""Real mail servers for the mail tests: an aiosmtpd SMTP server inside the test process and a
private dovecot IMAP server started from a temporary configuration."""

from __future__ import annotations

import email
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from imap_tools import MailBoxUnencrypted

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.core.tests.servers import free_port, listening

CORPUS = Path(__file__).parent / "corpus"
DOVECOT = Path("/usr/sbin/dovecot")
DESK = "support@localhost"


def corpus(name: str, number: str = "") -> bytes:
    """A message of the test corpus; `INC-NUMBER` in it becomes `number`."""
    raw = (CORPUS / name).read_bytes()
    return raw.replace(b"INC-NUMBER", number.encode()) if number else raw


@dataclass
class SmtpSink:
    """Keeps what it receives; `refuse` makes the next N messages fail with a 451."""

    received: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port; Django's SMTP backend sends to it."""
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = f"Incidesk <{DESK}>"
    settings.INCIDESK_MAIL_REPLY_TO = DESK
    yield sink
    controller.stop()


def _dovecot_config(root: Path, port: int) -> Path:
    """A complete configuration of our own: no system files, plain IMAP on 127.0.0.1, users
    from a passwd file, maildirs in the temporary directory. As root, dovecot's login and
    mail processes must run as its own unprivileged users."""
    if os.geteuid() == 0:
        login, internal, mail = "dovenull", "dovecot", "dovecot"
        shutil.chown(root / "mail", mail, mail)
    else:
        login = internal = mail = pwd.getpwuid(os.geteuid()).pw_name
    config = root / "dovecot.conf"
    config.write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {internal}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail} gid={mail} home={root}/mail/%u
}}
"""
    )
    (root / "passwd").write_text(f"{DESK}:{{PLAIN}}secret\n")
    return config


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str

    def deliver(self, raw: bytes) -> None:
        """Put a message into the desk's INBOX, as an MTA would (IMAP APPEND)."""
        with MailBoxUnencrypted(self.host, self.port).login(self.user, self.password) as box:
            box.append(raw, "INBOX", flag_set=())

    def unseen(self) -> list[str]:
        with MailBoxUnencrypted(self.host, self.port).login(self.user, self.password) as box:
            return list(box.uids("UNSEEN"))


@pytest.fixture(scope="session")
def dovecot_server():
    """Our own dovecot on a free port, for the whole session (it starts in about a second)."""
    if not DOVECOT.exists():
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    # Not pytest's tmp_path: dovecot's unprivileged processes must be able to enter it.
    root = Path(tempfile.mkdtemp(prefix="incidesk-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    port = free_port()
    process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(_dovecot_config(root, port))])
    if not listening(port, process):
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        pytest.fail(f"dovecot did not start:\n{log}")
    yield ImapServer("127.0.0.1", port, DESK, "secret")
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot_server, settings):
    """The desk mailbox, emptied, with the IMAP settings pointing at it."""
    with MailBoxUnencrypted(dovecot_server.host, dovecot_server.port).login(
        dovecot_server.user, dovecot_server.password
    ) as box:
        box.delete(box.uids("ALL"))
    settings.IMAP_HOST, settings.IMAP_PORT = dovecot_server.host, dovecot_server.port
    settings.IMAP_USER, settings.IMAP_PASSWORD = dovecot_server.user, dovecot_server.password
    settings.IMAP_FOLDER, settings.IMAP_SSL = "INBOX", False
    return dovecot_server


@pytest.fixture
def ivan(db):
    """The corpus' regular customer."""
    return CustomerFactory(email="ivan@example.ru", full_name="Иван Петров", language="ru")


@pytest.fixture
def agent(db):
    return AgentFactory(language="en")


@pytest.fixture
def act(django_capture_on_commit_callbacks, run_tasks):
    """Run an action as if it committed, then the real task worker (its mail goes out)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = action(*args, **kwargs)
        run_tasks()
        return result

    return run
