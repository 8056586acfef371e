"""The AMI client (voice.ami) against the real Asterisk and against broken peers."""

from __future__ import annotations

import socket
import threading

import pytest

from lab.asterisk import free_port
from voice.ami import AmiActionFailed, AmiClient, AmiTimeout, AmiUnavailable


def test_wrong_secret_is_refused(asterisk_lab):
    """A login with the wrong secret raises AmiUnavailable and leaves the client closed."""
    client = AmiClient(asterisk_lab.ami_host, asterisk_lab.ami_port, asterisk_lab.ami_user,
                       "not-the-secret")
    with pytest.raises(AmiUnavailable, match="login refused"):
        client.connect()
    assert not client.connected


def test_nothing_listening_is_unavailable():
    """Connecting to a port where nothing listens raises AmiUnavailable."""
    client = AmiClient("127.0.0.1", free_port(), "uitkijk", "secret-123")
    with pytest.raises(AmiUnavailable, match="unavailable"):
        client.connect()


def test_silent_peer_times_out():
    """A peer that accepts but never greets makes connect() raise AmiTimeout, not hang."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
        client = AmiClient("127.0.0.1", server.getsockname()[1], "uitkijk", "secret-123",
                           timeout=0.5)
        with pytest.raises(AmiTimeout):
            client.connect()
        for connection in accepted:
            connection.close()


def test_line_breaks_in_headers_are_rejected():
    """A variable value with a line break cannot inject AMI headers."""
    client = AmiClient("127.0.0.1", 1, "uitkijk", "secret-123")
    with pytest.raises(ValueError, match="line break"):
        client.originate("Local/31201234501@lab-pstn", context="lab-hold",
                         variables={"UITKIJK_DELIVERY": "1\r\nAction: Logoff"})


def test_error_response_raises_action_failed(ami):
    """An action Asterisk answers with Response: Error raises AmiActionFailed."""
    with pytest.raises(AmiActionFailed, match="Hangup"):
        ami.hangup("PJSIP/nobody-00000000")


def test_command_returns_every_output_line(ami):
    """command() returns the whole CLI output, not only pyst2's last Output header."""
    output = ami.command("dialplan show s@uitkijk-alert")
    assert "Gosub(uitkijk-flow,alert,1(${AMDSTATUS},${AMDCAUSE}))" in output
    assert "Gosub(uitkijk-fallback,alert,1)" in output


def test_failing_callback_does_not_stop_event_delivery(asterisk_lab, ami_events, channel_id):
    """An exception in one event callback is logged; later callbacks and events still arrive."""
    def broken(_event):
        raise RuntimeError("callback bug")

    client = asterisk_lab.ami_client()
    client.subscribe("*", broken)
    client.subscribe("*", ami_events)
    with client:
        client.originate("Local/31201234505@lab-pstn", context="lab-hold",
                         channel_id=channel_id)
        ami_events.wait_hangup(channel_id)
