"""CAP 1.2 documents (OASIS) of publication messages, one <info> per language.

Follows Google Public Alerts' content rules: <expires> always, no "Unknown" urgency, severity or
certainty, areaDesc under 50 characters, one <info> per language, a <web> page and a geometry.
"""
from datetime import timezone

from lxml import etree

from core.public_texts import CAP_LANGUAGE

from core import public_urls as urls

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
# Per message type: (urgency, severity, certainty); a Cancel is about the past.
ASSESSMENT = {
    "amber_alert": {"Alert": ("Immediate", "Severe", "Observed"), "Update": ("Immediate", "Severe", "Observed"),
                    "Cancel": ("Past", "Minor", "Observed")},
    "missing_person": {"Alert": ("Immediate", "Moderate", "Observed"),
                       "Update": ("Immediate", "Moderate", "Observed"), "Cancel": ("Past", "Minor", "Observed")},
}


def cap_time(moment):
    """CAP's dateTime: seconds and a numeric offset, never "Z"."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _text(parent, name, value):
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    element.text = str(value)
    return element


def _pairs(points):
    return " ".join(f"{lat:.4f},{lon:.4f}" for lat, lon in points)


def polygon_text(ring):
    """A CAP polygon: lat,lon pairs, closed (first point again at the end)."""
    ring = list(ring)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return _pairs(ring)


def _area(info, area, description):
    element = etree.SubElement(info, f"{{{CAP_NS}}}area")
    _text(element, "areaDesc", description)
    if area["type"] == "circle":
        _text(element, "circle", f"{area['lat']:.5f},{area['lon']:.5f} {area['radius_m'] / 1000:.3f}")
    elif area.get("polygons"):  # drawn, regions, the country
        for polygon in area["polygons"]:  # CAP has no holes: the outer ring of each polygon
            _text(element, "polygon", polygon_text(polygon[0]))
    for code in area.get("codes", []):
        geocode = etree.SubElement(element, f"{{{CAP_NS}}}geocode")
        _text(geocode, "valueName", "CBS")
        _text(geocode, "value", code)


def references(sender, earlier):
    """CAP <references>: sender,identifier,sent of every earlier message, space separated."""
    return " ".join(f"{sender},{e.identifier},{cap_time(e.sent)}" for e in earlier)


def build_alert(event, earlier, config):
    """The unsigned <alert> element of one publication message; `earlier` are the chain's previous messages."""
    content = event.content
    sender = config["CAP_SENDER"]
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    for name, value in (("identifier", event.identifier), ("sender", sender), ("sent", cap_time(event.sent)),
                        ("status", content["status"]), ("msgType", event.msg_type), ("scope", "Public")):
        _text(alert, name, value)
    if earlier:
        _text(alert, "references", references(sender, earlier))
    urgency, severity, certainty = ASSESSMENT[content["kind"]][event.msg_type]
    for language, texts in content["texts"].items():
        info = etree.SubElement(alert, f"{{{CAP_NS}}}info")
        _text(info, "language", CAP_LANGUAGE[language])
        _text(info, "category", "Rescue")
        _text(info, "event", texts["event"])
        _text(info, "responseType", "AllClear" if event.msg_type == "Cancel" else "Monitor")
        for name, value in (("urgency", urgency), ("severity", severity), ("certainty", certainty)):
            _text(info, name, value)
        _text(info, "expires", cap_time(event.expires))
        _text(info, "senderName", config["CAP_SENDER_NAME"])
        for name in ("headline", "description", "instruction"):
            _text(info, name, texts[name])
        _text(info, "web", urls.page_url(config, content["page"]))
        _text(info, "contact", content["free_number"])
        for photo in content["photos"]:
            resource = etree.SubElement(info, f"{{{CAP_NS}}}resource")
            _text(resource, "resourceDesc", "Foto" if language == "nl" else "Photo")
            _text(resource, "mimeType", photo["mime_type"])
            _text(resource, "size", photo["size"])
            _text(resource, "uri", urls.photo_url(config, photo["token"]))
            _text(resource, "digest", photo["sha1"])
        _area(info, content["area"], content["area_desc"][language])
    return alert
