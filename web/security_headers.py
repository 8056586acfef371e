"""Headers every response carries: a content security policy that forbids framing and foreign
scripts, no MIME sniffing, no referrer (links carry tokens), HSTS over https, and no-store on pages
with personal data and on the API (every response that does not set its own caching), so a shared computer's cache keeps no one's address."""
import secrets

from flask import g, request

HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce():
    """The nonce of this response's inline scripts (templates write nonce="{{ csp_nonce() }}")."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _policy(nonce):
    # Styles may be inline (style attributes in the templates, Leaflet); scripts only ours or nonced.
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: https:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_app(app):
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", _policy(csp_nonce()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if "Cache-Control" not in headers:  # public feeds and static files set their own
            headers["Cache-Control"] = "no-store"
        return response
