"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser) against the
app served by a real werkzeug server on loopback, using the test's own database and Redis."""
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from app import create_app
from core import runtime
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.conftest import require


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run; missing Chromium skips locally and fails in CI."""
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def web_server(config, tmp_path):
    """The app on http://127.0.0.1:<free port> in a server thread; `.url`, `.app`.

    Plain http, so the session cookie is sent without the Secure flag here."""
    yield from serve(config)


def serve(config):
    """The body of a web server fixture, for fixtures that serve a configuration of their own."""
    # The browser tests launch over two or three people: the reach estimate answers for any number
    # (its k-anonymity is tested in tests/integration/test_security_estimate.py).
    app = create_app({"ESTIMATE_MIN_PARTICIPANTS": 1, **config, "SECURE_COOKIES": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="web-server", daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join()
    runtime.uninstall()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no cookies) and page; a JavaScript error fails the test."""
    # The browser asks for Dutch, as the users' browsers do: the tests read the Dutch web.
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
