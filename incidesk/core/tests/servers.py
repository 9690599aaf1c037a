"""What the tests that start real servers on loopback share (dovecot, slapd, the OpenID
provider, `incidesk serve`): a free port, and waiting until the server listens on it."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def listening(port: int, process: subprocess.Popen[bytes], seconds: float = 20) -> bool:
    """Wait until something accepts connections on `port`; False (and the process killed) if
    it exits or `seconds` pass first, so the caller can show the server's log."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                return False
            time.sleep(0.1)
