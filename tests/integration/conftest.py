"""Fixtures of the public-alert tests: a CAP signing key, and a control room with one participant."""
import pytest

from lab import factories
from tests.publish_support import signing_files


@pytest.fixture
def signing(tmp_path):
    """(key file, certificate file, certificate PEM) of a fresh CAP signing key."""
    return signing_files(tmp_path)


@pytest.fixture
def room(app):
    """A control room, its first operator, and one participant 100 m from the centre."""
    with app.extensions["uitkijk"].db.session() as session:
        room, operators = factories.control_room(session)
        factories.participant(session, "+31612345601", distance_m=100)
        return room, operators[0]
