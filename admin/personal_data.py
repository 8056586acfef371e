"""A participant's personal-data export (core.personal_data) as a JSON download; the page is a template."""
import json

from flask import Response


def personal_data_json(data, participant_id):
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=uitkijk-participant-{participant_id}.json"})
