"""What makes a received message believable: only things the desk itself issued.

A `From:` proves nothing and an incident number is a pointer anyone can write. A reply is
*verified* when it carries proof that its claimed author received our mail about the incident:

- it references (In-Reply-To/References) a Message-ID we sent to that person about that
  incident. Our Message-IDs are random (`new_message_id`), stored on the `OutgoingMail` row;
  the incident's root id and any number-shaped id (as mail before this change carried) prove
  nothing;
- or it is addressed to that person's reply address for the incident,
  `support+inc-000123.<token>@domain`, which our mail to them carries as Reply-To. The token is
  an HMAC of (incident, person) under SECRET_KEY (older keys in SECRET_KEY_FALLBACKS still
  verify), so nobody else can make one, and a customer's address never verifies a reply
  claiming to come from an agent.

Separately, an `Authentication-Results` header from our own MTA (`INCIDESK_MAIL_AUTHSERV_ID`)
saying `dmarc=fail` for the sender's domain refuses the message; such headers from any other
host are ignored, since anyone can write one.
"""

from __future__ import annotations

import re
import secrets
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from incidesk.accounts.models import User
from incidesk.incidents.models import Incident
from incidesk.mail.models import OutgoingMail
from incidesk.mail.parsing import ParsedMessage

_SALT = "incidesk.mail.reply-address"
_TOKEN_LENGTH = 24  # hex digits: 96 bits
# A Message-ID that starts with an incident number: the root id `<INC-000123@domain>` and the
# ids of mail sent before they became random. They thread a reply, never verify it.
NUMBER_SHAPED_ID = re.compile(r"^<([A-Z]{2,8}-\d{6,})[.@]", re.I)
_COMMENT = re.compile(r"\([^()]*\)")


def mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def new_message_id() -> str:
    """A Message-ID nobody can guess; stored on its mail row, so retries send the same one."""
    return f"<{secrets.token_urlsafe(18)}@{mail_domain()}>"


def _token(incident_pk: int, person_pk: int, secret: str | bytes) -> str:
    mac = salted_hmac(_SALT, f"{incident_pk}.{person_pk}", secret=secret, algorithm="sha256")
    return mac.hexdigest()[:_TOKEN_LENGTH]


def _desk_address() -> tuple[str, str, str]:
    """The display name, local part and domain of INCIDESK_MAIL_REPLY_TO."""
    name, address = parseaddr(settings.INCIDESK_MAIL_REPLY_TO)
    local, _, domain = address.rpartition("@")
    return name, local, domain


def is_desk_address(address: str) -> bool:
    """Whether `address` is one of the desk's own: the sender, the reply address or any of its
    plus-addresses, the polled mailbox. Copying the desk on a mail never makes it a watcher."""
    address = address.lower()
    _, local, domain = _desk_address()
    own = {
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
        f"{local}@{domain}".lower(),
        settings.IMAP_USER.lower(),
    }
    mailbox, _, host = address.rpartition("@")
    return address in own or (host == domain.lower() and mailbox.startswith(f"{local}+".lower()))


def reply_address(incident: Incident, person: User) -> str:
    """The Reply-To of our mail to `person` about `incident` (shown nowhere else)."""
    name, local, domain = _desk_address()
    token = _token(incident.pk, person.pk, settings.SECRET_KEY)
    return formataddr((name, f"{local}+{incident.number.lower()}.{token}@{domain}"))


def _tokened(parsed: ParsedMessage) -> list[tuple[str, str]]:
    """(incident number, token) of every reply address of ours the message is addressed to."""
    _, local, domain = _desk_address()
    prefix = f"{local}+".lower()
    found = []
    for address in parsed.recipients:
        mailbox, _, host = address.rpartition("@")
        if host != domain.lower() or not mailbox.startswith(prefix):
            continue
        number, _, token = mailbox[len(prefix) :].rpartition(".")
        if number and token:
            found.append((number.upper(), token))
    return found


def addressed_incident(parsed: ParsedMessage) -> Incident | None:
    """The incident named by a reply address the message is sent to (not yet verified)."""
    for number, _ in _tokened(parsed):
        incident = Incident.objects.filter(number=number).first()
        if incident is not None:
            return incident
    return None


def is_verified(parsed: ParsedMessage, incident: Incident, person: User) -> bool:
    """Whether the message proves that `person` received our mail about `incident`."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    for number, token in _tokened(parsed):
        if number == incident.number and any(
            constant_time_compare(token, _token(incident.pk, person.pk, key)) for key in keys
        ):
            return True
    ids = [i for i in (*parsed.in_reply_to, *parsed.references) if not NUMBER_SHAPED_ID.match(i)]
    return (
        bool(ids)
        and OutgoingMail.objects.filter(
            incident=incident, recipient=person, message_id__in=ids
        ).exists()
    )


def dmarc_failure(parsed: ParsedMessage) -> str:
    """The `Authentication-Results` our own MTA wrote saying DMARC failed for the sender's
    domain, or "" (also when INCIDESK_MAIL_AUTHSERV_ID is unset: then none is trusted)."""
    ours = settings.INCIDESK_MAIL_AUTHSERV_ID.strip().lower()
    if not ours:
        return ""
    domain = parsed.sender.rpartition("@")[2].lower()
    for value in parsed.authentication_results:
        head, _, results = _COMMENT.sub(" ", value).partition(";")
        if (head.split() or [""])[0].lower() != ours:
            continue
        for result in results.split(";"):
            tokens = re.sub(r"\s*=\s*", "=", result).split()
            if not tokens or tokens[0].lower() != "dmarc=fail":
                continue
            properties = dict(token.lower().partition("=")[::2] for token in tokens[1:])
            if properties.get("header.from", domain) == domain:
                return value
    return ""
