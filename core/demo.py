"""A realistic demo (and benchmark) data set: participants spread like the Dutch population.

Participants cluster around towns in proportion to their population, with a few in the
Belgian and German border areas; about a fifth have a work location elsewhere and a
third are reached on a landline.
"""
import math
import random

from sqlalchemy import func, insert, select, text

from .geo import cell_of
from .models import ControlRoom, MessageTemplate, Municipality, Operator, Participant, ParticipantLocation, PhoneNumber

# (municipality code, name, lat, lon, population in thousands, landline area code)
TOWNS = [
    ("GM0363", "Amsterdam", 52.3728, 4.8936, 931, "20"), ("GM0599", "Rotterdam", 51.9225, 4.4792, 664, "10"),
    ("GM0518", "'s-Gravenhage", 52.0705, 4.3007, 566, "70"), ("GM0344", "Utrecht", 52.0907, 5.1214, 374, "30"),
    ("GM0772", "Eindhoven", 51.4416, 5.4697, 246, "40"), ("GM0014", "Groningen", 53.2194, 6.5665, 241, "50"),
    ("GM0153", "Enschede", 52.2215, 6.8937, 162, "53"), ("GM0855", "Tilburg", 51.5555, 5.0913, 227, "13"),
    ("GM0034", "Almere", 52.3508, 5.2647, 226, "36"), ("GM0758", "Breda", 51.5719, 4.7683, 187, "76"),
    ("GM0268", "Nijmegen", 51.8126, 5.8372, 184, "24"), ("GM0202", "Arnhem", 51.9851, 5.8987, 166, "26"),
    ("GM0392", "Haarlem", 52.3874, 4.6462, 165, "23"), ("GM0193", "Zwolle", 52.5168, 6.0830, 133, "38"),
    ("GM0935", "Maastricht", 50.8514, 5.6910, 122, "43"), ("GM0546", "Leiden", 52.1601, 4.4970, 128, "71"),
    ("GM0080", "Leeuwarden", 53.2012, 5.7999, 125, "58"), ("GM0307", "Amersfoort", 52.1561, 5.3878, 161, "33"),
    ("GM0503", "Delft", 52.0116, 4.3571, 106, "15"), ("GM0200", "Apeldoorn", 52.2112, 5.9699, 166, "55"),
    ("GM0457", "Weesp", 52.3079, 5.0417, 20, "294"), ("GM0106", "Assen", 52.9925, 6.5649, 69, "592"),
    ("GM0983", "Venlo", 51.3704, 6.1724, 102, "77"), ("GM0687", "Middelburg", 51.4988, 3.6110, 49, "118"),
    ("GM0917", "Heerlen", 50.8882, 5.9795, 87, "45"), ("GM0796", "'s-Hertogenbosch", 51.6978, 5.3037, 160, "73"),
    # Border areas: Belgian and German participants in the same circles as their Dutch neighbours.
    ("BE-AN", "Antwerpen", 51.2194, 4.4025, 120, "BE3"), ("DE-AC", "Aachen", 50.7753, 6.0839, 60, "DE241"),
]


def _town_weights():
    total = sum(t[4] for t in TOWNS)
    return [t[4] / total for t in TOWNS]


def _phone(town, landline, serial):
    """A valid number for the town's country: serial keeps every generated number unique."""
    area = town[5]
    if area.startswith("BE"):
        return (f"+32{area[2:]}{2 + serial // 1_000_000 % 8}{serial % 1_000_000:06d}" if landline
                else f"+3247{serial % 10_000_000:07d}")
    if area.startswith("DE"):
        return (f"+49{area[2:]}{serial % 1_000_000:06d}" if landline else f"+49151{serial % 100_000_000:08d}")
    if landline:
        digits = 9 - len(area)
        first = 2 + (serial // 10 ** (digits - 1)) % 8
        return f"+31{area}{first}{serial % 10 ** (digits - 1):0{digits - 1}d}"
    return f"+316{10_000_000 + serial % 90_000_000:08d}"


def generate_people(count, seed=1, first_serial=0):
    """Yield participant dicts; deterministic for a seed. Spread is ~1.5 km around small towns, more for cities."""
    rng = random.Random(seed)
    weights = _town_weights()
    used = set()
    for i in range(count):
        town = rng.choices(TOWNS, weights)[0]
        spread_km = 1.0 + math.sqrt(town[4]) / 6
        lat = town[2] + rng.gauss(0, spread_km / 111.0)
        lon = town[3] + rng.gauss(0, spread_km / (111.0 * math.cos(math.radians(town[2]))))
        landline = rng.random() < 0.33
        serial = first_serial + i
        phone = _phone(town, landline, serial)
        if phone in used:  # a small town's landline range wrapped round: give this one a mobile
            landline, phone = False, _phone(town, False, serial)
        used.add(phone)
        person = {"municipality": town[0], "name": f"Deelnemer {serial}",
                  "language": "en" if rng.random() < 0.05 else "nl",
                  "phone": phone, "kind": "landline" if landline else "mobile",
                  "home": (lat, lon), "work": None, "external_ref": f"demo-{serial}"}
        if rng.random() < 0.2:
            other = rng.choices(TOWNS, weights)[0]
            person["work"] = (other[2] + rng.gauss(0, 0.01), other[3] + rng.gauss(0, 0.015))
        yield person


def ensure_municipalities(session):
    known = set(session.scalars(select(Municipality.code)))
    for code, name, *_ in TOWNS:
        if code not in known:
            session.add(Municipality(code=code, name=name))
    session.flush()
    return dict(session.execute(select(Municipality.code, Municipality.id)).all())


def bulk_insert(session, people, chunk=5000):
    """Insert generated participants with bulk INSERTs (the register's per-row checks are skipped:
    the generator only makes valid, unique numbers)."""
    municipalities = ensure_municipalities(session)
    next_id = (session.scalar(select(func.max(Participant.id))) or 0) + 1
    batch = []
    inserted = 0
    for person in people:
        batch.append(person)
        if len(batch) >= chunk:
            inserted += _insert_batch(session, batch, next_id + inserted, municipalities)
            batch = []
    if batch:
        inserted += _insert_batch(session, batch, next_id + inserted, municipalities)
    if session.bind.dialect.name == "postgresql":
        # Ids were given explicitly; move the sequence past them so later inserts don't collide.
        session.execute(text("SELECT setval(pg_get_serial_sequence('participants', 'id'), "
                             "(SELECT max(id) FROM participants))"))
    return inserted


def _insert_batch(session, batch, first_id, municipalities):
    participants, numbers, locations = [], [], []
    for offset, person in enumerate(batch):
        pid = first_id + offset
        participants.append({"id": pid, "municipality_id": municipalities[person["municipality"]],
                             "external_ref": person["external_ref"], "name": person["name"],
                             "language": person["language"], "active": True})
        numbers.append({"participant_id": pid, "e164": person["phone"], "kind": person["kind"],
                        "channel": "voice" if person["kind"] == "landline" else "sms", "confirmed": True,
                        "unsubscribed": False})
        for kind in ("home", "work"):
            if person[kind]:
                lat, lon = person[kind]
                locations.append({"participant_id": pid, "kind": kind, "lat": lat, "lon": lon,
                                  "cell": cell_of(lat, lon)})
    session.execute(insert(Participant), participants)
    session.execute(insert(PhoneNumber), numbers)
    session.execute(insert(ParticipantLocation), locations)
    return len(batch)


def ensure_control_room(session):
    """The demo control room with three operators (lab dial strings until a trunk is configured)."""
    room = session.scalar(select(ControlRoom).where(ControlRoom.name == "Meldkamer Noord-Holland"))
    if room is None:
        room = ControlRoom(name="Meldkamer Noord-Holland", free_number="0800 0011",
                           general_line="Local/31209990000@lab-pstn", voice_backend="asterisk")
        session.add(room)
        session.flush()
        for n, name in enumerate(("Operator Jansen", "Operator de Vries", "Operator Bakker"), start=1):
            session.add(Operator(control_room_id=room.id, name=name, dial_string=f"Local/3120999000{n}@lab-pstn"))
        session.flush()
    return room


# The demo's message templates (core.message_templates): (name, kind, title, message).
DEMO_TEMPLATES = [
    ("Inbraak: gezochte persoon", "burglary", "Inbraak {plaats}",
     "Gezocht: {omschrijving}. Na een inbraak in {plaats} gevlucht {richting}, {tijd}. Spreek deze persoon niet "
     "zelf aan."),
    ("Inbraak: gezocht voertuig", "burglary", "Inbraak {plaats}, voertuig",
     "Gezocht: {voertuig}, kenteken {kenteken}. Na een inbraak in {plaats} gevlucht {richting}, {tijd}."),
]


def ensure_templates(session):
    """The demo's message templates for every control room, once; returns how many were added."""
    have = set(session.scalars(select(MessageTemplate.name)))
    added = [MessageTemplate(name=name, kind=kind, title=title, message=message, updated_by="load-demo")
             for name, kind, title, message in DEMO_TEMPLATES if name not in have]
    session.add_all(added)
    session.flush()
    return len(added)


# The demo's address table: streets of central Amsterdam and Weesp, numbered along a line from a
# starting point in RD metres, as a BAG extract would have them (generated, not copied from the BAG:
# the positions are close to the real streets, the postcodes follow the real 4-digit areas).
# (street, place, municipality, postcode area, first letters, RD x, RD y, dx, dy per number,
#  highest number, wijk code, wijk name, buurt code, buurt name)
SAMPLE_STREETS = [
    ("Damrak", "Amsterdam", "0363", "1012", "LG", 121_700, 488_000, -2.0, -6.0, 98,
     "WK036300", "Burgwallen-Oude Zijde", "BU03630000", "Kop Zeedijk"),
    ("Nieuwendijk", "Amsterdam", "0363", "1012", "MA", 121_520, 488_000, -2.5, -5.5, 120,
     "WK036301", "Burgwallen-Nieuwe Zijde", "BU03630100", "Nieuwendijk-Noord"),
    ("Rokin", "Amsterdam", "0363", "1012", "KK", 121_500, 487_250, 1.0, -5.0, 150,
     "WK036301", "Burgwallen-Nieuwe Zijde", "BU03630104", "Rokin-Oost"),
    ("Nieuwstraat", "Weesp", "0457", "1381", "BB", 131_300, 480_150, 3.0, -2.0, 60,
     "WK045700", "Weesp-Centrum", "BU04570000", "Binnenstad"),
    ("Oudegracht", "Weesp", "0457", "1381", "CG", 131_380, 480_000, 2.0, 3.0, 80,
     "WK045700", "Weesp-Centrum", "BU04570001", "Oudegracht"),
    ("Herengracht", "Weesp", "0457", "1382", "AA", 131_600, 480_200, -1.5, -4.0, 70,
     "WK045701", "Weesp-Noord", "BU04570100", "Herengracht"),
]
SAMPLE_HEADER = ("openbareruimtenaam;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaatsnaam;"
                 "gemeentecode;x;y;wijkcode;wijknaam;buurtcode;buurtnaam")


def sample_address_csv():
    """The demo's address table as a BAG CSV (semicolons, RD metres): odd and even numbers on their own
    side of the street, a postcode per 20 numbers of a side, and a few numbers with a letter or addition."""
    lines = [SAMPLE_HEADER]
    for (street, city, gemeente, area, letters, x0, y0, dx, dy, highest,
         wijk_code, wijk_name, buurt_code, buurt_name) in SAMPLE_STREETS:
        for number in range(1, highest + 1):
            side = number % 2
            block = (number - 1) // 40 * 2 + (1 - side)
            postcode = area + letters[0] + chr(ord(letters[1]) + block)
            offset = 7.0 if side else -7.0  # across the street
            x, y = x0 + dx * number + offset * dy / 6.0, y0 + dy * number - offset * dx / 6.0
            variants = [("", "")]
            if number % 10 == 3:
                variants = [("", ""), ("A", ""), ("B", "")]
            elif number % 10 == 8:
                variants = [("", "1"), ("", "2"), ("", "3")]
            for letter, addition in variants:
                lines.append(f"{street};{number};{letter};{addition};{postcode};{city};{gemeente};"
                             f"{x:.1f};{y:.1f};{wijk_code};{wijk_name};{buurt_code};{buurt_name}")
    return "\n".join(lines) + "\n"
