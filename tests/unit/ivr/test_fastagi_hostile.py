"""The real FastAGI TCP server against peers that are not (well-behaved) Asterisks."""
import socket
import threading

import pytest
from fake_directory import FakeDirectory
from test_agi_runner import CallLog, Leases, TablePrompts

from ivr.agi_channel import MAX_HEADERS, MAX_LINE
from ivr.agi_runner import CallServices
from ivr.call_engine import build_flows
from ivr.fastagi import FastAgiServer
from ivr.settings import FlowSettings

GOOD_ENV = (b"agi_network_script: inbound\nagi_uniqueid: 1700000000.1\nagi_callerid: anonymous\n"
            b"agi_channel: Local/x@lab-caller-1;2\n\n")


@pytest.fixture
def server():
    """A FastAGI server on a free loopback port, with no active action and no general line."""
    services = CallServices(flows=build_flows(FakeDirectory(actions=(), idle=None), FlowSettings()),
                            prompts=TablePrompts(), call_log=CallLog(), leases=Leases(), recording_dir="/rec")
    srv = FastAgiServer(("127.0.0.1", 0), services, environment_timeout_s=1)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def connect(srv):
    sock = socket.create_connection(srv.server_address, timeout=10)
    return sock


def closed_by_server(sock):
    """Read until the server closes; True if it did (and sent no AGI command)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    sock.close()
    return data


def good_call_works(srv):
    """A well-formed call still gets its flow: told there is no action, goodbye, hangup."""
    sock = connect(srv)
    stream = sock.makefile("rwb", buffering=0)
    stream.write(GOOD_ENV)
    commands = []
    while line := stream.readline():
        commands.append(line.decode().strip())
        stream.write(b"200 result=1\n" if not line.startswith(b"STREAM") else b"200 result=0 endpos=1\n")
    sock.close()
    return commands


def test_well_formed_call_is_served(server):
    """The baseline: a withheld caller with no active action hears why and is hung up on."""
    commands = good_call_works(server)
    assert commands[0] == 'STREAM FILE /snd/nl/inbound_welcome "" 0'
    assert commands[-2:] == ['SET VARIABLE "UITKIJK_FLOW_DONE" "1"', "HANGUP"]
    assert server.services.call_log.finished[0][2].outcome == "no_action"


@pytest.mark.parametrize(("payload", "why"), [
    (b"", "silent peer"),
    (b"agi_network_script: inbound\n", "environment never ends"),
    (b"x" * (MAX_LINE + 10), "huge line without newline"),
    (b"agi_callerid: " + b"9" * (MAX_LINE * 4) + b"\n\n", "huge header"),
    (bytes(range(256)) * 8 + b"\n\n", "binary junk"),
    (b"\x00\x01\x02\n\n", "NUL bytes"),
    (b"GET / HTTP/1.1\nHost: x\n\n", "an HTTP client"),
    (b"".join(b"agi_h%d: v\n" % n for n in range(MAX_HEADERS + 5)) + b"\n", "too many headers"),
    (b"\n", "empty environment"),
    (b"agi_network_script: nonexistent\n\n", "unknown script"),
    (b"agi_network_script: inbound\nagi_uniqueid: 1.2\n", "dropped mid-environment"),
])
def test_hostile_peer_is_closed_without_commands_and_server_keeps_serving(server, payload, why):
    """Malformed or hostile AGI environments end that connection silently; the next call is served."""
    sock = connect(server)
    try:
        sock.sendall(payload)
        if why == "dropped mid-environment":
            sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the server may close before a large payload is fully sent
    assert closed_by_server(sock) == b"", why
    assert good_call_works(server)[-1] == "HANGUP"


def test_garbage_replies_end_the_call_cleanly(server):
    """Replies that are not AGI (junk, unknown codes) end that call; the server keeps serving."""
    for reply in (b"garbage\n", b"999 what\n", b"\xff\xfe\n", b"200 result=abc\n" * 3):
        sock = connect(server)
        sock.sendall(GOOD_ENV)
        stream = sock.makefile("rwb", buffering=0)
        try:
            while stream.readline():
                stream.write(reply)
        except OSError:
            pass
        sock.close()
    assert good_call_works(server)[-1] == "HANGUP"


def test_many_calls_at_once_with_hostile_ones_among_them(server):
    """Thirty good calls and thirty hostile connections at the same time: every good call finishes."""
    results = []

    def good():
        results.append(good_call_works(server)[-1])

    def bad():
        sock = connect(server)
        sock.sendall(b"\x00" * 100 + b"\n")
        closed_by_server(sock)

    threads = [threading.Thread(target=f) for _ in range(30) for f in (good, bad)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == ["HANGUP"] * 30


def start_server(**limits):
    services = CallServices(flows=build_flows(FakeDirectory(actions=(), idle=None), FlowSettings()),
                            prompts=TablePrompts(), call_log=CallLog(), leases=Leases(), recording_dir="/rec")
    srv = FastAgiServer(("127.0.0.1", 0), services, **limits)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def limited():
    """start(**limits): FastAGI servers with limits of the test's choosing, stopped afterwards."""
    servers = []

    def start(**limits):
        servers.append(start_server(**limits))
        return servers[-1]
    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


class Trickler(threading.Thread):
    """A peer that sends a valid environment one byte at a time, `pause` seconds apart, until cut."""

    def __init__(self, srv, pause):
        super().__init__(daemon=True)
        self.sock = connect(srv)
        self.pause = pause
        self.cut = threading.Event()

    def run(self):
        payload = GOOD_ENV * 1000
        try:
            for byte in payload:
                self.sock.sendall(bytes([byte]))
                self.cut.wait(self.pause)
                self.sock.settimeout(0.001)
                try:
                    if self.sock.recv(1) == b"":
                        break
                except TimeoutError:
                    continue
                finally:
                    self.sock.settimeout(10)
        except OSError:  # reset by the server
            pass
        self.cut.set()
        self.sock.close()


def test_tricklers_are_cut_and_hold_no_call_slot(limited):
    """Three hundred peers trickling an environment byte by byte hold no thread: good calls are served
    while they trickle, and each trickler is cut at its environment deadline."""
    srv = limited(environment_timeout_s=1.5, max_calls=4)
    tricklers = [Trickler(srv, 0.2) for _ in range(300)]
    for t in tricklers:
        t.start()
    assert [good_call_works(srv)[-1] for _ in range(5)] == ["HANGUP"] * 5
    for t in tricklers:
        assert t.cut.wait(30), "a trickler was never cut"
    assert srv.counts["cut"] >= 300 and srv.counts["overflow"] == 0


def test_a_reply_trickled_byte_by_byte_misses_its_deadline():
    """A reply must arrive whole within its deadline: a byte every 0.1 s does not keep it alive."""
    from ivr.agi_channel import AgiLines
    ours, peer = socket.socketpair()
    lines = AgiLines(ours, timeout_s=0.5)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            try:
                peer.send(b"2")
            except OSError:
                return
            stop.wait(0.1)
    threading.Thread(target=trickle, daemon=True).start()
    with pytest.raises(TimeoutError):
        lines.readline()
    stop.set()
    ours.close()
    peer.close()


def test_when_every_call_slot_is_taken_the_call_is_closed_for_the_dialplan_fallback(limited):
    """With max_calls busy, a further call gets no command and is closed at once (the dialplan then
    plays its fallback and rings the control room); once a slot is free calls are served again."""
    srv = limited(max_calls=1)
    holder = connect(srv)
    holder.sendall(GOOD_ENV)
    holder.makefile("rb").readline()  # the first command: the call holds the only slot
    assert closed_by_server(connect_and_send(srv, GOOD_ENV)) == b""
    assert srv.counts["overflow"] == 1
    holder.close()
    pause = threading.Event()
    for _ in range(100):  # the slot is freed when the server notices the hangup
        if good_call_works(srv)[-1:] == ["HANGUP"]:
            break
        pause.wait(0.1)
    else:
        raise AssertionError("the freed slot never served a call")


def connect_and_send(srv, payload):
    sock = connect(srv)
    sock.sendall(payload)
    return sock


def test_connections_from_addresses_that_are_not_asterisk_are_refused(limited):
    """Only the configured Asterisk addresses may connect: any other peer is closed before it is read."""
    srv = limited(allowed_peers=["192.0.2.0/24"])
    assert closed_by_server(connect_and_send(srv, GOOD_ENV)) == b""
    assert srv.counts["refused"] == 1 and srv.counts["calls"] == 0


def test_too_many_waiting_connections_cut_the_oldest(limited):
    """Past max_waiting silent connections the oldest are cut, so a real call always gets in."""
    srv = limited(max_waiting=5, environment_timeout_s=60)
    silent = [connect(srv) for _ in range(12)]
    assert good_call_works(srv)[-1] == "HANGUP"
    assert all(closed_by_server(sock) == b"" for sock in silent[:7])
    assert srv.counts["cut"] >= 7
