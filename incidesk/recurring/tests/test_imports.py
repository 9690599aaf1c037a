"""A web worker never imports numpy, scipy or scikit-learn: every page and endpoint that
compares texts is served in a fresh process (real import state, not this test process's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("fresh_process.py")

pytestmark = pytest.mark.slow


def test_serving_the_similarity_pages_loads_no_numpy_scipy_or_sklearn(migrated_data_dir):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"INCIDESK_DATA_DIR": str(migrated_data_dir), "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []
    statuses = report["statuses"]
    assert statuses.pop("groups page, none yet") == statuses.pop("groups page, stored") == 200
    assert statuses.pop("api groups, none yet") == 202
    assert statuses.pop("api groups, stored") == 200
    assert set(statuses.values()) == {200}, statuses
