"""The Twilio trunks admins configure reach the Twilio side: which account, caller ID and pace a send
uses, which token checks a webhook. Against Prism, behind a proxy that keeps what Twilio was sent."""
import re

import pytest
from sqlalchemy import update

from core import runtime
from core.models import Trunk
from lab import factories
from twilio_gateway.accounts import TwilioAccounts, configured_account
from twilio_gateway.signatures import SIGNATURE_HEADER, sign

from lab.prism import ACCOUNT_SID, AUTH_TOKEN
from twilio_flows import (LANDLINE, LANDLINE_E164, MOBILE_E164, PUBLIC_BASE_URL, TWILIO_NUMBER, add_trunk,
                          deliveries, launch)

ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID = "AC" + "1a" * 16, "room-trunk-token", "+31201110000"
SHARED_SID, SHARED_TOKEN, SHARED_CALLER_ID = "AC" + "2b" * 16, "shared-trunk-token", "+31202220000"
OTHER_SID, OTHER_TOKEN = "AC" + "3c" * 16, "other-room-token"
MISSING_ENV = "UITKIJK_TRUNK_TEST_TOKEN_NOT_SET"
SMS_STATUS = "/webhooks/twilio/sms/status"


@pytest.fixture
def trunk_config(twilio_config, twilio_api):
    return {**twilio_config, "TWILIO_API_BASE_URL": twilio_api.base_url, "TWILIO_CALLS_PER_S": 50}


@pytest.fixture
def trunk_app(trunk_config):
    from app import create_app

    application = create_app(trunk_config)
    yield application
    runtime.uninstall()


def other_room(rt):
    with rt.db.session() as session:
        return factories.control_room(session, "Meldkamer Noord")[0].id


def sent(twilio_api, resource):
    """(account, token, From, To) of each create request of Messages or Calls Twilio received."""
    return [(r.account_sid, r.auth_token, r.form.get("From"), r.form.get("To")) for r in twilio_api.requests
            if re.fullmatch(rf"/2010-04-01/Accounts/{r.account_sid}/{resource}\.json", r.path)]


def test_room_trunk_sends_the_rooms_sms_from_its_caller_id(trunk_app, twilio_api, work):
    """The room's own trunk wins over a shared one: its account, token and caller ID; the ledger has the SID."""
    rt = runtime.get()
    ids = launch(rt)
    add_trunk(rt, "zuid", ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, room_id=ids["room"])
    add_trunk(rt, "gedeeld", SHARED_SID, SHARED_TOKEN, SHARED_CALLER_ID)
    work()
    assert sent(twilio_api, "Messages") == [(ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, MOBILE_E164)]
    [delivery] = deliveries(rt, ids["action"])
    assert (delivery.state, delivery.transport) == ("sent", "twilio-sms")
    assert re.fullmatch(r"SM[0-9a-f]{32}", delivery.provider_ref)


def test_room_trunk_places_the_rooms_calls_at_its_pace(trunk_app, twilio_api, work):
    """An alert call leaves through the room's trunk, from its caller ID, paced at its calls per second."""
    rt = runtime.get()
    ids = launch(rt, ((LANDLINE, 400),))
    add_trunk(rt, "zuid", ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, room_id=ids["room"], cps="3")
    work()
    assert sent(twilio_api, "Calls") == [(ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, LANDLINE_E164)]
    [delivery] = deliveries(rt, ids["action"])
    assert (delivery.state, delivery.transport) == ("sending", "twilio-voice")
    assert delivery.detail["call_sid"].startswith("CA")
    with rt.db.session() as session:
        account = TwilioAccounts(rt.config, "voice").for_action(session, ids["action"])
    assert (account.source, account.rate_per_s) == ("trunk zuid", 3.0)


def test_without_a_room_trunk_a_shared_one_is_used(trunk_app, twilio_api, work):
    """Another room's trunk is not this room's; a trunk with no control room is everyone's."""
    rt = runtime.get()
    add_trunk(rt, "noord", OTHER_SID, OTHER_TOKEN, "+31203330000", room_id=other_room(rt))
    add_trunk(rt, "gedeeld", SHARED_SID, SHARED_TOKEN, SHARED_CALLER_ID)
    ids = launch(rt)
    work()
    assert sent(twilio_api, "Messages") == [(SHARED_SID, SHARED_TOKEN, SHARED_CALLER_ID, MOBILE_E164)]
    assert deliveries(rt, ids["action"])[0].state == "sent"


def test_without_trunks_the_configured_account_is_used(trunk_app, twilio_api, work):
    """No Twilio trunk rows: the TWILIO_* configuration, as before trunks existed."""
    rt = runtime.get()
    ids = launch(rt)
    work()
    assert sent(twilio_api, "Messages") == [(ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, MOBILE_E164)]
    assert deliveries(rt, ids["action"])[0].state == "sent"


def test_a_disabled_trunk_is_ignored(trunk_app, twilio_api, work):
    """The room's disabled trunk and a disabled shared one are passed over for the configuration."""
    rt = runtime.get()
    ids = launch(rt)
    add_trunk(rt, "zuid", ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, room_id=ids["room"], enabled=False)
    add_trunk(rt, "gedeeld", SHARED_SID, SHARED_TOKEN, SHARED_CALLER_ID, enabled=False)
    work()
    assert sent(twilio_api, "Messages") == [(ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, MOBILE_E164)]


def test_a_confirmation_leaves_through_the_shared_trunk(trunk_app, twilio_api):
    """A send outside any action (a sign-up code) takes the shared trunk, never a room's."""
    rt = runtime.get()
    add_trunk(rt, "noord", OTHER_SID, OTHER_TOKEN, "+31203330000", room_id=other_room(rt))
    add_trunk(rt, "gedeeld", SHARED_SID, SHARED_TOKEN, SHARED_CALLER_ID)
    with rt.db.session() as session:
        result = rt.transports["sms"].send_direct(session, MOBILE_E164, "Uitkijk: uw code is 123456")
    assert result.state == "sent"
    assert sent(twilio_api, "Messages") == [(SHARED_SID, SHARED_TOKEN, SHARED_CALLER_ID, MOBILE_E164)]


@pytest.fixture
def unconfigured_rt(twilio_config, twilio_api):
    """The runtime with Twilio on both channels but no TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN."""
    yield runtime.configure({**twilio_config, "TWILIO_API_BASE_URL": twilio_api.base_url,
                             "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""})
    runtime.uninstall()


def test_a_trunk_needs_no_configured_account(unconfigured_rt, twilio_api, work):
    """With no TWILIO_ACCOUNT_SID at all, a room with a Twilio trunk sends through it."""
    ids = launch(unconfigured_rt)
    add_trunk(unconfigured_rt, "zuid", ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, room_id=ids["room"])
    work()
    assert sent(twilio_api, "Messages") == [(ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, MOBILE_E164)]
    assert deliveries(unconfigured_rt, ids["action"])[0].state == "sent"


def test_no_trunk_and_no_configured_account_fails_the_send(unconfigured_rt, twilio_api, work):
    """Neither a trunk nor TWILIO_ACCOUNT_SID: the delivery fails at once, saying so."""
    ids = launch(unconfigured_rt)
    work()
    [delivery] = deliveries(unconfigured_rt, ids["action"])
    assert (delivery.state, delivery.not_before) == ("failed", None)
    assert delivery.error.startswith("twilio-account: no Twilio account") and twilio_api.requests == []


def test_a_trunk_token_from_a_missing_environment_variable_fails_the_send(trunk_app, twilio_api, work,
                                                                          monkeypatch, caplog):
    """The token's environment variable is not set: the call fails, saying so, and the account's webhooks are
    refused; nothing is sent to Twilio and the worker's job ends normally."""
    monkeypatch.delenv(MISSING_ENV, raising=False)
    rt = runtime.get()
    ids = launch(rt, ((LANDLINE, 400),))
    add_trunk(rt, "zuid", ROOM_SID, f"env:{MISSING_ENV}", ROOM_CALLER_ID, room_id=ids["room"])
    work()
    [delivery] = deliveries(rt, ids["action"])
    assert (delivery.state, delivery.not_before) == ("failed", None)
    assert delivery.error == ("twilio-account: Twilio trunk zuid: auth token unavailable: "
                              f"environment variable {MISSING_ENV} is not set")
    assert twilio_api.requests == []
    assert all(queue.failed_job_registry.count == 0 for queue in rt.queues.in_priority_order())
    assert "Twilio trunk zuid cannot send" in caplog.text
    form = {"AccountSid": ROOM_SID, "CallSid": "CA" + "12" * 16, "CallStatus": "busy"}
    status = f"/webhooks/twilio/voice/status?delivery={delivery.id}"
    assert _post(trunk_app, status, form, ROOM_TOKEN).status_code == 403
    monkeypatch.setenv(MISSING_ENV, ROOM_TOKEN)  # the operator sets it: the room's sends can leave again
    with rt.db.session() as session:
        account = TwilioAccounts(rt.config, "voice").for_action(session, ids["action"])
    assert (account.account_sid, account.auth_token, account.from_number) == (ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID)


def _post(app, path, form, token):
    headers = {SIGNATURE_HEADER: sign(token, PUBLIC_BASE_URL + path, form)}
    return app.test_client().post(path, data=form, headers=headers)


def test_webhooks_are_checked_with_the_token_of_their_account(trunk_app, work, caplog):
    """A callback of the trunk's account, signed with its token, is taken (even once the trunk is disabled);
    signed with another token, or naming an account not configured here, it is refused and changes nothing."""
    rt = runtime.get()
    ids = launch(rt)
    add_trunk(rt, "zuid", ROOM_SID, ROOM_TOKEN, ROOM_CALLER_ID, room_id=ids["room"])
    work()
    [delivery] = deliveries(rt, ids["action"])
    path = f"{SMS_STATUS}?delivery={delivery.id}"
    form = {"AccountSid": ROOM_SID, "MessageSid": delivery.provider_ref, "MessageStatus": "delivered",
            "To": MOBILE_E164}

    assert _post(trunk_app, path, form, AUTH_TOKEN).status_code == 403  # the configured account's token
    assert _post(trunk_app, path, {**form, "AccountSid": OTHER_SID}, OTHER_TOKEN).status_code == 403
    assert deliveries(rt, ids["action"])[0].state == "sent"
    assert "wrong X-Twilio-Signature" in caplog.text and "is not configured" in caplog.text

    with rt.db.session() as session:
        session.execute(update(Trunk).where(Trunk.name == "zuid").values(enabled=False))
    assert _post(trunk_app, path, form, ROOM_TOKEN).status_code == 204
    assert deliveries(rt, ids["action"])[0].state == "delivered"
    assert ROOM_TOKEN not in caplog.text and AUTH_TOKEN not in caplog.text


def test_configured_account_needs_both_keys():
    """An account SID without a token (or the other way round) stops the start, naming the missing key."""
    assert configured_account({}, "sms") is None
    with pytest.raises(ValueError, match="set TWILIO_AUTH_TOKEN"):
        configured_account({"TWILIO_ACCOUNT_SID": ACCOUNT_SID}, "sms")
    with pytest.raises(ValueError, match="set TWILIO_ACCOUNT_SID"):
        configured_account({"TWILIO_AUTH_TOKEN": AUTH_TOKEN}, "voice")
