"""Sites set up by scripts/install, for the harness (python3 stdlib only).

`Installed(name)` gives a harness SiteSpec whose vhost holds nothing of
IndieChat but `Include <snippet>`: once the harness knows the site's port it
runs scripts/install for the site's URL (--dev, everything under the
harness's temporary root), and the generated snippet is used verbatim.  The
homepage is a static page with the <link> lines scripts/install wrote and an
h-card.  scripts/demo and tests/integration/test_install.py use it.
"""

import html.parser
import os
import subprocess
import urllib.parse
import sys

import harness

INSTALL = os.path.join(harness.SRCDIR, "scripts", "install")


class InstallError(harness.HarnessError):
    pass


class Installed:
    """One site installed by scripts/install.

    name:  host label (http://<name>.localhost:PORT/)
    builddir: the build tree whose cgi-bin/ programs are installed
    args:  extra scripts/install options (e.g. ["--hub", URL])
    port:  fixed port (harness.SiteSpec port=)
    After the harness has started: .site, .conf, .cgi_dir, .data_dir,
    .snippet (its text), .links (the <link> lines), .output (what
    scripts/install printed).
    """

    def __init__(self, name, builddir, args=(), port=None, homepage_extra=""):
        self.name = name
        self.builddir = builddir
        self.args = list(args)
        self.homepage_extra = homepage_extra
        self.site = None
        self.spec = harness.SiteSpec(
            name, mount=False, port=port, vhost=[self._install],
            files={"htdocs/index.html": self._homepage})

    # -- called by the harness once ports are known -----------------------------
    def _install(self, site, sites):
        self.site = site
        root = site.apache.root
        self.dir = os.path.join(root, "install", self.name)
        # Shared by every site, as one `make install` serves a whole server.
        self.cgi_dir = os.path.join(root, "install", "cgi-bin")
        self.conf = os.path.join(self.dir, "indiechat.conf")
        self.snippet_path = os.path.join(self.dir, "apache.conf")
        self.links_path = os.path.join(self.dir, "links.html")
        self.data_dir = os.path.join(root, "install", "data", self.name)
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        os.chmod(os.path.join(root, "install"), 0o755)
        argv = [sys.executable, INSTALL, "--me", site.url, "--dev",
                "--data-dir", self.data_dir, "--conf", self.conf,
                "--cgi-dir", self.cgi_dir,
                "--public-dir", os.path.join(root, "install", "public"),
                "--from", os.path.join(self.builddir, "cgi-bin"),
                "--apache-out", self.snippet_path, "--links-out", self.links_path,
                "--docroot", site.docroot] + self.args
        # --user: www-data as root (harness.SITE_USER), else ourselves, as
        # the harness runs the CGIs.
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        self.output = p.stdout + p.stderr
        if p.returncode != 0:
            raise InstallError("scripts/install for %s failed (%d):\n%s" % (
                site.url, p.returncode, self.output))
        with open(self.snippet_path) as f:
            self.snippet = f.read()
        with open(self.links_path) as f:
            self.links = f.read()
        return "Include %s" % self.snippet_path

    def _homepage(self, site, sites):
        title = self.name.capitalize()
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>%s</title>\n%s</head>\n<body>\n"
            "<div class=\"h-card\"><a class=\"u-url p-name\" href=\"%s\">%s</a>\n"
            "<p class=\"p-note\">An IndieChat demo site.</p></div>\n%s"
            "</body>\n</html>\n" % (title, self.links, site.url, title, self.homepage_extra)
        )

    # -- after start --------------------------------------------------------------
    def program(self, prog):
        return os.path.join(self.cgi_dir, prog)

    def run(self, prog, *args, input=None, timeout=60):
        """The program's terminal face as the web server's user, with this
        site's configuration (--config, as the README says)."""
        return self.site.apache.run_as_site_user(
            [self.program(prog), "--config", self.conf] + list(args),
            input=input, timeout=timeout)

    def command(self, prog, *args):
        """The same, as a line to show a person."""
        who = "sudo -u %s " % harness.SITE_USER if harness.is_root() else ""
        return "%s%s --config %s %s" % (who, self.program(prog), self.conf, " ".join(args))


# -- the owner's sign-in (docs/web.md), as a browser does it ---------------------------

class SignInError(AssertionError):
    pass


def _expect(ok, what):
    if not ok:
        raise SignInError(what)


class Cookies:
    """Just enough of a cookie jar for one host."""

    def __init__(self):
        self.jar = {}

    def take(self, resp):
        for v in resp.header_all("Set-Cookie"):
            name, _, rest = v.partition("=")
            value = rest.split(";")[0]
            if "max-age=0" in v.lower().replace(" ", "") or value == "":
                self.jar.pop(name.strip(), None)
            else:
                self.jar[name.strip()] = value

    def header(self):
        return "; ".join("%s=%s" % kv for kv in self.jar.items())


class FormParser(html.parser.HTMLParser):
    """The <input>s of the form that has a field named `want`."""

    def __init__(self, want):
        super().__init__()
        self.want = want
        self.forms = []
        self.cur = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.cur = {"action": a.get("action"), "fields": {}, "submits": []}
            self.forms.append(self.cur)
        elif self.cur is None or not a.get("name"):
            return
        elif (tag == "button" and a.get("type", "submit") == "submit") or (
                tag == "input" and a.get("type") == "submit"):
            # Only the button pressed is sent: Enter presses the first.
            self.cur["submits"].append((a["name"], a.get("value") or ""))
        elif tag in ("input", "textarea", "select"):
            self.cur["fields"][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None

    def form(self):
        for f in self.forms:
            if self.want in f["fields"]:
                return f
        return None


def sign_in(site, me, passphrase):
    """docs/web.md: B/auth/login -> authorization endpoint -> passphrase ->
    B/auth/callback -> session; returns the B/auth/session JSON."""
    jar = Cookies()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = site.get(site.b("auth/login"))
    _expect(r.status == 200, "GET B/auth/login: %r" % (r,))
    r = site.request("POST", site.b("auth/login"), headers=form,
                     body=urllib.parse.urlencode({"me": me}))
    _expect(r.status == 302, "POST B/auth/login: %r" % (r,))
    jar.take(r)
    where = urllib.parse.urljoin(site.b_url("auth/login"), r.header("Location"))
    _expect(where.startswith(site.b_url("auth/authorize")), where)
    r = site.get(where, headers={"Cookie": jar.header()})
    _expect(r.status == 200, "GET authorize: %r" % (r,))
    p = FormParser("passphrase")
    p.feed(r.text)
    f = p.form()
    _expect(f is not None, "the authorization page has no passphrase field")
    fields = dict(f["fields"])
    fields.update(f["submits"][:1])
    fields["passphrase"] = passphrase
    action = urllib.parse.urljoin(where, f["action"] or where)
    r = site.request("POST", action, headers=dict(form, Cookie=jar.header()),
                     body=urllib.parse.urlencode(fields))
    _expect(r.status == 302, "POST authorize with the passphrase: %r" % (r,))
    jar.take(r)
    back = urllib.parse.urljoin(action, r.header("Location"))
    _expect(back.startswith(site.b_url("auth/callback")), back)
    r = site.get(back, headers={"Cookie": jar.header()})
    _expect(r.status == 303, "GET B/auth/callback: %r" % (r,))
    jar.take(r)
    r = site.get(site.b("auth/session"), headers={"Cookie": jar.header()})
    _expect(r.status == 200, "GET B/auth/session: %r" % (r,))
    return r.json()
