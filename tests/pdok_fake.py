"""A local stand-in for PDOK's Locatieserver `free` service, answering in its documented shape.

It refuses (400) any query parameter the service's OpenAPI description does not have, as the real
v3.1 service does, and answers {"response": {"numFound", "start", "maxScore", "numFoundExact",
"docs"}} with the documents of its address list that match the `fq` filters, each holding only
the fields asked for in `fl`. `.requests` records every query it got.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DOCUMENTED_PARAMS = {"q", "fq", "fl", "rows", "start", "sort", "df", "wt", "lat", "lon", "bq"}

# What the service answers for three addresses (abridged to the fields it has for type:adres).
DOCS = [
    {"type": "adres", "weergavenaam": "Sint Jansstraat 4, 9712JN Groningen", "id": "adr-9712jn-4",
     "straatnaam": "Sint Jansstraat", "huisnummer": 4, "postcode": "9712JN", "woonplaatsnaam": "Groningen",
     "gemeentecode": "0014", "gemeentenaam": "Groningen", "wijkcode": "WK001400", "wijknaam": "Centrum",
     "buurtcode": "BU00140000", "buurtnaam": "Binnenstad-Noord", "centroide_ll": "POINT(6.5683 53.21909)",
     "centroide_rd": "POINT(233771.2 582090.5)", "score": 23.89},
    {"type": "adres", "weergavenaam": "Sint Jansstraat 2a, 9712JN Groningen", "id": "adr-9712jn-2a",
     "straatnaam": "Sint Jansstraat", "huisnummer": 2, "huisletter": "a", "postcode": "9712JN",
     "woonplaatsnaam": "Groningen", "gemeentecode": "0014", "wijkcode": "WK001400", "buurtcode": "BU00140000",
     "centroide_ll": "POINT(6.56818 53.21901)", "score": 20.1},
    {"type": "adres", "weergavenaam": "Sint Jansstraat 4, 5211DL 's-Hertogenbosch", "id": "adr-5211dl-4",
     "straatnaam": "Sint Jansstraat", "huisnummer": 4, "postcode": "5211DL", "woonplaatsnaam": "'s-Hertogenbosch",
     "gemeentecode": "0796", "wijkcode": "WK079600", "buurtcode": "BU07960000",
     "centroide_ll": "POINT(5.30611 51.68911)", "score": 19.0},
]


class FakeLocatieserver:
    def __init__(self, docs=DOCS):
        self.docs = docs
        self.requests = []
        self.fail_with = None  # an HTTP status to answer every request with, or "garbage"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                params = parse_qs(url.query)
                fake.requests.append(params)
                if fake.fail_with == "garbage":
                    return self._send(200, b"<html>maintenance</html>", "text/html")
                if fake.fail_with:
                    return self._send(fake.fail_with, b'{"message": "error"}')
                unknown = sorted(set(params) - DOCUMENTED_PARAMS)
                if not url.path.endswith("/free") or unknown:
                    return self._send(400, json.dumps({"message": f"unknown parameter(s) {unknown}"}).encode())
                found = [doc for doc in fake.docs if all(_passes(doc, f) for f in params.get("fq", []))]
                rows = int(params.get("rows", ["10"])[0])
                fields = params.get("fl", [""])[0].split(",")
                body = {"response": {"numFound": len(found), "start": 0, "maxScore": 23.89, "numFoundExact": True,
                                     "docs": [{k: v for k, v in doc.items() if k in fields} for doc in found[:rows]]}}
                self._send(200, json.dumps(body).encode())

            def _send(self, status, body, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/bzk/locatieserver/search/v3_1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _passes(doc, filter_text):
    name, _, value = filter_text.partition(":")
    return str(doc.get(name, "")).lower() == value.lower()
