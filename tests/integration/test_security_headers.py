"""Attacks through the browser: framing a page (clickjacking), sniffed uploads, leaked referrers, cached personal data."""
import pytest

from tests.integration.admin_web import login, make_user


def _assert_hardened(response):
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self' 'nonce-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_pages_cannot_be_framed_or_sniffed_and_send_no_referrer(client):
    """The sign-in page forbids framing, MIME sniffing and referrers (self-service links carry tokens)."""
    _assert_hardened(client.get("/login"))


def test_personal_data_pages_and_the_api_are_not_cached(app, client, auth):
    """A participant list and an API answer say no-store, so a shared computer's cache keeps nothing."""
    email = make_user(app, "admin")
    login(client, email)
    page = client.get("/participants")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    _assert_hardened(page)
    api = client.get("/api/outbox", headers=auth)
    assert api.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("https, expected", [(True, True), (False, False)])
def test_hsts_only_over_https(client, https, expected):
    """Strict-Transport-Security is sent on https, where it protects, and not on plain http."""
    response = client.get("/login", base_url="https://localhost" if https else "http://localhost")
    assert ("Strict-Transport-Security" in response.headers) is expected


def test_inline_scripts_run_only_with_this_responses_nonce(app, client):
    """The one inline script carries the nonce of the policy sent with it."""
    response = client.get("/signup")
    policy = response.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    body = response.get_data(as_text=True)
    assert "<script>" not in body
    if "<script nonce" in body:
        assert f'nonce="{nonce}"' in body
