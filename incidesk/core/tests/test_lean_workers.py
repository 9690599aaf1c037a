"""A web worker loads only what every request needs: the heavy libraries of a few pages
(scikit-learn and friends for recurring incidents, pygal for charts, xlsxwriter for exports,
the `holidays` tables for seeding calendars) are imported by the code that uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "scipy", "numpy", "pygal", "xlsxwriter", "holidays")
# What a worker has loaded before its first request: the WSGI application and every URLconf
# with the views and APIs it names.
PROBE = """
import json, sys
import incidesk.wsgi
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in HEAVY)))
"""


@pytest.mark.slow
def test_the_wsgi_app_and_its_urls_load_no_heavy_library(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "incidesk.settings"}
    env.setdefault("INCIDESK_DATA_DIR", str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
