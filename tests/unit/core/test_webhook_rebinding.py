"""DNS rebinding against the webhook SSRF check: a name that answers with a public address when it is
checked and with 127.0.0.1 when the connection is made must not reach the inside receiver.

The attacking resolver answers 127.0.0.2 first (standing in for a public address: this test cannot
listen on one, so only that address counts as public here) and 127.0.0.1 on every later lookup. A POST
that resolved the name again to connect would land on the inside receiver on 127.0.0.1; the pinned one
lands on the checked address, with the name still in Host.
"""
import socket

import pytest

from core import webhook_post
from tests.publish_support import WebhookReceiver

NAME = "hooks.rebind.example"
EVENT = {webhook_post.EVENT_HEADER: "action.launched"}


@pytest.fixture
def rebinding_resolver(monkeypatch):
    real_getaddrinfo, real_public = socket.getaddrinfo, webhook_post._public
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != NAME:
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.2" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(webhook_post, "_public", lambda address: address == "127.0.0.2" or real_public(address))
    return lookups


def test_a_name_rebound_to_loopback_after_the_check_is_not_reached(rebinding_resolver):
    with WebhookReceiver(secret="s", host="127.0.0.1") as inside:
        port = inside.server.server_port
        with WebhookReceiver(secret="s", host="127.0.0.2", port=port) as checked:
            status, error = webhook_post.post_signed(f"http://{NAME}:{port}/hook?x=1", "s", b'{"id": 1}',
                                                     EVENT, 5, "test-agent")
    assert (status, error) == (200, None)
    assert inside.attempts == []
    (_, headers, body), = checked.attempts
    assert headers["Host"] == f"{NAME}:{port}" and body == b'{"id": 1}'
    assert headers["X-Uitkijk-Event"] == "action.launched"
    assert rebinding_resolver == [NAME]  # resolved once, for the check and the connection both


def test_a_name_with_any_inside_address_is_refused_without_a_connection(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port))
                for a in ("93.184.216.34", "10.0.0.5")]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    status, error = webhook_post.post_signed(f"https://{NAME}/hook", "s", b"{}", EVENT, 5, "agent")
    assert status is None and error.startswith("refused")


def test_a_name_that_does_not_resolve_is_not_posted(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert webhook_post.post_signed(f"https://{NAME}/hook", "s", b"{}", EVENT, 5, "agent") == \
        (None, "the address does not resolve")
