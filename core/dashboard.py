"""Statistics for a municipality's dashboard: participants, actions, results and responses.

A neighbourhood is a set of participants: those of a municipality, narrowed to a CBS wijk or buurt
(the codes their home address has in the address table, core.geocoding), to a postcode area (the
four digits of a Dutch postcode found in the home address) or to a drawn circle. An action
counts for a neighbourhood when it alerted at least one of its participants; a response is a
call to the free number about the action (an InboundCall row).
"""
import csv
import io
import re
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, or_, select

from . import fatigue, timeline
from .errors import N_, Reason, ValidationError
from .geo import cell_ranges, check_point, distance_m
from .labels import ACTION_KIND_LABELS, ACTION_RESULT_LABELS
from .models import (ACTION_KINDS, ACTION_RESULTS, Action, Address, Delivery, InboundCall, Municipality,
                     Participant, ParticipantLocation)

POSTCODE = re.compile(r"\b([1-9][0-9]{3}) ?[A-Za-z]{2}\b")
POSTCODE_AREA = re.compile(r"[1-9][0-9]{3}")
CBS_CODE = re.compile(r"WK[0-9]{6}|BU[0-9]{8}")
CHUNK = 500
MAX_DAYS = 3660


@dataclass(frozen=True)
class Neighbourhood:
    """Which participants to count: a municipality (None = all), optionally a postcode area or a circle."""

    municipality_id: int | None = None
    postcode_area: str | None = None
    circle: tuple | None = None  # (lat, lon, radius_m)
    cbs_code: str | None = None  # a CBS wijk (WK036300) or buurt (BU03630000)

    @property
    def narrowed(self):
        return self.postcode_area is not None or self.circle is not None or self.cbs_code is not None


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def bounds(self):
        """[start, end) as aware UTC datetimes."""
        return (datetime.combine(self.start, time.min, timezone.utc),
                datetime.combine(self.end + timedelta(days=1), time.min, timezone.utc))


@dataclass
class Statistics:
    participants: int = 0
    new_participants: int = 0
    actions: int = 0
    ended: int = 0
    by_kind: dict = field(default_factory=dict)
    by_result: dict = field(default_factory=dict)
    with_response: int = 0
    from_response: int = 0
    median_first_response_s: float | None = None
    median_first_alert_s: float | None = None  # launch to the first alert reached (core.timeline)
    median_95_reached_s: float | None = None  # launch to 95 % of an action's alerts reached, over the actions that got there
    time_to_reach: dict = field(default_factory=dict)  # {action code: (first alert s, 95 % s)}
    alert_load: dict = field(default_factory=dict)  # {"0".."5+": participants reached by that many actions}
    left: int | None = None  # participants who left or stopped alerts in the period (None: a narrowed area)
    left_after_frequent: int | None = None  # of those, alerted ALERT_FATIGUE_COUNT+ times in their last week

    @property
    def response_share(self):
        return self.with_response / self.actions if self.actions else None

    @property
    def result_share(self):
        return self.from_response / self.ended if self.ended else None

    def as_dict(self):
        """The figures as JSON holds them (the API's); time_to_reach: {code: [first alert s, 95 % s]}."""
        return {**asdict(self), "time_to_reach": {code: list(pair) for code, pair in self.time_to_reach.items()},
                "response_share": self.response_share, "result_share": self.result_share}

    def as_rows(self):
        """(section, item, value) rows, for the CSV export: the words are reasons (a msgid and its values)
        that report_csv's `cell` renders in the reader's language; a fraction or a time is a Decimal."""
        participants, actions, responses = Reason(N_("participants")), Reason(N_("actions")), Reason(N_("responses"))
        reach, load = Reason(N_("time to reach")), Reason(N_("alert load"))
        rows = [(participants, Reason(N_("active")), self.participants),
                (participants, Reason(N_("new in the period")), self.new_participants),
                (actions, Reason(N_("launched")), self.actions), (actions, Reason(N_("ended")), self.ended)]
        rows += [(Reason(N_("actions by kind")), Reason(ACTION_KIND_LABELS[kind]), n)
                 for kind, n in self.by_kind.items()]
        rows += [(Reason(N_("results")), Reason(RESULT_LABELS[result]), n) for result, n in self.by_result.items()]
        rows += [(responses, Reason(N_("actions with a phone response")), self.with_response),
                 (responses, Reason(N_("share of actions with a phone response")), _fmt_share(self.response_share)),
                 (responses, Reason(N_("actions whose result came directly from a response")), self.from_response),
                 (responses, Reason(N_("share of ended actions with a result from a response")),
                  _fmt_share(self.result_share)),
                 (responses, Reason(N_("median seconds from launch to first response")),
                  "" if self.median_first_response_s is None else round(self.median_first_response_s)),
                 (reach, Reason(N_("median seconds from launch to first alert reached")),
                  _fmt_seconds(self.median_first_alert_s)),
                 (reach, Reason(N_("median seconds from launch to %(percent)s%% of alerts reached"), {"percent": 95}),
                  _fmt_seconds(self.median_95_reached_s))]
        rows += [(load, Reason(N_("participants reached by %(bucket)s actions"), {"bucket": bucket}), n)
                 for bucket, n in self.alert_load.items()]
        if self.left is not None:
            rows += [(load, Reason(N_("participants who left or stopped alerts")), self.left),
                     (load, Reason(N_("of whom after frequent alerts in their last week")), self.left_after_frequent)]
        for code, (first, p95) in self.time_to_reach.items():
            rows += [(reach, Reason(N_("action %(code)s: seconds to first alert reached"), {"code": code}),
                      _fmt_seconds(first)),
                     (reach, Reason(N_("action %(code)s: seconds to %(percent)s%% reached"),
                                    {"code": code, "percent": 95}), _fmt_seconds(p95))]
        return rows


RESULT_LABELS = {**ACTION_RESULT_LABELS, "still active": N_("Still active")}
# The neighbourhood mail's figures (core.inquiries.mail_counts) by their key.
MAIL_LABELS = {"inquiries": N_("inquiries sent"), "information": N_("information messages sent"),
               "reached": N_("inquiries reached"), "replies": N_("replies"), "reply_rate": N_("reply rate"),
               "helpful": N_("replies that helped")}


def _fmt_seconds(seconds):
    return "" if seconds is None else Decimal(str(round(seconds, 1)))


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt_share(share):
    return "" if share is None else Decimal(f"{share:.3f}")


def parse_period(start_text, end_text, today):
    """A period from two ISO dates (either may be empty: the last 90 days up to today)."""
    try:
        end = date.fromisoformat(end_text) if end_text else today
    except ValueError:
        raise ValidationError("to", "must be a date like 2025-01-31") from None
    try:
        start = date.fromisoformat(start_text) if start_text else end - timedelta(days=89)
    except ValueError:
        raise ValidationError("from", "must be a date like 2025-01-01") from None
    if start > end:
        raise ValidationError("from", "must not be after the end of the period")
    if (end - start).days > MAX_DAYS:
        raise ValidationError("from", "the period may be at most %(max)s days", max=MAX_DAYS)
    return Period(start, end)


def parse_neighbourhood(municipality_id, postcode_area, lat, lon, radius_m, cbs_code=""):
    """A Neighbourhood from form values (strings; empty means not given)."""
    area = (postcode_area or "").strip() or None
    if area is not None and not POSTCODE_AREA.fullmatch(area):
        raise ValidationError("postcode_area", "must be the four digits of a postcode, like 1381")
    code = (cbs_code or "").strip().upper() or None
    if code is not None:
        if not CBS_CODE.fullmatch(code):
            raise ValidationError("neighbourhood", "must be a CBS wijk or buurt code, like WK036300 or BU03630000")
        if area is not None or lat or lon or radius_m:
            raise ValidationError("neighbourhood", "choose one kind of neighbourhood at a time")
        return Neighbourhood(municipality_id, cbs_code=code)
    circle = None
    if lat or lon or radius_m:
        if area is not None:
            raise ValidationError("postcode_area", "choose a postcode area or a drawn area, not both")
        clat, clon = check_point(lat, lon, "circle")
        try:
            radius = float(radius_m)
        except (TypeError, ValueError):
            raise ValidationError("radius_m", "must be a number of metres") from None
        if not 0 < radius <= 50_000:
            raise ValidationError("radius_m", "must be more than 0 and at most 50000 metres")
        circle = (clat, clon, radius)
    return Neighbourhood(municipality_id, area, circle)


def parse_filters(args, municipality_id, today):
    """(Neighbourhood, Period) from the dashboard's query parameters: from, to, and area (all, postcode with
    postcode_area, drawn with lat, lon and radius_m, cbs with neighbourhood); `municipality_id` as the caller
    chose and limited it (municipality staff: their own)."""
    period = parse_period(args.get("from", ""), args.get("to", ""), today)
    area = args.get("area", "all")
    drawn = area == "drawn"
    hood = parse_neighbourhood(
        municipality_id, args.get("postcode_area", "") if area == "postcode" else "",
        args.get("lat", "") if drawn else "", args.get("lon", "") if drawn else "",
        args.get("radius_m", "") if drawn else "", args.get("neighbourhood", "") if area == "cbs" else "")
    return hood, period


def report_csv(hood, period, stats, mail, cell):
    """The dashboard as CSV (section, item, value): the filters, the Statistics, the neighbourhood mail's
    figures (core.inquiries.mail_counts). `cell` renders each cell in the reader's language (web.i18n.csv_cell):
    the words are reasons, a fraction a Decimal. Dates stay ISO and the separator a comma, as in the other
    exports (core.reach_report, core.inquiries)."""
    in_period, area = Reason(N_("period")), Reason(N_("area"))
    rows = [(in_period, Reason(N_("from")), period.start.isoformat()),
            (in_period, Reason(N_("to")), period.end.isoformat()),
            (area, Reason(N_("municipality id")), hood.municipality_id or Reason(N_("all")))]
    if hood.postcode_area:
        rows.append((area, Reason(N_("postcode area")), hood.postcode_area))
    if hood.cbs_code:
        rows.append((area, Reason(N_("CBS wijk")) if hood.cbs_code.startswith("WK") else Reason(N_("CBS buurt")),
                     hood.cbs_code))
    if hood.circle:
        rows.append((area, Reason(N_("circle")), "%.6f %.6f %d m" % hood.circle))
    rows += stats.as_rows()
    rows += [(Reason(N_("neighbourhood mail")), Reason(MAIL_LABELS[item]),
              "" if value is None else Decimal(str(value)) if isinstance(value, float) else value)
             for item, value in mail.items()]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(Reason(N_("section"))), cell(Reason(N_("item"))), cell(Reason(N_("value")))])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def report_filename(period):
    return f"uitkijk-dashboard-{period.start.isoformat()}-{period.end.isoformat()}.csv"


def municipalities(session):
    return session.scalars(select(Municipality).order_by(Municipality.name)).all()


def postcode_of(address):
    """The four-digit postcode area in an address text, or None."""
    found = POSTCODE.search(address or "")
    return found.group(1) if found else None


def postcode_areas(session, municipality_id):
    """[(postcode area, active participants living there)] of a municipality (None = all), by area."""
    counts = Counter()
    for (address,) in session.execute(_home_query(municipality_id).with_only_columns(ParticipantLocation.address)):
        area = postcode_of(address)
        if area:
            counts[area] += 1
    return sorted(counts.items())


def cbs_neighbourhoods(session, municipality_id):
    """[(wijk code, wijk name, participants, [(buurt code, buurt name, participants)])] of the active
    participants' home addresses in a municipality (None = all): only where the address table had the
    CBS codes. Names come from the address table; a code without one is shown as itself."""
    loc = ParticipantLocation
    counts = Counter()
    query = _home_query(municipality_id).with_only_columns(loc.wijk_code, loc.buurt_code).where(
        loc.wijk_code.is_not(None))
    for wijk, buurt in session.execute(query):
        counts[(wijk, buurt)] += 1
    if not counts:
        return []
    wijk_codes = sorted({wijk for wijk, _ in counts})
    names = {}
    for i in range(0, len(wijk_codes), CHUNK):
        chunk = wijk_codes[i:i + CHUNK]
        for wijk, wijk_name, buurt, buurt_name in session.execute(
                select(Address.wijk_code, Address.wijk_name, Address.buurt_code, Address.buurt_name)
                .where(Address.wijk_code.in_(chunk)).distinct()):
            names.setdefault(wijk, wijk_name)
            names.setdefault(buurt, buurt_name)
    result = []
    for wijk in wijk_codes:
        buurten = sorted(((buurt, names.get(buurt) or buurt, n) for (w, buurt), n in counts.items()
                          if w == wijk and buurt), key=lambda b: (b[1], b[0]))
        result.append((wijk, names.get(wijk) or wijk, sum(n for (w, _), n in counts.items() if w == wijk), buurten))
    return sorted(result, key=lambda w: (w[1], w[0]))


def _home_query(municipality_id):
    loc = ParticipantLocation
    query = (select(loc.participant_id, loc.lat, loc.lon, loc.address, Participant.created_at)
             .join(Participant, Participant.id == loc.participant_id)
             .where(loc.kind == "home", Participant.active.is_(True)))
    if municipality_id is not None:
        query = query.where(Participant.municipality_id == municipality_id)
    return query


def _residents(session, hood, until):
    """{participant_id: created_at} of the active participants living in the neighbourhood, registered before `until`."""
    loc = ParticipantLocation
    query = _home_query(hood.municipality_id).where(Participant.created_at < until)
    if hood.postcode_area:
        query = query.where(loc.address.like(f"%{hood.postcode_area}%"))
    if hood.cbs_code:
        query = query.where((loc.wijk_code if hood.cbs_code.startswith("WK") else loc.buurt_code) == hood.cbs_code)
    if hood.circle:
        lat, lon, radius = hood.circle
        query = query.where(or_(*[loc.cell.between(lo, hi) for lo, hi in cell_ranges(lat, lon, radius)]))
    found = {}
    for pid, plat, plon, address, created_at in session.execute(query):
        if hood.postcode_area and postcode_of(address) != hood.postcode_area:
            continue
        if hood.circle and distance_m(hood.circle[0], hood.circle[1], plat, plon) > hood.circle[2]:
            continue
        found[pid] = created_at
    return found


def _actions_in_period(session, hood, period, residents):
    start, end = period.bounds
    # An exercise is no real figure: it reached test participants only.
    query = (select(Action).where(Action.launched_at >= start, Action.launched_at < end, Action.exercise.is_(False))
             .order_by(Action.id))
    if hood.municipality_id is None and not hood.narrowed:
        return session.scalars(query).all()
    ids = sorted(residents)
    action_ids = set()
    for i in range(0, len(ids), CHUNK):
        action_ids.update(session.scalars(
            select(Delivery.action_id).where(Delivery.purpose == "alert", Delivery.participant_id.in_(ids[i:i + CHUNK]))
            .distinct()))
    if not action_ids:
        return []
    return [a for a in session.scalars(query) if a.id in action_ids]


def _first_responses(session, action_ids):
    """{action_id: time of the first call to the free number about it}."""
    first = {}
    ids = sorted(action_ids)
    for i in range(0, len(ids), CHUNK):
        rows = session.execute(select(InboundCall.action_id, func.min(InboundCall.started_at))
                               .where(InboundCall.action_id.in_(ids[i:i + CHUNK])).group_by(InboundCall.action_id))
        for action_id, started in rows:
            if started is not None and started.tzinfo is None:
                started = started.replace(tzinfo=timezone.utc)  # SQLite drops the zone in aggregates
            first[action_id] = started
    return first


def compute(session, hood, period, frequent):
    """The Statistics of a neighbourhood over a period; `frequent`: how many alerts in a week count as many
    (ALERT_FATIGUE_COUNT)."""
    start, end = period.bounds
    residents = _residents(session, hood, end)
    stats = Statistics(participants=len(residents),
                       new_participants=sum(1 for created in residents.values() if created >= start))
    actions = _actions_in_period(session, hood, period, residents)
    stats.actions = len(actions)
    stats.ended = sum(1 for a in actions if a.status == "ended")
    kinds = Counter(a.kind for a in actions)
    stats.by_kind = {kind: kinds[kind] for kind in ACTION_KINDS if kinds[kind]}
    results = Counter(a.result or "still active" for a in actions)
    stats.by_result = {r: results[r] for r in (*ACTION_RESULTS, "still active") if results[r]}
    first = _first_responses(session, [a.id for a in actions])
    stats.with_response = len(first)
    stats.from_response = sum(1 for a in actions if a.status == "ended" and a.result_from_response)
    delays = [(first[a.id] - a.launched_at).total_seconds() for a in actions if a.id in first]
    stats.median_first_response_s = statistics.median(delays) if delays else None
    reach = timeline.summaries(session, [a.id for a in actions])
    stats.median_first_alert_s = _median(first for first, _ in reach.values())
    stats.median_95_reached_s = _median(p95 for _, p95 in reach.values())
    stats.time_to_reach = {a.code: reach.get(a.id, (None, None)) for a in actions}
    stats.alert_load = fatigue.load_distribution(session, residents, period.bounds)
    if not hood.narrowed:  # who left is known per municipality only: their address may be erased
        stats.left, stats.left_after_frequent = fatigue.leavers(session, period.bounds, hood.municipality_id,
                                                                frequent)
    return stats
