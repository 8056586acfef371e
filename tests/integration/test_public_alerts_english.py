"""The English <info> of a public alert: the operator's English words when written, else the project's own
English for the structured parts and a plain statement that the description is in Dutch; never the Dutch
text copied in. Every document is schema-valid signed CAP 1.2 with one <info> per language."""
import pytest
from lxml import etree

from tests.conftest import app_for
from tests.publish_support import ATOM, amber_body, cap_fields, consume_cap, launch_approved, path_of, signed_config

DUTCH = "Meisje van 8, blond haar, roze jas, mogelijk in een grijze bestelbus."


@pytest.fixture
def app(config, signing):
    yield from app_for(signed_config(config, signing, CAP_STATUS="Test"))


def _cap(client, signing, identifier_url):
    return cap_fields(consume_cap(client.get(path_of(identifier_url)).get_data(), signing[2]))


def _latest_cap(client, signing):
    """The CAP document of the Atom feed's newest entry, as a consumer reads it."""
    entry = etree.fromstring(client.get("/publiek/cap.atom").get_data()).find(f"{ATOM}entry")
    link = next(link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate")
    return _cap(client, signing, link)


def test_without_english_words_the_english_info_says_the_description_is_dutch(client, auth, room, signing):
    assert launch_approved(client, json=amber_body(room), headers=auth).status_code == 201
    alert = _latest_cap(client, signing)
    assert [lang for lang in alert["info"]] == ["nl-NL", "en-GB"]  # one info per language
    nl, en = alert["info"]["nl-NL"], alert["info"]["en-GB"]
    assert nl["description"] == DUTCH and nl["headline"] == "AMBER Alert: Sanne (8) vermist"
    assert en["headline"] == "AMBER Alert: All of the Netherlands"
    assert "in Dutch only" in en["description"] and "All of the Netherlands" in en["description"]
    for dutch in ("roze jas", "Sanne", "vermist"):
        assert dutch not in en["description"] and dutch not in en["headline"]
    assert en["event"] == "AMBER Alert" and "Call free on" in en["instruction"]
    item = client.get("/publiek/alerts.json?lang=en").get_json()["alerts"][0]
    assert item["title"] == en["headline"] and "roze jas" not in item["description"]


def test_the_operators_english_words_are_the_english_info_and_an_update_changes_them(client, auth, room, signing):
    body = amber_body(room, title_en="Sanne (8) missing",
                      message_en="Girl aged 8, blond hair, pink coat, possibly in a grey van.")
    action = launch_approved(client, json=body, headers=auth).get_json()
    en = _latest_cap(client, signing)["info"]["en-GB"]
    assert en["headline"] == "AMBER Alert: Sanne (8) missing" and en["description"].startswith("Girl aged 8")
    response = client.post(f"/api/actions/{action['id']}/publication", headers=auth,
                           json={"message_en": "Girl aged 8, pink coat. Seen at Utrecht Central station."})
    assert response.status_code == 200, response.get_json()
    update = _cap(client, signing, response.get_json()["cap_url"])
    assert update["msgType"] == "Update"
    assert "Utrecht Central" in update["info"]["en-GB"]["description"]
    assert update["info"]["nl-NL"]["description"] == DUTCH  # the Dutch stays as it was
    assert update["info"]["en-GB"]["headline"] == "AMBER Alert (updated): Sanne (8) missing"


@pytest.mark.parametrize("extra, field", [
    ({"title_en": "x" * 121}, "title_en"),
    ({"message_en": "   "}, "message_en"),
    ({"message_en": 42}, "message_en"),
    ({"kind": "burglary", "area": {"type": "circle", "lat": 52.3, "lon": 5.04, "radius_m": 500},
      "title_en": "Burglary"}, "title_en"),  # only a public alert has an English text
])
def test_bad_english_words_are_refused_naming_the_field(client, auth, room, extra, field):
    response = launch_approved(client, json=amber_body(room, **extra), headers=auth)
    assert response.status_code == 400 and response.get_json()["field"] == field
    assert client.get("/publiek/alerts.json").get_json()["alerts"] == []


def test_the_public_page_speaks_the_visitors_language(client, auth, room):
    """The page's own words come from the web's catalogues: Dutch by default, the browser's Accept-Language
    or ?lang= otherwise; the alert's words are those of the page's language, and the page is cached per language."""
    action = launch_approved(client, json=amber_body(room), headers=auth).get_json()
    page_path = path_of(action["publication"]["page_url"])
    dutch = client.get(page_path)
    assert "Wat kunt u doen?" in dutch.get_data(as_text=True) and '<html lang="nl">' in dutch.get_data(as_text=True)
    assert "Accept-Language" in dutch.headers["Vary"]
    english = client.get(page_path, headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "What can you do?" in english and "Share this alert" in english and "Call free on" in english
    assert '<html lang="en">' in english and "roze jas" not in english
    chosen = client.get(page_path + "?lang=en", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "What can you do?" in chosen
    # German for the border area: the page's words in German, the alert's own (Dutch) words marked as Dutch.
    german = client.get(page_path, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de">' in german and "Was können Sie tun?" in german and "Diesen Aufruf teilen" in german
    assert '<p id="description" lang="nl">' in german and "roze jas" in german
