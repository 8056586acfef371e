"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""
from flask import jsonify

from core.models import ACTION_KINDS, ACTION_RESULTS, DELIVERY_STATES

from . import bp


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("ValidationError"), "Invalid input; nothing was written"),
    "401": _json(_ref("Error"), "Missing or wrong bearer token"),
}
LOCATION = {"type": "object", "required": ["lat", "lon"], "properties": {
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lon": {"type": "number", "minimum": -180, "maximum": 180},
    "address": {"type": "string", "maxLength": 300}}}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Uitkijk API", "version": "1.0.0",
             "description": "Participants, actions and their deliveries, for control-room systems."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "string"}, "reason": {"type": "string"}}},
            "ValidationError": {"type": "object", "required": ["error", "field", "reason"], "properties": {
                "error": {"const": "validation"}, "field": {"type": "string"}, "reason": {"type": "string"}}},
            "ParticipantInput": {"type": "object", "required": ["phones", "home"], "properties": {
                "external_ref": {"type": "string", "maxLength": 64},
                "name": {"type": "string", "maxLength": 200},
                "email": {"type": "string", "maxLength": 254},
                "language": {"enum": ["nl", "en"]},
                "municipality": {"type": "string", "description": "Municipality code"},
                "phones": {"type": "array", "minItems": 1, "maxItems": 4, "items": {"oneOf": [
                    {"type": "string"},
                    {"type": "object", "required": ["number"], "properties": {
                        "number": {"type": "string"}, "channel": {"enum": ["voice", "sms"]}}}]}},
                "home": LOCATION, "work": LOCATION,
                "quiet_hours": {"type": "object", "properties": {
                    "start": {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$"},
                    "end": {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$"}},
                    "description": "Apply to actions that are not time-critical only"}}},
            "Participant": {"type": "object", "properties": {
                "id": {"type": "integer"}, "phones": {"type": "array"}, "locations": {"type": "array"}}},
            "ImportReport": {"type": "object", "properties": {
                "created": {"type": "integer"}, "updated": {"type": "integer"}, "rejected": {"type": "integer"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "line": {"type": "integer"}, "field": {"type": "string"}, "reason": {"type": "string"}}}}}},
            "Area": {"oneOf": [
                {"type": "object", "required": ["lat", "lon", "radius_m"], "properties": {
                    "type": {"const": "circle"}, "lat": {"type": "number"}, "lon": {"type": "number"},
                    "radius_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 50000}}},
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
                              "required": ["kind", "title", "message", "area", "operator_id", "control_room_id"],
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
                                             "description": "JPEG, PNG, WebP or GIF; resized, metadata stripped"}}},
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
            "Action": {"type": "object", "properties": {
                "id": {"type": "integer"}, "code": {"type": "string", "pattern": "^\\d{4,6}$"},
                "status": {"enum": ["active", "ended"]}, "result": {"enum": list(ACTION_RESULTS) + [None]},
                "progress": {"type": "object", "description": "channel -> purpose -> state -> count"}}},
            "Delivery": {"type": "object", "properties": {
                "id": {"type": "integer"}, "to": {"type": "string", "description": "masked"},
                "channel": {"enum": ["voice", "sms"]}, "purpose": {"enum": ["alert", "closing"]},
                "state": {"enum": list(DELIVERY_STATES)}, "rank": {"type": "integer"},
                "distance_m": {"type": "integer"}}},
            "Moment": {"type": "object", "properties": {
                "at": {"type": ["string", "null"], "format": "date-time"},
                "seconds": {"type": ["number", "null"], "description": "after the launch"}}},
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
            "OutboxMessage": {"type": "object", "properties": {
                "id": {"type": "integer"}, "channel": {"type": "string"}, "to": {"type": "string"},
                "body": {"type": "string"}, "transport": {"type": "string"}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/participants": {"post": {
            "summary": "Register (or update) a participant",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ParticipantInput")}}},
            "responses": {"201": _json(_ref("Participant"), "Created"),
                          "200": _json(_ref("Participant"), "Updated (same external_ref or first number)"),
                          **ERRORS}}},
        "/api/participants/import": {"post": {
            "summary": "Bulk import from CSV; bad rows are reported by line, good rows are saved",
            "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}},
                                                          "multipart/form-data": {"schema": {"type": "object",
                                                          "properties": {"file": {"type": "string",
                                                                                  "format": "binary"}}}}}},
            "responses": {"200": _json(_ref("ImportReport"), "Report"), **ERRORS}}},
        "/api/participants/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"summary": "A participant", "responses": {"200": _json(_ref("Participant"), "Found"),
                                                               "404": _json(_ref("Error"), "Unknown")}},
            "delete": {"summary": "Remove a participant's personal data",
                       "responses": {"204": {"description": "Removed"}, "404": _json(_ref("Error"), "Unknown")}}},
        "/api/actions": {
            "get": {"summary": "Recent actions", "parameters": [
                {"name": "status", "in": "query", "schema": {"enum": ["active", "ended"]}}],
                "responses": {"200": _json({"type": "array", "items": _ref("Action")}, "Actions")}},
            "post": {"summary": "Launch an action",
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": _ref("LaunchRequest")}}},
                     "responses": {"201": _json(_ref("Action"), "Launched"),
                                   "200": _json(_ref("Action"), "Already launched with this client_request_id"),
                                   **ERRORS}}},
        "/api/actions/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"summary": "An action with progress per channel and state",
                    "responses": {"200": _json(_ref("Action"), "Found"), "404": _json(_ref("Error"), "Unknown")}}},
        "/api/actions/{id}/deliveries": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                           {"name": "state", "in": "query", "schema": {"enum": list(DELIVERY_STATES)}},
                           {"name": "channel", "in": "query", "schema": {"enum": ["voice", "sms"]}},
                           {"name": "purpose", "in": "query", "schema": {"enum": ["alert", "closing"]}},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}},
                           {"name": "offset", "in": "query", "schema": {"type": "integer"}}],
            "get": {"summary": "The action's deliveries, nearest first",
                    "responses": {"200": _json({"type": "array", "items": _ref("Delivery")}, "Deliveries")}}},
        "/api/actions/{id}/timeline": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"summary": "The time-to-reach timeline: launch, first sent, 50/95/100 % reached per channel, "
                               "first response, first caller put through",
                    "responses": {"200": _json(_ref("Timeline"), "Timeline"), "404": _json(_ref("Error"), "Unknown")}}},
        "/api/actions/{id}/end": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "post": {"summary": "End the action: cancel unsent alerts, send the closing message to everyone reached",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("EndRequest")}}},
                     "responses": {"200": _json(_ref("Action"), "Ended"), "409": _json(_ref("Error"), "Already ended"),
                                   **ERRORS}}},
        "/api/actions/{id}/photos": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "post": {"summary": "Add photos; on a public action an Update goes out",
                     "requestBody": {"required": True, "content": {
                         "multipart/form-data": {"schema": {"type": "object", "properties": {
                             "photo": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
                         "application/json": {"schema": {"type": "object", "properties": {
                             "photos": {"type": "array", "items": {"type": "string", "contentEncoding": "base64"}}}}}}},
                     "responses": {"201": _json(_ref("PublicationEvent"), "Added"),
                                   "409": _json(_ref("Error"), "Ended"), **ERRORS}}},
        "/api/actions/{id}/area": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "post": {"summary": "Move or resize the area of an active action: whoever the new area adds is alerted, "
                                "nearest first, nobody twice; alerts still queued for whoever it leaves out are cancelled; "
                                "a public action's publication gets a CAP Update",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AreaChange")}}},
                     "responses": {"200": _json(_ref("AreaChanged"), "Changed"),
                                   "404": _json(_ref("Error"), "Unknown"), "409": _json(_ref("Error"), "Ended"),
                                   **ERRORS}}},
        "/api/actions/{id}/publication": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "post": {"summary": "Change a public action's title, message or area name: a CAP Update",
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": _ref("PublicationUpdate")}}},
                     "responses": {"200": _json(_ref("PublicationEvent"), "Published"),
                                   "409": _json(_ref("Error"), "Not public, or ended"), **ERRORS}}},
        "/api/control-rooms": {"get": {"summary": "Control rooms and their operators",
                                       "responses": {"200": {"description": "Control rooms"}}}},
        "/api/outbox": {"get": {
            "summary": "Messages written by the console transports",
            "parameters": [{"name": "after_id", "in": "query", "schema": {"type": "integer"}},
                           {"name": "channel", "in": "query", "schema": {"enum": ["voice", "sms"]}},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}],
            "responses": {"200": _json({"type": "array", "items": _ref("OutboxMessage")}, "Messages")}}},
    },
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)
