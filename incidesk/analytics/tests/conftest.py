import pytest

from incidesk.analytics.tests.dataset import build


@pytest.fixture
def desk(db):
    """The hand-built desk of `dataset.py`."""
    return build()
