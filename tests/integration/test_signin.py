"""The owner's web face through the real Apache: sign-in, sessions, CSRF
(docs/web.md; STANDARDS.md §4 IA-C-*, §5 TE-*, §10, the IAT-01..IAT-16
client suite of §11.3).

One IndieAuth fixture (tests/fixtures/indieauth_server.py, "IDP") plays
every authorization server and profile page; its scenario knobs are set per
test through POST /_fixture/scenario, and its event log tells what `auth`
fetched and sent (no code exchange after a refused callback, the exchange's
fields, PKCE).  Sites:

* alice: `sign_in = external`, `me` = the fixture's profile
  http://owner.localhost:N/, so the owner's homepage can misbehave per
  test.  The IAT cases: POST B/auth/login me=<profile>, follow the 302 to
  the fixture, whose authorization endpoint 302s straight back to
  B/auth/callback, which is requested with the `ic_<k>_signin` cookie.
  Outcome per docs/web.md: 303 + `ic_<k>_session` for the configured
  owner, 403 for another valid `me` (IA-C-19), 400 otherwise; never a
  session cookie on failure.
* erin: `sign_in = external`, `me` = erin's own site, whose homepage names
  the fixture's server "erin-as" (which answers me = erin's URL).  The
  CSRF tests: every owner action (B/send, B/ticket/invite|accept|decline|
  block|revoke, B/auth/logout) without a session, with a session but no or
  a wrong `csrf`, or with a foreign Origin -> 403 and nothing changed
  (`feed --inbox --json` on erin and bob before and after).
* carol: `sign_in = builtin` with a passphrase from `auth --set-passphrase`;
  her homepage links B/auth/metadata.  Our own client signs in to her
  site, and tests/fixtures/indieauth_client.py plays a third-party app
  against B/auth/authorize and B/auth/token.
* dave: `dev_mode = false`, https base_url: IAT-16 (loopback refused, SEC-3):
  a *.localhost profile (refused by name) and, when /etc/hosts has one, a
  name that resolves to 127.x (refused after resolving; the page names the
  address).  dev_mode off needs https URLs in the configuration and
  Apache here has no TLS, so dave's `auth` runs as a CGI without Apache
  (Site.run_cgi).
* frank: `passphrase_hash` in the configuration: `--set-passphrase` refuses.
* gina: an https base_url with dev_mode on: the cookies carry `__Host-` and
  `Secure` (IA-C-20); run as a CGI (Apache here speaks http only).
* bob: a correspondent (the target of the owner actions).

Also: secrets (state, binding, session ids, codes, tokens) never reach the
database in clear (TE-7); `next` stays under B even with dot segments;
the passphrase page cannot be framed (RFC 6749 §10.13).

Not tested here: the built-in server's code expiry (codes live 10 min and
nothing controls the clock through the web face).  (No test is skipped:
run.py's TapResult.addSkip fails on a skip, its `skipped` counter shadows
unittest's list.)
"""

import hashlib
import html
import json
import os
import re
import select
import subprocess
import sys
import time
import unittest
import urllib.parse

import harness
from chat import homepage, inbox

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
sys.path.insert(0, FIXTURES)

import fixturelib as fl  # noqa: E402
import indieauth_client as iac  # noqa: E402

fl.install_localhost_resolver()

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASSPHRASE = "correct horse battery staple"
SESSION_MAX_AGE = 1209600
B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
EXAMPLE_HASH = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7"

apache = None
idp = None


# ---------------------------------------------------------------- fixture


class Idp:
    """The indieauth_server.py process and its control API."""

    def __init__(self):
        script = os.path.join(FIXTURES, "indieauth_server.py")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-B", script, "--port", "0", "--name", "idp"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().decode() if ready else ""
        m = re.fullmatch(r"PORT (\d+)\n", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("indieauth fixture did not start: %r" % line)
        self.port = int(m.group(1))
        self.url = "http://idp.localhost:%d/" % self.port

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def prof(self, scen):
        return "http://%s.localhost:%d/" % (scen, self.port)

    def issuer(self, scen):
        return "%s%s/" % (self.url, scen)

    def ctl(self, method, name, body=None, **query):
        url = self.url + "_fixture/" + name
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        hdr = {"Content-Type": "application/json"} if data is not None else {}
        res = fl.http_request(method, url, hdr, data, timeout=30)
        if res.status != 200:
            raise AssertionError("%s %s -> %s %s" % (method, url, res.status, res.text or res.error))
        return res.json()

    def scenario(self, name, **knobs):
        return self.ctl("POST", "scenario", {"name": name, "knobs": knobs})

    def mark(self):
        return self.ctl("GET", "events")["last"]

    def events(self, kind, since=0):
        return self.ctl("GET", "events", since=since, kind=kind)["events"]

    def exchanges(self, since):
        return self.events("code_exchange", since)


def setUpModule():
    global apache, idp
    idp = Idp()
    erin_home = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Erin</title>\n"
        "<link rel=\"indieauth-metadata\" href=\"%smetadata\">\n"
        "</head><body><div class=\"h-card\"><a class=\"u-url p-name\" href=\"{url}\">Erin</a>"
        "</div></body></html>\n" % idp.issuer("erin-as"))
    sites = [
        harness.SiteSpec("alice", conf={"me": idp.prof("owner"), "sign_in": "external"}),
        harness.SiteSpec("bob", files={"htdocs/index.html": homepage}),
        harness.SiteSpec("carol", conf={"sign_in": "builtin"},
                         files={"htdocs/index.html": homepage}),
        harness.SiteSpec("dave", conf={
            "dev_mode": "false", "sign_in": "external", "me": "https://dave.localhost/",
            "base_url": lambda s, ss: "https://%s/indiechat" % s.host}),
        harness.SiteSpec("erin", conf={"sign_in": "external"},
                         files={"htdocs/index.html": lambda s, ss: erin_home.replace("{url}", s.url)}),
        harness.SiteSpec("frank", conf={"sign_in": "builtin", "passphrase_hash": EXAMPLE_HASH}),
        harness.SiteSpec("gina", conf={
            "sign_in": "external", "me": idp.prof("gina-owner"),
            "base_url": lambda s, ss: "https://%s/indiechat" % s.host}),
    ]
    apache = harness.Apache(sites=sites)
    try:
        apache.start()
    except BaseException:
        idp.stop()
        raise
    idp.scenario("erin-as", me=apache["erin"].url)


def tearDownModule():
    problems = apache.log_problems() if apache else []
    if apache:
        apache.stop()
    if idp:
        idp.stop()
    if problems:
        raise AssertionError("crash or sanitizer report in the error log:\n" +
                             "\n".join(problems[:20]))


# ---------------------------------------------------------------- helpers


def form(**fields):
    return urllib.parse.urlencode(fields).encode("utf-8")


def media_type(resp):
    return (resp.header("Content-Type") or "").split(";")[0].strip().lower()


def cookie_name(site, kind):
    """ic_<first 8 hex of SHA-256(base_url)>_<kind> (docs/web.md Cookies)."""
    k = hashlib.sha256(site.base_url.encode("utf-8")).hexdigest()[:8]
    return "ic_%s_%s" % (k, kind)


class SetCookie:
    def __init__(self, raw):
        self.raw = raw
        parts = [p.strip() for p in raw.split(";")]
        self.name, _, self.value = parts[0].partition("=")
        self.attrs = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            self.attrs[k.strip().lower()] = v.strip()

    @property
    def clears(self):
        """A deletion: empty value, Max-Age=0 or an Expires in the past."""
        if self.value == "" or self.attrs.get("max-age") == "0":
            return True
        return "expires" in self.attrs and "1970" in self.attrs["expires"]

    def __repr__(self):
        return "<Set-Cookie %s>" % self.raw


def set_cookies(resp):
    return {c.name: c for c in (SetCookie(v) for v in resp.header_all("Set-Cookie"))}


def new_session(resp, site):
    """The session cookie value the response sets, or None."""
    c = set_cookies(resp).get(cookie_name(site, "session"))
    if c is None or c.clears:
        return None
    return c.value


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def remove_dot_segments(path):
    """RFC 3986 §5.2.4, as browsers apply it to every URL they follow."""
    out = []
    segs = path.split("/")
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/".join(out) or "/"


def absolute(site, location):
    """Location as the browser resolves it (dot segments removed)."""
    p = urllib.parse.urlsplit(urllib.parse.urljoin(site.url, location or ""))
    return urllib.parse.urlunsplit(p._replace(path=remove_dot_segments(p.path)))


def db_bytes(site):
    """Every byte of the site's LMDB files (freed pages included)."""
    data = b""
    for name in os.listdir(site.data_dir):
        if name.endswith(".mdb") and "lock" not in name:
            with open(os.path.join(site.data_dir, name), "rb") as f:
                data += f.read()
    return data


class Flow:
    """One sign-in attempt through `auth` and the fixture."""
    login = location = params = cookie = authorize = callback_url = callback = None


def begin(site, me, next_=None, headers=None):
    fields = {"me": me}
    if next_ is not None:
        fields["next"] = next_
    h = dict(FORM)
    h.update(headers or {})
    return site.request("POST", site.b("auth/login"), h, form(**fields))


class SignInCase(unittest.TestCase):
    """Helpers to drive B/auth/login -> authorization endpoint -> callback."""

    def start(self, site, me, next_=None):
        """POST B/auth/login and follow its 302 to the authorization
        endpoint: the Flow up to (not including) the callback."""
        f = Flow()
        f.login = begin(site, me, next_)
        self.assertEqual(f.login.status, 302, f.login.text[:500])
        f.location = f.login.header("Location")
        f.params = query_of(f.location)
        c = set_cookies(f.login).get(cookie_name(site, "signin"))
        self.assertIsNotNone(c, "no %s cookie: %s" % (cookie_name(site, "signin"),
                                                      f.login.header_all("Set-Cookie")))
        f.signin_cookie = c
        f.cookie = "%s=%s" % (c.name, c.value)
        f.authorize = fl.http_request("GET", f.location)
        self.assertEqual(f.authorize.status, 302, f.authorize.text[:500])
        f.callback_url = f.authorize.header("Location")
        self.assertTrue(f.callback_url.startswith(site.b_url("auth/callback") + "?"),
                        f.callback_url)
        return f

    def finish(self, site, f, url=None, cookie=True):
        hdr = {"Cookie": f.cookie} if cookie is True else ({"Cookie": cookie} if cookie else {})
        f.callback = site.request("GET", url or f.callback_url, hdr)
        return f.callback

    def signin(self, site, me, next_=None):
        f = self.start(site, me, next_)
        self.finish(site, f)
        return f

    def assert_signed_in(self, site, f, next_url=None):
        r = f.callback
        self.assertEqual(r.status, 303, r.text[:500])
        self.assertEqual(absolute(site, r.header("Location")), next_url or site.b_url("feed/"))
        sid = new_session(r, site)
        self.assertIsNotNone(sid, r.header_all("Set-Cookie"))
        return sid

    def assert_refused(self, site, r, status):
        self.assertEqual(r.status, status, r.text[:500])
        self.assertIsNone(new_session(r, site), r.header_all("Set-Cookie"))
        self.assertTrue(media_type(r).startswith("text/"), r.header("Content-Type"))

    def session_info(self, site, sid):
        return site.get(site.b("auth/session"),
                        {"Cookie": "%s=%s" % (cookie_name(site, "session"), sid)})


# ---------------------------------------------------------------- IAT suite


class ClientSuite(SignInCase):
    """auth as an IndieAuth client (IA-C-1..IA-C-20; IAT-01..IAT-15)."""

    @classmethod
    def setUpClass(cls):
        cls.alice = apache["alice"]
        cls.owner = idp.prof("owner")

    def setUp(self):
        idp.scenario("owner")  # a well-behaved owner profile unless a test says otherwise

    def owner_ok(self, **knobs):
        idp.scenario("owner", **knobs)
        mark = idp.mark()
        f = self.signin(self.alice, self.owner)
        sid = self.assert_signed_in(self.alice, f)
        return f, sid, mark

    # IAT-01
    def test_iat01_link_header_wins_over_html_link_ia_c_5(self):
        f, _, _ = self.owner_ok(html_as="decoy")
        self.assertTrue(f.location.startswith(idp.issuer("owner") + "auth?"), f.location)

    # IAT-02
    def test_iat02_relative_link_resolved_against_final_url_h_2(self):
        mark = idp.mark()
        f, _, _ = self.owner_ok(where=["html"], redirects={"/": [302, "{idp}owner/"]})
        self.assertTrue(f.location.startswith(idp.issuer("owner") + "auth?"), f.location)
        metas = [e["scenario"] for e in idp.events("metadata", mark)]
        self.assertIn("owner", metas)
        wrong = [e for e in idp.events("profile", mark)
                 if e["scenario"] == "owner" and e["path"] == "/metadata"]
        self.assertEqual(wrong, [], "relative link resolved against the entered URL")

    # IAT-03
    def test_iat03_legacy_endpoints_without_iss_ia_c_7(self):
        f, _, mark = self.owner_ok(links="legacy")
        self.assertTrue(f.location.startswith(idp.issuer("owner") + "auth?"), f.location)
        self.assertNotIn("iss", query_of(f.callback_url))
        self.assertEqual([e["endpoint"] for e in idp.exchanges(mark)], ["authorization"])

    # IAT-04
    def test_iat04_entered_url_is_canonicalised_ia_c_1(self):
        typed = "http://OWNER.LocalHost:%d" % idp.port
        f = self.signin(self.alice, typed)
        self.assertEqual(f.params.get("me"), self.owner)
        self.assert_signed_in(self.alice, f)
        # a bare host: a scheme is prepended (https first is Rec; this
        # fixture speaks only http, so either a fallback to http or a 400)
        r = begin(self.alice, "owner.localhost:%d" % idp.port)
        self.assertIn(r.status, (302, 400), r.text[:300])
        if r.status == 302:
            self.assertEqual(query_of(r.header("Location")).get("me"), self.owner)

    # IAT-05
    def test_iat05_authorization_request_parameters_ia_c_9_ia_c_10_ia_c_12(self):
        f = self.start(self.alice, self.owner)
        p = f.params
        self.assertTrue(f.location.startswith(idp.issuer("owner") + "auth?"), f.location)
        self.assertEqual(p.get("response_type"), "code")
        self.assertEqual(p.get("client_id"), self.alice.b_url("auth/client"))
        self.assertEqual(p.get("redirect_uri"), self.alice.b_url("auth/callback"))
        self.assertEqual(p.get("code_challenge_method"), "S256")
        self.assertRegex(p.get("code_challenge", ""), r"^[A-Za-z0-9_-]{43}$")
        self.assertGreaterEqual(len(p.get("state", "")), 22)
        self.assertEqual(p.get("me"), self.owner)
        self.assertNotIn("scope", p)  # sign-in only (IA-C-12)
        # the binding cookie (IA-C-11; docs/web.md)
        c = f.signin_cookie
        self.assertEqual(c.attrs.get("path"), "/")
        self.assertIn("httponly", c.attrs)
        self.assertEqual(c.attrs.get("samesite", "").lower(), "lax")
        self.assertEqual(c.attrs.get("max-age"), "600")
        self.assertNotIn("secure", c.attrs)
        self.assertNotIn(c.value, (p["state"], ""))
        # fresh state and verifier per request
        g = self.start(self.alice, self.owner)
        self.assertNotEqual(g.params["state"], p["state"])
        self.assertNotEqual(g.params["code_challenge"], p["code_challenge"])
        mark = idp.mark()
        self.finish(self.alice, f)
        self.assert_signed_in(self.alice, f)
        ex = idp.exchanges(mark)
        self.assertEqual(len(ex), 1, ex)
        verifier = ex[0]["fields"].get("code_verifier", "")
        self.assertRegex(verifier, r"^[A-Za-z0-9._~-]{43,128}$")
        self.assertEqual(iac.s256(verifier), p["code_challenge"])
        self.assertTrue(ex[0]["pkce_ok"])

    def test_existing_endpoint_query_is_kept_ia_c_10(self):
        f, _, _ = self.owner_ok(endpoint_query="tenant=1")
        self.assertTrue(f.location.startswith(idp.issuer("owner") + "auth?tenant=1&"), f.location)
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(f.location).query)["tenant"],
                         ["1"])

    def test_answer_without_me_refused_ia_c_16(self):
        idp.scenario("owner", me="")
        mark = idp.mark()
        f = self.signin(self.alice, self.owner)
        self.assert_refused(self.alice, f.callback, 400)
        self.assertEqual([e["outcome"] for e in idp.exchanges(mark)], ["ok"])

    # IAT-06
    def test_iat06_wrong_missing_or_reused_state_refused_ia_c_13(self):
        for what in ("wrong", "missing"):
            f = self.start(self.alice, self.owner)
            q = query_of(f.callback_url)
            if what == "wrong":
                q["state"] = q["state"][:-2] + ("AA" if q["state"][-2:] != "AA" else "BB")
            else:
                del q["state"]
            url = self.alice.b_url("auth/callback") + "?" + urllib.parse.urlencode(q)
            mark = idp.mark()
            self.assert_refused(self.alice, self.finish(self.alice, f, url), 400)
            self.assertEqual(idp.exchanges(mark), [], what)
        # reused: a good sign-in, then its callback replayed
        f = self.start(self.alice, self.owner)
        mark = idp.mark()
        self.finish(self.alice, f)
        self.assert_signed_in(self.alice, f)
        r = self.finish(self.alice, f)
        self.assert_refused(self.alice, r, 400)
        self.assertEqual(len(idp.exchanges(mark)), 1)

    def test_callback_needs_the_browser_binding_cookie_ia_c_11(self):
        f = self.start(self.alice, self.owner)
        other = self.start(self.alice, self.owner)
        mark = idp.mark()
        self.assert_refused(self.alice, self.finish(self.alice, f, cookie=None), 400)
        self.assert_refused(self.alice, self.finish(self.alice, f, cookie=other.cookie), 400)
        self.assert_refused(self.alice, self.finish(
            self.alice, f, cookie=f.signin_cookie.name + "=" + "A" * 43), 400)
        self.assertEqual(idp.exchanges(mark), [])

    # IAT-07
    def test_iat07_wrong_or_missing_iss_refused_before_redemption_ia_c_14(self):
        for iss in ("wrong", "missing", idp.issuer("decoy")):  # decoy: mix-up with a real server
            idp.scenario("owner", iss=iss)
            mark = idp.mark()
            f = self.signin(self.alice, self.owner)
            self.assert_refused(self.alice, f.callback, 400)
            self.assertEqual(idp.exchanges(mark), [], iss)

    def test_error_response_is_refused_without_redemption_ia_c_14(self):
        idp.scenario("owner", error="access_denied")
        mark = idp.mark()
        f = self.signin(self.alice, self.owner)
        self.assertEqual(query_of(f.callback_url).get("error"), "access_denied")
        self.assert_refused(self.alice, f.callback, 400)
        self.assertEqual(idp.exchanges(mark), [])

    # IAT-08
    def test_iat08_code_exchange_request_ia_c_15(self):
        f, _, mark = self.owner_ok()
        ex = idp.exchanges(mark)
        self.assertEqual(len(ex), 1, ex)
        e = ex[0]
        self.assertEqual(e["endpoint"], "authorization")  # profile only: not the token endpoint
        self.assertEqual(e["content_type"], fl.FORM_TYPE)
        self.assertIn("application/json", e["accept"] or "")
        fields = e["fields"]
        self.assertEqual(set(fields), {"grant_type", "code", "client_id", "redirect_uri",
                                       "code_verifier"})
        self.assertEqual(fields["grant_type"], "authorization_code")
        self.assertEqual(fields["code"], query_of(f.callback_url)["code"])
        self.assertEqual(fields["client_id"], f.params["client_id"])
        self.assertEqual(fields["redirect_uri"], f.params["redirect_uri"])
        self.assertEqual(e["outcome"], "ok")

    # IAT-09
    def test_iat09_form_encoded_answer_is_understood_ia_c_15(self):
        self.owner_ok(format="form")

    # IAT-10
    def test_iat10_me_from_the_redirect_chain_needs_no_discovery_ia_c_8_ia_c_17(self):
        idp.scenario("iat10x", redirects={"/": [301, "{base}r1"], "/r1": [302, "{host:owner}"]})
        mark = idp.mark()
        f = self.signin(self.alice, idp.prof("iat10x"))
        self.assert_signed_in(self.alice, f)  # me = the chain's final URL = the owner
        ex = idp.exchanges(mark)[-1]["seq"]
        self.assertEqual(idp.events("profile", ex), [], "profile fetched again after the exchange")
        # me = a URL in the middle of the chain: accepted as valid, not the owner -> 403
        idp.scenario("owner", me=idp.prof("iat10x") + "r1")
        mark = idp.mark()
        f = self.signin(self.alice, idp.prof("iat10x"))
        self.assert_refused(self.alice, f.callback, 403)
        ex = idp.exchanges(mark)[-1]["seq"]
        self.assertEqual(idp.events("profile", ex), [])

    # IAT-11
    def test_iat11_me_on_another_host_naming_the_same_server_ia_c_17(self):
        idp.scenario("iat11x", **{"as": "owner"})
        mark = idp.mark()
        f = self.signin(self.alice, idp.prof("iat11x"))
        self.assert_signed_in(self.alice, f)
        ex = idp.exchanges(mark)[-1]["seq"]
        later = [e["scenario"] for e in idp.events("profile", ex)]
        self.assertIn("owner", later, "returned me was not discovered")

    # IAT-12
    def test_iat12_me_naming_another_server_or_none_refused_ia_c_17(self):
        for target in ("{host:owner}", "{host:nolinks}"):
            idp.scenario("iat12x", me=target)
            f = self.signin(self.alice, idp.prof("iat12x"))
            self.assert_refused(self.alice, f.callback, 400)

    # IAT-13
    def test_iat13_invalid_returned_me_refused_ia_c_2_ia_c_16(self):
        # port and IP literal: dev_mode allows them in `me`, so these end
        # in 400 because nothing confirms them (8443 is closed, the IP
        # page names another server); fragment, userinfo, dot segment are
        # invalid in any mode.
        for scen in ("iat13frag", "iat13user", "iat13dots", "iat13port", "iat13ip"):
            f = self.signin(self.alice, idp.prof(scen))
            self.assert_refused(self.alice, f.callback, 400)

    # IAT-14
    def test_iat14_valid_non_owner_gets_403_ia_c_19(self):
        f = self.signin(self.alice, idp.prof("stranger"))
        self.assert_refused(self.alice, f.callback, 403)
        self.assertEqual(self.session_info(self.alice, "x" * 43).status, 401)

    # IAT-15
    def test_iat15_redirects_within_the_limit_are_followed_h_4(self):
        idp.scenario("chain5", chain=5)
        f = self.signin(self.alice, idp.prof("chain5"))
        self.assertTrue(f.location.startswith(idp.issuer("chain5") + "auth?"), f.location)
        self.assert_refused(self.alice, f.callback, 403)  # valid, just not the owner

    def test_iat15_discovery_failures_are_a_clean_400_ia_c_6(self):
        for scen in ("iat15chain", "iat15status", "iat15notjson", "iat15issuer", "nolinks"):
            mark = idp.mark()
            r = begin(self.alice, idp.prof(scen))
            self.assert_refused(self.alice, r, 400)
            self.assertIsNone(r.header("Location"), scen)
            self.assertEqual(idp.events("authorize", mark), [], scen)

    def test_unusable_typed_me_is_400_ia_c_2(self):
        for me in ("", "ftp://owner.localhost/", "http://owner.localhost:%d/#x" % idp.port,
                   "http://u:p@owner.localhost:%d/" % idp.port,
                   "http://owner.localhost:%d/a/../" % idp.port, "http://"):
            r = begin(self.alice, me)
            self.assert_refused(self.alice, r, 400)
            self.assertIsNone(r.header("Location"), me)

    def test_expired_code_refused(self):
        f = None
        idp.scenario("owner", code_ttl=-1)
        mark = idp.mark()
        f = self.signin(self.alice, self.owner)
        self.assert_refused(self.alice, f.callback, 400)
        self.assertEqual([e.get("error") for e in idp.exchanges(mark)], ["invalid_grant"])

    def test_failed_pkce_at_the_server_refused_ia_c_9(self):
        idp.scenario("owner", pkce="tamper")
        mark = idp.mark()
        f = self.signin(self.alice, self.owner)
        self.assert_refused(self.alice, f.callback, 400)
        ex = idp.exchanges(mark)
        self.assertEqual([e.get("error") for e in ex], ["invalid_grant"])
        self.assertTrue(ex[0]["verifier_matches_sent_challenge"])

    # sessions (IA-C-20, docs/web.md)
    def test_session_cookie_attributes_ia_c_20(self):
        f, sid, _ = self.owner_ok()
        c = set_cookies(f.callback)[cookie_name(self.alice, "session")]
        self.assertRegex(cookie_name(self.alice, "session"), r"^ic_[0-9a-f]{8}_session$")
        self.assertRegex(sid, B64URL)
        self.assertGreaterEqual(len(sid), 43)
        self.assertEqual(c.attrs.get("path"), "/")
        self.assertIn("httponly", c.attrs)
        self.assertEqual(c.attrs.get("samesite", "").lower(), "lax")
        self.assertEqual(c.attrs.get("max-age"), str(SESSION_MAX_AGE))
        self.assertNotIn("secure", c.attrs)  # dev_mode over http
        self.assertNotIn("domain", c.attrs)
        # two sign-ins: two sessions
        _, sid2, _ = self.owner_ok()
        self.assertNotEqual(sid, sid2)

    def test_state_binding_and_session_id_are_stored_hashed_te_7(self):
        f = self.start(self.alice, self.owner)
        self.finish(self.alice, f)
        sid = self.assert_signed_in(self.alice, f)
        data = db_bytes(self.alice)
        self.assertTrue(data)
        for what, secret in (("state", f.params["state"]), ("binding", f.signin_cookie.value),
                             ("session id", sid)):
            self.assertNotIn(secret.encode(), data, what + " stored in clear")

    def test_session_endpoint_200_with_csrf_401_without(self):
        _, sid, _ = self.owner_ok()
        r = self.session_info(self.alice, sid)
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(media_type(r), "application/json")
        doc = r.json()
        self.assertEqual(doc["me"], self.owner)
        self.assertRegex(doc["csrf"], r"^[0-9a-f]{64}$")
        self.assertIsInstance(doc["expires"], int)
        self.assertAlmostEqual(doc["expires"], time.time() + SESSION_MAX_AGE, delta=120)
        self.assertNotIn(sid, r.text)
        r = self.alice.get(self.alice.b("auth/session"))
        self.assertEqual(r.status, 401, r.text[:300])
        self.assertEqual(r.json(), {"error": "not signed in"})
        r = self.session_info(self.alice, "A" * 43)
        self.assertEqual(r.status, 401)

    def test_next_is_followed_only_under_the_base_url(self):
        idp.scenario("owner")
        target = self.alice.b_url("feed/somewhere")
        f = self.signin(self.alice, self.owner, next_=self.alice.b("feed/somewhere"))
        self.assert_signed_in(self.alice, f, next_url=target)
        for evil in ("//evil.localhost/x", "http://evil.localhost/x", "/elsewhere/"):
            f = self.signin(self.alice, self.owner, next_=evil)
            self.assert_signed_in(self.alice, f, next_url=self.alice.b_url("feed/"))

    def test_next_with_dot_segments_does_not_leave_the_base_url(self):
        # "/indiechat/../x" starts with B's path, but a browser resolves it
        # to /x: not "a path under B"
        for evil in (self.alice.b("../elsewhere/"), self.alice.b("feed/../../elsewhere/")):
            f = self.signin(self.alice, self.owner, next_=evil)
            self.assertEqual(f.callback.status, 303, f.callback.text[:300])
            loc = absolute(self.alice, f.callback.header("Location"))
            self.assertTrue(loc.startswith(self.alice.base_url + "/"), "%s -> %s" % (evil, loc))

    def test_logout_deletes_the_session(self):
        _, sid, _ = self.owner_ok()
        name = cookie_name(self.alice, "session")
        csrf = self.session_info(self.alice, sid).json()["csrf"]
        h = dict(FORM, Cookie="%s=%s" % (name, sid))
        r = self.alice.request("POST", self.alice.b("auth/logout"), h, form(csrf=csrf))
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(absolute(self.alice, r.header("Location")), self.alice.b_url("auth/login"))
        c = set_cookies(r).get(name)
        self.assertTrue(c is not None and c.clears, r.header_all("Set-Cookie"))
        self.assertEqual(self.session_info(self.alice, sid).status, 401)
        r = self.alice.request("POST", self.alice.b("send"), h,
                               form(to=apache["bob"].url, text="after logout", csrf=csrf))
        self.assertEqual(r.status, 403, r.text[:300])
        r = self.alice.request("POST", self.alice.b("auth/logout"), h, form(csrf=csrf))
        self.assertEqual(r.status, 403, r.text[:300])

    def test_a_session_is_good_only_on_its_own_site(self):
        _, sid, _ = self.owner_ok()
        erin = apache["erin"]
        r = erin.get(erin.b("auth/session"), {"Cookie": "%s=%s" % (cookie_name(erin, "session"), sid)})
        self.assertEqual(r.status, 401, r.text[:300])
        self.assertNotEqual(cookie_name(erin, "session"), cookie_name(self.alice, "session"))

    def test_login_page_and_client_id_document_ia_c_4(self):
        r = self.alice.get(self.alice.b("auth/login") + "?next=" +
                           urllib.parse.quote(self.alice.b("feed/abc"), safe=""))
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(media_type(r), "text/html")
        f = iac.parse_form(r.text, self.alice.b_url("auth/login"), having="me")
        self.assertEqual(f.method, "POST")
        self.assertEqual(f.action, self.alice.b_url("auth/login"))
        self.assertEqual(f.fields.get("next"), self.alice.b("feed/abc"))
        r = self.alice.get(self.alice.b("auth/client"), {"Accept": "application/json"})
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(media_type(r), "application/json")
        doc = r.json()
        cid = self.alice.b_url("auth/client")
        self.assertEqual(doc["client_id"], cid)
        self.assertIn(self.alice.b_url("auth/callback"), doc["redirect_uris"])
        self.assertTrue(cid.startswith(doc["client_uri"]), doc["client_uri"])
        self.assertTrue(doc.get("client_name"))
        r = self.alice.get(self.alice.b("auth/client"), {"Accept": "text/html"})
        self.assertEqual(r.status, 200)
        self.assertEqual(media_type(r), "text/html")
        self.assertIn("h-app", r.text)

    def test_external_site_has_no_authorization_endpoint(self):
        r = self.alice.get(self.alice.b("auth/authorize"))
        self.assertEqual(r.status, 404, r.text[:300])
        doc = self.alice.get(self.alice.b("auth/metadata")).json()
        self.assertNotIn("authorization_endpoint", doc)


def loopback_names():
    """Host names (not localhost/*.localhost) that /etc/hosts maps to a
    loopback address, e.g. the machine's own name: [(name, address)]."""
    found = []
    try:
        with open("/etc/hosts") as f:
            for line in f:
                parts = line.split("#", 1)[0].split()
                if len(parts) < 2 or not parts[0].startswith("127."):
                    continue
                for name in parts[1:]:
                    if not fl.is_localhost_name(name) and re.fullmatch(r"[A-Za-z0-9.-]+", name):
                        found.append((name.lower(), parts[0]))
    except OSError:
        pass
    return found


def error_text(resp):
    """The page without the echoed form values (the entered URL is in the
    input's value=, which says nothing about why it was refused)."""
    return re.sub(r'value="[^"]*"', "", resp.text)


class LoopbackRefused(unittest.TestCase):
    """IAT-16 / SEC-3: without dev_mode a profile on loopback is refused."""

    def login(self, me):
        dave = apache["dave"]
        r, raw, p = dave.run_cgi("auth", "POST", "/login", headers=FORM, body=form(me=me))
        self.assertEqual(r.status, 400, raw[:500])
        self.assertIsNone(r.header("Location"), me)
        self.assertNotIn(cookie_name(dave, "session"), " ".join(r.header_all("Set-Cookie")))
        return r

    def test_iat16_localhost_profile_refused_without_dev_mode_sec_3(self):
        # *.localhost is loopback by name (RFC 6761; ic_fetch maps it too):
        # refused, and the page says which host
        for me in ("https://iat16.localhost/", "http://iat16.localhost/", "https://localhost/"):
            r = self.login(me)
            host = urllib.parse.urlsplit(me).hostname
            self.assertIn(host, error_text(r), "the page should name the refused host")

    def test_iat16_name_resolving_to_loopback_refused_sec_3(self):
        # resolve-then-block: a name that is not *.localhost but resolves to
        # 127.x (from /etc/hosts; this needs one, e.g. the machine's name)
        names = loopback_names()
        if not names:
            sys.stderr.write("# no name maps to 127.x in /etc/hosts: resolve-then-block "
                             "not exercised\n")
        for name, addr in names[:3]:
            for me in ("https://%s/" % name, "http://%s/" % name):
                r = self.login(me)
                # Refused, and said so; the page is anyone's to read, so it
                # does not tell what internal names resolve to (no DNS
                # oracle): the address stays in the server's log.
                self.assertIn("not public", error_text(r))
                self.assertNotIn(addr, error_text(r))


# ---------------------------------------------------------------- CSRF


class OwnerActionsCsrf(SignInCase):
    """Owner POSTs need the session and its csrf, and no foreign Origin
    (docs/web.md CSRF; IA-C-20, SEC-10)."""

    ACTIONS = ("send", "ticket/invite", "ticket/accept", "ticket/decline", "ticket/block",
               "ticket/revoke", "auth/logout")

    @classmethod
    def setUpClass(cls):
        cls.erin = apache["erin"]
        cls.bob = apache["bob"]

    def fields(self, action):
        if action == "send":
            return {"to": self.bob.url, "text": "csrf probe"}
        if action.startswith("ticket/"):
            return {"url": self.bob.url}
        return {}

    def signed_in(self):
        f = self.signin(self.erin, self.erin.url)
        sid = self.assert_signed_in(self.erin, f)
        r = self.session_info(self.erin, sid)
        self.assertEqual(r.status, 200, r.text[:300])
        return sid, r.json()["csrf"]

    def snapshot(self):
        return (inbox(self.erin), inbox(self.bob))

    def post(self, action, fields, cookie=None, origin=None, accept=None):
        h = dict(FORM)
        if cookie:
            h["Cookie"] = cookie
        if origin:
            h["Origin"] = origin
        if accept:
            h["Accept"] = accept
        body = urllib.parse.urlencode(fields).encode("utf-8")
        return self.erin.request("POST", self.erin.b(action), h, body)

    def test_owner_posts_without_a_session_are_403(self):
        before = self.snapshot()
        for action in self.ACTIONS:
            for what, ck in (("no cookie", None),
                             ("unknown session",
                              "%s=%s" % (cookie_name(self.erin, "session"), "C" * 43))):
                with self.subTest(action=action, case=what):
                    r = self.post(action, dict(self.fields(action), csrf="0" * 64), ck)
                    self.assertEqual(r.status, 403, "%s %s: %s" % (action, what, r.text[:300]))
        self.assertEqual(self.snapshot(), before, "a refused owner POST changed something")

    def test_owner_posts_without_session_or_csrf_or_with_foreign_origin_are_403(self):
        sid, csrf = self.signed_in()
        _, other_csrf = self.signed_in()  # a second session: its token is not ours
        cookie = "%s=%s" % (cookie_name(self.erin, "session"), sid)
        before = self.snapshot()
        evil = "http://evil.localhost:%d" % self.erin.port
        for action in self.ACTIONS:
            base = self.fields(action)
            cases = [
                ("no session", dict(base, csrf=csrf), None, None),
                ("unknown session", dict(base, csrf=csrf),
                 "%s=%s" % (cookie_name(self.erin, "session"), "B" * 43), None),
                ("no csrf", dict(base), cookie, None),
                ("wrong csrf", dict(base, csrf="0" * 64), cookie, None),
                ("empty csrf", dict(base, csrf=""), cookie, None),
                ("other session's csrf", dict(base, csrf=other_csrf), cookie, None),
                ("two csrf fields", list(base.items()) + [("csrf", "0" * 64), ("csrf", csrf)],
                 cookie, None),
                ("foreign origin", dict(base, csrf=csrf), cookie, evil),
                ("opaque origin", dict(base, csrf=csrf), cookie, "null"),
                ("other port origin", dict(base, csrf=csrf), cookie,
                 "http://%s.localhost:%d" % (self.erin.name, idp.port)),
            ]
            for what, fields, ck, origin in cases:
                with self.subTest(action=action, case=what):
                    r = self.post(action, fields, ck, origin)
                    self.assertEqual(r.status, 403, "%s %s: %s" % (action, what, r.text[:300]))
                    self.assertIsNone(new_session(r, self.erin))
        self.assertEqual(self.snapshot(), before, "a refused owner POST changed something")
        # the session survived every refused logout
        self.assertEqual(self.session_info(self.erin, sid).status, 200)

    def test_zz_owner_post_with_session_and_csrf_is_accepted(self):
        # last in this class: the invite's effects arrive later on bob's side
        sid, csrf = self.signed_in()
        cookie = "%s=%s" % (cookie_name(self.erin, "session"), sid)
        origin = "http://%s" % self.erin.host
        r = self.post("ticket/invite", {"url": self.bob.url, "csrf": csrf}, cookie, origin,
                      accept="application/json")
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(media_type(r), "application/json")
        peers = [c["peer"] for c in inbox(self.erin)]
        self.assertIn(self.bob.url, peers)
        r = self.post("ticket/revoke", {"url": self.bob.url, "csrf": csrf,
                                        "next": self.erin.b("feed/contacts")}, cookie)
        self.assertEqual(r.status, 303, r.text[:300])
        self.assertEqual(absolute(self.erin, r.header("Location")), self.erin.b_url("feed/contacts"))
        # next is a path under B, never another site
        for evil in ("//evil.localhost/x", "http://evil.localhost/x", "/elsewhere/"):
            r = self.post("ticket/revoke", {"url": self.bob.url, "csrf": csrf, "next": evil}, cookie)
            self.assertEqual(r.status, 303, r.text[:300])
            loc = absolute(self.erin, r.header("Location"))
            self.assertTrue(loc.startswith(self.erin.base_url + "/"), "%s -> %s" % (evil, loc))
        # "/indiechat/../x" starts with B's path, but a browser resolves it to /x
        for evil in (self.erin.b("../elsewhere/"), self.erin.b("feed/../../elsewhere/")):
            r = self.post("ticket/revoke", {"url": self.bob.url, "csrf": csrf, "next": evil}, cookie)
            self.assertEqual(r.status, 303, r.text[:300])
            loc = absolute(self.erin, r.header("Location"))
            self.assertTrue(loc.startswith(self.erin.base_url + "/"), "%s -> %s" % (evil, loc))

class HttpsCookies(unittest.TestCase):
    """With an https base_url the cookies are __Host- and Secure, dev_mode
    or not (docs/web.md Cookies; IA-C-20).  Run as CGIs: Apache here has
    no TLS."""

    def test_https_base_url_gives_host_prefixed_secure_cookies_ia_c_20(self):
        gina = apache["gina"]
        idp.scenario("gina-owner")
        base = "https://%s/indiechat" % gina.host
        k = hashlib.sha256(base.encode()).hexdigest()[:8]
        r, raw, _ = gina.run_cgi("auth", "POST", "/login", headers=FORM,
                                 body=form(me=idp.prof("gina-owner")))
        self.assertEqual(r.status, 302, raw[:500])
        self.assertEqual(query_of(r.header("Location")).get("redirect_uri"), base + "/auth/callback")
        c = set_cookies(r).get("__Host-ic_%s_signin" % k)
        self.assertIsNotNone(c, r.header_all("Set-Cookie"))
        self.assertIn("secure", c.attrs)
        self.assertEqual(c.attrs.get("path"), "/")
        self.assertNotIn("domain", c.attrs)
        a = fl.http_request("GET", r.header("Location"))
        self.assertEqual(a.status, 302, a.text[:300])
        cb = a.header("Location")
        self.assertTrue(cb.startswith(base + "/auth/callback?"), cb)
        r, raw, _ = gina.run_cgi("auth", "GET", "/callback",
                                 headers={"Cookie": "%s=%s" % (c.name, c.value)},
                                 query=urllib.parse.urlsplit(cb).query)
        self.assertEqual(r.status, 303, raw[:500])
        s = set_cookies(r).get("__Host-ic_%s_session" % k)
        self.assertIsNotNone(s, r.header_all("Set-Cookie"))
        self.assertIn("secure", s.attrs)
        self.assertIn("httponly", s.attrs)
        self.assertEqual(s.attrs.get("samesite", "").lower(), "lax")
        self.assertEqual(s.attrs.get("max-age"), str(SESSION_MAX_AGE))
        self.assertNotIn("ic_%s_session" % k, set_cookies(r))  # no unprefixed twin
        r, raw, _ = gina.run_cgi("auth", "GET", "/session",
                                 headers={"Cookie": "%s=%s" % (s.name, s.value)})
        self.assertEqual(r.status, 200, raw[:300])
        # the unprefixed name is not the session cookie here
        r, raw, _ = gina.run_cgi("auth", "GET", "/session",
                                 headers={"Cookie": "ic_%s_session=%s" % (k, s.value)})
        self.assertEqual(r.status, 401, raw[:300])


# ---------------------------------------------------------------- built-in server


class BuiltinServer(SignInCase):
    """auth's own authorization server (sign_in = builtin; docs/web.md),
    by our own client and by a third-party one (indieauth_client.py)."""

    @classmethod
    def setUpClass(cls):
        cls.carol = apache["carol"]
        p = cls.carol.run("auth", "--set-passphrase", input=PASSPHRASE + "\n")
        cls.set_passphrase = p
        cls.client = iac.IndieAuthClient(idp.url + "client/", idp.url + "client/callback")

    def passphrase_set(self):
        p = self.set_passphrase
        self.assertEqual(p.returncode, 0, (p.stdout, p.stderr))

    def discover(self):
        d = self.client.discover(self.carol.url)
        self.assertEqual(d.metadata["issuer"], self.carol.base_url + "/")
        return d

    def authorize(self, scope=None, passphrase=PASSPHRASE, **extra):
        """Discovery, the passphrase page, the form posted: (request, 302 answer)."""
        self.passphrase_set()
        d = self.discover()
        a = self.client.authorization_request(d, me=self.carol.url, scope=scope, **extra)
        page = self.client.get(a.url, follow=0)
        self.assertEqual(page.status, 200, page.text[:500])
        f = iac.parse_form(page.text, page.final_url, having="passphrase")
        res = self.client.submit(f, {"passphrase": passphrase})
        return a, res, page

    def code(self, scope=None):
        a, res, _ = self.authorize(scope)
        return a, self.client.callback(res, a)

    def test_metadata_names_the_authorization_endpoint_te_8(self):
        doc = self.carol.get(self.carol.b("auth/metadata")).json()
        self.assertEqual(doc["authorization_endpoint"], self.carol.b_url("auth/authorize"))
        self.assertEqual(doc["token_endpoint"], self.carol.b_url("auth/token"))
        self.assertEqual(doc["code_challenge_methods_supported"], ["S256"])
        self.assertIn("authorization_code", doc.get("grant_types_supported", []))

    def test_own_client_signs_in_to_its_own_site(self):
        self.passphrase_set()
        f = Flow()
        f.login = begin(self.carol, self.carol.url)
        self.assertEqual(f.login.status, 302, f.login.text[:500])
        loc = absolute(self.carol, f.login.header("Location"))
        self.assertTrue(loc.startswith(self.carol.b_url("auth/authorize") + "?"), loc)
        c = set_cookies(f.login)[cookie_name(self.carol, "signin")]
        page = self.carol.get(loc)
        self.assertEqual(page.status, 200, page.text[:500])
        self.assertEqual(media_type(page), "text/html")
        form_ = iac.parse_form(page.text, loc, having="passphrase")
        self.assertIn(self.carol.b_url("auth/client"), page.text)  # names the client
        fields = dict(form_.fields, passphrase=PASSPHRASE)
        r = self.carol.request("POST", form_.action, FORM, form(**fields))
        self.assertEqual(r.status, 302, r.text[:500])
        cb = absolute(self.carol, r.header("Location"))
        q = query_of(cb)
        self.assertTrue(cb.startswith(self.carol.b_url("auth/callback") + "?"), cb)
        self.assertEqual(q.get("iss"), self.carol.base_url + "/")
        self.assertEqual(q.get("state"), query_of(loc)["state"])
        r = self.carol.get(cb, {"Cookie": "%s=%s" % (c.name, c.value)})
        f.callback = r
        sid = self.assert_signed_in(self.carol, f)
        self.assertEqual(self.session_info(self.carol, sid).json()["me"], self.carol.url)

    def test_profile_redemption_at_the_authorization_endpoint_ia_c_15(self):
        a, code = self.code()
        r, doc = self.client.redeem_profile(a, code)
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(media_type(r), "application/json")
        self.assertEqual(doc["me"], self.carol.url)
        self.assertNotIn("access_token", doc)
        self.assertNotIn("profile", doc)
        # single use
        r, doc = self.client.redeem_profile(a, code)
        self.assertEqual((r.status, doc.get("error")), (400, "invalid_grant"))

    def test_profile_scope_adds_the_profile(self):
        a, code = self.code(scope="profile")
        r, doc = self.client.redeem_profile(a, code)
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(doc["me"], self.carol.url)
        self.assertIsInstance(doc.get("profile"), dict)

    def test_wrong_verifier_and_redirect_uri_mismatch_are_invalid_grant(self):
        for override in ({"code_verifier": iac.new_verifier()},
                         {"redirect_uri": idp.url + "client/other"},
                         {"client_id": idp.url + "other/"}):
            a, code = self.code()
            r, doc = self.client.redeem_profile(a, code, **override)
            self.assertEqual((r.status, doc.get("error")), (400, "invalid_grant"),
                             "%s: %s" % (override, r.text[:300]))

    def test_code_without_scope_is_invalid_grant_at_the_token_endpoint(self):
        a, code = self.code()
        r, doc = self.client.redeem_token(a, code)
        self.assertEqual((r.status, doc.get("error")), (400, "invalid_grant"), r.text[:300])
        self.assertNotIn("access_token", doc)

    def test_token_for_a_scope_and_refresh_rotation_te_3_te_6(self):
        d = self.discover()
        supported = [s for s in d.metadata.get("scopes_supported", [])
                     if s not in ("profile", "email")]
        scope = supported[0] if supported else "read"
        a, code = self.code(scope=scope)
        r, doc = self.client.redeem_token(a, code)
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("no-store", r.header("Cache-Control") or "")
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertEqual(doc["scope"], scope)
        self.assertEqual(doc["me"], self.carol.url)
        self.assertGreaterEqual(len(doc["access_token"]), 43)
        rt = doc["refresh_token"]
        r, doc2 = self.client.refresh(d, rt)
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(doc2["scope"], scope)
        self.assertNotEqual(doc2["refresh_token"], rt)
        self.assertNotEqual(doc2["access_token"], doc["access_token"])
        r, doc3 = self.client.refresh(d, doc2["refresh_token"], scope=scope + " delete")
        self.assertEqual((r.status, doc3.get("error")), (400, "invalid_scope"), r.text[:300])
        # reuse of the code at the token endpoint
        r, doc = self.client.redeem_token(a, code)
        self.assertEqual(doc.get("error"), "invalid_grant")

    def test_codes_and_tokens_are_stored_hashed_te_7(self):
        a, code = self.code(scope="read")
        r, doc = self.client.redeem_token(a, code)
        self.assertEqual(r.status, 200, r.text[:300])
        data = db_bytes(self.carol)
        for what in ("access_token", "refresh_token"):
            self.assertNotIn(doc[what].encode(), data, what + " stored in clear")
        self.assertNotIn(code.encode(), data, "code stored in clear")

    def test_narrower_refresh_keeps_the_refresh_tokens_scope_te_6(self):
        d = self.discover()
        scopes = [x for x in d.metadata.get("scopes_supported", []) if x != "email"]
        self.assertGreaterEqual(len(scopes), 2, d.metadata)
        full = " ".join(scopes[:2])
        a, code = self.code(scope=full)
        r, doc = self.client.redeem_token(a, code)
        self.assertEqual(r.status, 200, r.text[:300])
        r, narrow = self.client.refresh(d, doc["refresh_token"], scope=scopes[0])
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(narrow["scope"], scopes[0])
        r, back = self.client.refresh(d, narrow["refresh_token"])
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertEqual(set(back["scope"].split()), set(full.split()))
        other = iac.IndieAuthClient(idp.url + "other/", idp.url + "other/cb")
        r, doc = other.refresh(d, back["refresh_token"])
        self.assertEqual((r.status, doc.get("error")), (400, "invalid_grant"), r.text[:300])

    def test_bad_client_id_or_redirect_uri_is_a_400_page_never_a_redirect(self):
        d = self.discover()
        for cid, ru in (("not a url", idp.url + "client/callback"),
                        (idp.url + "client/", "http://evil.localhost:%d/cb" % idp.port),
                        (idp.url + "client/", "")):
            a = iac.IndieAuthClient(cid, ru).authorization_request(d, me=self.carol.url)
            r = self.client.get(a.url, follow=0)
            self.assertEqual(r.status, 400, "%s %s: %s" % (cid, ru, r.text[:300]))
            self.assertIsNone(r.header("Location"))

    def return_link(self, r):
        """The error page's link back to the client (no automatic
        redirect: RFC 9700 §4.11.2, client_id and redirect_uri are
        anyone's choice)."""
        self.assertEqual(r.status, 400, r.text[:300])
        self.assertIsNone(r.header("Location"))
        m = re.search(r'id="return" href="([^"]+)"', r.text)
        self.assertIsNotNone(m, r.text[-800:])
        return html.unescape(m.group(1))

    def test_other_bad_parameters_are_an_error_page_with_invalid_request(self):
        d = self.discover()
        a = self.client.authorization_request(d, me=self.carol.url, code_challenge_method="plain")
        r = self.client.get(a.url, follow=0)
        loc = self.return_link(r)
        self.assertTrue(loc.startswith(self.client.redirect_uri + "?"), loc)
        self.assertEqual(query_of(loc).get("error"), "invalid_request")
        self.assertEqual(query_of(loc).get("state"), a.state)
        self.assertEqual(query_of(loc).get("iss"), self.carol.base_url + "/")
        for bad in ({"state": ""}, {"code_challenge": ""}, {"code_challenge": "short"}):
            params = dict(a.params, **bad)
            url = fl.add_query(d.metadata["authorization_endpoint"],
                               {k: v for k, v in params.items() if v})
            r = self.client.get(url, follow=0)
            self.assertEqual(query_of(self.return_link(r)).get("error"), "invalid_request", bad)
        # response_type=token: RFC 6749 §4.1.2.1 unsupported_response_type.
        params = dict(a.params, response_type="token")
        r = self.client.get(fl.add_query(d.metadata["authorization_endpoint"], params), follow=0)
        self.assertEqual(query_of(self.return_link(r)).get("error"), "unsupported_response_type")

    def test_passphrase_page_cannot_be_framed_and_form_is_rechecked(self):
        self.passphrase_set()
        d = self.discover()
        a = self.client.authorization_request(d, me=self.carol.url)
        page = self.client.get(a.url, follow=0)
        self.assertEqual(page.status, 200, page.text[:300])
        # RFC 6749 §10.13 clickjacking: the passphrase page is never framed
        csp = page.header("Content-Security-Policy") or ""
        self.assertTrue(page.header("X-Frame-Options", "").upper() == "DENY" or
                        "frame-ancestors 'none'" in csp, page.headers)
        self.assertIn("no-store", page.header("Cache-Control") or "")
        # the hidden fields come back from the browser: checked again on POST
        f = iac.parse_form(page.text, page.final_url, having="passphrase")
        evil = "http://evil.localhost:%d/cb" % idp.port
        r = self.client.submit(f, {"passphrase": PASSPHRASE, "redirect_uri": evil})
        self.assertEqual(r.status, 400, r.text[:300])
        self.assertIsNone(r.header("Location"))

    def test_wrong_passphrase_is_401(self):
        a, res, _ = self.authorize(passphrase="not it")
        self.assertEqual(res.status, 401, res.text[:300])
        self.assertIsNone(res.header("Location"))

    def test_zz_repeated_wrong_passphrases_get_429_with_retry_after(self):
        # runs last in this class: the limit is per address and every test
        # comes from 127.0.0.1
        self.passphrase_set()
        d = self.discover()
        a = self.client.authorization_request(d, me=self.carol.url)
        page = self.client.get(a.url, follow=0)
        f = iac.parse_form(page.text, page.final_url, having="passphrase")
        seen = []
        for _ in range(30):
            r = self.client.submit(f, {"passphrase": "wrong"})
            seen.append(r.status)
            if r.status == 429:
                break
        self.assertEqual(seen[-1], 429, seen)
        self.assertTrue(set(seen[:-1]) <= {401}, seen)
        self.assertRegex(r.header("Retry-After") or "", r"^\d+$")
        self.assertGreater(int(r.header("Retry-After")), 0)

    def test_passphrase_hash_in_config_wins_over_set_passphrase(self):
        p = apache["frank"].run("auth", "--set-passphrase", input="other\n")
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn(b"passphrase_hash", p.stderr + p.stdout)


if __name__ == "__main__":
    unittest.main()
