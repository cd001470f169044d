"""A tiny browser for the integration tests: one site's cookies, the
sign-in through the built-in authorization endpoint, and owner POSTs with
the CSRF token (docs/web.md).  Python standard library only."""

import json
import urllib.parse

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def set_passphrase(site, passphrase):
    r = site.run("auth", "--set-passphrase", input=passphrase + "\n")
    if r.returncode != 0:
        raise AssertionError("auth --set-passphrase failed: %r %r" % (r.stdout, r.stderr))


class Owner:
    """The owner of `site` in a browser: cookies kept per name."""

    def __init__(self, site):
        self.site = site
        self.cookies = {}
        self.csrf = None

    def _keep(self, r):
        for v in r.header_all("Set-Cookie"):
            name, _, rest = v.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r

    def headers(self, extra=None):
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        return h

    def get(self, path_or_url, headers=None):
        return self._keep(self.site.get(path_or_url, self.headers(headers)))

    def post(self, path_or_url, fields, headers=None, csrf=True):
        fields = dict(fields)
        if csrf and self.csrf and "csrf" not in fields:
            fields["csrf"] = self.csrf
        body = urllib.parse.urlencode(fields).encode()
        h = self.headers(dict(FORM, **(headers or {})))
        return self._keep(self.site.request("POST", path_or_url, h, body))

    def sign_in(self, passphrase, me=None):
        """The whole built-in flow; returns the callback's response."""
        s = self.site
        r = self.post(s.b("auth/login"), {"me": me or s.url, "next": s.b("feed/")}, csrf=False)
        if r.status != 302:
            raise AssertionError("login: %d %r" % (r.status, r.body[:300]))
        loc = r.header("Location")
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
        page = self.get(loc)
        if page.status != 200:
            raise AssertionError("authorize page: %d %r" % (page.status, page.body[:300]))
        q.update({"passphrase": passphrase, "action": "approve"})
        r = self.post(s.b("auth/authorize"), q, csrf=False)
        if r.status != 302:
            raise AssertionError("authorize: %d %r" % (r.status, r.body[:300]))
        r = self.get(r.header("Location"))
        if r.status == 303:
            self.csrf = json.loads(self.get(s.b("auth/session")).body)["csrf"]
        return r
