"""Test data: a control room with operators and participants placed at known distances."""
import math

from core.actions import ActionService, parse_launch
from core.models import ControlRoom, Operator
from core.participants import Registry, validate

# Centre of Weesp; the tests place participants on a line eastwards from here.
CENTRE = (52.3079, 5.0417)


def point_east(distance_m, origin=CENTRE):
    lat, lon = origin
    return lat, lon + distance_m / (111_320.0 * math.cos(math.radians(lat)))


def control_room(session, name="Meldkamer Test"):
    room = ControlRoom(name=name, free_number="0800 0011", general_line="Local/31209990000@lab-pstn")
    session.add(room)
    session.flush()
    operators = [Operator(control_room_id=room.id, name=f"Operator {n}", dial_string=f"Local/3120999000{n}@lab-pstn")
                 for n in (1, 2)]
    session.add_all(operators)
    session.flush()
    return room, operators


def participant(session, number, distance_m=0, channel=None, work_distance_m=None, origin=CENTRE, **extra):
    lat, lon = point_east(distance_m, origin)
    data = {"phones": [{"number": number, "channel": channel}], "home": {"lat": lat, "lon": lon}, **extra}
    if work_distance_m is not None:
        wlat, wlon = point_east(work_distance_m)
        data["work"] = {"lat": wlat, "lon": wlon}
    return Registry(session).save(validate(data))


def launch_body(room, operator, radius_m=1000, **extra):
    body = {"kind": "burglary", "time_critical": True, "title": "Inbraak Weesp",
            "message": "Man, ongeveer 30 jaar, donkere jas, op een rode fiets.",
            "area": {"type": "circle", "lat": CENTRE[0], "lon": CENTRE[1], "radius_m": radius_m},
            "operator_id": operator.id, "control_room_id": room.id}
    body.update(extra)
    return body


def launch(rt, room_id, operator_id, title, radius_m=1000):
    """Launch an action of the control room `room_id` over the circle around CENTRE; returns its id."""
    body = launch_body(type("Room", (), {"id": room_id}), type("Operator", (), {"id": operator_id}), radius_m,
                       title=title)
    with rt.db.session() as session:
        action, _ = ActionService(rt).launch(session, parse_launch(body, 640, 50_000), "test")
        return action.id
