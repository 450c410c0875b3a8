#!/usr/bin/python3
"""A real SMTP server for the email alerter tests, on Debian's python3-aiosmtpd.

Listens on 127.0.0.1:PORT and writes every accepted message to SPOOL/<n>.json:
  {"mail_from", "rcpt_tos", "raw", "headers": [[name, value], ...], "body" (decoded text),
   "tls" (the session was encrypted), "auth_mechanism", "login"}
TLS modes: none, starttls (STARTTLS offered; AUTH only after it), implicit (TLS from the first
byte, as smtps on 465). AUTH mechanisms: PLAIN and LOGIN (aiosmtpd's), CRAM-MD5 (below: aiosmtpd
has none). Recipients starting with "reject" get 550, with "later" 451, so tests can see how
the client classifies refusals. Prints "ready <port>" once listening. Stopped by a signal.
"""

import argparse
import asyncio
import email
import email.policy
import hmac
import json
import os
import ssl
import sys
import time

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, spool, user, password):
        self.spool = spool
        self.user = user
        self.password = password
        self.seq = 0

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.user is not None
              and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        if ok:
            session.x_mechanism = mechanism
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    # aiosmtpd turns "auth_CRAM__MD5" into the mechanism name "CRAM-MD5" (RFC 2195).
    async def auth_CRAM__MD5(self, server, args):
        challenge = f"<{os.getpid()}.{time.time_ns()}@9volt-test-smtp>".encode()
        response = await server.challenge_auth(challenge)
        if response is MISSING:
            return AuthResult(success=False)
        try:
            user, digest = response.decode().rsplit(" ", 1)
        except ValueError:
            return AuthResult(success=False)
        expected = hmac.new((self.password or "").encode(), challenge, "md5").hexdigest()
        ok = self.user is not None and user == self.user and hmac.compare_digest(digest, expected)
        if ok:
            server.session.x_mechanism = "CRAM-MD5"
        return AuthResult(success=ok, handled=False,
                          auth_data=LoginPassword(user.encode(), b""))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("later"):
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "raw": raw.decode("utf-8", "replace"),
            "headers": [[k, str(v)] for k, v in message.items()],
            "body": body.get_content() if body is not None else "",
            "tls": session.ssl is not None
                   or server.transport.get_extra_info("sslcontext") is not None,
            "auth_mechanism": getattr(session, "x_mechanism", None),
            "login": login.decode() if isinstance(login, bytes) else login,
        }
        self.seq += 1
        path = os.path.join(self.spool, f"{self.seq:04d}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)  # readers never see half a file
        return "250 2.0.0 queued"


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--spool", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--require-auth", action="store_true")
    a = p.parse_args()

    context = None
    if a.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
    handler = Handler(a.spool, a.user, a.password)

    def factory():
        return SMTP(
            handler,
            hostname="9volt-test-smtp",  # no getfqdn() lookup
            tls_context=context if a.tls == "starttls" else None,
            # implicit TLS: the whole session is encrypted, aiosmtpd just does not know it
            auth_require_tls=a.tls != "implicit",
            auth_required=a.require_auth,
            authenticator=handler.authenticator,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", a.port,
                                      ssl=context if a.tls == "implicit" else None)
    print(f"ready {a.port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
