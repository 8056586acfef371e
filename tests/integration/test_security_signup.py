"""Attacks on the public sign-up (issue 12, item 4 and the sign-up's Low items): pumping codes to
foreign or many numbers, bombing one number, hidden form slots, night calls, undoing a staff
deactivation, and racing the code attempts. Real Redis holds the limits; both databases."""
import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import create_app
from core import runtime
from core.models import NumberConfirmation, Participant, PhoneNumber, utcnow
from core.signup import MAX_ATTEMPTS, SignupService
from core.signup_limits import SignupLimits
from core.tokens import create_token
from tests.integration.admin_web import csrf_token, login, make_user, post
from tests.integration.test_admin_signup import SLOT, code_for, numbers, outbox, sign_up, signup_form

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MOBILE_E164, LANDLINE_E164 = "+31612345678", "+31201234567"


@pytest.fixture
def limited(config, signup_clock):
    """An app with small limits, so a test reaches them in a few requests."""
    def make(**limits):
        return create_app({**config, **limits})
    return make


def sent_to(app, e164):
    return [body for _channel, to, body in outbox(app) if to == e164]


def resend(client, confirm_url, slot):
    return post(client, confirm_url.rstrip("/") + "/resend", {"slot": str(slot)}, follow_redirects=True)


def test_numbers_from_countries_not_allowed_get_no_code(limited):
    """A US or (with SIGNUP_COUNTRIES=NL) a Belgian number is refused with the field named; nothing is sent."""
    app = limited()
    client = app.test_client()
    response = post(client, "/signup", signup_form(phone_1="+12025550143", phone_2=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Telefoonnummer 1" in html and "NL, BE, DE" in html
    belgian = "+32470123456"
    sign_up(client, phone_1=belgian, phone_2="")  # allowed by default
    assert len(sent_to(app, belgian)) == 1

    dutch_only = limited(SIGNUP_COUNTRIES="NL")
    client = dutch_only.test_client()
    response = post(client, "/signup", signup_form(phone_1="+32470123457", phone_2=""))
    assert response.status_code == 400 and "uit BE" in response.get_data(as_text=True)
    assert sent_to(dutch_only, "+32470123457") == []


def test_the_server_reads_only_the_number_slots_the_form_shows(limited):
    """The form has three number fields; a fourth smuggled into the POST is refused, not texted."""
    app = limited()
    client = app.test_client()
    html = client.get("/signup").get_data(as_text=True)
    assert sorted(set(re.findall(r'name="phone_(\d+)"', html))) == ["1", "2", "3"]
    response = post(client, "/signup", signup_form(phone_3="0612345671", phone_4="0612345672"))
    assert response.status_code == 400 and "phone_4" in response.get_data(as_text=True)
    assert outbox(app) == []
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalars(select(PhoneNumber)).all() == []


def test_resend_is_limited_per_address(limited):
    """New codes asked for from one address stop at RESEND_PER_HOUR, whatever numbers they are for."""
    app = limited(RESEND_PER_HOUR=2, SIGNUP_CODES_PER_NUMBER_PER_DAY=50)
    client = app.test_client()
    confirm_url = sign_up(client, phone_2="")
    for _ in range(2):
        assert "onderweg" in resend(client, confirm_url, SLOT[MOBILE_E164]).get_data(as_text=True)
    assert "Te veel nieuwe codes" in resend(client, confirm_url, SLOT[MOBILE_E164]).get_data(as_text=True)
    assert len(sent_to(app, MOBILE_E164)) == 3


def test_a_numbers_daily_limit_survives_the_release_of_a_stale_signup(limited):
    """Three codes a day per number: letting a sign-up go stale and signing up again gives no fourth."""
    app = limited(SIGNUP_CODES_PER_NUMBER_PER_DAY=3, RESEND_PER_HOUR=50)
    client = app.test_client()
    confirm_url = sign_up(client, phone_2="")
    resend(client, confirm_url, SLOT[MOBILE_E164])
    resend(client, confirm_url, SLOT[MOBILE_E164])
    assert "geen codes meer" in resend(client, confirm_url, SLOT[MOBILE_E164]).get_data(as_text=True)
    assert len(sent_to(app, MOBILE_E164)) == 3
    with app.extensions["uitkijk"].db.session() as session:
        for row in session.scalars(select(NumberConfirmation)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    confirm_url = sign_up(client, phone_2="")  # the stale sign-up is released, the number signed up anew
    assert "geen codes meer naar" in client.get(confirm_url).get_data(as_text=True)
    assert sent_to(app, MOBILE_E164) == []  # the stale sign-up's messages were erased with it; no new one
    limits = SignupLimits(app.extensions["uitkijk"].redis, app.config, app.config["SECRET_KEY"])
    assert limits.daily_counts()[0][1]["sms"] == 3


def test_the_whole_installation_stops_at_its_daily_limit(limited):
    """Pumping from many addresses at once: past SIGNUP_CODES_PER_DAY no code leaves, and the admins see it."""
    app = limited(SIGNUP_CODES_PER_DAY=2)
    client = app.test_client()
    for n in range(3):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        confirm_url = sign_up(client, phone_1=f"061234567{n}", phone_2="")
    assert "kunnen nu niet worden verstuurd" in client.get(confirm_url).get_data(as_text=True)
    assert len([m for m in outbox(app) if m[0] == "sms"]) == 2

    admin = app.test_client()
    login(admin, make_user(app, "admin"))
    page = admin.get("/config/signup-limits").get_data(as_text=True)
    today = re.search(r"<tbody><tr><td>[\d-]+</td>(.*?)</tr>", page).group(1)
    assert 'data-field="sms">2<' in today and 'data-field="refused-global">1<' in today
    assert "Geweigerd: daglimiet van de installatie bereikt" in page  # the column names through the catalogue
    admin.post("/language", data={"language": "en", "csrf_token": csrf_token(admin)})
    assert "Refused: the installation's daily limit was reached" in admin.get("/config/signup-limits").get_data(
        as_text=True).replace("&#39;", "'")

    # The API gives a control-room system's monitoring the same figures (validated against the document).
    with app.extensions["uitkijk"].db.session() as session:
        value = create_token(session, "monitor", ["configuration"], "test")
    shown = client.get("/api/signup-limits", headers={"Authorization": f"Bearer {value}"}).json
    assert (shown["days"][0]["sms"], shown["days"][0]["refused-global"]) == (2, 1) and len(shown["days"]) == 7
    assert shown["limits"]["codes_per_day"] == 2 and shown["limits"]["countries"] == list(app.config["SIGNUP_COUNTRIES"])
    refused = client.get("/api/signup-limits", headers={"Authorization": f"Bearer {value[:-2]}xx"})
    assert refused.status_code == 401


def test_only_admins_see_the_signup_counters(limited):
    app = limited()
    client = app.test_client()
    login(client, make_user(app, "operator"))
    assert client.get("/config/signup-limits").status_code == 403


def test_the_manage_link_form_cannot_bomb_a_number(limited):
    """The self-service link counts against the same daily limit: asking 10 times sends 3 SMS."""
    app = limited(SIGNUP_CODES_PER_NUMBER_PER_DAY=3, LINK_PER_HOUR=50)
    client = app.test_client()
    confirm_url = sign_up(client, phone_2="")
    post(client, confirm_url, {f"code_{SLOT[MOBILE_E164]}": code_for(app, MOBILE_E164)})
    for _ in range(10):
        response = post(client, "/signup/link", {"number": "0612345678"})
        assert response.status_code == 200 and "Als dit mobiele nummer is ingeschreven" in response.get_data(as_text=True)
    assert len([b for b in sent_to(app, MOBILE_E164) if "/my/" in b]) == 2  # the sign-up code was the first


@pytest.mark.parametrize("hour, quiet, called", [
    (12, ("23:00", "07:00"), True),
    (23, ("", ""), False),  # outside SIGNUP_CALL_HOURS, whatever the form says
    (7, ("", ""), False),
    (14, ("13:00", "15:00"), False),  # the participant's own quiet hours
])
def test_code_calls_ring_only_in_daytime_and_outside_quiet_hours(limited, signup_clock, hour, quiet, called):
    """A landline's code call is refused at night and in the quiet hours the form gives, with a message
    saying when to ask; the mobile's SMS code goes regardless."""
    signup_clock.set(datetime(2026, 3, 10, hour, 30, tzinfo=AMSTERDAM))
    app = limited()
    client = app.test_client()
    confirm_url = sign_up(client, quiet_start=quiet[0], quiet_end=quiet[1])
    page = client.get(confirm_url).get_data(as_text=True)
    assert len(sent_to(app, MOBILE_E164)) == 1
    assert len(sent_to(app, LANDLINE_E164)) == (1 if called else 0)
    assert ("codeoproepen gaan alleen" in page) is not called  # the page speaks Dutch
    if not called:
        signup_clock.set(datetime(2026, 3, 10, 16, 0, tzinfo=AMSTERDAM))
        assert "onderweg" in resend(client, confirm_url, SLOT[LANDLINE_E164]).get_data(as_text=True)
        assert len(sent_to(app, LANDLINE_E164)) == 1


def test_a_confirm_link_cannot_undo_a_staff_deactivation(limited):
    """Staff deactivate a participant; typing the second number's code (or posting the link again)
    leaves them inactive."""
    app = limited()
    client = app.test_client()
    confirm_url = sign_up(client)
    post(client, confirm_url, {f"code_{SLOT[MOBILE_E164]}": code_for(app, MOBILE_E164)})
    with app.extensions["uitkijk"].db.session() as session:
        person_id = session.scalar(select(Participant.id))
    staff = app.test_client()
    login(staff, make_user(app, "admin"))
    assert post(staff, f"/participants/{person_id}/active", {"active": "0"}).status_code == 302
    post(client, confirm_url, {f"code_{SLOT[LANDLINE_E164]}": code_for(app, LANDLINE_E164)})
    post(client, confirm_url, {})
    with app.extensions["uitkijk"].db.session() as session:
        person = session.get(Participant, person_id)
        assert all(n.confirmed for n in person.numbers) and not person.active


def test_parallel_guesses_are_counted_atomically(app, signup_clock):
    """Forty wrong codes at once, each in its own session and connection: exactly MAX_ATTEMPTS are
    checked, the rest find the code locked (SQLite and PostgreSQL, no lock by SELECT ... FOR UPDATE)."""
    client = app.test_client()
    sign_up(client, phone_2="")
    number_id = numbers(app)[MOBILE_E164]
    good = code_for(app, MOBILE_E164)
    wrong = "000000" if good != "000000" else "111111"
    rt = runtime.get()
    limits = SignupLimits(rt.redis, app.config, app.config["SECRET_KEY"])
    outcomes, barrier = [], threading.Barrier(40)

    def guess():
        barrier.wait()
        with rt.db.session() as session:
            service = SignupService(session, rt.transports, app.config["SECRET_KEY"], app.config, limits)
            person = session.scalar(select(Participant).join(PhoneNumber).where(PhoneNumber.id == number_id))
            outcomes.append(service.confirm(person, {number_id: wrong})[number_id])

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with rt.db.session() as session:
        attempts = session.scalar(select(NumberConfirmation.attempts))
    assert attempts == MAX_ATTEMPTS
    assert outcomes.count("wrong") + outcomes.count("locked") == 40
    assert outcomes.count("wrong") == MAX_ATTEMPTS - 1 and outcomes.count("locked") == 40 - MAX_ATTEMPTS + 1


def page_text(response):
    """A page without what differs between any two requests (CSRF token, the link's own token)."""
    html = response.get_data(as_text=True)
    html = re.sub(r'(name="csrf-token" content=|name="csrf_token" value=)"[^"]+"', r'\1"-"', html)
    return re.sub(r"/signup/confirm/[^\"/?]+", "/signup/confirm/-", html)


def attack(app, client, number):
    """Everything a stranger sees signing `number` up: the sign-up's answer, the page, five wrong codes,
    a new code, and a sixth try."""
    response = post(client, "/signup", signup_form(phone_1=number, phone_2=""))
    assert response.status_code == 302
    url = response.headers["Location"]
    seen = [page_text(client.get(url))]
    seen += [page_text(post(client, url, {"code_1": "000000"})) for _ in range(5)]
    seen.append(page_text(resend(client, url, 1)))
    seen.append(page_text(post(client, url, {"code_1": "000000"})))
    return seen


def test_signup_does_not_reveal_whether_a_number_is_registered(limited):
    """A stranger signs up a registered number and an unregistered one that look alike masked: every
    answer is the same. Only the phones differ: the owner gets a notice (nothing changes), the free
    number a code; the owner's registration is untouched."""
    app = limited(RESEND_PER_HOUR=50)
    owner = app.test_client()
    confirm_url = sign_up(owner, phone_2="")
    post(owner, confirm_url, {"code_1": code_for(app, MOBILE_E164)})
    before = len(outbox(app))

    registered = attack(app, app.test_client(), "0612345678")
    unregistered = attack(app, app.test_client(), "0612340678")  # masked alike: +31******678
    assert registered == unregistered
    assert "Te veel verkeerde codes" in registered[5] and "onderweg" in registered[6]

    to_owner = [body for _channel, to, body in outbox(app)[before:] if to == MOBILE_E164]
    assert len(to_owner) == 2 and all("al aangemeld" in body and not re.search(r"\d{3}", body)
                                      for body in to_owner)
    assert any("bevestigingscode" in body for _channel, to, body in outbox(app) if to == "+31612340678")
    with app.extensions["uitkijk"].db.session() as session:
        number = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == MOBILE_E164))
        assert number.confirmed and number.participant.active
        assert len(session.scalars(select(Participant).where(Participant.active.is_(True))).all()) == 1


def test_a_signup_with_a_registered_and_a_free_number_confirms_the_free_one(limited):
    """Someone who forgot they signed up their mobile adds a landline: the landline's code confirms it,
    the mobile's row waits like any other, and the owner's registration keeps the mobile."""
    app = limited()
    first = app.test_client()
    post(first, sign_up(first, phone_2=""), {"code_1": code_for(app, MOBILE_E164)})
    again = app.test_client()
    url = sign_up(again)
    page = again.get(url).get_data(as_text=True)
    assert "+31******678" in page and "+31******567" in page
    response = post(again, url, {"code_2": code_for(app, LANDLINE_E164), "code_1": "123456"})
    assert response.status_code == 200 and "actief op de bevestigde nummers" in response.get_data(as_text=True)
    with app.extensions["uitkijk"].db.session() as session:
        owners = {n.e164: n.participant_id for n in session.scalars(select(PhoneNumber))}
    assert owners[MOBILE_E164] != owners[LANDLINE_E164]
