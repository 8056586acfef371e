"""Attacks through the AMI fields an admin types: a line break would smuggle an action into the login."""
import socket
import threading

import pytest
from sqlalchemy import func, select

from core.errors import ValidationError
from core.models import Trunk
from tests.integration.test_asterisk_trunks import add_trunk
from voice.ami import AmiClient

SMUGGLED = "x\r\nAction: Originate\r\nChannel: Local/0900123@pstn"


@pytest.mark.parametrize("field", ["ami_user", "ami_host", "ami_secret", "username", "password", "dial_template"])
def test_a_trunk_field_with_a_line_break_is_refused(rt, field):
    """Every trunk field that reaches Asterisk refuses CR/LF, naming the field; nothing is stored."""
    with pytest.raises(ValidationError) as refused:
        add_trunk(rt, "weesp", **{field: SMUGGLED})
    assert refused.value.field == field
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Trunk)) == 0


@pytest.mark.parametrize("user, secret", [(SMUGGLED, "secret"), ("uitkijk", SMUGGLED)])
def test_the_ami_login_never_sends_a_line_break(user, secret):
    """Even a value that bypassed the form (database, environment) never reaches the AMI socket."""
    received = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(2)

    def accept():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        conn.sendall(b"Asterisk Call Manager/9.0.0\r\n")
        conn.settimeout(2)
        try:
            received.append(conn.recv(4096))
        except OSError:
            pass
        conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    with pytest.raises(ValueError, match="line break"):
        client = AmiClient("127.0.0.1", listener.getsockname()[1], user, secret, timeout=1)
        client.connect()
    listener.close()
    thread.join(3)
    assert not any(b"Originate" in chunk for chunk in received)
