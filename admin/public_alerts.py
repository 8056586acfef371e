"""The public side of public alerts, without login: feeds, CAP documents, photos and the page to share.

Nothing here shows a participant or needs an account. After a Cancel the withdrawn documents and
photos answer 410 Gone, and the page shows only that the alert has ended.
"""
import re

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import force_locale, get_locale

from core import publication
from core.models import utcnow
from core import public_urls as urls
from publish.feeds import atom_feed, etag_of, json_body, json_item
from web import i18n
from web.db_session import runtime, session

bp = Blueprint("public_alerts", __name__)
# Tokens and identifiers are URL-safe base64 and "uitkijk-<token>-<seq>": anything else is not ours.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _ours(token):
    if not _TOKEN.fullmatch(token):
        abort(404)
    return token


def _conditional(body, mimetype, last_modified):
    """A feed response with ETag and Last-Modified; 304 when the poller already has it."""
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag_of(body))
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = runtime().config["PUBLIC_FEED_MAX_AGE_S"]
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


def _revalidated(body, mimetype, etag):
    """Public, but revalidated on every use (cheap with the ETag): a document, photo or page withdrawn
    at the Cancel must not live on in browsers or caches."""
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def _current():
    db = session()
    return publication.current_events(db), publication.feeds_changed_at(db)


@bp.get(urls.ATOM_FEED)
def atom():
    events, changed = _current()
    return _conditional(atom_feed(events, runtime().config, changed or utcnow()), "application/atom+xml",
                        changed)


@bp.get(urls.JSON_FEED)
def json_feed():
    events, changed = _current()
    language = "en" if request.args.get("lang") == "en" else "nl"
    return _conditional(json_body(events, runtime().config, language), "application/json", changed)


@bp.get(urls.CERTIFICATE)
def certificate():
    """The certificate CAP consumers check signatures against (during a rotation: the one signing now)."""
    signer = runtime().publisher.signers.current(session())
    if signer is None:
        abort(404)
    return _revalidated(signer.cert_pem, "application/x-pem-file", signer.describe()["sha256"].replace(":", ""))


@bp.get(urls.CAP_DOCUMENT)
def cap_document(identifier):
    event = publication.event_by_identifier(session(), _ours(identifier))
    if event is None:
        abort(404)
    if event.cap_xml is None:
        abort(410)
    # A CAP document never changes (it is only withdrawn): its identifier is its ETag.
    return _revalidated(event.cap_xml, "application/cap+xml", event.identifier)


@bp.get(urls.PHOTO)
def photo(token):
    found = publication.photo_by_token(session(), _ours(token))
    if found is None:
        abort(404)
    if found.data is None:
        abort(410)
    return _revalidated(found.data, found.mime_type, found.sha1)


@bp.get(urls.PAGE)
def page(token):
    db = session()
    pub = publication.publication_by_token(db, _ours(token))
    if pub is None:
        abort(404)
    event = publication.latest_event(db, pub.id)
    # A shared link may carry ?lang=; else the visitor's choice or browser (web.i18n), as on every public page.
    language = request.args.get("lang") if request.args.get("lang") in i18n.PUBLIC_LANGUAGES else str(get_locale())
    # The alert's own words exist in the languages CAP carries; a page language without them shows the Dutch.
    texts_language = language if language in event.content["texts"] else "nl"
    config = runtime().config
    item = json_item(event, config, texts_language)
    with force_locale(language):
        html = render_template(
            "public/page.html", item=item, event=event, texts=event.content["texts"][texts_language],
            language=language, texts_language=texts_language, area=event.content["area"],
            ended=event.msg_type == "Cancel", page_url=urls.page_url(config, token),
            free_number=event.content["free_number"], tiles=config.get("MAP_TILE_URL", ""))
    response = _revalidated(html, "text/html", etag_of(html.encode()))
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
