"""Attacks on sign-in: parallel guessing past the limit, locking an operator out, forged client addresses."""
import threading
import time

from redis import Redis

from core.accounts import LoginLimiter, LoginLimits, LoginThrottled
from tests.integration.admin_web import PASSWORD, csrf_token, make_user


def test_parallel_guesses_cannot_slip_past_the_limit(redis_url, queue_prefix):
    """120 guesses at once against a limit of 5: only 5 (and one per delay) are checked."""
    limiter = LoginLimiter(Redis.from_url(redis_url), queue_prefix,
                           LoginLimits(per_account=5, per_address=1000, window_s=900, delay_base_s=30, delay_max_s=60))
    checked = []
    start = threading.Barrier(120)

    def guess(n):
        start.wait()
        try:
            limiter.check("ann@example.org", f"198.51.100.{n}")
        except LoginThrottled:
            return
        checked.append(n)
        time.sleep(0.05)  # the password check takes a while; meanwhile others try
        limiter.failed("ann@example.org", f"198.51.100.{n}")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(120)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) <= 6


def test_an_attacked_account_waits_seconds_not_a_locked_window(config):
    """After the limit each try waits 1 s, 2 s, 4 s ...; the owner gets in once the short wait is over."""
    from app import create_app
    application = create_app({**config, "LOGIN_DELAY_BASE_S": 0.2, "LOGIN_DELAY_MAX_S": 0.5})
    client = application.test_client()
    email = make_user(application, "operator")
    for _ in range(5):
        client.post("/login", data={"email": email, "password": "wrong password!", "csrf_token": csrf_token(client)})
    refused = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 1
    time.sleep(0.6)
    admitted = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert admitted.status_code == 302


def _guess_from(client, email, forwarded):
    return client.post("/login", headers={"X-Forwarded-For": forwarded},
                       data={"email": email, "password": "wrong password!", "csrf_token": csrf_token(client)})


def test_a_forged_forwarded_address_does_not_dodge_the_address_limit(config):
    """Without trusted proxies, X-Forwarded-For is ignored: rotating it does not reset the address limit."""
    from app import create_app
    client = create_app({**config, "LOGIN_MAX_FAILURES_ADDRESS": 3}).test_client()
    statuses = [_guess_from(client, f"guess{n}@example.org", f"203.0.113.{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_the_limits_see_the_real_client(config):
    """With TRUSTED_PROXIES=1 the proxy's X-Forwarded-For names the client: one client's limit is not another's."""
    from app import create_app
    client = create_app({**config, "LOGIN_MAX_FAILURES_ADDRESS": 3, "TRUSTED_PROXIES": 1}).test_client()
    statuses = [_guess_from(client, f"guess{n}@example.org", "203.0.113.7").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _guess_from(client, "other@example.org", "203.0.113.8").status_code == 401


def test_a_cookie_copied_before_sign_out_is_worthless_afterwards(app, client):
    """Signing out ends the session on the server: replaying the old signed cookie asks to sign in."""
    from tests.integration.admin_web import login, post
    email = make_user(app, "admin")
    login(client, email)
    stolen = client.get_cookie("session").value
    assert post(client, "/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302
