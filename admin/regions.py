"""Admin pages for the regions AMBER alerts can cover: upload GeoJSON, see what is kept."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext

from core import regions
from core.errors import ValidationError
from web.db_session import session
from web.i18n import error_text

from .auth import admins_only, audit_actor

bp = admins_only(Blueprint("regions", __name__, url_prefix="/config/regions"))
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def kind_labels():
    """What the web calls each kind of region, in the page's language."""
    return {"province": _("Province"), "safety_region": _("Safety region"), "police_unit": _("Police unit")}


@bp.get("/")
def index():
    return render_template("config/regions.html", regions=regions.list_regions(session()), kinds=kind_labels())

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
        flash(_("Not imported: %(reason)s", reason=error_text(exc)), "error")
        return render_template("config/regions.html", regions=regions.list_regions(db), kinds=kind_labels()), 400
    db.commit()
    flash(ngettext("%(num)s area imported.", "%(num)s areas imported.", count), "info")
    return redirect(url_for("regions.index"))
