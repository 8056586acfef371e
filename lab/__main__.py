#!/usr/bin/env python3
"""Run the real-Asterisk lab in the foreground, or record an AMI exchange.

    python -m lab [--ami-port N] [--agi-port N] [--sip-port N] [--verbose N]
    python -m lab record-originate tests/fixtures/ami

Builds the Asterisk root first (scripts/asterisk_root.sh; needs root).
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from pathlib import Path

from lab.asterisk import AsteriskLab, LabError, ensure_root

FIXTURE_CHANNEL_ID = "uitkijk-fixture-1"


def run(args: argparse.Namespace) -> int:
    lab = AsteriskLab(ensure_root(), ami_port=args.ami_port, agi_port=args.agi_port,
                      sip_port=args.sip_port, verbose=args.verbose)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    lab.start()
    try:
        print(f"Asterisk lab running (root {lab.root})")
        print(f"  AMI      {lab.ami_host}:{lab.ami_port} user {lab.ami_user} "
              f"secret {lab.ami_secret}")
        print(f"  FastAGI  Asterisk calls agi://127.0.0.1:{lab.agi_port}/<script>")
        print(f"  SIP      udp 127.0.0.1:{lab.sip_port}")
        print(f"  sounds   {lab.sound_dir_host} (Asterisk sees {lab.sound_dir})")
        print(f"  log      {lab.log_file}")
        print("Ctrl-C stops it.", flush=True)
        while not stop.wait(1.0):
            if not lab.running:
                print("Asterisk stopped unexpectedly; see the log above.", file=sys.stderr)
                return 1
    finally:
        lab.close()
    return 0


def _read_message(stream) -> bytes:
    """One AMI message: header lines up to and including the blank line."""
    message = b""
    while not message.endswith(b"\r\n\r\n"):
        line = stream.readline()
        if not line:
            raise LabError("AMI closed the connection during recording")
        message += line
    return message


def _read_until(stream, *markers: bytes) -> bytes:
    """Read AMI messages until one holds every marker; return all of them."""
    received = b""
    while True:
        message = _read_message(stream)
        received += message
        if all(marker in message for marker in markers):
            return received


def record_originate(args: argparse.Namespace) -> int:
    """Save the raw AMI exchange of one answered Originate, for unit tests."""
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    lab = AsteriskLab(ensure_root())
    lab.start()
    try:
        login = (f"Action: Login\r\nUsername: {lab.ami_user}\r\nSecret: {lab.ami_secret}\r\n"
                 "ActionID: login-1\r\n\r\n")
        originate = ("Action: Originate\r\nChannel: Local/31201234501@lab-pstn\r\n"
                     "Context: lab-hold\r\nExten: s\r\nPriority: 1\r\nTimeout: 30000\r\n"
                     "Async: true\r\nActionID: originate-1\r\n"
                     f"ChannelId: {FIXTURE_CHANNEL_ID}\r\n"
                     "Variable: UITKIJK_DELIVERY=delivery-1\r\nVariable: LAB_LISTEN=1\r\n\r\n")
        logoff = "Action: Logoff\r\nActionID: logoff-1\r\n\r\n"
        with socket.create_connection((lab.ami_host, lab.ami_port), timeout=30) as sock:
            stream = sock.makefile("rwb", buffering=0)
            received = stream.readline()  # greeting: "Asterisk Call Manager/<version>"
            stream.write(login.encode())
            received += _read_until(stream, b"Event: FullyBooted")
            stream.write(originate.encode())
            received += _read_until(stream, b"Event: Hangup\r\n",
                                    f"Uniqueid: {FIXTURE_CHANNEL_ID}\r\n".encode())
            stream.write(logoff.encode())
            received += _read_until(stream, b"Response: Goodbye")
        sent = login.replace(lab.ami_secret, "<secret>") + originate + logoff
        (out / "answered_originate.sent.txt").write_bytes(sent.encode())
        (out / "answered_originate.received.txt").write_bytes(received)
        print(f"recorded into {out}")
    finally:
        lab.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--ami-port", type=int)
    parser.add_argument("--agi-port", type=int)
    parser.add_argument("--sip-port", type=int)
    parser.add_argument("--verbose", type=int, default=3)
    record = sub.add_parser("record-originate", help="record an answered Originate")
    record.add_argument("output_dir")
    args = parser.parse_args()
    try:
        if args.command == "record-originate":
            return record_originate(args)
        return run(args)
    except LabError as exc:
        print(f"asterisk lab: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
