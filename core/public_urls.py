"""The public addresses of a publication, shared by the documents (CAP, feeds, webhooks, SMS) and the web routes."""

PAGE = "/publiek/<token>"
CAP_DOCUMENT = "/publiek/cap/<identifier>.xml"
PHOTO = "/publiek/foto/<token>.jpg"
ATOM_FEED = "/publiek/cap.atom"
JSON_FEED = "/publiek/alerts.json"
CERTIFICATE = "/publiek/cap-certificaat.pem"
DEFAULT_BASE = "http://127.0.0.1:5000"


def base_url(config):
    return (config.get("PUBLIC_BASE_URL") or DEFAULT_BASE).rstrip("/")


def _fill(pattern, **values):
    for key, value in values.items():
        pattern = pattern.replace(f"<{key}>", value)
    return pattern


def page_url(config, token):
    return base_url(config) + _fill(PAGE, token=token)


def cap_url(config, identifier):
    return base_url(config) + _fill(CAP_DOCUMENT, identifier=identifier)


def photo_url(config, token):
    return base_url(config) + _fill(PHOTO, token=token)


def feed_url(config, pattern):
    return base_url(config) + pattern
