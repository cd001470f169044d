"""A Web Push service for the tests (RFC 8030 §5), with the devices that
subscribed through it: it checks each POST as a real push service and a
real browser would together, and keeps what it decrypted.

    server = push_service.start()                 # a ThreadingHTTPServer
    dev = push_service.Device(server, "phone")    # a browser's subscription
    dev.subscription()  -> {"endpoint", "p256dh", "auth"}  (base64url keys)
    dev.answers = [500]   # the next POSTs' statuses, then 201 for good
    dev.gone = True       # 410 from now on (the user unsubscribed)
    dev.vapid_key = "..." # the site's VAPID public key to expect (k=)
    dev.posts -> [{"status", "payload" (dict) or None, "problems": [...]}]

Per POST it checks (and lists in "problems" what is wrong):
 - RFC 8292: `Authorization: vapid t=<JWT>, k=<key>`; k is the site's
   key; the JWT's header says ES256, its signature verifies with k, its
   aud is this service's origin, its exp is in the future and at most
   24 hours away, and a sub, if any, is a mailto: or https: URI;
 - RFC 8030: a TTL header, `Urgency: normal`;
 - RFC 8291/8188: `Content-Encoding: aes128gcm`, one record of at most
   4096 bytes, which decrypts with the device's private key and auth
   secret to JSON (the delimiter 0x02 last).
Uses Debian's python3-cryptography.
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def point(key):
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def _hmac(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def decrypt(body, ua_private, auth):
    """RFC 8291 §3.4 and RFC 8188 §2 from the user agent's side: the
    plaintext of a one-record aes128gcm body."""
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    as_public, record = body[21:21 + idlen], body[21 + idlen:]
    if idlen != 65 or len(record) > rs:
        raise ValueError("not one record with a P-256 keyid")
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public)
    shared = ua_private.exchange(ec.ECDH(), peer)
    ua_public = point(ua_private.public_key())
    ikm = _hmac(_hmac(auth, shared), b"WebPush: info\0" + ua_public + as_public + b"\1")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\0\1")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\0\1")[:12]
    plain = AESGCM(cek).decrypt(nonce, record, None).rstrip(b"\0")
    if not plain.endswith(b"\2"):
        raise ValueError("no last-record delimiter")
    return plain[:-1]


def check_vapid(header, origin, want_key):
    """Problems with an `Authorization: vapid` header (RFC 8292)."""
    if not header or not header.startswith("vapid "):
        return ["no vapid Authorization: %r" % header]
    parts = dict(p.strip().split("=", 1) for p in header[6:].split(","))
    jwt, k = parts.get("t", ""), parts.get("k", "")
    problems = [] if k == want_key else ["k is not the site's key"]
    try:
        h, c, s = jwt.split(".")
        head, claims, sig = json.loads(b64d(h)), json.loads(b64d(c)), b64d(s)
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(k))
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                   int.from_bytes(sig[32:], "big"))
        key.verify(der, (h + "." + c).encode(), ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature) as e:
        return problems + ["JWT does not verify: %r" % e]
    if head.get("alg") != "ES256" or len(sig) != 64:
        problems.append("not ES256: %r" % head)
    if claims.get("aud") != origin:
        problems.append("aud %r, not %r" % (claims.get("aud"), origin))
    if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
        problems.append("exp %r not within 24 h" % claims.get("exp"))
    sub = claims.get("sub")
    if sub is not None and not sub.startswith(("mailto:", "https:")):
        problems.append("sub %r" % sub)
    return problems


class Device:
    """One browser's subscription at this push service."""

    def __init__(self, server, name):
        self.server, self.name = server, name
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.answers, self.gone, self.vapid_key = [], False, None
        self.posts = []
        server.devices["/push/" + name] = self

    def subscription(self):
        return {"endpoint": url(self.server, "/push/" + self.name),
                "p256dh": b64e(point(self.private.public_key())),
                "auth": b64e(self.auth)}

    def told(self):
        """The payloads of the POSTs answered 201."""
        with self.server.lock:
            return [p["payload"] for p in self.posts if p["status"] == 201]

    def receive(self, headers, body):
        problems = check_vapid(headers.get("Authorization"), url(self.server, ""),
                               self.vapid_key)
        for name, want in (("Content-Encoding", "aes128gcm"), ("Urgency", "normal")):
            if headers.get(name) != want:
                problems.append("%s: %r" % (name, headers.get(name)))
        if not (headers.get("TTL") or "").isdigit():
            problems.append("TTL: %r" % headers.get("TTL"))
        payload = None
        try:
            if len(body) > 4096:
                raise ValueError("%d bytes" % len(body))
            payload = json.loads(decrypt(body, self.private, self.auth))
        except ValueError as e:
            problems.append("does not decrypt: %r" % e)
        status = 410 if self.gone else self.answers.pop(0) if self.answers else 201
        self.posts.append({"status": status, "payload": payload, "problems": problems})
        return status


class Service(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            dev = self.server.devices.get(self.path)
            status = dev.receive(self.headers, body) if dev else 404
        self.send_response(status)
        if status == 201:
            self.send_header("Location", "/message/%d" % time.time_ns())
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def start():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Service)
    server.lock = threading.Lock()
    server.devices = {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def url(server, path):
    return "http://127.0.0.1:%d%s" % (server.server_address[1], path)
