"""The feeds display panels and websites poll: Atom of the current CAP messages, and JSON.

Atom follows the OASIS CAP feeds note (an entry per alert, linking its CAP document). The JSON
items have the shape display vendors read from Burgernet; partners' webhooks carry the same item.
Each feed has a validator (ETag, Last-Modified) so thousands of pollers mostly get 304.
"""
import hashlib
import json

from lxml import etree

from core import public_urls as urls
from .cap import cap_time

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:uitkijk:public-alerts"


def json_item(event, config, language="nl"):
    """One message as a display vendor reads it; a Cancel carries no description, photo or page text."""
    content = event.content
    texts = content["texts"][language]
    area = content["area"]
    photos = content["photos"]
    item = {
        "id": event.identifier, "alert": f"uitkijk-{content['page']}", "sent": cap_time(event.sent),
        "expires": cap_time(event.expires), "type": event.msg_type, "level": content["level"],
        "status": content["status"], "title": texts["headline"], "description": texts["description"],
        "instruction": texts["instruction"], "readmore_url": urls.page_url(config, content["page"]),
        "image_url": urls.photo_url(config, photos[0]["token"]) if photos else None,
        "image_urls": [urls.photo_url(config, p["token"]) for p in photos],
        "cap_url": urls.cap_url(config, event.identifier),
        "area": {"description": content["area_desc"][language], "circle": None, "polygons": None},
    }
    if area.get("polygons"):
        item["area"]["polygons"] = [polygon[0] for polygon in area["polygons"]]
    if area["type"] == "circle":
        item["area"]["circle"] = {"lat": area["lat"], "lon": area["lon"], "radius_km": area["radius_m"] / 1000}
    return item


def json_feed(events, config, language="nl"):
    return {"generated_by": "Uitkijk", "language": language, "alerts": [json_item(e, config, language) for e in events]}


def json_body(events, config, language="nl"):
    return json.dumps(json_feed(events, config, language), ensure_ascii=False, sort_keys=True).encode()


def atom_feed(events, config, updated):
    """The Atom document of the current messages; `updated` is when the set last changed."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _el(feed, "id", FEED_ID)
    _el(feed, "title", "Uitkijk: AMBER Alerts en vermissingen")
    _el(feed, "updated", cap_time(updated))
    author = _el(feed, "author", None)
    _el(author, "name", config["CAP_SENDER_NAME"])
    self_link = _el(feed, "link", None)
    self_link.set("rel", "self")
    self_link.set("href", urls.feed_url(config, urls.ATOM_FEED))
    for event in events:
        texts = event.content["texts"]["nl"]
        entry = _el(feed, "entry", None)
        _el(entry, "id", f"urn:uitkijk:cap:{event.identifier}")
        _el(entry, "title", texts["headline"])
        _el(entry, "updated", cap_time(event.sent))
        _el(entry, "summary", texts["description"])
        link = _el(entry, "link", None)
        link.set("rel", "alternate")
        link.set("type", "application/cap+xml")
        link.set("href", urls.cap_url(config, event.identifier))
        page = _el(entry, "link", None)
        page.set("rel", "related")
        page.set("type", "text/html")
        page.set("href", urls.page_url(config, event.content["page"]))
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")


def _el(parent, name, text):
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def etag_of(body):
    return hashlib.sha256(body).hexdigest()[:32]
