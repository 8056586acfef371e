"""Partners registered by an admin receive every public message by a signed webhook, retried on failure."""
import json
from datetime import timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

import publish.channel
from core import partners, runtime
from core.models import Partner, PartnerDelivery, utcnow
from publish.partners import requeue_stale
from tests.conftest import app_for
from tests.integration.admin_web import login, make_user, post
from tests.publish_support import WebhookReceiver, amber_body, launch_approved, signed_config, work_until

@pytest.fixture
def app(config, signing):
    yield from app_for(signed_config(config, signing, PARTNER_RETRY_BASE_S=0.2, PARTNER_RETRY_MAX_S=0.5))


def register(app, url, name="NS stationsschermen"):
    with app.extensions["uitkijk"].db.session() as session:
        partner, secret = partners.register_partner(session, name, url, "user:admin@example.org", app.config)
        return partner.id, secret


def log_rows(app, partner_id):
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalars(select(PartnerDelivery).where(PartnerDelivery.partner_id == partner_id)
                               .order_by(PartnerDelivery.id)).all()


def test_partner_gets_alert_and_cancel_signed_and_retried_after_500(app, client, auth, room):
    """The receiver answers 500 twice: the Alert arrives on the third attempt, the Cancel carries no child data."""
    with WebhookReceiver(fail_first=2) as receiver:
        partner_id, receiver.secret = register(app, receiver.url)
        action = launch_approved(client, json=amber_body(room), headers=auth).get_json()
        work_until(lambda: len(receiver.accepted) == 1)
        assert [status for status, _, _ in receiver.attempts] == [500, 500, 200]
        alert = receiver.accepted[0]
        assert alert["type"] == "Alert" and alert["level"] == "national_amber"
        assert alert["image_url"] and "roze jas" in alert["description"]
        assert receiver.attempts[-1][1]["X-Uitkijk-Event"] == "Alert"
        row, = log_rows(app, partner_id)
        assert (row.state, row.attempts, row.last_status) == ("delivered", 3, 200)

        client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "person_found"})
        work_until(lambda: len(receiver.accepted) == 2)
        cancel = receiver.accepted[1]
        assert cancel["type"] == "Cancel" and cancel["image_url"] is None
        assert "Sanne" not in json.dumps(cancel) and cancel["description"].startswith("Het kind is gevonden")


def test_a_forged_or_stale_signature_is_what_the_receiver_refuses(app, client, auth, room):
    """With the wrong secret every attempt is refused (401) and the log shows it; it ends failed, not lost silently."""
    app.extensions["uitkijk"].config["PARTNER_MAX_ATTEMPTS"] = 2
    with WebhookReceiver(secret="not-the-partner-secret") as receiver:
        partner_id, _ = register(app, receiver.url)
        launch_approved(client, json=amber_body(room), headers=auth)
        work_until(lambda: log_rows(app, partner_id)[0].state == "failed")
        assert [status for status, _, _ in receiver.attempts] == [401, 401]
        row, = log_rows(app, partner_id)
        assert row.last_status == 401 and row.last_error == "HTTP 401"


def test_a_message_withdrawn_before_delivery_is_never_sent(app, client, auth, room):
    """Partner unreachable until the Cancel: the Alert's delivery is withdrawn, only the Cancel goes out."""
    with WebhookReceiver() as receiver:
        partner_id, receiver.secret = register(app, receiver.url)
        action = launch_approved(client, json=amber_body(room), headers=auth).get_json()
        client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "person_found"})
        work_until(lambda: len(receiver.accepted) == 1)
        assert [m["type"] for m in receiver.accepted] == ["Cancel"]
        assert [r.state for r in log_rows(app, partner_id)] == ["withdrawn", "delivered"]


def test_deliveries_redis_never_got_are_sent_by_the_sweeper(app, client, auth, room, monkeypatch):
    """Redis refuses the partner jobs at launch: the log keeps them queued, the sweeper enqueues them later."""
    def redis_down(rt, ids):
        raise RedisConnectionError("Redis is down")

    with WebhookReceiver() as receiver:
        partner_id, receiver.secret = register(app, receiver.url)
        monkeypatch.setattr(publish.channel, "enqueue_deliveries", redis_down)
        assert launch_approved(client, json=amber_body(room), headers=auth).status_code == 201
        row, = log_rows(app, partner_id)
        assert row.state == "queued"
        rt = runtime.get()
        assert requeue_stale(rt) == []  # not yet: it may still be on its way
        assert requeue_stale(rt, now=utcnow() + timedelta(seconds=rt.config["REQUEUE_AFTER_S"] + 1)) == [row.id]
        work_until(lambda: len(receiver.accepted) == 1)
        assert receiver.accepted[0]["type"] == "Alert"


def test_the_admin_registers_a_partner_and_reads_its_delivery_log(app, client, auth, room):
    """The secret is shown once at registration, the log page lists each message with attempts and answer."""
    app.config["SECURE_COOKIES"] = False
    admin = app.test_client()
    login(admin, make_user(app, "admin"))
    with WebhookReceiver(fail_first=1) as receiver:
        created = post(admin, "/config/partners/new", {"name": "Wegwijzer schermen", "url": receiver.url})
        html = created.get_data(as_text=True)
        assert created.status_code == 200 and "maar één keer" in html
        receiver.secret = html.split('id="partner-secret">', 1)[1].split("<", 1)[0]
        launch_approved(client, json=amber_body(room), headers=auth)
        work_until(lambda: len(receiver.accepted) == 1)
        listing = admin.get("/config/partners/").get_data(as_text=True)
        assert "Wegwijzer schermen" in listing
        partner_id = log_rows_by_name(app, "Wegwijzer schermen")
        log = admin.get(f"/config/partners/{partner_id}").get_data(as_text=True)
        assert "afgeleverd" in log and "uitkijk-" in log and ">2<" in log  # two attempts: 500, then 200
        assert receiver.secret not in admin.get(f"/config/partners/{partner_id}").get_data(as_text=True)
    bad = post(admin, "/config/partners/new", {"name": "X", "url": "ftp://nope"})
    assert bad.status_code == 400 and "url" in bad.get_data(as_text=True)


def log_rows_by_name(app, name):
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalar(select(Partner.id).where(Partner.name == name))
