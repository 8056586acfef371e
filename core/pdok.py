"""PDOK's Locatieserver (the Dutch government's geocoder over the BAG) as a geocoder.

One GET of the `free` service per address, filtered to addresses (`fq=type:adres`) and to the
house number asked for; of the documents it answers, only one whose postcode or street and place,
house number, letter and addition are the ones asked for is taken (the service also returns near
matches, by design). The answer's shape is Solr's: {"response": {"numFound", "start", "docs": [...]}},
each document with `centroide_ll` as WKT "POINT(lon lat)" and the CBS `wijkcode` and `buurtcode`.
"""
import logging
import re

import requests

from .address_input import fold, house_text, street_keys
from .errors import ValidationError
from .geocoding import Place, label_of

log = logging.getLogger(__name__)

FIELDS = ("weergavenaam,straatnaam,huisnummer,huisletter,huisnummertoevoeging,postcode,woonplaatsnaam,"
          "gemeentecode,wijkcode,buurtcode,centroide_ll")
ROWS = 10
_POINT = re.compile(r"POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)")


class PdokGeocoder:
    name = "pdok"

    def __init__(self, base_url, timeout_s=5.0):
        self.url = base_url.rstrip("/") + "/free"
        self.timeout = timeout_s

    def locate(self, query, field):
        if query.postcode:
            text = f"{query.postcode} {query.house}"
            filters = ["type:adres", f"postcode:{query.postcode}", f"huisnummer:{query.house_number}"]
        else:
            text = f"{query.street} {query.house} {query.city}"
            filters = ["type:adres", f"huisnummer:{query.house_number}"]
        docs = self._search(text, filters, field)
        for doc in docs:
            if _matches(doc, query):
                return _place(doc, field)
        if query.postcode:
            raise ValidationError(f"{field}.house_number", "no address %(address)s is known to the address register",
                                  address=query.describe())
        raise ValidationError(f"{field}.street", "no address %(address)s is known to the address register",
                              address=query.describe())

    def _search(self, text, filters, field):
        try:
            response = requests.get(self.url, params={"q": text, "fq": filters, "fl": FIELDS, "rows": ROWS},
                                    timeout=self.timeout, headers={"Accept": "application/json"})
            response.raise_for_status()
            docs = response.json()["response"]["docs"]
            if not isinstance(docs, list):
                raise ValueError("docs is not a list")
            return [doc for doc in docs if isinstance(doc, dict)]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            log.warning("PDOK Locatieserver did not answer usably: %s", exc.__class__.__name__)
            raise ValidationError(field, "the address service cannot be reached right now; try again in a "
                                         "minute, or give the position on the map") from None


def _matches(doc, query):
    if doc.get("huisnummer") != query.house_number:
        return False
    if (str(doc.get("huisletter") or "").upper(), str(doc.get("huisnummertoevoeging") or "").upper()) not in (
            (query.house_letter, query.addition), (query.addition, query.house_letter)):
        return False
    if query.postcode:
        return doc.get("postcode") == query.postcode
    return fold(doc.get("straatnaam")) in street_keys(query.street) and fold(doc.get("woonplaatsnaam")) == fold(query.city)


def _place(doc, field):
    point = _POINT.fullmatch(str(doc.get("centroide_ll") or "").strip())
    if not point:
        raise ValidationError(field, "the address service gave no position for this address")
    lon, lat = float(point.group(1)), float(point.group(2))
    house = house_text(doc["huisnummer"], doc.get("huisletter"), doc.get("huisnummertoevoeging"))
    code = doc.get("gemeentecode")
    label = label_of(doc.get("straatnaam"), house, doc.get("postcode"), doc.get("woonplaatsnaam")) if doc.get(
        "straatnaam") else str(doc.get("weergavenaam") or house)
    return Place(lat, lon, label[:300], doc.get("postcode"), house, f"GM{code}" if code else None,
                 doc.get("wijkcode"), doc.get("buurtcode"))
