"""AMBER alerts and published missing persons: signed CAP 1.2, the feeds, the page, withdrawal at Cancel."""
import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from lxml import etree
from sqlalchemy import select

from core import publication
from core.models import AuditEvent, Photo, Publication, utcnow
from lab import factories
from tests.conftest import app_for
from tests.integration.admin_web import login, make_user
from tests.publish_support import (ATOM, DisplayPanel, amber_body, b64, cap_fields, consume_cap, jpeg_with_gps,
                                   launch_approved, path_of, signed_config)

@pytest.fixture
def app(config, signing):
    yield from app_for(signed_config(config, signing, CAP_STATUS="Test"))


def test_a_national_amber_alert_is_signed_cap_in_both_feeds_and_withdrawn_at_cancel(client, auth, room, signing):
    """Alert, Update and Cancel are schema-valid signed CAP 1.2 with references; the Cancel withdraws the rest."""
    cert = signing[2]
    launched = launch_approved(client, json=amber_body(room), headers=auth)
    assert launched.status_code == 201, launched.get_json()
    action = launched.get_json()
    page_url = action["publication"]["page_url"]

    feed = etree.fromstring(client.get("/publiek/cap.atom").get_data())
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["AMBER Alert: Sanne (8) vermist"]
    cap_link = next(link.get("href") for link in entries[0].findall(f"{ATOM}link") if link.get("rel") == "alternate")
    alert_doc = client.get(path_of(cap_link))
    assert alert_doc.mimetype == "application/cap+xml"
    alert = cap_fields(consume_cap(alert_doc.get_data(), cert))
    assert alert["msgType"] == "Alert" and alert["status"] == "Test" and alert["scope"] == "Public"
    assert alert["references"] is None and alert["sent"].endswith("+00:00")
    assert set(alert["info"]) == {"nl-NL", "en-GB"}
    nl = alert["info"]["nl-NL"]
    assert nl["event"] == "AMBER Alert" and nl["category"] == "Rescue"
    assert "Unknown" not in (nl["urgency"], nl["severity"], nl["certainty"])
    assert nl["expires"] and nl["web"] == page_url and "0800 0011" in nl["instruction"] and "112" in nl["instruction"]
    assert nl["areaDesc"] == "Heel Nederland" and len(nl["areaDesc"]) < 50 and nl["polygons"]
    assert alert["info"]["en-GB"]["areaDesc"] == "All of the Netherlands"
    photo_url = nl["resources"][0]
    photo = client.get(path_of(photo_url))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert b"Exif" not in photo.get_data()[:200] and b"PhoneMaker" not in photo.get_data()

    item = client.get("/publiek/alerts.json").get_json()["alerts"][0]
    assert item["type"] == "Alert" and item["level"] == "national_amber"
    assert item["title"] == "AMBER Alert: Sanne (8) vermist" and "roze jas" in item["description"]
    assert item["readmore_url"] == page_url and item["image_url"] == photo_url
    assert item["area"]["description"] == "Heel Nederland"

    updated = client.post(f"/api/actions/{action['id']}/publication", headers=auth,
                          json={"message": "Meisje van 8, blond haar, roze jas. Gezien bij station Utrecht."})
    assert updated.status_code == 200, updated.get_json()
    update = cap_fields(consume_cap(client.get(path_of(updated.get_json()["cap_url"])).get_data(), cert))
    assert update["msgType"] == "Update"
    assert update["references"] == f"{alert['sender']},{alert['identifier']},{alert['sent']}"
    assert "station Utrecht" in update["info"]["nl-NL"]["description"]

    ended = client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "person_found"})
    assert ended.status_code == 200
    assert ended.get_json()["publication"]["status"] == "cancelled"
    entries = etree.fromstring(client.get("/publiek/cap.atom").get_data()).findall(f"{ATOM}entry")
    assert len(entries) == 1
    cancel_link = next(link.get("href") for link in entries[0].findall(f"{ATOM}link") if link.get("rel") == "alternate")
    cancel_doc = client.get(path_of(cancel_link)).get_data()
    cancel = cap_fields(consume_cap(cancel_doc, cert))
    assert cancel["msgType"] == "Cancel"
    assert cancel["references"].split(" ") == [f"{alert['sender']},{alert['identifier']},{alert['sent']}",
                                              f"{update['sender']},{update['identifier']},{update['sent']}"]
    assert cancel["info"]["nl-NL"]["description"].startswith("Het kind is gevonden")
    assert cancel["info"]["nl-NL"]["resources"] == []
    for text in (b"Sanne", b"roze jas", b"foto/"):
        assert text not in cancel_doc
    assert client.get(path_of(cap_link)).status_code == 410
    assert client.get(path_of(updated.get_json()["cap_url"])).status_code == 410
    assert client.get(path_of(photo_url)).status_code == 410
    item = client.get("/publiek/alerts.json").get_json()["alerts"][0]
    assert item["type"] == "Cancel" and item["image_url"] is None and "Sanne" not in json.dumps(item)


def test_expired_messages_leave_the_feeds(app, client, auth, room):
    """Once its <expires> has passed a message is no longer in the Atom or JSON feed."""
    action = launch_approved(client, json=amber_body(room), headers=auth).get_json()
    with app.extensions["uitkijk"].db.session() as session:
        assert len(publication.current_events(session)) == 1
        later = utcnow() + timedelta(seconds=app.config["PUBLIC_ALERT_TTL_S"] + 1)
        assert publication.current_events(session, now=later) == []
    assert action["publication"]["status"] == "active"


def test_display_panel_polls_with_conditional_requests_and_clears_on_cancel(client, auth, room):
    """A panel gets 304 while nothing changed, the alert after launch, and an empty screen after the Cancel."""
    panels = [DisplayPanel(client, "/publiek/alerts.json"), DisplayPanel(client, "/publiek/cap.atom")]

    def showing(panel):
        if panel.path.endswith(".json"):
            return [a["title"] for a in json.loads(panel.body)["alerts"] if a["type"] != "Cancel"]
        entries = etree.fromstring(panel.body).findall(f"{ATOM}entry")
        return [e.findtext(f"{ATOM}title") for e in entries if not e.findtext(f"{ATOM}title").endswith("beëindigd")]

    for panel in panels:
        assert panel.poll() == 200 and showing(panel) == []
        assert panel.poll() == 304
    action = launch_approved(client, json=amber_body(room), headers=auth).get_json()
    for panel in panels:
        assert panel.poll() == 200 and showing(panel) == ["AMBER Alert: Sanne (8) vermist"]
        assert panel.poll() == 304
    client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "person_found"})
    for panel in panels:
        assert panel.poll() == 200 and showing(panel) == []
        assert b"Sanne" not in panel.body
        assert panel.poll() == 304


@pytest.mark.parametrize("body, field", [
    ({"kind": "burglary", "public": True}, "public"),
    ({"kind": "missing_person", "public": True}, "family_consent"),
    ({"kind": "missing_person", "public": True, "family_consent": "ja"}, "family_consent"),
    ({"kind": "amber_alert", "public": "yes"}, "public"),
    ({"kind": "amber_alert", "photos": ["not base64!"]}, "photos[0]"),
    ({"kind": "amber_alert", "photos": [b64(b"GIF89a no image")]}, "photos[0]"),
])
def test_what_may_not_be_published_is_refused_naming_the_field(app, client, auth, room, body, field):
    """Publishing a burglary, a missing person without consent or a broken photo: 400, nothing launched."""
    circle = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 2500}
    response = launch_approved(client, json={**amber_body(room, photos=None, area=circle), **body}, headers=auth)
    assert response.status_code == 400 and response.get_json()["field"] == field
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(Publication)) is None


def test_a_missing_person_is_published_only_with_recorded_consent(app, client, auth, room):
    """Without `public` a missing person stays private; with it and consent, who consented is recorded."""
    private = launch_approved(client, headers=auth, json=amber_body(room, kind="missing_person", area={
        "type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 2500})).get_json()
    assert private["publication"] is None
    public = launch_approved(client, headers=auth, json=amber_body(
        room, kind="missing_person", public=True, family_consent=True, area_name="Weesp",
        area={"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 2500})).get_json()
    assert public["publication"]["consent_by"].startswith("token:")
    item = client.get("/publiek/alerts.json").get_json()["alerts"]
    assert [a["level"] for a in item] == ["missing_person"]
    assert item[0]["area"] == {"description": "Weesp en omgeving (2,5 km)",
                               "circle": {"lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_km": 2.5},
                               "polygons": None}
    with app.extensions["uitkijk"].db.session() as session:
        verbs = session.scalars(select(AuditEvent.verb).where(AuditEvent.subject_type == "action")).all()
        assert verbs.count("publish") == 1


def test_a_photo_added_later_goes_out_as_an_update(app, client, auth, room, signing):
    """A photo uploaded after launch (multipart) is cleaned, stored and published in an Update."""
    action = launch_approved(client, json=amber_body(room, photos=None), headers=auth).get_json()
    response = client.post(f"/api/actions/{action['id']}/photos", headers=auth,
                           data={"photo": (__import__("io").BytesIO(jpeg_with_gps(4000, 3000)), "kind.jpg")})
    assert response.status_code == 201, response.get_json()
    update = cap_fields(consume_cap(client.get(path_of(response.get_json()["cap_url"])).get_data(), signing[2]))
    assert update["msgType"] == "Update" and len(update["info"]["nl-NL"]["resources"]) == 1
    with app.extensions["uitkijk"].db.session() as session:
        photo = session.scalar(select(Photo))
        assert max(photo.width, photo.height) == app.config["PHOTO_MAX_SIDE"]


def test_the_alert_sms_of_a_public_action_links_its_page(app, client, auth, room, work):
    """A participant's SMS carries the public page's address (where the photo is); a private one does not."""
    action = launch_approved(client, json=amber_body(room), headers=auth).get_json()
    work()
    outbox = client.get("/api/outbox", headers=auth).get_json()
    sms = [m for m in outbox if m["channel"] == "sms"]
    assert len(sms) == 1 and action["publication"]["page_url"] in sms[0]["body"]
    assert "Foto en info: https://uitkijk.example.nl/publiek/" in sms[0]["body"]
    assert "/echt" not in sms[0]["body"]  # the check is pointed at on the page, not in the SMS (its segments)
    page = client.get(urlsplit(action["publication"]["page_url"]).path).get_data(as_text=True)
    assert 'Twijfelt u of een bericht echt is? Controleer de code op <a href="http://localhost/echt">' in page


def test_consumers_fetch_the_signing_certificate_and_admins_see_which_it_is(app, client, signing):
    """The certificate is public at a fixed address; the admin's partner page names its fingerprint."""
    response = client.get("/publiek/cap-certificaat.pem")
    assert response.status_code == 200 and response.get_data() == signing[2]
    app.config["SECURE_COOKIES"] = False
    admin = app.test_client()
    login(admin, make_user(app, "admin"))
    page = admin.get("/config/partners/").get_data(as_text=True)
    assert "Uitkijk CAP signing (test)" in page and "SHA-256" in page


def test_the_json_feed_in_english_and_a_private_actions_photo_deleted_at_its_end(app, client, auth, room):
    """?lang=en gives the English texts; a non-public action's photo is deleted when it ends, too."""
    launch_approved(client, json=amber_body(room), headers=auth)
    item = client.get("/publiek/alerts.json?lang=en").get_json()["alerts"][0]
    assert item["area"]["description"] == "All of the Netherlands" and "Call free on" in item["instruction"]
    circle = {"type": "circle", "lat": factories.CENTRE[0], "lon": factories.CENTRE[1], "radius_m": 2500}
    private = launch_approved(client, headers=auth, json=amber_body(room, kind="missing_person", area=circle,
                                                                         client_request_id="private-1")).get_json()
    client.post(f"/api/actions/{private['id']}/end", headers=auth, json={"result": "person_found"})
    with app.extensions["uitkijk"].db.session() as session:
        photo = session.scalar(select(Photo).where(Photo.action_id == private["id"]))
        assert photo.data is None and photo.withdrawn_at is not None
