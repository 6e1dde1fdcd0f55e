#!/usr/bin/env python3
"""A real SMTP server for the email tests (aiosmtpd), and a parser for what it receives.

    smtp_sink.py serve DIR [--user U --password P]
        Listens on 127.0.0.1 (a free port chosen by the OS), prints "PORT <n>" once listening,
        and saves every message as DIR/<n>.eml plus DIR/<n>.json (envelope, decoded headers and
        parts, parsed by Python's `email` package). With --user, AUTH PLAIN/LOGIN is offered
        without TLS and required before MAIL. Exits when stdin closes.
    smtp_sink.py parse FILE.eml
        Prints the same JSON for a message file.
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import sys
import threading
import warnings


def describe(raw: bytes) -> dict:
    """Headers (decoded, every occurrence) and leaf parts (decoded text) of a message."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
            "content": part.get_content(),
        })
    return {
        "content_type": msg.get_content_type(),
        "header_names": [name for name, _ in msg.items()],
        "headers": {name.lower(): [str(v) for v in msg.get_all(name, [])] for name in set(msg.keys())},
        "parts": parts,
        "defects": [type(d).__name__ for d in msg.defects],
    }


def write_atomically(path: str, data: bytes) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Sink:
    def __init__(self, folder: str):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.folder, str(self.count))
        raw = envelope.original_content or envelope.content
        record = describe(raw)
        record["mail_from"] = envelope.mail_from
        record["rcpt_tos"] = list(envelope.rcpt_tos)
        record["authenticated_as"] = session.auth_data if isinstance(session.auth_data, str) else None
        # The .json appears before the .eml is complete on disk: readers wait for the .eml.
        write_atomically(stem + ".json", json.dumps(record, indent=2).encode())
        write_atomically(stem + ".eml", raw)
        return "250 OK"


class Authenticator:
    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password
        return AuthResult(success=ok, handled=False, auth_data=self.user.decode() if ok else None)


async def serve(folder: str, user: str | None, password: str | None) -> None:
    from aiosmtpd.smtp import SMTP

    # AUTH without TLS is deliberate here; keep aiosmtpd's warnings about it out of test output.
    warnings.filterwarnings("ignore", module="aiosmtpd")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    os.makedirs(folder, exist_ok=True)
    handler = Sink(folder)
    auth = {}
    if user is not None:
        # No TLS in tests: allow AUTH in clear, and require it before MAIL.
        auth = dict(authenticator=Authenticator(user, password or ""), auth_require_tls=False, auth_required=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="sink.test", loop=loop, **auth), host="127.0.0.1", port=0)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)

    stdin_closed = asyncio.Event()

    def watch_stdin():
        sys.stdin.read()
        loop.call_soon_threadsafe(stdin_closed.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    await stdin_closed.wait()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("folder")
    s.add_argument("--user")
    s.add_argument("--password")
    p = sub.add_parser("parse")
    p.add_argument("file")
    args = parser.parse_args()
    if args.command == "serve":
        asyncio.run(serve(args.folder, args.user, args.password))
    else:
        with open(args.file, "rb") as f:
            print(json.dumps(describe(f.read()), indent=2))


if __name__ == "__main__":
    main()
