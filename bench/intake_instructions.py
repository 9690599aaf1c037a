"""Instructions per registration, counted by valgrind: a measure of intake's CPU work that does
not follow the machine's speed.

    INCIDESK_DATA_DIR=/tmp/desk .venv/bin/python bench/intake_instructions.py [N] [--form]

On a shared VM the same registration's CPU time moves by a third from one minute to the next (a
plain Python loop took 275–508 ms across six runs on 2026-12-07), so a change of a few per cent
cannot be seen in milliseconds. `valgrind --tool=callgrind` counts the instructions instead:
the same code on the same desk gives the same count to within about half a per cent. The
script runs itself under callgrind, sends 20 registrations to warm up (imports, kept statements,
caches), then counts N (default 1,000: over fewer, the count follows where SQLite's full-text
index stands in its merging) through the API (or the portal form with `--form`, URL-encoded
with its CSRF token checked, as `run.py` sends it), with the full stack in-process. Only the
main thread is counted: the WAL checkpoints of `core.sqlite`'s background thread come and go
with the desk's state. What the kernel does (the system calls) is not counted. Compare two
versions on copies of one desk, and take the count as a proxy for CPU time, not a figure of it.
Needs `valgrind` (Debian's).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

WARM_UP = 20
CSRF_SECRET = "b" * 32
URLENCODED = "application/x-www-form-urlencoded"
BODY = {"title": "Не печатает принтер в бухгалтерии", "description": "Замятие бумаги.\n"}


def _count(n: int, form: bool) -> None:
    """Inside valgrind: warm up, then switch counting on for the N registrations."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidesk.settings")
    os.environ.setdefault("INCIDESK_RATE_API_WRITES", "100000000/m")
    django.setup()
    from django.test import Client

    from incidesk.accounts.models import ApiToken, Role, User

    customer = User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("pk").first()
    assert customer is not None, "a desk with the demo's customers"
    if form:
        # As `run.py` and a browser without files send it: URL-encoded, CSRF checked.
        client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
        client.force_login(customer)
        client.cookies["csrftoken"] = CSRF_SECRET
        fields = {"kind": "incident", "impact": "medium", "urgency": "medium"}
        data = {**BODY, **fields, "category": "", "service": "", "csrfmiddlewaretoken": CSRF_SECRET}
        encoded = urlencode(data)

        def send() -> None:
            response = client.post("/incidents/new/", encoded, content_type=URLENCODED)
            assert response.status_code == 302
    else:
        token = ApiToken.issue(customer)
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")

        def send() -> None:
            response = client.post("/api/v1/incidents", BODY, content_type="application/json")
            assert response.status_code == 201, response.content

    for _ in range(WARM_UP):
        send()
    control = ["callgrind_control", "--instr"]
    subprocess.run([*control, "on", str(os.getpid())], check=True, capture_output=True)  # noqa: S603  valgrind's own tool
    for _ in range(n):
        send()
    subprocess.run([*control, "off", str(os.getpid())], check=True, capture_output=True)  # noqa: S603  valgrind's own tool


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "1000"))
    form = "--form" in sys.argv
    if os.environ.get("INTAKE_INSTRUCTIONS_INSIDE"):
        _count(n, form)
        return
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(  # noqa: S603  valgrind (Debian's, on PATH) running this script
            [  # noqa: S607  valgrind as PATH finds it
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                "--separate-threads=yes",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                *sys.argv[1:],
            ],
            env={**os.environ, "INTAKE_INSTRUCTIONS_INSIDE": "1", "PYTHONHASHSEED": "0"},
            check=True,
            capture_output=True,
        )
        main_thread = next(Path(folder).glob("callgrind.out*-01"))
        totals = next(
            line for line in main_thread.read_text().splitlines() if line.startswith("totals:")
        )
    per = int(totals.split()[1]) / n
    print(f"{'portal form' if form else 'API'}: {per:,.0f} instructions per registration ({n})")


if __name__ == "__main__":
    main()
