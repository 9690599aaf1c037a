"""The WebAuthn relying party (the site passkeys are bound to), derived from the desk's own
address, `INCIDESK_BASE_URL`. Read by settings, so it imports nothing from Django's apps."""

from __future__ import annotations

import ipaddress
from typing import NamedTuple
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class RelyingParty(NamedTuple):
    id: str  # the host name a passkey is made for and only works on
    origin: str  # scheme://host[:port] as the browser reports it in what the passkey signs


def relying_party(base_url: str) -> RelyingParty:
    """The host of the desk's address is the relying party ID; its origin (without a default
    port, as browsers write it) the one allowed origin. A passkey made for one host does not
    work on another: changing the address means registering passkeys again."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = parts.port
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme):
        shown = f"{shown}:{port}"
    return RelyingParty(host, f"{parts.scheme}://{shown}")


def usable(party: RelyingParty) -> bool:
    """Whether browsers will make and use passkeys here: only in a secure context (https://,
    or http://localhost for trying it out) and for a host name, never an IP address (Chromium
    refuses an address as the relying party ID with a SecurityError)."""
    try:
        ipaddress.ip_address(party.id)
    except ValueError:
        return bool(party.id) and (party.origin.startswith("https://") or party.id == "localhost")
    return False
