"""Admin pages for the regions AMBER alerts can cover: upload GeoJSON, see what is kept."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext

from core import regions
from core.errors import ValidationError
from web.db_session import session

from .auth import admins_only, audit_actor

bp = admins_only(Blueprint("regions", __name__, url_prefix="/config/regions"))
KIND_LABELS = {"province": "Provincie", "safety_region": "Veiligheidsregio", "police_unit": "Politie-eenheid"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
@bp.get("/")
def index():
    return render_template("config/regions.html", regions=regions.list_regions(session()), kinds=KIND_LABELS)

@bp.post("/")
def upload():
    db = session()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("file", _("choose a GeoJSON file"))
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ValidationError("file", _("is larger than 20 MB"))
        count = regions.import_geojson(db, request.form.get("kind"), data.decode("utf-8", "replace"), audit_actor())
    except ValidationError as exc:
        db.rollback()
        flash(_("Not imported: %(reason)s", reason=exc), "error")
        return render_template("config/regions.html", regions=regions.list_regions(db), kinds=KIND_LABELS), 400
    db.commit()
    flash(ngettext("%(num)s area imported.", "%(num)s areas imported.", count), "info")
    return redirect(url_for("regions.index"))
