"""Fixtures for tests against Prism serving Twilio's OpenAPI spec (see prism_twilio.py)."""
import os

import pytest

from prism_twilio import PrismUnavailable, prepare_spec, start_prism, stop_prism


@pytest.fixture(scope="session")
def prism(tmp_path_factory):
    """A PrismServer mocking Twilio's REST API on a free loopback port, for the whole session.

    Skips when Prism cannot be installed or started, except under CI=true where that fails.
    """
    workdir = tmp_path_factory.mktemp("prism")
    try:
        process, server = start_prism(prepare_spec(workdir), workdir)
    except PrismUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Prism is required when CI=true: {exc}")
        pytest.skip(f"Prism unavailable: {exc}")
    try:
        yield server
    finally:
        stop_prism(process)
