"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Each operation names the token scope it needs (`x-scope`, the same as the view's @requires; a test
holds them equal). Every response the test suite gets from the API is validated against this
document (tests/openapi_check.py), errors included.
"""
from flask import jsonify

from core import answering_machines
from core.configuration import BACKENDS
from core.retry_policy import CHANNELS as ESCALATION_CHANNELS, FIELDS as RETRY_FIELDS, LIMITS as RETRY_LIMITS
from core.models import (
    ACTION_KINDS, ACTION_RESULTS, ACTION_WEBHOOK_EVENTS, ACTION_WEBHOOK_STATES, DELIVERY_STATES,
    PARTNER_DELIVERY_STATES, REGION_KINDS,
)
from core.signup_limits import STAT_FIELDS
from core.tokens import SCOPES
from tts_prompts import LANGUAGES

from . import bp


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("ValidationError"), "Invalid input (the field is named); nothing was written"),
    "404": _json(_ref("Error"), "Unknown, or of another control room than the token's"),
    "409": _json(_ref("Error"), "Conflicts with the current state (named in `reason`)"),
}
ALWAYS = {
    "401": {**_json(_ref("Error"), "Missing, unknown, revoked or expired bearer token"),
            "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}},
    "403": _json(_ref("Error"), "The token lacks the operation's scope, or may not do this for its control room"),
    "413": _json(_ref("Error"), "The request body is larger than MAX_CONTENT_LENGTH; nothing was read"),
    "429": {**_json(_ref("Error"), "Over the token's rate limit (API_RATE_PER_MINUTE)"),
            "headers": {"Retry-After": {"required": True, "description": "seconds until a request is counted again",
                                        "schema": {"type": "integer", "minimum": 1}}}},
}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
PROMPT = [{"name": "language", "in": "path", "required": True, "schema": {"type": "string"}},
          {"name": "prompt_id", "in": "path", "required": True, "schema": {"type": "string"}}]
NULLABLE_STRING = {"type": ["string", "null"]}
ESCALATION_PROPERTIES = {
    "escalate": {"type": "boolean", "description": "a participant not reached on one channel gets their next"},
    "escalation_order": {"type": "array", "items": {"enum": list(ESCALATION_CHANNELS)}, "uniqueItems": True,
                         "minItems": 1,
                         "description": "the channels tried in turn (a launch sends the first a participant has); one "
                                        "left out is no step of it: sent at launch, as without escalation"}}
WEBHOOK_SIGNING = (
    "Each event is POSTed as JSON with headers X-Uitkijk-Event, X-Uitkijk-Timestamp (Unix seconds) and "
    "X-Uitkijk-Signature: sha256=<hex HMAC-SHA256 with the secret of \"<timestamp>.<body>\">. Refuse a body "
    "whose signature does not match or whose timestamp is not recent. A failed attempt (no answer, not 2xx) "
    "is retried with growing waits; delivery is at least once, so ignore a body `id` seen before.")
PARTNER_SIGNING = (
    "Each CAP message (Alert, Update, Cancel) is POSTed as its JSON item, signed as the action webhooks are: "
    "headers X-Uitkijk-Event (the message type), X-Uitkijk-Timestamp and X-Uitkijk-Signature. A failed "
    "attempt is retried with growing waits (PARTNER_*); a message cancelled before delivery is withdrawn.")
SEQUENCE = (
    "The event's number among the action's events: 1 for action.launched, then one more for each event "
    "(also in the X-Uitkijk-Sequence header). Retries can deliver events out of order: order an action's "
    "events by it. The numbers have no gaps, so a missing one is an event still on its way (or one sent "
    "before the subscription was made).")


def _op(summary, scope, ok, errors=("400",), body=None, params=(), description=""):
    """One operation: its success responses, the errors it can give, and the scope it needs."""
    operation = {"summary": summary, "x-scope": scope,
                 "description": (description + "\n\n" if description else "") + f"Scope: `{scope}`.",
                 "responses": {**ok, **ALWAYS, **{code: ERRORS[code] for code in errors}}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        operation["parameters"] = list(params)
    return operation


def _list(name, description):
    return _json({"type": "array", "items": _ref(name)}, description)


def _page(name, description):
    """A page of a cursor-paged list, with the next page's cursor while there is one."""
    return {**_list(name, description), "headers": {
        "X-Next-Cursor": {"schema": {"type": "string"}, "description": "Pass as ?cursor= for the next page; "
                          "absent on the last"},
        "Link": {"schema": {"type": "string"}, "description": "rel=\"next\": the next page"}}}


def _cursor(stable):
    return {"name": "cursor", "in": "query", "schema": {"type": "string"},
            "description": f"Opaque; from X-Next-Cursor. Stable while {stable}"}
ADDRESS_PARTS = {
    "postcode": {"type": "string", "pattern": "^[1-9][0-9]{3} ?[A-Za-z]{2}$", "examples": ["1012 LG"]},
    "house_number": {"type": ["integer", "string"], "description": "1 to 99999; may carry the letter and "
                     "addition (\"12A-2\")", "examples": [1, "12A"]},
    "house_letter": {"type": "string", "maxLength": 1},
    "addition": {"type": "string", "maxLength": 4, "description": "the BAG's huisnummertoevoeging"},
    "street": {"type": "string", "maxLength": 80}, "city": {"type": "string", "maxLength": 80}}
GEOCODED = (
    "Instead of lat and lon, an address: postcode and house_number (with house_letter and addition), or "
    "street, house_number and city, or one line in `address` (\"Damrak 1, Amsterdam\", \"1012 LG 1\"). The "
    "configured geocoder (GEOCODER: the offline BAG address table, or PDOK's Locatieserver) places it; an "
    "address it does not know is refused with 400 naming the part (e.g. `home.postcode`, `home.house_number`).")
LOCATION = {"oneOf": [
    {"type": "object", "required": ["lat", "lon"], "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "address": {"type": "string", "maxLength": 300, "description": "a label only, next to coordinates"}}},
    {"type": "object", "anyOf": [{"required": ["postcode", "house_number"]},
                                 {"required": ["street", "house_number", "city"]}, {"required": ["address"]}],
     "not": {"anyOf": [{"required": ["lat"]}, {"required": ["lon"]}]},
     "properties": {**ADDRESS_PARTS, "address": {"type": "string", "maxLength": 200}},
     "description": GEOCODED}]}

DASHBOARD_FILTERS = [
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "Default: 89 days before `to`"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Default: today"},
    {"name": "municipality_id", "in": "query", "schema": {"type": "integer"}, "description": "Default: all"},
    {"name": "area", "in": "query", "schema": {"enum": ["all", "postcode", "drawn", "cbs"], "default": "all"},
     "description": "Narrow to a postcode area (postcode_area), a drawn circle (lat, lon, radius_m) or a CBS wijk "
                    "or buurt (neighbourhood)"},
    {"name": "postcode_area", "in": "query", "schema": {"type": "string", "pattern": "^[1-9][0-9]{3}$"}},
    {"name": "lat", "in": "query", "schema": {"type": "number"}},
    {"name": "lon", "in": "query", "schema": {"type": "number"}},
    {"name": "radius_m", "in": "query", "schema": {"type": "number", "maximum": 50000}},
    {"name": "neighbourhood", "in": "query", "schema": {"type": "string"}, "description": "WK036300 or BU03630000"}]

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Uitkijk API", "version": "1.0.0",
             "description": "What a control-room system needs: participants, actions with their deliveries, "
                            "calls and tips, control rooms, operators and trunks. Every operation needs a bearer "
                            "token (`flask create-token NAME --scope …`) with the operation's scope: "
                            + "; ".join(f"`{name}`: {what}" for name, what in SCOPES.items())
                            + ". A token bound to a control room sees only that room."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error", "reason"], "properties": {
                "error": {"enum": ["unauthorized", "forbidden", "not_found", "conflict", "rate_limited", "too_large",
                                   "unavailable"]},
                "reason": {"type": "string"}, "field": {"type": "string"}}},
            "ValidationError": {"type": "object", "required": ["error", "field", "reason"], "properties": {
                "error": {"const": "validation"}, "field": {"type": "string"}, "reason": {"type": "string"}}},
            "ParticipantInput": {"type": "object", "additionalProperties": False, "required": ["home"],
                                 "properties": {
                "external_ref": {"type": "string", "maxLength": 64},
                "name": {"type": "string", "maxLength": 200},
                "email": {"type": "string", "maxLength": 254},
                "language": {"enum": ["nl", "en", "de"]},
                "municipality": {"type": "string", "description": "Municipality code"},
                "phones": {"type": "array", "maxItems": 4, "items": {"oneOf": [
                    {"type": "string"},
                    {"type": "object", "required": ["number"], "properties": {
                        "number": {"type": "string"}, "channel": {"enum": ["voice", "sms"]}}}]},
                    "description": "At least one, unless mail.alerts_only is chosen (with a confirmed address)"},
                "mail": {"type": "object", "additionalProperties": False,
                         "description": "What the participant wants by e-mail; a choice left out stays as it was",
                         "properties": {
                    "inquiries": {"type": "boolean"}, "information": {"type": "boolean"},
                    "alerts": {"type": "boolean", "description": "Alerts by e-mail too, beside calls and SMS"},
                    "alerts_only": {"type": "boolean", "description": "Alerts by e-mail instead of calls and SMS: "
                                    "only with a confirmed address (else 400 naming mail.alerts_only); while that "
                                    "address bounces, alerts go to the numbers again"}}},
                "home": LOCATION, "work": LOCATION,
                "quiet_hours": {"type": "object", "properties": {
                    "start": {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$"},
                    "end": {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$"}},
                    "description": "Apply to actions that are not time-critical only"},
                "test": {"type": "boolean", "description": "A test or staff participant: the only ones an exercise "
                                                           "reaches (left as it is when absent)"}}},
            "Participant": {"type": "object", "additionalProperties": False, "required": [
                "id", "external_ref", "name", "email", "language", "active", "municipality", "phones", "locations",
                "quiet_hours", "mail"], "properties": {
                "mail": {"type": "object", "additionalProperties": False, "required": [
                    "confirmed", "inquiries", "information", "alerts", "alerts_only"], "properties": {
                    "confirmed": {"type": "boolean", "description": "The e-mail address is confirmed (double opt-in)"},
                    "inquiries": {"type": "boolean"}, "information": {"type": "boolean"},
                    "alerts": {"type": "boolean"}, "alerts_only": {"type": "boolean"}}},
                "id": {"type": "integer"}, "external_ref": NULLABLE_STRING, "name": NULLABLE_STRING,
                "email": NULLABLE_STRING, "language": {"enum": ["nl", "en", "de"]}, "active": {"type": "boolean"},
                "test": {"type": "boolean"},
                "municipality": {**NULLABLE_STRING, "description": "Municipality code"},
                "phones": {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                                      "required": ["number", "kind", "channel", "confirmed",
                                                                   "unsubscribed"], "properties": {
                    "number": {"type": "string", "description": "E.164; masked (+31******678) in lists"},
                    "kind": {"type": "string", "examples": ["mobile", "landline"]},
                    "channel": {"enum": ["voice", "sms"]}, "confirmed": {"type": "boolean"},
                    "unsubscribed": {"type": "boolean"}}}},
                "locations": {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                                         "required": ["kind", "lat", "lon"], "properties": {
                    "kind": {"enum": ["home", "work"]}, "lat": {"type": "number"}, "lon": {"type": "number"},
                    "address": NULLABLE_STRING,
                    "postcode": {**NULLABLE_STRING, "description": "when placed from an address"},
                    "house_number": NULLABLE_STRING,
                    "wijk_code": {**NULLABLE_STRING, "description": "CBS wijk of the address, e.g. WK036300"},
                    "buurt_code": {**NULLABLE_STRING, "description": "CBS buurt of the address, e.g. BU03630000"}}}},
                "quiet_hours": {"type": ["object", "null"], "additionalProperties": False,
                                "required": ["start", "end"], "properties": {
                    "start": {"type": "string"}, "end": {"type": "string"}}}}},
            "Active": {"type": "object", "additionalProperties": False, "required": ["active"],
                       "properties": {"active": {"type": "boolean", "description": "false: paused (a participant: "
                                                 "no more alerts, the registration is kept)"}}},
            "Partner": {"type": "object", "additionalProperties": False,
                        "required": ["id", "name", "url", "active", "secret", "created_at"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "url": {"type": "string"},
                "active": {"type": "boolean"},
                "secret": {"type": "string", "description": "Only how it is stored, e.g. \"stored encrypted\""},
                "new_secret": {"type": "string", "description": "The HMAC secret, only in the answer that made it"},
                "created_at": {"type": "string", "format": "date-time"},
                "deliveries": {"type": "object", "description": "Deliveries per state (in lists and on create)",
                               "additionalProperties": False, "properties": {
                    state: {"type": "integer"} for state in PARTNER_DELIVERY_STATES}}}},
            "Prompt": {"type": "object", "additionalProperties": False,
                       "required": ["id", "language", "text", "recorded"], "properties": {
                "id": {"type": "string", "examples": ["alert_intro"]}, "language": {"enum": list(LANGUAGES)},
                "text": {"type": "string", "description": "What the speech engine says"},
                "recorded": {"type": "boolean", "description": "An uploaded recording replaces the speech"},
                "duration_s": {"type": "number", "description": "The installed recording's length"}}},
            "MailSender": {"type": "object", "additionalProperties": False,
                           "required": ["id", "display_name", "address", "municipality"], "properties": {
                "id": {"type": "integer"}, "display_name": {"type": "string"}, "address": {"type": "string"},
                "municipality": {**NULLABLE_STRING, "description": "Municipality code; null: the police's"}}},
            "MailSenderInput": {"type": "object", "additionalProperties": False,
                                "required": ["display_name", "address"], "properties": {
                "display_name": {"type": "string", "maxLength": 120, "description": "In the From header: no line "
                                 "breaks"},
                "address": {"type": "string", "maxLength": 254},
                "municipality": {**NULLABLE_STRING, "description": "Municipality code for its information mail; "
                                 "blank or null: the police's, for inquiries"}},
                "description": "A change replaces every field"},
            "SignupLimits": {"type": "object", "additionalProperties": False, "required": ["days", "limits"],
                             "properties": {
                "days": {"type": "array", "description": "Today first, the last 7 days (the installation's time zone)",
                         "items": {"type": "object", "additionalProperties": False,
                                   "required": ["date", *STAT_FIELDS], "properties": {
                                       "date": {"type": "string", "format": "date"},
                                       **{field: {"type": "integer", "minimum": 0} for field in STAT_FIELDS}}}},
                "limits": {"type": "object", "additionalProperties": False, "required": [
                    "codes_per_number_per_day", "codes_per_day", "per_address_per_hour", "countries", "call_hours"],
                    "properties": {
                    "codes_per_number_per_day": {"type": "integer", "description": "SIGNUP_CODES_PER_NUMBER_PER_DAY"},
                    "codes_per_day": {"type": "integer", "description": "SIGNUP_CODES_PER_DAY"},
                    "per_address_per_hour": {"type": "object", "additionalProperties": False,
                                             "required": ["signup", "resend", "link"], "properties": {
                        "signup": {"type": "integer"}, "resend": {"type": "integer"}, "link": {"type": "integer"}}},
                    "countries": {"type": "array", "items": {"type": "string"}, "description": "SIGNUP_COUNTRIES"},
                    "call_hours": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2,
                                   "description": "SIGNUP_CALL_HOURS: local start and end of calling codes"}}}}},
            "Region": {"type": "object", "additionalProperties": False,
                       "required": ["id", "kind", "code", "name", "polygons", "updated_at"], "properties": {
                "id": {"type": "integer"}, "kind": {"enum": list(REGION_KINDS)},
                "code": {"type": "string", "description": "Use it in an AMBER alert's area: "
                         "{\"type\": \"regions\", \"codes\": [...]}"},
                "name": {"type": "string"}, "polygons": {"type": "integer", "description": "how many polygons"},
                "updated_at": {"type": "string", "format": "date-time"}}},
            "RegionImport": {"type": "object", "additionalProperties": False, "required": ["kind", "geojson"],
                             "properties": {
                "kind": {"enum": list(REGION_KINDS)},
                "geojson": {"type": "object", "description": "A GeoJSON FeatureCollection: each Feature a Polygon or "
                            "MultiPolygon with properties code (or statcode, id) and name (or statnaam, naam). One "
                            "bad feature refuses the whole upload (400 naming it, e.g. `feature 3`); a known code "
                            "is updated"}}},
            "RegionsImported": {"type": "object", "additionalProperties": False, "required": ["imported", "regions"],
                                "properties": {"imported": {"type": "integer"},
                                               "regions": {"type": "array", "items": _ref("Region"),
                                                           "description": "every region of the kind now"}}},
            "PartnerInput": {"type": "object", "additionalProperties": False, "required": ["name", "url"],
                             "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 120},
                                            "url": {"type": "string", "maxLength": 500,
                                                    "description": "http(s) address that receives the POSTs"}}},
            "PartnerDelivery": {"type": "object", "additionalProperties": False, "required": [
                "id", "identifier", "msg_type", "state", "attempts"], "properties": {
                "id": {"type": "integer"}, "identifier": {"type": "string", "description": "The CAP message's"},
                "msg_type": {"enum": ["Alert", "Update", "Cancel"]}, "state": {"enum": list(PARTNER_DELIVERY_STATES)},
                "attempts": {"type": "integer"}, "last_status": {"type": ["integer", "null"]},
                "last_error": NULLABLE_STRING, "created_at": {"type": "string", "format": "date-time"},
                "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                "delivered_at": {"type": ["string", "null"], "format": "date-time"}}},
            "PersonalData": {"type": "object", "required": [
                "participant", "confirmations", "mail", "deliveries", "calls", "tips", "inquiry_replies", "messages",
                "history"], "description": "Everything held on the participant, numbers in full: registration, "
                "confirmations, mail, alerts sent, calls, tips, replies to neighbourhood mail, messages as sent, "
                "and who touched the record", "properties": {
                "participant": {"type": "object"},
                "mail": {"type": ["object", "null"], "description": "The e-mail address's confirmation, bounce and "
                         "what mail is wanted; null when none was ever set"},
                **{part: {"type": "array", "items": {"type": "object"}} for part in (
                    "confirmations", "deliveries", "calls", "tips", "inquiry_replies", "messages", "history")}}},
            "ImportReport": {"type": "object", "properties": {
                "created": {"type": "integer"}, "updated": {"type": "integer"}, "rejected": {"type": "integer"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "line": {"type": "integer"}, "field": {"type": "string"}, "reason": {"type": "string"}}}}}},
            "Area": {"oneOf": [
                {"type": "object", "required": ["lat", "lon", "radius_m"], "properties": {
                    "type": {"const": "circle"}, "lat": {"type": "number"}, "lon": {"type": "number"},
                    "radius_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 50000}}},
                {"type": "object", "required": ["radius_m"],
                 "anyOf": [{"required": ["address"]}, {"required": ["postcode", "house_number"]}],
                 "not": {"anyOf": [{"required": ["lat"]}, {"required": ["lon"]}]},
                 "properties": {
                    "type": {"const": "circle"}, **ADDRESS_PARTS,
                    "address": {"type": "string", "maxLength": 200, "examples": ["Damrak 1, Amsterdam"]},
                    "radius_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 50000}},
                 "description": "A circle around an address. " + GEOCODED.replace("home.", "area.") +
                                " The action's area then holds the centre found and the address as the "
                                "register writes it (`address`)."},
                {"type": "object", "required": ["type", "codes"], "properties": {
                    "type": {"const": "municipalities"}, "codes": {"type": "array", "items": {"type": "string"}}},
                 "description": "AMBER alerts only"},
                {"type": "object", "required": ["type", "geometry"], "properties": {
                    "type": {"const": "polygon"},
                    "geometry": {"type": "object", "description": "GeoJSON Polygon or MultiPolygon ([lon, lat]); "
                                                                 "holes are left out"},
                    "centre": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                               "description": "Ranked nearest first from here; default the middle of the polygon"}}},
                {"type": "object", "required": ["type", "codes"], "properties": {
                    "type": {"const": "regions"}, "codes": {"type": "array", "items": {"type": "string"}}},
                 "description": "AMBER alerts only: regions an admin uploaded"},
                {"type": "object", "required": ["type"], "properties": {"type": {"const": "country"}},
                 "description": "AMBER alerts only"}]},
            "LaunchRequest": {"type": "object",
                              "required": ["area", "operator_id", "control_room_id"],
                              "description": "kind, title and message are required unless template_id gives them",
                              "properties": {
                                  "kind": {"enum": list(ACTION_KINDS)},
                                  "time_critical": {"type": "boolean", "default": True},
                                  "title": {"type": "string", "maxLength": 120},
                                  "message": {"type": "string", "maxLength": 640},
                                  "area": _ref("Area"),
                                  "operator_id": {"type": "integer"}, "control_room_id": {"type": "integer"},
                                  "client_request_id": {"type": "string", "maxLength": 100,
                                                        "description": "Repeat it to get the same action back"},
                                  "public": {"type": "boolean", "description": "Publish a missing person (AMBER "
                                             "alerts are always public; other kinds never)"},
                                  "family_consent": {"type": "boolean",
                                                     "description": "Required true to publish a missing person"},
                                  "area_name": {"type": "string", "maxLength": 40,
                                                "description": "Place name for CAP areaDesc and the public page"},
                                  "title_en": {"type": "string", "maxLength": 120,
                                               "description": "Public alerts: the English headline's title"},
                                  "message_en": {"type": "string", "maxLength": 640,
                                                 "description": "Public alerts: the English description; without "
                                                                "it the English info says the description is Dutch"},
                                  "photos": {"type": "array", "items": {"type": "string", "contentEncoding": "base64"},
                                             "description": "JPEG, PNG, WebP or GIF; resized, metadata stripped"},
                                  "rings": {"type": "object", "required": ["radii_m", "every_min"],
                                            "description": "Expanding rings (a circle only): widen to each radius "
                                                           "in turn after every_min minutes while nobody responds",
                                            "properties": {
                                      "radii_m": {"type": "array", "minItems": 1, "maxItems": 5,
                                                  "items": {"type": "integer"},
                                                  "description": "wider than the circle, each wider than the last"},
                                      "every_min": {"type": "integer", "minimum": 1, "maximum": 120}}},
                                  "template_id": {"type": "integer", "description": "Launch from a message "
                                                  "template: its kind, title and message, with `placeholders` "
                                                  "filled in (these then need not be sent)"},
                                  "placeholders": {"type": "object", "additionalProperties": {"type": "string"},
                                                   "description": "The template's placeholders by name, e.g. "
                                                                  "{\"omschrijving\": \"man met rode pet\"}"},
                                  "exercise": {"type": "boolean", "default": False,
                                               "description": "An exercise: only participants marked test are "
                                                              "alerted, every message says OEFENING, CAP status "
                                                              "Exercise, kept out of the dashboard"},
                                  "dry_run": {"type": "boolean", "default": False,
                                              "description": "Only preview the launch's impact (LaunchPreview): "
                                                             "nothing is written or sent"}}},
            "ChannelImpact": {"type": "object", "required": ["reached", "in_quiet_hours", "fatigued", "overlapping"],
                              "properties": {
                "reached": {"type": "integer", "description": "Alerts on this channel"},
                "in_quiet_hours": {"type": "integer", "description": "Of them, in their quiet hours now"},
                "fatigued": {"type": "integer",
                             "description": "Of them, alerted ALERT_FATIGUE_COUNT+ times in the last 7 days"},
                "overlapping": {"type": "integer", "description": "Of them, inside another active action's area"}}},
            "Impact": {"type": "object", "required": ["participants", "channels", "flags", "needs_approval"],
                       "description": "What the launch would do. With fewer than ESTIMATE_MIN_PARTICIPANTS people "
                                      "in the area only `fewer_than` says so: counts, duration and cost are null.",
                       "properties": {
                "participants": {"type": ["integer", "null"]}, "fewer_than": {"type": ["integer", "null"]},
                "channels": {"type": ["object", "null"], "additionalProperties": _ref("ChannelImpact")},
                "quiet_hours_handling": {"enum": ["sent_now", "held_until_quiet_hours_end"]},
                "quiet_hours_first_end": {"type": ["string", "null"], "format": "date-time"},
                "sms": {"type": "object", "properties": {
                    "segments": {"type": "object", "description": "language -> segments of the alert SMS"},
                    "messages": {"type": "integer"}, "cost_eur": {"type": "number"},
                    "cost_per_segment_eur": {"type": "number"}}},
                "duration_s": {"type": ["object", "null"], "description": "voice, sms, all: seconds until everyone "
                               "sent now is reached at the limits below"},
                "limits": {"type": "object", "description": "trunk, backend, channels, calls_per_second, call_s, "
                           "sms_per_second"},
                "usual_radius_m": {"type": ["integer", "null"]},
                "flags": {"type": "array", "items": {"type": "object", "required": ["flag", "detail"], "properties": {
                    "flag": {"enum": ["large", "unusual_radius", "national", "regional", "unreachable"]},
                    "value": {"type": "number", "description": "participants (large, unreachable), radius in "
                              "metres (unusual)"},
                    "limit": {"type": "number", "description": "the threshold, or the kind's usual radius"},
                    "factor": {"type": "number"}, "detail": {"type": "string"}}}},
                "needs_approval": {"type": "boolean", "description": "A second person must approve the launch"},
                "exercise": {"type": "boolean", "description": "An exercise: every count is of test participants"},
                "unreachable": {"type": ["integer", "null"], "description": "Participants in the area the launch "
                                "cannot reach: they chose alerts only by e-mail, their address bounced (or is not "
                                "confirmed again yet) and they have no number"}}},
            "Estimate": {"type": "object", "required": ["participants", "per_channel", "in_quiet_hours", "points",
                                                         "fewer_than"], "properties": {
                "participants": {"type": ["integer", "null"], "description": "null: fewer than `fewer_than`"},
                "per_channel": {"type": ["object", "null"], "additionalProperties": {"type": "integer"}},
                "in_quiet_hours": {"type": ["integer", "null"],
                                   "description": "whose alert waits unless the action is time-critical"},
                "points": {"type": "array", "items": {"type": "array", "items": {"type": "number"},
                                                      "minItems": 2, "maxItems": 2},
                           "description": "[lat, lon] on a 100 m grid: where people are, not who"},
                "fewer_than": {"type": ["integer", "null"]}}},
            "Place": {"type": "object", "required": ["lat", "lon", "label"], "properties": {
                "lat": {"type": "number"}, "lon": {"type": "number"},
                "label": {"type": "string", "description": "the address as the register writes it"}}},
            "SmsPreview": {"type": "object", "required": ["language", "text", "segments", "encoding", "truncated"],
                           "properties": {
                "language": {"type": "string"}, "text": {"type": "string"},
                "segments": {"type": "integer", "minimum": 1}, "encoding": {"enum": ["GSM-7", "UCS-2"]},
                "truncated": {"type": "boolean", "description": "the message was shortened to fit"}}},
            "InquiryInput": {"type": "object", "additionalProperties": False, "required": ["subject", "body", "area"],
                             "properties": {
                "kind": {"enum": ["inquiry", "information"], "description": "Default: what the token may send "
                         "(a municipality's token: information; any other: inquiry)"},
                "subject": {"type": "string", "maxLength": 150}, "body": {"type": "string", "maxLength": 5000},
                "questions": {"type": "array", "maxItems": 5, "items": {"type": "string", "maxLength": 300},
                              "description": "An inquiry's questions (one line each), asked on the reply form"},
                "area": {"oneOf": [
                    {"type": "object", "required": ["type"], "additionalProperties": False, "properties": {
                        "type": {"const": "circle"}, "lat": {"type": "number"}, "lon": {"type": "number"},
                        "radius_m": {"type": "number", "default": 50},
                        "address": {"type": "string", "description": "Instead of lat and lon (looked up in the "
                                    "address table, else the register); beside them, a label only"}}},
                    {"type": "object", "required": ["type", "geometry"], "additionalProperties": False,
                     "properties": {"type": {"const": "polygon"},
                                    "geometry": {"type": "object", "description": "GeoJSON Polygon or MultiPolygon"}}},
                    {"type": "object", "required": ["type", "postcode"], "additionalProperties": False,
                     "properties": {"type": {"const": "postcode"}, "postcode": {"type": "string"}}},
                    {"type": "object", "required": ["type", "code"], "additionalProperties": False,
                     "properties": {"type": {"const": "municipality"}, "code": {"type": "string",
                                    "description": "A municipality's token: its own only"}}}]},
                "photo": {"type": "string", "contentEncoding": "base64", "description": "A photo in the mail"},
                "dry_run": {"type": "boolean", "default": False,
                            "description": "Only preview (InquiryPreview): nothing is written or sent"}}},
            "InquiryPreview": {"type": "object", "required": ["dry_run", "recipients", "skipped_over_budget", "subject",
                                                               "text", "html"], "properties": {
                "dry_run": {"const": True}, "recipients": {"type": "integer"},
                "skipped_over_budget": {"type": "integer", "description": "had MAIL_WEEKLY_BUDGET mails this week"},
                "subject": {"type": "string"}, "text": {"type": "string"}, "html": {"type": "string"}}},
            "Inquiry": {"type": "object", "required": ["id", "kind", "subject", "status", "recipients", "progress"],
                        "properties": {
                "id": {"type": "integer"}, "kind": {"enum": ["inquiry", "information"]},
                "subject": {"type": "string"}, "body": {"type": "string"},
                "questions": {"type": "array", "items": {"type": "string"}},
                "area": {"type": "object"}, "area_label": {"type": "string"},
                "municipality_id": {"type": ["integer", "null"]},
                "sender": {"type": "object", "properties": {"name": {"type": "string"},
                                                            "address": {"type": "string"}}},
                "status": {"enum": ["open", "closed"]}, "recipients": {"type": "integer"},
                "skipped_over_budget": {"type": "integer"}, "has_photo": {"type": "boolean"},
                "created_at": {"type": "string", "format": "date-time"},
                "closed_at": {"type": ["string", "null"], "format": "date-time"},
                "update_text": NULLABLE_STRING,
                "update_sent_at": {"type": ["string", "null"], "format": "date-time"},
                "update_recipients": {"type": "integer", "description": "After the update: how many it was queued for"},
                "progress": {"type": "object", "description": "{purpose: {state: count}} of its mails",
                             "additionalProperties": {"type": "object",
                                                      "additionalProperties": {"type": "integer"}}}}},
            "InquiryReply": {"type": "object", "required": ["id", "noticed", "helpful", "photos"], "properties": {
                "id": {"type": "integer"}, "received_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "noticed": {"type": "boolean", "description": "false: the resident noticed nothing"},
                "when": NULLABLE_STRING, "story": NULLABLE_STRING, "may_contact": {"type": "boolean"},
                "contact_number": {**NULLABLE_STRING, "description": "In full, as on the web: the read is audited"},
                "helpful": {"type": "boolean"},
                "photos": {"type": "array", "items": {"type": "string"}, "description": "Download paths"}}},
            "Dashboard": {"type": "object", "required": ["period", "neighbourhood", "statistics", "mail"],
                          "properties": {
                "period": {"type": "object", "required": ["from", "to"], "properties": {
                    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}}},
                "neighbourhood": {"type": "object", "properties": {
                    "municipality_id": {"type": ["integer", "null"], "description": "null: every municipality"},
                    "postcode_area": NULLABLE_STRING, "cbs_code": NULLABLE_STRING,
                    "circle": {"type": ["object", "null"], "properties": {
                        "lat": {"type": "number"}, "lon": {"type": "number"}, "radius_m": {"type": "number"}}}}},
                "statistics": {"type": "object", "required": ["participants", "actions", "by_kind", "by_result"],
                               "properties": {
                    "participants": {"type": "integer"}, "new_participants": {"type": "integer"},
                    "actions": {"type": "integer"}, "ended": {"type": "integer"},
                    "by_kind": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "by_result": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "with_response": {"type": "integer"}, "from_response": {"type": "integer"},
                    "response_share": {"type": ["number", "null"]}, "result_share": {"type": ["number", "null"]},
                    "median_first_response_s": {"type": ["number", "null"]},
                    "median_first_alert_s": {"type": ["number", "null"]},
                    "median_95_reached_s": {"type": ["number", "null"]},
                    "time_to_reach": {"type": "object", "description": "{action code: [first alert s, 95 % s]}",
                                      "additionalProperties": {"type": "array", "items": {"type": ["number", "null"]}}},
                    "alert_load": {"type": "object", "additionalProperties": {"type": "integer"},
                                   "description": "participants reached by 0, 1, … 5+ actions"},
                    "left": {"type": ["integer", "null"], "description": "null for a narrowed neighbourhood"},
                    "left_after_frequent": {"type": ["integer", "null"]}}},
                "mail": {"type": "object", "properties": {
                    "inquiries": {"type": "integer"}, "information": {"type": "integer"},
                    "reached": {"type": "integer"}, "replies": {"type": "integer"},
                    "reply_rate": {"type": ["number", "null"]}, "helpful": {"type": "integer"}}}}},
            "SigningKey": {"type": "object", "required": ["subject", "sha256", "not_after"], "properties": {
                "subject": {"type": "string"}, "sha256": {"type": "string", "description": "the certificate's"},
                "not_after": {"type": "string", "format": "date-time"}}},
            "LaunchPreview": {"type": "object", "required": ["dry_run", "impact"], "properties": {
                "dry_run": {"const": True}, "impact": _ref("Impact")}},
            "Approval": {"type": "object", "required": ["id", "status", "reason", "kind", "impact", "requested_by"],
                         "description": "A launch awaiting a second person (four eyes): nothing is sent until "
                                        "someone else than the requester approves it",
                         "properties": {
                "id": {"type": "integer"}, "status": {"enum": ["awaiting", "approved", "rejected"]},
                "reason": {"enum": ["wide_amber", "participants"],
                           "description": "a national or regional AMBER alert; more than LAUNCH_APPROVAL_PARTICIPANTS"},
                "kind": {"enum": list(ACTION_KINDS)}, "title": {"type": "string"}, "message": {"type": "string"},
                "area": {"type": "object"}, "time_critical": {"type": "boolean"},
                "control_room_id": {"type": "integer"}, "operator_id": {"type": "integer"},
                "client_request_id": {"type": "string", "description": "the launched action carries it"},
                "impact": _ref("Impact"), "requested_by": {"type": "string"},
                "requested_at": {"type": "string", "format": "date-time"}, "decided_by": NULLABLE_STRING,
                "decided_at": {"type": ["string", "null"], "format": "date-time"}, "rejection": NULLABLE_STRING,
                "action_id": {"type": ["integer", "null"], "description": "the action, once approved"},
                "escalated_at": {"type": ["string", "null"], "format": "date-time",
                                 "description": "when it had waited LAUNCH_APPROVAL_ESCALATE_S and went to the "
                                                "control room's supervisors"}}},
            "AwaitingApproval": {"type": "object", "required": ["launched", "approval"],
                                 "description": "Not launched: the approval's status says whether it still waits",
                                 "properties": {"launched": {"const": False}, "approval": _ref("Approval")}},
            "Rejection": {"type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string", "maxLength": 500, "description": "why, for the requester"}}},
            "PublicationUpdate": {"type": "object", "properties": {
                "title": {"type": "string", "maxLength": 120}, "message": {"type": "string", "maxLength": 640},
                "title_en": {"type": "string", "maxLength": 120,
                             "description": "The English headline's title (the English info never repeats the Dutch)"},
                "message_en": {"type": "string", "maxLength": 640, "description": "The English description"},
                "area_name": {"type": "string", "maxLength": 40}}},
            "AreaChange": {"type": "object", "required": ["area"], "properties": {
                "area": _ref("Area"), "area_name": {"type": "string", "maxLength": 40}}},
            "AreaChanged": {"type": "object", "properties": {
                "area": {"type": "object"}, "planned": {"type": ["integer", "null"]},
                "cancelled": {"type": "integer", "description": "Queued alerts cancelled: the new area leaves "
                              "their participant out (alerts already being sent finish)"},
                "published": {"type": "boolean"}, "msg_type": {"enum": ["Update"]},
                "identifier": {"type": "string"}, "cap_url": {"type": "string"}}},
            "PublicationEvent": {"type": "object", "properties": {
                "published": {"type": "boolean"}, "msg_type": {"enum": ["Alert", "Update", "Cancel"]},
                "identifier": {"type": "string"}, "cap_url": {"type": "string"}}},
            "Action": {"type": "object", "required": ["id", "code", "kind", "status", "control_room_id"], "properties": {
                "kind": {"enum": list(ACTION_KINDS)}, "control_room_id": {"type": "integer"},
                "id": {"type": "integer"}, "code": {"type": "string", "pattern": "^\\d{4,6}$"},
                "status": {"enum": ["active", "ended"]}, "result": {"enum": list(ACTION_RESULTS) + [None]},
                "progress": {"type": "object", "description": "channel -> purpose -> state -> count"},
                "exercise": {"type": "boolean", "description": "an exercise: test participants only, OEFENING"},
                "rings": {"oneOf": [{"type": "null"}, _ref("Rings")]}}},
            "Rings": {"type": "object", "required": ["ring", "rings", "radius_m", "radii_m", "stopped"],
                      "description": "Expanding rings: the ring the action is at (1 = the launch's circle)",
                      "properties": {
                "ring": {"type": "integer"}, "rings": {"type": "integer"}, "radius_m": {"type": "integer"},
                "radii_m": {"type": "array", "items": {"type": "integer"}}, "every_s": {"type": "integer"},
                "wider_m": {"type": ["integer", "null"], "description": "the next radius, while one is left"},
                "next_at": {"type": ["string", "null"], "format": "date-time",
                            "description": "when the next ring is taken unless someone responds"},
                "stopped": {"enum": [None, "response", "last_ring", "ended"]}}},
            "Delivery": {"type": "object", "required": ["id", "channel", "purpose", "state", "rank"], "properties": {
                "id": {"type": "integer"}, "to": {"type": "string", "description": "masked"},
                "channel": {"enum": ["voice", "sms", "email"]}, "purpose": {"enum": ["alert", "closing"]},
                "state": {"enum": list(DELIVERY_STATES)}, "rank": {"type": "integer"},
                "distance_m": {"type": "integer"},
                "escalated_from": {"type": ["integer", "null"], "description": "the delivery this one escalated "
                                   "from (a participant it did not reach on that channel)"},
                "reason": {"type": ["string", "null"], "description": "why it was escalated: the source's channel "
                           "and what its last attempt met, e.g. voice:no_answer, voice:voicemail"},
                "amd_status": {"enum": ["human", "machine", "notsure", "key", None],
                               "description": "voice: what answering-machine detection said (key: a key proved a "
                                              "person)"},
                "amd_cause": {"type": ["string", "null"], "description": "voice: detection's own words, for tuning"}}},
            "Moment": {"type": "object", "properties": {
                "at": {"type": ["string", "null"], "format": "date-time"},
                "seconds": {"type": ["number", "null"], "description": "after the launch"}}},
            "MessageTemplateInput": {"type": "object", "additionalProperties": False,
                                     "required": ["name", "kind", "title", "message"], "properties": {
                "name": {"type": "string", "maxLength": 80}, "kind": {"enum": list(ACTION_KINDS)},
                "control_room_id": {"type": ["integer", "null"], "description": "null: for every control room"},
                "title": {"type": "string", "maxLength": 120},
                "message": {"type": "string", "description": "May hold {omschrijving}, {voertuig}, {kenteken}, "
                            "{plaats}, {straat}, {richting} and {tijd}; a launch refuses one left in"}}},
            "MessageTemplate": {"type": "object", "required": ["id", "name", "kind", "control_room_id", "title",
                                                               "message", "placeholders"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"enum": list(ACTION_KINDS)},
                "control_room_id": {"type": ["integer", "null"]}, "title": {"type": "string"},
                "message": {"type": "string"}, "placeholders": {"type": "array", "items": {"type": "string"}},
                "updated_by": {"type": "string"}, "updated_at": {"type": "string", "format": "date-time"}}},
            "MessageTemplateWithPreviews": {"allOf": [_ref("MessageTemplate"), {"type": "object", "required": ["previews"],
                                                                                 "properties": {
                "previews": {"type": "object", "required": ["sms", "spoken", "mail"], "properties": {
                    "title": {"type": "string"}, "message": {"type": "string", "description": "examples filled in"},
                    "sms": {"type": "array", "items": _ref("SmsPreview")}, "spoken": {"type": "string"},
                    "mail": {"type": "object", "properties": {"subject": {"type": "string"},
                                                              "paragraphs": {"type": "array",
                                                                             "items": {"type": "string"}}}}}}}}]},
            "ReachReport": {"type": "object", "required": ["action_id", "code", "exercise", "channels", "timeline"],
                            "properties": {
                "action_id": {"type": "integer"}, "code": {"type": "string"}, "title": {"type": "string"},
                "exercise": {"type": "boolean"}, "status": {"enum": ["active", "ended"]},
                "launched_at": {"type": "string", "format": "date-time"},
                "ended_at": {"type": ["string", "null"], "format": "date-time"},
                "channels": {"type": "object", "description": "channel -> purpose -> total, pending, reached, "
                             "not_reached, voicemail, states"},
                "timeline": _ref("Timeline")}},
            "Timeline": {"type": "object", "description": (
                "How fast the action reached people. An alert counts as reached when a call was answered and "
                "listened to, or an SMS or mail was taken by its provider or relay; shares are of the alerts "
                "planned on the channel."), "properties": {
                "action_id": {"type": "integer"}, "status": {"enum": ["active", "ended"]},
                "elapsed_s": {"type": "number", "description": "seconds from launch to now, or to the end"},
                "events": {"type": "object", "properties": {name: _ref("Moment") for name in (
                    "launched", "first_sent", "first_call", "first_sms_reply", "first_response", "first_bridged")}},
                "channels": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                    "planned": {"type": "integer"}, "reached": {"type": "integer"},
                    "at": {"type": "object", "description": "first, p50, p95, p100: ISO time or null"},
                    "seconds": {"type": "object", "description": "first, p50, p95, p100: seconds after launch"},
                    "curve": {"type": "array", "description": "every 5 % reached so far",
                              "items": {"type": "object", "properties": {"percent": {"type": "integer"},
                                                                         "seconds": {"type": "number"}}}}}}}}},
            "EndRequest": {"type": "object", "required": ["result"], "properties": {
                "result": {"enum": list(ACTION_RESULTS)}, "closing_text": {"type": "string", "maxLength": 640},
                "result_from_response": {"type": "boolean",
                                         "description": "A participant's response led directly to the result"}}},
            "ControlRoom": {"type": "object", "required": ["id", "name", "free_number", "voice_backend", "operators"],
                            "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "free_number": {"type": "string"},
                "general_line": NULLABLE_STRING, "voice_backend": {"enum": list(BACKENDS)},
                "operators": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "available": {"type": "boolean"}}}}}},
            "ControlRoomInput": {"type": "object", "properties": {
                "name": {"type": "string", "maxLength": 120},
                "free_number": {"type": "string", "description": "Digits (spaces allowed), like 0800 0011"},
                "general_line": {"type": ["string", "null"], "description": "Dial string or phone number"},
                "voice_backend": {"enum": list(BACKENDS)}},
                "description": "Create: name, free_number, voice_backend required. Change: fields left out keep "
                               "their value."},
            "Operator": {"type": "object", "required": ["id", "name", "control_room_id", "available"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "control_room_id": {"type": "integer"},
                "dial_string": {"type": "string"}, "available": {"type": "boolean"},
                "softphone": {"type": "string", "description": "Whether a SIP password is set (never the password)"}}},
            "OperatorInput": {"type": "object", "properties": {
                "name": {"type": "string", "maxLength": 120}, "control_room_id": {"type": "integer"},
                "dial_string": {"type": "string", "description": "PJSIP/name, Local/number@context or a number"},
                "available": {"type": "boolean"},
                "sip_password": {"type": "string", "writeOnly": True,
                                 "description": "Sealed when stored; never returned. Blank keeps the stored one"},
                "remove_softphone": {"type": "boolean"}}},
            "Availability": {"type": "object", "required": ["available"],
                             "properties": {"available": {"type": "boolean"}}},
            "Trunk": {"type": "object", "required": ["id", "name", "backend", "settings"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "backend": {"enum": list(BACKENDS)},
                "control_room_id": {"type": ["integer", "null"], "description": "null: shared by every room"},
                "caller_id": NULLABLE_STRING, "channel_limit": {"type": "integer"},
                "calls_per_second": {"type": "number"}, "dial_template": NULLABLE_STRING,
                "enabled": {"type": "boolean"},
                "settings": {"type": "object", "description": "Backend settings; a secret (ami_secret, password, "
                             "auth_token) only as how it is stored, e.g. \"stored encrypted\""}}},
            "RetryPolicy": {"type": "object", "required": ["kind", *RETRY_FIELDS, "configured"], "properties": {
                "kind": {"enum": list(ACTION_KINDS)},
                **{field: {"type": "integer"} for field in RETRY_FIELDS},
                **ESCALATION_PROPERTIES,
                "configured": {"type": "boolean", "description": "false: the configuration's defaults"},
                "updated_by": NULLABLE_STRING,
                "updated_at": {"type": ["string", "null"], "format": "date-time"}}},
            "RetryPolicyInput": {"type": "object", "additionalProperties": False, "properties": {
                **{field: {"type": "integer", "minimum": low, "maximum": high}
                   for field, (low, high) in RETRY_LIMITS.items()}, **ESCALATION_PROPERTIES}},
            "Webhook": {"type": "object", "required": ["id", "url", "control_room_id", "active", "secret",
                                                       "created_at"], "properties": {
                "id": {"type": "integer"}, "url": {"type": "string"},
                "control_room_id": {"type": ["integer", "null"], "description": "null: every room's actions"},
                "active": {"type": "boolean"},
                "secret": {"type": "string", "description": "Only how it is stored, e.g. \"stored encrypted\""},
                "new_secret": {"type": "string", "description": "The HMAC secret, only in the answer that made "
                               "it (create, or a change with new_secret: true)"},
                "created_at": {"type": "string", "format": "date-time"}}},
            "WebhookInput": {"type": "object", "additionalProperties": False, "properties": {
                "url": {"type": "string", "maxLength": 500, "description": "http(s) address that receives the POSTs"},
                "control_room_id": {"type": ["integer", "null"],
                                    "description": "a room-bound token: its own room (the default)"},
                "active": {"type": "boolean"},
                "new_secret": {"type": "boolean", "description": "true: replace the secret (change only)"}}},
            "WebhookDelivery": {"type": "object", "required": ["id", "action_id", "event", "sequence", "state",
                                                               "attempts", "payload"], "properties": {
                "id": {"type": "integer", "description": "Also the body's `id`: a repeat carries the same"},
                "action_id": {"type": "integer"},
                "event": {"enum": list(ACTION_WEBHOOK_EVENTS)},
                "sequence": {"type": "integer", "minimum": 1, "description": "Also the body's `sequence`"},
                "state": {"enum": list(ACTION_WEBHOOK_STATES)},
                "attempts": {"type": "integer"}, "last_status": {"type": ["integer", "null"]},
                "last_error": NULLABLE_STRING,
                "created_at": {"type": "string", "format": "date-time"},
                "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                "delivered_at": {"type": ["string", "null"], "format": "date-time"},
                "payload": {"type": "object", "description": "The body sent, without its `id` and `sequence`: "
                            "event, change (area, publication or photos on action.updated), occurred_at and the "
                            "action"}}},
            "ActionEvent": {"type": "object", "additionalProperties": False,
                            "required": ["id", "sequence", "event", "change", "occurred_at", "action"], "properties": {
                "id": {"type": "integer", "description": "The delivery's id: a repeated attempt carries the same"},
                "sequence": {"type": "integer", "minimum": 1, "description": SEQUENCE},
                "event": {"enum": list(ACTION_WEBHOOK_EVENTS)},
                "change": {"enum": ["area", "publication", "photos", None],
                           "description": "What an action.updated changed; null on the others"},
                "occurred_at": {"type": "string", "format": "date-time"},
                "action": {"type": "object", "additionalProperties": False, "required": [
                    "id", "code", "kind", "title", "status", "result", "control_room_id", "area", "launched_at",
                    "ended_at"], "properties": {
                    "id": {"type": "integer"}, "code": {"type": "string"}, "kind": {"enum": list(ACTION_KINDS)},
                    "title": {"type": "string"}, "status": {"enum": ["active", "ended"]},
                    "result": {"enum": list(ACTION_RESULTS) + [None]}, "control_room_id": {"type": "integer"},
                    "area": {"type": "object"}, "launched_at": {"type": ["string", "null"], "format": "date-time"},
                    "ended_at": {"type": ["string", "null"], "format": "date-time"}}}}},
            "TrunkInput": {"type": "object", "properties": {
                "name": {"type": "string", "maxLength": 40}, "backend": {"enum": list(BACKENDS)},
                "control_room_id": {"type": ["integer", "null"]}, "caller_id": {"type": "string"},
                "channel_limit": {"type": "integer"}, "calls_per_second": {"type": "number"},
                "dial_template": {"type": "string"}, "enabled": {"type": "boolean"},
                "ami_host": {"type": "string"}, "ami_port": {"type": "integer"}, "ami_user": {"type": "string"},
                "ami_secret": {"type": "string", "writeOnly": True}, "sip_host": {"type": "string"},
                "sip_port": {"type": "integer"}, "username": {"type": "string"},
                "password": {"type": "string", "writeOnly": True}, "register": {"type": "boolean"},
                "amd_enabled": {"type": "boolean", "description": "Detect answering machines on alert and closing "
                                "calls (settings.amd shows the parameters in use); each backend has its own "
                                "amd_<parameter> fields"},
                **{f"amd_{name}": {"type": "integer", "minimum": low, "maximum": high, "default": default,
                                   "description": backend.capitalize()}
                   for backend in ("asterisk", "twilio")
                   for name, default, low, high in answering_machines.FIELDS[backend]},
                "account_sid": {"type": "string"}, "auth_token": {"type": "string", "writeOnly": True}},
                "description": "Secrets are write-only: sealed (encrypted with TRUNK_SECRET_KEY) or `env:UITKIJK_"
                               "TRUNK_…`; left out or blank they keep the stored value. Change: fields left out "
                               "keep their value; the backend cannot change."},
            "Call": {"type": "object", "required": ["id", "caller", "alerted", "started_at"], "properties": {
                "id": {"type": "integer"}, "caller": {"type": "string", "description": "masked, or \"withheld\""},
                "alerted": {"type": "boolean", "description": "The caller was alerted by this action"},
                "operator": NULLABLE_STRING, "outcome": NULLABLE_STRING, "started_at": {"type": "string"},
                "connected": {"type": "boolean"}, "talk_s": {"type": ["number", "null"]}}},
            "Tip": {"type": "object", "required": ["id", "source", "from", "created_at"], "properties": {
                "id": {"type": "integer"}, "source": {"enum": ["voice", "sms"]},
                "from": {"type": "string", "description": "masked, or \"withheld\""}, "text": NULLABLE_STRING,
                "has_recording": {"type": "boolean"}, "recording_pending": {"type": "boolean"},
                "recording_url": {"type": ["string", "null"], "description": "Download with the same token"},
                "duration_s": {"type": ["number", "null"]}, "created_at": {"type": "string"},
                "heard": {"type": "boolean"}}},
            "OutboxMessage": {"type": "object", "properties": {
                "id": {"type": "integer"}, "channel": {"type": "string"}, "to": {"type": "string"},
                "body": {"type": "string"}, "transport": {"type": "string"}}},
        },
    },
    "security": [{"bearer": []}],
    "webhooks": {"actionEvent": {"post": {
        "summary": "An action event, POSTed to each subscription that hears the action's control room",
        "description": WEBHOOK_SIGNING + " " + SEQUENCE,
        "parameters": [
            {"name": "X-Uitkijk-Event", "in": "header", "required": True,
             "schema": {"enum": list(ACTION_WEBHOOK_EVENTS)}},
            {"name": "X-Uitkijk-Sequence", "in": "header", "required": True,
             "schema": {"type": "integer", "minimum": 1}, "description": "The body's `sequence`"},
            {"name": "X-Uitkijk-Timestamp", "in": "header", "required": True, "schema": {"type": "integer"},
             "description": "Unix seconds when the attempt was signed"},
            {"name": "X-Uitkijk-Signature", "in": "header", "required": True,
             "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ActionEvent")}}},
        "responses": {"2XX": {"description": "Received; any other answer (or none) is retried"}}}}},
    "paths": {
        "/api/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": _json({"type": "object"}, "The OpenAPI document")}}},
        "/api/participants": {
            "get": _op("The register a page at a time, by id; phone numbers masked; the ids shown are audited",
                       "participants:read", {"200": _page("Participant", "A page of participants")},
                       params=[{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
                                "description": "Part of a name, e-mail or reference, or a phone number"},
                               {"name": "status", "in": "query",
                                "schema": {"enum": ["active", "inactive", "all"], "default": "active"}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                           "maximum": 500, "default": 100}},
                               _cursor("participants are added or removed")]),
            "post": _op(
                "Register (or update) a participant", "participants:write",
                {"201": _json(_ref("Participant"), "Created"),
                 "200": _json(_ref("Participant"), "Updated (same external_ref or first number)")},
                body=_ref("ParticipantInput"))},
        "/api/participants/import": {"post": {**_op(
            "Bulk import from CSV; bad rows are reported by line, good rows are saved", "participants:write",
            {"200": _json(_ref("ImportReport"), "Report")}),
            "requestBody": {"required": True, "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}}}}}}}},
        "/api/participants/{id}": {
            "parameters": [ID],
            "get": _op("A participant (audited)", "participants:read", {"200": _json(_ref("Participant"), "Found")},
                       errors=("404",)),
            "put": _op("Replace a participant's registration (what is left out is removed, as the web's form "
                       "saves it); reactivates an inactive one", "participants:write",
                       {"200": _json(_ref("Participant"), "Changed")}, errors=("400", "404"),
                       body=_ref("ParticipantInput")),
            "delete": _op("Remove a participant's personal data", "participants:write",
                          {"204": {"description": "Removed"}}, errors=("404",))},
        "/api/participants/{id}/active": {
            "parameters": [ID],
            "put": _op("Deactivate (no more alerts) or reactivate a participant", "participants:write",
                       {"200": _json(_ref("Participant"), "Set")}, errors=("400", "404"),
                       body=_ref("Active"))},
        "/api/participants/{id}/revoke-links": {
            "parameters": [ID],
            "post": _op("Stop every self-service link sent to the participant (a leaked SMS, a lost phone)",
                        "participants:write", {"204": {"description": "Revoked"}}, errors=("404",))},
        "/api/participants/{id}/personal-data": {
            "parameters": [ID],
            "get": _op("Everything held on the participant (a GDPR access request); audited", "participants:read",
                       {"200": _json(_ref("PersonalData"), "The record")}, errors=("404",))},
        "/api/actions": {
            "get": _op("Recent actions (a room-bound token: its room's)", "actions",
                       {"200": _list("Action", "Actions")},
                       params=[{"name": "status", "in": "query", "schema": {"enum": ["active", "ended"]}}]),
            "post": _op("Launch an action", "actions",
                        {"201": _json(_ref("Action"), "Launched"),
                         "202": _json(_ref("AwaitingApproval"), "A national or regional AMBER alert, or more than "
                                      "LAUNCH_APPROVAL_PARTICIPANTS people: nothing is sent until someone else "
                                      "approves it (POST /api/approvals/{id}/approve)"),
                         "200": _json({"oneOf": [_ref("Action"), _ref("LaunchPreview"), _ref("AwaitingApproval")]},
                                      "Already launched (or awaiting approval) with this client_request_id; or, "
                                      "with dry_run, the impact preview")},
                        errors=("400", "404", "409"), body=_ref("LaunchRequest"))},
        "/api/estimate": {
            "get": _op("Who an area would reach now, per channel (as the launch would select them)", "actions",
                       {"200": _json(_ref("Estimate"), "The estimate")},
                       params=[{"name": n, "in": "query", "schema": {"type": "number"}} for n in ("lat", "lon")]
                       + [{"name": "radius_m", "in": "query", "schema": {"type": "number"},
                           "description": "A circle's radius (without polygon)"},
                          {"name": "polygon", "in": "query", "schema": {"type": "string"},
                           "description": "A drawn area as GeoJSON text; lat and lon are then its centre"}])},
        "/api/geocode": {
            "get": _op("Where an address is, as a launch's area would place it", "actions",
                       {"200": _json(_ref("Place"), "Found")},
                       params=[{"name": n, "in": "query", "schema": {"type": "string"}}
                               for n in ("address", "postcode", "house_number", "house_letter", "addition", "street",
                                         "city")],
                       description="One line in `address` (\"Damrak 1, Amsterdam\") or the parts; a refusal names "
                                   "the part as a launch would (`area.postcode`, `area.house_number`, `area.address`).")},
        "/api/sms-preview": {
            "get": _op("The alert SMS in each language as participants would get it, with its segments", "actions",
                       {"200": _list("SmsPreview", "One per language")}, errors=("400", "404"),
                       params=[{"name": "message", "in": "query", "required": True, "schema": {"type": "string"}},
                               {"name": "control_room_id", "in": "query", "schema": {"type": "integer"},
                                "description": "Whose free number the SMS names (else FREE_NUMBER)"},
                               {"name": "exercise", "in": "query", "schema": {"enum": ["true", "false"]},
                                "description": "The SMS of an exercise, marked as one"}])},
        "/api/approvals": {
            "get": _op("Launches awaiting approval (a room-bound token: its room's)", "actions",
                       {"200": _list("Approval", "Approvals")},
                       params=[{"name": "status", "in": "query",
                                "schema": {"enum": ["awaiting", "approved", "rejected"], "default": "awaiting"}}])},
        "/api/approvals/{id}": {
            "parameters": [ID],
            "get": _op("A launch approval with its impact preview", "actions",
                       {"200": _json(_ref("Approval"), "Found")}, errors=("404",))},
        "/api/approvals/{id}/approve": {
            "parameters": [ID],
            "post": _op("Approve a launch: it is launched at once", "approvals",
                        {"201": _json(_ref("Action"), "Approved and launched")}, errors=("400", "404", "409"),
                        description="Not by the token that asked for it (409); audited.")},
        "/api/approvals/{id}/reject": {
            "parameters": [ID],
            "post": _op("Reject a launch: nothing is sent", "approvals",
                        {"200": _json(_ref("Approval"), "Rejected")}, errors=("400", "404", "409"),
                        body=_ref("Rejection"), description="Not by the token that asked for it (409); audited.")},
        "/api/actions/{id}": {
            "parameters": [ID],
            "get": _op("An action with progress per channel and state", "actions",
                       {"200": _json(_ref("Action"), "Found")}, errors=("404",))},
        "/api/actions/{id}/deliveries": {
            "parameters": [ID],
            "get": _op("The action's deliveries, nearest first, a page at a time", "actions",
                       {"200": _page("Delivery", "A page of deliveries")},
                       errors=("400", "404"),
                       params=[{"name": "state", "in": "query", "schema": {"enum": list(DELIVERY_STATES)}},
                               {"name": "channel", "in": "query", "schema": {"enum": ["voice", "sms"]}},
                               {"name": "purpose", "in": "query", "schema": {"enum": ["alert", "closing"]}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                           "maximum": 1000, "default": 100}},
                               _cursor("deliveries are added")])},
        "/api/actions/{id}/timeline": {
            "parameters": [ID],
            "get": _op("The time-to-reach timeline: launch, first sent, 50/95/100 % reached per channel, "
                       "first response, first caller put through", "actions",
                       {"200": _json(_ref("Timeline"), "Timeline")}, errors=("404",))},
        "/api/actions/{id}/report": {
            "parameters": [ID],
            "get": _op("The reach report (the end of an exercise): per channel and purpose what was tried and "
                       "reached, and the timeline; audited", "actions",
                       {"200": _json(_ref("ReachReport"), "Report")}, errors=("404",))},
        "/api/actions/{id}/report.csv": {
            "parameters": [ID],
            "get": _op("The reach report's rows: every delivery, its masked number or address, state, attempts, "
                       "last tried and reached; audited", "actions",
                       {"200": {"description": "CSV, one row per delivery", "content": {"text/csv": {}}}},
                       errors=("404",),
                       description="In the language Accept-Language asks for (nl or en, else English): the column "
                                   "names and the channel, message and state in words; times ISO 8601; the same "
                                   "bytes as the web's export in that language.")},
        "/api/actions/{id}/end": {
            "parameters": [ID],
            "post": _op("End the action: cancel unsent alerts, send the closing message to everyone reached",
                        "actions", {"200": _json(_ref("Action"), "Ended")}, errors=("400", "404", "409"),
                        body=_ref("EndRequest"))},
        "/api/actions/{id}/widen": {
            "parameters": [ID],
            "post": _op("Take the next expanding ring now (widen now): whoever the wider circle adds is alerted, "
                        "nearest first; the wait for the ring after it starts again", "actions",
                        {"200": _json(_ref("Action"), "Widened")}, errors=("404", "409"))},
        "/api/actions/{id}/photos": {
            "parameters": [ID],
            "post": {**_op("Add photos; on a public action an Update goes out", "actions",
                           {"201": _json(_ref("PublicationEvent"), "Added")}, errors=("400", "404", "409")),
                     "requestBody": {"required": True, "content": {
                         "multipart/form-data": {"schema": {"type": "object", "properties": {
                             "photo": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
                         "application/json": {"schema": {"type": "object", "properties": {
                             "photos": {"type": "array", "items": {"type": "string", "contentEncoding": "base64"}}}}}}}}},
        "/api/actions/{id}/area": {
            "parameters": [ID],
            "post": _op("Move or resize the area of an active action: whoever the new area adds is alerted, "
                        "nearest first, nobody twice; alerts still queued for whoever it leaves out are cancelled; "
                        "a public action's publication gets a CAP Update", "actions",
                        {"200": _json(_ref("AreaChanged"), "Changed")}, errors=("400", "404", "409"),
                        body=_ref("AreaChange"))},
        "/api/actions/{id}/publication": {
            "parameters": [ID],
            "post": _op("Change a public action's title, message or area name: a CAP Update", "actions",
                        {"200": _json(_ref("PublicationEvent"), "Published")}, errors=("400", "404", "409"),
                        body=_ref("PublicationUpdate"))},
        "/api/actions/{id}/calls": {
            "parameters": [ID],
            "get": _op("Calls to the free number about this action, newest first", "tips",
                       {"200": _list("Call", "Calls")}, errors=("404",))},
        "/api/actions/{id}/tips": {
            "parameters": [ID],
            "get": _op("Tips left for this action (recordings and SMS replies), newest first; audited", "tips",
                       {"200": _list("Tip", "Tips")}, errors=("404",))},
        "/api/actions/{id}/tips/{tip_id}/recording": {
            "parameters": [ID, {"name": "tip_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": _op("A recorded tip as WAV; each download is audited (Range requests are served)", "tips",
                       {"200": {"description": "The recording",
                                "content": {"audio/wav": {}}},
                        "206": {"description": "Part of the recording",
                                "content": {"audio/wav": {}}}},
                       errors=("404",))},
        "/api/control-rooms": {
            "get": _op("Control rooms and their operators (a room-bound token: its own)", "control-rooms",
                       {"200": _list("ControlRoom", "Control rooms")}, errors=()),
            "post": _op("Create a control room (national tokens only)", "configuration",
                        {"201": _json(_ref("ControlRoom"), "Created")}, errors=("400", "409"),
                        body=_ref("ControlRoomInput"))},
        "/api/control-rooms/{id}": {
            "parameters": [ID],
            "patch": _op("Change a control room", "configuration", {"200": _json(_ref("ControlRoom"), "Changed")},
                         errors=("400", "404", "409"), body=_ref("ControlRoomInput"))},
        "/api/operators": {
            "get": _op("Operators and their availability", "control-rooms", {"200": _list("Operator", "Operators")},
                       errors=()),
            "post": _op("Create an operator", "configuration", {"201": _json(_ref("Operator"), "Created")},
                        body=_ref("OperatorInput"))},
        "/api/operators/{id}": {
            "parameters": [ID],
            "patch": _op("Change an operator", "configuration", {"200": _json(_ref("Operator"), "Changed")},
                         errors=("400", "404"), body=_ref("OperatorInput"))},
        "/api/operators/{id}/availability": {
            "parameters": [ID],
            "put": _op("Set whether the operator takes free-number calls", "control-rooms",
                       {"200": _json(_ref("Operator"), "Set")}, errors=("400", "404"), body=_ref("Availability"))},
        "/api/trunks": {
            "get": _op("Trunks, secrets only described", "configuration", {"200": _list("Trunk", "Trunks")},
                       errors=()),
            "post": _op("Create a trunk", "configuration", {"201": _json(_ref("Trunk"), "Created")},
                        errors=("400", "409"), body=_ref("TrunkInput"))},
        "/api/trunks/{id}": {
            "parameters": [ID],
            "get": _op("A trunk, secrets only described", "configuration", {"200": _json(_ref("Trunk"), "Found")},
                       errors=("404",)),
            "patch": _op("Change a trunk", "configuration", {"200": _json(_ref("Trunk"), "Changed")},
                         errors=("400", "404", "409"), body=_ref("TrunkInput")),
            "delete": _op("Remove a trunk", "configuration", {"204": {"description": "Removed"}},
                          errors=("404",))},
        "/api/partners": {
            "get": _op("Partners who receive every public alert by webhook, with deliveries per state (national "
                       "tokens only)", "configuration", {"200": _list("Partner", "Partners")}, errors=()),
            "post": _op("Register a partner (national tokens only)", "configuration",
                        {"201": _json(_ref("Partner"), "Registered; new_secret is shown this once")},
                        errors=("400", "409"), body=_ref("PartnerInput"), description=PARTNER_SIGNING),
        },
        "/api/templates": {
            "get": _op("Message templates: a bound token's room's and those for every room", "actions",
                       {"200": _list("MessageTemplate", "Templates")},
                       params=[{"name": "kind", "in": "query", "schema": {"enum": list(ACTION_KINDS)}}]),
            "post": _op("Add a message template (audited); an unknown {placeholder} is refused naming it",
                        "configuration", {"201": _json(_ref("MessageTemplateWithPreviews"), "Created")},
                        errors=("400", "404"), body=_ref("MessageTemplateInput"))},
        "/api/templates/{id}": {
            "parameters": [ID],
            "get": _op("A message template with its SMS (per language, segments), spoken and mail previews",
                       "actions", {"200": _json(_ref("MessageTemplateWithPreviews"), "Found")}, errors=("404",)),
            "put": _op("Change a message template (audited)", "configuration",
                       {"200": _json(_ref("MessageTemplateWithPreviews"), "Changed")}, errors=("400", "404"),
                       body=_ref("MessageTemplateInput")),
            "delete": _op("Remove a message template (audited)", "configuration",
                          {"204": {"description": "Removed"}}, errors=("404",))},
        "/api/templates/{id}/spoken.wav": {
            "parameters": [ID],
            "get": _op("The spoken alert of an action from this template, as a call would play it", "actions",
                       {"200": {"description": "WAV", "content": {"audio/wav": {}}},
                        "503": _json(_ref("Error"), "The speech engine failed")}, errors=("404",))},
        "/api/regions": {
            "get": _op("Regions an AMBER alert can cover", "configuration", {"200": _list("Region", "Regions")},
                       params=[{"name": "kind", "in": "query", "schema": {"enum": list(REGION_KINDS)}}]),
            "post": _op("Create or update regions from GeoJSON (national tokens only)", "configuration",
                        {"200": _json(_ref("RegionsImported"), "Imported")}, body=_ref("RegionImport"))},
        "/api/mail-senders": {
            "get": _op("The names and addresses neighbourhood mail leaves from", "configuration",
                       {"200": _list("MailSender", "Senders")}, errors=()),
            "post": _op("Add a sender (national tokens only)", "configuration",
                        {"201": _json(_ref("MailSender"), "Added")}, body=_ref("MailSenderInput"))},
        "/api/mail-senders/{id}": {
            "parameters": [ID],
            "put": _op("Change a sender (national tokens only)", "configuration",
                       {"200": _json(_ref("MailSender"), "Changed")}, errors=("400", "404"),
                       body=_ref("MailSenderInput"))},
        "/api/signup-limits": {
            "get": _op("What the public sign-up sent and refused per day, and the limits set", "configuration",
                       {"200": _json(_ref("SignupLimits"), "Counts and limits")}, errors=())},
        "/api/prompts": {
            "get": _op("Every fixed prompt callers hear, per language, and whether a recording replaces it",
                       "configuration", {"200": _list("Prompt", "Prompts")},
                       params=[{"name": "language", "in": "query", "schema": {"enum": list(LANGUAGES)}}])},
        "/api/prompts/{language}/{prompt_id}/audio": {
            "parameters": PROMPT,
            "get": _op("The prompt as callers hear it (the recording, else the speech; ?speech=1: the speech)",
                       "configuration", {"200": {"description": "WAV", "content": {"audio/wav": {}}},
                                         "503": _json(_ref("Error"), "The speech engine failed")},
                       errors=("404",), params=[{"name": "speech", "in": "query", "schema": {"type": "string"}}])},
        "/api/prompts/{language}/{prompt_id}/recording": {
            "parameters": PROMPT,
            "put": {**_op("Install a recording in place of the speech (national tokens only); checked and "
                          "converted for the telephone, audited", "configuration",
                          {"200": _json(_ref("Prompt"), "Installed")}, errors=("400", "404")),
                    "requestBody": {"required": True, "content": {
                        "audio/*": {"schema": {"type": "string", "format": "binary"}},
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
            "delete": _op("Remove the recording: the speech engine speaks the prompt again (national tokens "
                          "only)", "configuration", {"204": {"description": "Removed, or there was none"}},
                          errors=("404",))},
        "/api/partners/signing-key": {
            "get": _op("Whose certificate signs the CAP documents now (national tokens only)", "configuration",
                       {"200": _json(_ref("SigningKey"), "Signing")}, errors=("404",),
                       description="404 while nothing signs them. The key itself is never shown."),
            "put": _op("Install the CAP signing key and its certificate (national tokens only): it signs from now on, "
                       "the key it replaces is destroyed; audited", "configuration",
                       {"200": _json(_ref("SigningKey"), "Installed")},
                       body={"type": "object", "required": ["key", "certificate"], "additionalProperties": False,
                             "properties": {"key": {"type": "string", "description": "PEM, PKCS#8, RSA of at least "
                                                    "2048 bits, without a passphrase; stored sealed, write-only"},
                                            "certificate": {"type": "string", "description": "PEM, of this key"}}})},
        "/api/partners/{id}/active": {
            "parameters": [ID],
            "put": _op("Pause or resume a partner", "configuration", {"200": _json(_ref("Partner"), "Set")},
                       errors=("400", "404"), body=_ref("Active"))},
        "/api/partners/{id}/deliveries": {
            "parameters": [ID],
            "get": _op("The partner's delivery log, newest first", "configuration",
                       {"200": _list("PartnerDelivery", "Deliveries")}, errors=("400", "404"),
                       params=[{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                           "maximum": 1000, "default": 100}}])},
        "/api/retry-policies": {
            "get": _op("How each action kind's messages are retried: seconds after a busy line, no answer and a "
                       "failed attempt, and the attempts at most", "configuration",
                       {"200": _list("RetryPolicy", "Retry policies")}, errors=())},
        "/api/retry-policies/{kind}": {
            "parameters": [{"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}],
            "put": _op("Set an action kind's retry policy (fields left out keep their value; national tokens "
                       "only); audited", "configuration", {"200": _json(_ref("RetryPolicy"), "Set")},
                       errors=("400", "404"), body=_ref("RetryPolicyInput")),
            "delete": _op("Back to the configuration's defaults (national tokens only); audited", "configuration",
                          {"200": _json(_ref("RetryPolicy"), "The defaults")}, errors=("404",))},
        "/api/webhooks": {
            "get": _op("Webhooks for action events (a room-bound token: its room's)", "webhooks",
                       {"200": _list("Webhook", "Webhooks")}, errors=()),
            "post": _op("Subscribe an address to action.launched, action.updated and action.ended", "webhooks",
                        {"201": _json(_ref("Webhook"), "Created; new_secret is shown this once")},
                        body=_ref("WebhookInput"), description=WEBHOOK_SIGNING)},
        "/api/webhooks/{id}": {
            "parameters": [ID],
            "get": _op("A webhook, its secret only described", "webhooks", {"200": _json(_ref("Webhook"), "Found")},
                       errors=("404",)),
            "patch": _op("Change a webhook's address, room or activity, or replace its secret", "webhooks",
                         {"200": _json(_ref("Webhook"), "Changed")}, errors=("400", "404"),
                         body=_ref("WebhookInput")),
            "delete": _op("Remove a webhook and its delivery log", "webhooks", {"204": {"description": "Removed"}},
                          errors=("404",))},
        "/api/webhooks/{id}/deliveries": {
            "parameters": [ID],
            "get": _op("The webhook's delivery log, newest first", "webhooks",
                       {"200": _list("WebhookDelivery", "Deliveries")}, errors=("400", "404"),
                       params=[{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}])},
        "/api/inquiries": {
            "get": _op("The neighbourhood mail the token may read, newest first", "mail",
                       {"200": _list("Inquiry", "Inquiries")}, errors=()),
            "post": _op("Compose neighbourhood mail: preview it (dry_run) or send it", "mail",
                        {"201": _json(_ref("Inquiry"), "Sent: one mail per participant in the area is queued"),
                         "200": _json(_ref("InquiryPreview"), "The preview: nothing written or sent")},
                        body=_ref("InquiryInput"),
                        description="A municipality's token sends information to its own municipality's "
                                    "participants; any other token police inquiries.")},
        "/api/inquiries/{id}": {
            "parameters": [ID],
            "get": _op("An inquiry with its mails per purpose and state", "mail",
                       {"200": _json(_ref("Inquiry"), "Found")}, errors=("404",))},
        "/api/inquiries/{id}/replies": {
            "parameters": [ID],
            "get": _op("What residents replied, those who noticed something first; audited", "mail",
                       {"200": _list("InquiryReply", "Replies")}, errors=("404",))},
        "/api/inquiries/{id}/replies/{reply_id}/helpful": {
            "parameters": [ID, {"name": "reply_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "put": _op("Mark a reply as helpful (or not); audited", "mail",
                       {"200": _json(_ref("InquiryReply"), "Marked")}, errors=("400", "404"),
                       body={"type": "object", "required": ["helpful"], "additionalProperties": False,
                             "properties": {"helpful": {"type": "boolean"}}})},
        "/api/inquiries/{id}/replies.csv": {
            "parameters": [ID],
            "get": _op("The replies as CSV (contact numbers included); audited", "mail",
                       {"200": {"description": "The replies", "content": {"text/csv": {}}}},
                       errors=("404",),
                       description="In the language Accept-Language asks for (nl or en, else English): the column "
                                   "names and yes/no (ja/nee); times ISO 8601; the same bytes as the web's export "
                                   "in that language.")},
        "/api/inquiries/{id}/photos/{photo_id}": {
            "parameters": [ID, {"name": "photo_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": _op("A photo sent with a reply (its metadata stripped); each view audited", "mail",
                       {"200": {"description": "The photo", "content": {"image/jpeg": {}, "image/png": {}}}},
                       errors=("404",))},
        "/api/inquiries/{id}/update": {
            "parameters": [ID],
            "post": _op("Send the update to everyone the inquiry reached; `close` also stops new replies", "mail",
                        {"200": _json(_ref("Inquiry"), "Queued")}, errors=("400", "404", "409"),
                        body={"type": "object", "required": ["update_text"], "additionalProperties": False,
                              "properties": {"update_text": {"type": "string", "maxLength": 5000},
                                             "close": {"type": "boolean", "default": False}}})},
        "/api/dashboard": {
            "get": _op("The dashboard's figures for a neighbourhood over a period, as the web shows them", "dashboard",
                       {"200": _json(_ref("Dashboard"), "The figures")}, params=DASHBOARD_FILTERS,
                       description="A municipality's token: its own municipality only (municipality_id is "
                                   "ignored).")},
        "/api/dashboard.csv": {
            "get": _op("The dashboard as CSV (section, item, value), as the web exports it", "dashboard",
                       {"200": {"description": "The figures", "content": {"text/csv": {}}}},
                       params=DASHBOARD_FILTERS,
                       description="In the language Accept-Language asks for (nl or en, else English): the words "
                                   "and the decimal sign; the same bytes as the web's export in that language.")},
        "/api/outbox": {"get": _op(
            "Messages written by the console transports", "outbox", {"200": _list("OutboxMessage", "Messages")},
            params=[{"name": "after_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "channel", "in": "query", "schema": {"enum": ["voice", "sms"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}])},
    },
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)
