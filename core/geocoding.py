"""Geocoders behind one interface: an address in, a position (and its CBS neighbourhood) out.

`locate(query, field)` takes an AddressQuery (core.address_input) and returns a Place, or raises
ValidationError naming the field at fault: an unknown postcode names `<field>.postcode`, a number
the street or postcode does not have names `<field>.house_number`. Two back-ends:

- TableGeocoder, the default: the offline address table imported from a BAG extract
  (core.address_import); no network, so a launch never waits on anyone else's server.
- PdokGeocoder (core.pdok): PDOK's Locatieserver, the government's own geocoder, online.

`geocoder_for(config, session)` picks one by GEOCODER. `nearest_address` goes the other way, in the
address table only: the address (and CBS neighbourhood) nearest a point, for pages that show a position.
"""
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from .geo import bounding_box

from .address_input import AddressQuery, fold, house_text, parse_line, postcode_text, query_from_parts, street_keys
from .errors import ValidationError
from .models import Address, Municipality

# How far from a point the nearest address may be and still describe it (beyond, the point is in a field).
NEAREST_WITHIN_M = 250


@dataclass(frozen=True)
class Place:
    """Where an address is, as a geocoder found it."""

    lat: float
    lon: float
    label: str  # "Damrak 1, 1012LG Amsterdam": the address as the register writes it
    postcode: str | None = None
    house: str | None = None  # "1", "1A", "1-2"
    municipality_code: str | None = None  # GM0363
    wijk_code: str | None = None
    buurt_code: str | None = None


class Geocoder(Protocol):
    name: str

    def locate(self, query: AddressQuery, field: str) -> Place:
        """The Place of the address; ValidationError naming the part of `field` that is wrong."""


def label_of(street, house, postcode, city):
    return f"{street} {house}, {postcode} {city}"


class TableGeocoder:
    """The offline address table (BAG extract) as a geocoder."""

    name = "table"

    def __init__(self, session):
        self.session = session

    def locate(self, query, field):
        if query.postcode:
            rows = self.session.scalars(select(Address).where(
                Address.postcode == query.postcode, Address.house_number == query.house_number)).all()
            if not rows:
                known = self.session.scalar(select(Address.id).where(Address.postcode == query.postcode).limit(1))
                if known is None:
                    raise ValidationError(f"{field}.postcode", "%(postcode)s is not a postcode we know",
                                          postcode=postcode_text(query.postcode))
                raise ValidationError(f"{field}.house_number",
                                      "postcode %(postcode)s has no house number %(number)s",
                                      postcode=postcode_text(query.postcode), number=query.house_number)
        else:
            streets, city_key = street_keys(query.street), fold(query.city)
            rows = self.session.scalars(select(Address).where(
                Address.city_key == city_key, Address.street_key.in_(streets),
                Address.house_number == query.house_number)).all()
            if not rows:
                self._explain_street(query, field, streets, city_key)
        return _place(_choose(rows, query, field))

    def _explain_street(self, query, field, streets, city_key):
        if self.session.scalar(select(Address.id).where(Address.city_key == city_key).limit(1)) is None:
            raise ValidationError(f"{field}.city", "%(city)s is not a place we know", city=query.city)
        if self.session.scalar(select(Address.id).where(
                Address.city_key == city_key, Address.street_key.in_(streets)).limit(1)) is None:
            raise ValidationError(f"{field}.street", "%(city)s has no street called %(street)s",
                                  city=query.city, street=query.street)
        raise ValidationError(f"{field}.house_number", "%(street)s in %(city)s has no house number %(number)s",
                              street=query.street, city=query.city, number=query.house_number)


def _choose(rows, query, field):
    """The row of the letter and addition asked for; without them the plain number, else the first.

    A letter typed where the register has an addition (or the other way round) still finds it: people
    write 12-A and 12A for the same door."""
    rows = sorted(rows, key=lambda r: (r.house_letter, r.addition))
    wanted = (query.house_letter, query.addition)
    for row in rows:
        if (row.house_letter, row.addition) == wanted:
            return row
    if wanted == ("", ""):
        return rows[0]
    swapped = (query.addition, query.house_letter) if len(query.addition) <= 1 else None
    for row in rows:
        if swapped and (row.house_letter, row.addition) == swapped:
            return row
    there = ", ".join(_house(r) for r in rows[:8])
    part = "addition" if query.addition else "house_letter"
    raise ValidationError(f"{field}.{part}", "%(address)s does not exist; this number has: %(there)s",
                          address=query.describe(), there=there)


def _house(row):
    return house_text(row.house_number, row.house_letter, row.addition)


def _place(row):
    return Place(row.lat, row.lon, label_of(row.street, _house(row), row.postcode, row.city), row.postcode,
                 _house(row), row.municipality_code, row.wijk_code, row.buurt_code)


def geocoder_for(config, session):
    """The configured geocoder (GEOCODER): the address table, or PDOK's Locatieserver."""
    if config.get("GEOCODER", "table") == "pdok":
        from .pdok import PdokGeocoder
        return PdokGeocoder(config["PDOK_LOCATIESERVER_URL"], config["GEOCODER_TIMEOUT_S"])
    return TableGeocoder(session)


def query_of(value, field):
    """The AddressQuery an input object asks for: structured parts, or one line in `address`; None
    when it gives coordinates (or nothing to look up)."""
    if not isinstance(value, dict):
        return None
    if value.get("lat") not in (None, "") or value.get("lon") not in (None, ""):
        return None
    query = query_from_parts(value, field)
    if query is None and isinstance(value.get("address"), str) and value["address"].strip():
        query = parse_line(value["address"], f"{field}.address")
    return query


def locate(geocoder, value, field):
    """The Place of an input object that gives an address instead of coordinates, else None."""
    query = query_of(value, field)
    if query is None:
        return None
    if geocoder is None:
        raise ValidationError(field, "give the position as lat and lon: addresses are not looked up here")
    return geocoder.locate(query, field)


@dataclass(frozen=True)
class Whereabouts:
    """The address nearest a point and its neighbourhood, by name where the table has names."""

    label: str
    municipality: str | None = None  # the municipality's name, else its CBS code
    wijk: str | None = None
    buurt: str | None = None


def nearest_address(session, lat, lon, within_m=NEAREST_WITHIN_M):
    """The Whereabouts of the address-table row nearest (lat, lon), or None when none is within `within_m`.
    Ranked by the flat-earth distance, exact enough over a few hundred metres."""
    south, north, west, east = bounding_box(lat, lon, within_m)
    scale = (east - west) / (north - south)  # a degree of longitude is this much shorter here
    row = session.scalars(select(Address).where(
        Address.lat.between(south, north), Address.lon.between(west, east)).order_by(
        (Address.lat - lat) * (Address.lat - lat)
        + (Address.lon - lon) * (Address.lon - lon) / (scale * scale)).limit(1)).first()
    if row is None:
        return None
    municipality = row.municipality_code and (session.scalar(select(Municipality.name).where(
        Municipality.code == row.municipality_code)) or row.municipality_code)
    return Whereabouts(label_of(row.street, _house(row), row.postcode, row.city), municipality,
                       row.wijk_name or row.wijk_code, row.buurt_name or row.buurt_code)
