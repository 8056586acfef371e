"""Issue 16's 'done when', end to end: a national AMBER alert launched with a photo appears in the
signed CAP feed, the JSON feed and at a registered partner, is shared by its page, and disappears
with its photo when the child is found."""
import re

import pytest
from lxml import etree

from tests.conftest import app_for
from tests.integration.test_partner_webhooks import register, work_until
from tests.publish_support import (ATOM, WebhookReceiver, amber_body, cap_fields, consume_cap, launch_approved,
                                   path_of, signed_config)


@pytest.fixture
def app(config, signing):
    yield from app_for(signed_config(config, signing, PARTNER_RETRY_BASE_S=0.2, PARTNER_RETRY_MAX_S=0.5))


def og(html, key):
    found = re.search(rf'<meta property="{key}" content="([^"]*)"', html)
    return found.group(1) if found else None


def test_national_amber_alert_with_photo_from_launch_to_child_found(app, client, auth, room, signing):
    """Launch → signed CAP in the Atom feed, JSON item, partner webhook, page with photo tags;
    person found → only a Cancel everywhere, the photo gone."""
    with WebhookReceiver() as partner:
        _, partner.secret = register(app, partner.url)
        action = launch_approved(client, json=amber_body(room), headers=auth).get_json()

        entry = etree.fromstring(client.get("/publiek/cap.atom").get_data()).find(f"{ATOM}entry")
        cap_url = next(link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate")
        alert = cap_fields(consume_cap(client.get(path_of(cap_url)).get_data(), signing[2]))
        assert alert["msgType"] == "Alert" and alert["info"]["nl-NL"]["areaDesc"] == "Heel Nederland"
        photo_url = alert["info"]["nl-NL"]["resources"][0]
        item = client.get("/publiek/alerts.json").get_json()["alerts"][0]
        assert (item["level"], item["image_url"]) == ("national_amber", photo_url)
        work_until(lambda: len(partner.accepted) == 1)
        assert partner.accepted[0]["id"] == alert["identifier"] and partner.accepted[0]["image_url"] == photo_url

        page = client.get(path_of(action["publication"]["page_url"])).get_data(as_text=True)
        assert og(page, "og:title") == "AMBER Alert: Sanne (8) vermist" and og(page, "og:image") == photo_url
        assert client.get(path_of(photo_url)).status_code == 200

        client.post(f"/api/actions/{action['id']}/end", headers=auth, json={"result": "person_found"})
        work_until(lambda: len(partner.accepted) == 2)
        assert partner.accepted[1]["type"] == "Cancel" and partner.accepted[1]["image_url"] is None
        assert [e["type"] for e in client.get("/publiek/alerts.json").get_json()["alerts"]] == ["Cancel"]
        assert client.get(path_of(cap_url)).status_code == 410
        assert client.get(path_of(photo_url)).status_code == 410
        page = client.get(path_of(action["publication"]["page_url"])).get_data(as_text=True)
        assert og(page, "og:image") is None and "Sanne" not in page and "roze jas" not in page
