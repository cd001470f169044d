"""scripts/install, README's "Install on a real site", and scripts/demo, on a real Apache.

* ReadmeInstall: the README's install section followed step by step on a
  fresh vhost.  Every block marked `<!-- install-step: NAME -->` is run in
  order (one subTest each), with the site's URL for https://example.com/,
  a second harness site for https://bob.example/, and the default paths
  (/etc/indiechat, /var/lib/indiechat, make install's libexec dir) moved
  under a temporary directory; `sudo -u USER` runs as that user
  (runuser).  What cannot run here is checked instead: the package list
  is scripts/deps.sh's, the modules are ones the harness loads, the build
  is the one the tests run on (only its `make install` is repeated, with
  DESTDIR), the vhost's `Include` lines are put in the vhost verbatim, and
  "reload" is the harness starting apache2.  Then the installed site is
  checked from outside: metadata, the homepage's Link headers, that
  Authorization reaches every program, the sign-in of docs/web.md with the
  passphrase the README step set.
* Htaccess: `scripts/install --htaccess` on a document root with
  AllowOverride All and mod_rewrite: the same checks through .htaccess,
  the configuration beside the programs (no SetEnv) and never served.
* Suexec: `scripts/install --suexec --htaccess` for a site user under
  Debian's apache2-suexec-pristine (docroot /var/www): the same checks with
  the programs run by suEXEC as that user, which drops SetEnv.
* Every installed mode: a ticket's token endpoint found from its `iss`
  (B/) as the WordPress IndieAuth plugin finds it (Link header, then HTML),
  and from RFC 8414's well-known address, then a ticket redeemed there
  (tests/fixtures/wp_discovery.py; issue 12).
* Options: what scripts/install writes for --hub, --sign-in external and
  --base-url, and what it refuses.
* Demo: `scripts/demo --check`.
"""

import grp
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import chat
import harness
from installed import Installed, sign_in

sys.path.insert(0, os.path.join(harness.SRCDIR, "tests", "fixtures"))
import wp_discovery  # noqa: E402

README = os.path.join(harness.SRCDIR, "README.md")
INSTALL = os.path.join(harness.SRCDIR, "scripts", "install")
DEMO = os.path.join(harness.SRCDIR, "scripts", "demo")
STEP_RE = re.compile(r"<!-- install-step: ([\w-]+) -->\s*\n```(\w+)\n(.*?)\n```", re.S)
# The README's order; a step added there must be taught to this test.
STEPS = ("packages", "build", "install", "modules", "vhost", "reload", "check",
         "homepage", "passphrase", "invite", "send")
PASSPHRASE = "correct horse battery staple 42"
RELS = ("indieauth-metadata", "authorization_endpoint", "token_endpoint", "ticket_endpoint")
# sudo for the README's commands: root runs `sudo -u USER cmd` as USER; the
# harness without root runs the CGIs as itself, and so do we.
SUDO_SHIM = r'''
sudo() {
	local u=
	if [ "$1" = -u ]; then u=$2; shift 2; fi
	if [ -n "$u" ] && [ "$(id -u)" = 0 ]; then runuser -u "$u" -- "$@"; else "$@"; fi
}
set -e
'''


def readme_steps():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return [(m.group(1), m.group(2), m.group(3)) for m in STEP_RE.finditer(text)]


def host_key(url):
    u = urllib.parse.urlsplit(url)
    return "%s-%d" % (u.hostname, u.port) if u.port else u.hostname


def bash(script, input=None, timeout=120, cwd=None):
    return subprocess.run(["bash", "-c", SUDO_SHIM + script], input=input,
                          capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or harness.SRCDIR)


def out(p):
    return "exit %d\n-- stdout --\n%s\n-- stderr --\n%s" % (p.returncode, p.stdout, p.stderr)


def links_from_headers(resp):
    """rel -> href from every Link header (each may hold several links)."""
    found = {}
    for value in resp.header_all("Link"):
        for m in re.finditer(r'<([^>]*)>\s*;\s*rel="?([^";,]+)"?', value):
            for rel in m.group(2).split():
                found.setdefault(rel, m.group(1))
    return found


class InstalledChecks:
    """Checks of an installed site from outside; self.site, self.prefix;
    self.conf (the configuration the programs read) and self.cgi_user
    (who runs them) for minting tickets."""

    cgi_user = harness.SITE_USER

    def mint_ticket(self):
        tool = self.apache.tool("tests/tools/ticket_mint")
        if tool is None:
            self.skipTest("tests/tools/ticket_mint not built (run make check)")
        kw = {"user": self.cgi_user, "group": grp.getgrgid(
            pwd.getpwnam(self.cgi_user).pw_gid).gr_name, "extra_groups": []} \
            if harness.is_root() else {}
        p = subprocess.run([tool, self.conf, "http://bob.localhost:1/",
                            self.site.b_url("feed/aaaaaaaaaaaaaaaaaaaaaaaaaa"), "300"],
                           capture_output=True, text=True, timeout=60, cwd="/", **kw)
        self.assertEqual(p.returncode, 0, out(p))
        return p.stdout.strip()

    def test_wordpress_discovery_from_iss(self):
        """The WordPress plugin's way from a ticket's iss to its token
        endpoint, by the Link header and by the HTML alone, and RFC 8414's
        well-known address; each found endpoint redeems a ticket."""
        iss = self.site.b_url("") + "/"
        token = self.site.b_url("auth/token")
        ways = [("link", lambda: wp_discovery.discover_from_iss(iss)),
                ("html", lambda: wp_discovery.discover_from_iss(iss, use_link_headers=False)),
                ("well-known", lambda: wp_discovery.discover_well_known(iss))]
        for way, discover in ways:
            with self.subTest(way=way):
                found = discover()
                self.assertEqual(found["found_in"], way)
                self.assertEqual(found["token_endpoint"], token)
                self.assertEqual(found["metadata"]["issuer"], iss)
                status, doc = wp_discovery.redeem(found["token_endpoint"], self.mint_ticket())
                self.assertEqual(status, 200, doc)
                self.assertEqual(doc["token_type"].lower(), "bearer")
                self.assertTrue(doc["access_token"])
        self.assertEqual(wp_discovery.well_known_url(iss), self.site.b_url("").replace(
            "/indiechat", "/.well-known/oauth-authorization-server/indiechat"))
        # The plugin compares issuer and iss byte for byte: B without its
        # slash is another issuer, and the discovery says so.
        with self.assertRaisesRegex(wp_discovery.DiscoveryError, "issuer"):
            wp_discovery.discover_from_iss(iss.rstrip("/"))

    def test_configuration_is_never_served(self):
        """The programs' directory may hold the configuration (and its
        .bak), which holds the passphrase hash: never served."""
        for name in ("indiechat.conf", "indiechat.conf.bak", ".htaccess"):
            r = self.site.get(self.site.b(name))
            self.assertIn(r.status, (403, 404), (name, r))
        if os.path.dirname(self.conf) == self.cgi_dir:
            # It is there, under the document root: refused, not missing.
            self.assertEqual(self.site.get(self.site.b("indiechat.conf")).status, 403)

    def test_metadata_is_json(self):
        r = self.site.get(self.site.b("auth/metadata"))
        self.assertEqual(r.status, 200, r)
        self.assertIn("json", r.header("Content-Type", ""))
        doc = r.json()
        self.assertEqual(doc["issuer"], self.site.b_url("") + "/")
        self.assertEqual(doc["token_endpoint"], self.site.b_url("auth/token"))

    def test_issuer_and_well_known_lead_to_the_metadata_te_8_te_9(self):
        # B/ is the `iss` of our tickets: a redeemer starting there finds
        # the metadata in a Link header and in <head>.
        r = self.site.get(self.site.b("") + "/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(links_from_headers(r).get("indieauth-metadata"),
                         self.site.b_url("auth/metadata"))
        self.assertIn(b'<link rel="indieauth-metadata"', r.body)
        # RFC 8414 §3: the well-known address derived from the issuer.
        r = self.site.get("/.well-known/oauth-authorization-server" + self.site.b(""))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["issuer"], self.site.b_url("") + "/")

    def test_homepage_link_headers(self):
        for path in ("/", "/index.html"):
            r = self.site.get(path)
            self.assertEqual(r.status, 200, r)
            links = links_from_headers(r)
            want = {"indieauth-metadata": "auth/metadata", "authorization_endpoint":
                    "auth/authorize", "token_endpoint": "auth/token",
                    "ticket_endpoint": "ticket"}
            for rel, page in want.items():
                self.assertEqual(links.get(rel), self.site.b_url(page), (path, rel, links))
        # Only the homepage: not the programs' pages, not other files.
        self.assertEqual(links_from_headers(self.site.get(self.site.b("feed/ping"))), {})
        self.assertEqual(links_from_headers(self.site.get("/nothing-here")), {})

    def test_authorization_reaches_every_program(self):
        for prog in harness.PROGRAMS:
            with self.subTest(prog=prog):
                r = self.site.get(self.site.b(prog + "/ping"),
                                  headers={"Authorization": "Bearer x"})
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["program"], prog)
                self.assertEqual(r.json()["authorization"], "bearer", "CGIPassAuth (H-9)")
                r = self.site.get(self.site.b(prog + "/ping"))
                self.assertEqual(r.json()["authorization"], "none")

    def test_static_assets(self):
        r = self.site.get(self.site.b("public/indiechat.css"))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type", "").startswith("text/css"), r)
        r = self.site.get(self.site.b("public/"))
        self.assertIn(r.status, (403, 404), "no directory listing")

    def test_signin_page_links_its_stylesheet(self):
        r = self.site.get(self.site.b("auth/login"))
        self.assertEqual(r.status, 200, r)
        for href in re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', r.text):
            self.assertEqual(self.site.get(href).status, 200, href)

    def test_limit_request_body(self):
        r = self.site.request("POST", self.site.b("feed/ping"),
                              headers={"Content-Type": "application/x-www-form-urlencoded"},
                              body=b"a=" + b"x" * (2 * 1024 * 1024))
        self.assertEqual(r.status, 413, r)


class ReadmeInstall(InstalledChecks, unittest.TestCase):
    """README's install section, step by step, on a fresh vhost (carol)."""

    @classmethod
    def setUpClass(cls):
        cls.steps = readme_steps()
        cls.results = []  # (step, ok, detail) of the steps run before apache starts
        cls.builddir = harness.default_builddir()
        spec = harness.SiteSpec("carol", mount=False, vhost=[cls._before_start],
                                files={"htdocs/index.html": cls._homepage})
        bob = harness.SiteSpec("bob", files={"htdocs/index.html": chat.homepage})
        cls.apache = harness.Apache(sites=[spec, bob], programs=harness.PROGRAMS)
        cls.apache.start()
        cls.site = cls.apache["carol"]
        cls.bob = cls.apache["bob"]

    @classmethod
    def tearDownClass(cls):
        problems = cls.apache.log_problems()
        cls.apache.stop()
        if problems:
            raise AssertionError("crash or sanitizer report:\n" + "\n".join(problems[:20]))

    # -- substitution ---------------------------------------------------------------
    @classmethod
    def subst(cls, text):
        """One pass, longest match first (a replacement is not replaced again)."""
        table = dict(cls.mapping)
        pattern = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
        return re.sub(pattern, lambda m: table[m.group(0)], text)

    @classmethod
    def _before_start(cls, site, sites):
        """Run by the harness once ports are known: the steps up to "reload";
        returns the vhost's lines (the README's Include)."""
        cls.results = []
        cls.t = os.path.join(site.apache.root, "readme")
        os.makedirs(cls.t, mode=0o755)
        hk = host_key(site.url)
        t = cls.t
        cls.conf = "%s/etc/indiechat/%s.conf" % (t, hk)
        cls.links_file = "%s/etc/indiechat/%s.links.html" % (t, hk)
        cls.cgi_dir = None
        cls.mapping = [
            ("https://example.com/", site.url),
            ("https://bob.example/", sites["bob"].url),
            ("/etc/indiechat/example.com", "%s/etc/indiechat/%s" % (t, hk)),
            ("/etc/indiechat/", t + "/etc/indiechat/"),
            ("/var/lib/indiechat/example.com", "%s/var/lib/indiechat/%s" % (t, hk)),
        ]
        vhost = []
        for name, lang, text in cls.steps:
            if name == "reload":
                break
            try:
                detail = getattr(cls, "_step_" + name)(lang, text, site, vhost)
                cls.results.append((name, True, detail or ""))
            except Exception as e:  # reported by test_readme_steps
                cls.results.append((name, False, "%s: %s" % (type(e).__name__, e)))
        return "\n".join(vhost)

    @classmethod
    def _homepage(cls, site, sites):
        links = ""
        for name, lang, text in cls.steps:
            if name == "homepage":
                links = cls.subst(text) + "\n"
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<title>Carol</title>\n%s</head>\n<body>\n<div class=\"h-card\"><a "
                "class=\"u-url p-name\" href=\"%s\">Carol</a></div>\n</body>\n</html>\n"
                % (links, site.url))

    # -- the steps before apache starts ------------------------------------------------
    @classmethod
    def _step_packages(cls, lang, text, site, vhost):
        words = text.split()
        assert words[:3] == ["sudo", "apt-get", "install"], text
        p = subprocess.run(["bash", "-c", '. scripts/deps.sh; echo "${IC_DEPS_BUILD[@]}"'],
                           capture_output=True, text=True, cwd=harness.SRCDIR)
        want = set(p.stdout.split())
        assert want and set(words[3:]) == want, \
            "README's packages %s are not scripts/deps.sh's %s" % (words[3:], sorted(want))
        return "the list is scripts/deps.sh's build list (installed: this build ran)"

    @classmethod
    def _step_build(cls, lang, text, site, vhost):
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        assert lines == ["autoreconf -fi", "mkdir -p build/release",
                         "(cd build/release && ../../configure && make)",
                         "sudo make -C build/release install"], lines
        # The build tree the tests run on stands for build/release.
        dest = os.path.join(cls.t, "dest")
        p = subprocess.run(["make", "-s", "-C", cls.builddir, "install", "DESTDIR=" + dest],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, out(p)
        found = [d for d, _, files in os.walk(dest) if "feed" in files and "auth" in files]
        assert len(found) == 1, found
        cls.cgi_dir = found[0]
        # What `make install` installs with configure's default prefix.
        assert found[0] == dest + "/usr/local/libexec/indiechat" or \
            "prefix = /usr/local" not in open(os.path.join(cls.builddir, "Makefile")).read(), \
            found[0]
        cls.mapping.append(("/usr/local/libexec/indiechat", cls.cgi_dir))
        cls.public_dir = os.path.join(os.path.dirname(os.path.dirname(cls.cgi_dir)),
                                      "share", "indiechat", "public")
        assert os.path.isfile(os.path.join(cls.public_dir, "indiechat.css")), cls.public_dir
        cls.mapping.append(("/usr/local/share/indiechat/public", cls.public_dir))
        d = cls.cgi_dir
        while d != "/":
            os.chmod(d, os.stat(d).st_mode | 0o755)
            d = os.path.dirname(d)
        return "built by the test run; make install DESTDIR=%s" % dest

    @classmethod
    def _step_install(cls, lang, text, site, vhost):
        lines = [x for x in text.splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith("sudo scripts/install "), lines
        hk = host_key(site.url)
        # The defaults, moved under the temp dir; --dev: http and a port.
        extra = (" --dev --conf {t}/etc/indiechat/{hk}.conf"
                 " --data-dir {t}/var/lib/indiechat/{hk} --cgi-dir {cgi} --public-dir {pub}"
                 " --apache-out {t}/etc/indiechat/{hk}.apache.conf"
                 " --links-out {t}/etc/indiechat/{hk}.links.html").format(
                     t=cls.t, hk=hk, cgi=cls.cgi_dir, pub=cls.public_dir)
        p = bash(cls.subst(lines[0]) + extra)
        assert p.returncode == 0, out(p)
        cls.install_output = p.stdout
        return p.stdout

    @classmethod
    def _step_modules(cls, lang, text, site, vhost):
        words = text.split()
        assert words[:2] == ["sudo", "a2enmod"], text
        loaded = set(harness._BASE_MODULES) | {"cgid"} | set(site.apache.modules)
        missing = set(words[2:]) - loaded
        assert not missing, "the harness does not load %s" % missing
        return "the harness loads %s" % " ".join(words[2:])

    @classmethod
    def _step_vhost(cls, lang, text, site, vhost):
        inc = [cls.subst(x.strip()) for x in text.splitlines()
               if x.strip().startswith("Include ")]
        assert inc, "no Include line in the vhost block"
        for line in inc:
            path = line.split(None, 1)[1]
            assert os.path.exists(path), "%s: not written by scripts/install" % path
        vhost.extend(inc)
        return "\n".join(inc)

    # -- the steps after ------------------------------------------------------------------
    def _step_reload(self, lang, text):
        self.assertEqual(text.strip(), "sudo apachectl configtest && sudo systemctl reload apache2")
        # The harness started apache2 with the Include: it is up.
        r = self.site.get("/")
        self.assertEqual(r.status, 200, r)

    def _step_check(self, lang, text):
        p = bash(self.subst(text))
        self.assertEqual(p.returncode, 0, out(p))
        self.assertEqual(json.loads(p.stdout)["authorization"], "bearer", p.stdout)

    def _step_homepage(self, lang, text):
        with open(self.links_file) as f:
            self.assertEqual(self.subst(text).strip(), f.read().strip(),
                             "README's <link> lines are not what scripts/install writes")
        r = self.site.get("/")
        for rel in RELS:
            self.assertIn('<link rel="%s"' % rel, r.text)

    def _step_passphrase(self, lang, text):
        p = bash(self.subst(text), input=PASSPHRASE + "\n")
        self.assertEqual(p.returncode, 0, out(p))
        type(self).passphrase_set = True

    def _step_invite(self, lang, text):
        p = bash(self.subst(text))
        self.assertEqual(p.returncode, 0, out(p))
        self.settle(lambda: chat.state_with(self.bob, self.site) == "request")
        # Bob accepts (his side, not in the README).
        chat.run_ok(self.bob, "ticket", "--accept", self.site.url)
        self.settle(lambda: self.carol_state() == "active")

    def _step_send(self, lang, text):
        p = bash(self.subst(text))
        self.assertEqual(p.returncode, 0, out(p))
        self.settle(lambda: [m["text"] for m in chat.conversation(self.bob, self.site)
                             ["messages"]] == ["Hello Bob"])

    def carol_run(self, *args):
        return self.apache.run_as_site_user(
            [os.path.join(self.cgi_dir, args[0]), "--config", self.conf] + list(args[1:]))

    def carol_state(self):
        r = self.carol_run("feed", "--inbox", "--json")
        for c in json.loads(r.stdout or b"[]"):
            if c["peer"] == self.bob.url:
                return c["state"]
        return None

    def settle(self, cond, timeout=20):
        """Wait for cond(), running both sites' due maintenance meanwhile."""
        deadline = time.time() + timeout
        while not cond():
            self.assertLess(time.time(), deadline, "condition not reached")
            time.sleep(0.3)
            self.carol_run("listener", "--maintain")
            self.bob.run("listener", "--maintain")

    # -- the tests --------------------------------------------------------------------
    passphrase_set = False

    def test_0_readme_steps(self):
        """Each marked README step, in order (named so it runs first)."""
        self.assertEqual(tuple(n for n, _, _ in self.steps), STEPS,
                         "README's install-step blocks changed: teach test_install.py")
        done = {n for n, _, _ in self.results}
        for name, ok, detail in self.results:
            with self.subTest(step=name):
                self.assertTrue(ok, detail)
        for name, lang, text in self.steps:
            if name in done:
                continue
            with self.subTest(step=name):
                getattr(self, "_step_" + name)(lang, text)

    def test_sign_in_with_the_passphrase(self):
        """docs/web.md sign-in with the passphrase README's step set."""
        if not self.passphrase_set:
            self.fail("README's passphrase step did not set one (auth --set-passphrase)")
        doc = sign_in(self.site, self.site.url, PASSPHRASE)
        self.assertEqual(doc["me"], self.site.url)
        self.assertTrue(doc["csrf"])

    def test_snippet_as_documented(self):
        with open(self.conf.replace(".conf", ".apache.conf")) as f:
            text = f.read()
        for prog in harness.PROGRAMS:
            self.assertIn('ScriptAlias /indiechat/%s "%s/%s"' % (prog, self.cgi_dir, prog), text)
        for line in ("CGIPassAuth On", "Require all granted", "LimitRequestBody 1048576",
                     'SetEnv INDIECHAT_CONFIG "%s"' % self.conf, "<Directory \"%s\">" % self.cgi_dir):
            self.assertIn(line, text)
        with open(self.conf) as f:
            conf = f.read()
        self.assertNotIn("passphrase", re.sub(r"(?m)^#.*\n", "", conf))
        st = os.stat(re.search(r"(?m)^data_dir = (.*)$", conf).group(1))
        self.assertEqual(st.st_mode & 0o777, 0o700)
        if harness.is_root():
            self.assertEqual(st.st_uid, pwd.getpwnam(harness.SITE_USER).pw_uid)


class Htaccess(InstalledChecks, unittest.TestCase):
    """scripts/install --htaccess: programs as <name>.cgi in the document
    root, .htaccess files, AllowOverride All, mod_rewrite; no ScriptAlias;
    the configuration beside the programs, so no SetEnv."""

    @classmethod
    def setUpClass(cls):
        cls.builddir = harness.default_builddir()
        spec = harness.SiteSpec("dave", mount=False, vhost=[cls._install])
        cls.apache = harness.Apache(sites=[spec], programs=(), modules=("rewrite",))
        cls.apache.start()
        cls.site = cls.apache["dave"]

    @classmethod
    def tearDownClass(cls):
        problems = cls.apache.log_problems()
        cls.apache.stop()
        if problems:
            raise AssertionError("crash or sanitizer report:\n" + "\n".join(problems[:20]))

    @classmethod
    def run_install(cls, site, docroot, t, *extra):
        homepart = os.path.join(t, "homepage.htaccess")
        p = subprocess.run(
            [sys.executable, INSTALL, "--htaccess", "--me", site.url, "--dev",
             "--docroot", docroot, "--data-dir", os.path.join(t, "data"),
             "--from", os.path.join(cls.builddir, "cgi-bin"), "--apache-out", homepart]
            + list(extra), capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise harness.HarnessError("scripts/install failed:\n" + out(p))
        cls.install_output = p.stdout
        # What the printed step says: the lines go at the top of the
        # document root's .htaccess.
        top = os.path.join(docroot, ".htaccess")
        step = re.search(r"touch .*", p.stdout)
        if step is None:
            raise harness.HarnessError("no .htaccess step printed:\n" + p.stdout)
        q = subprocess.run(["bash", "-c", step.group(0)], capture_output=True, text=True)
        if q.returncode != 0 or not os.path.exists(top):
            raise harness.HarnessError("the printed step failed: " + out(q))
        cls.cgi_dir = os.path.join(docroot, "indiechat")
        cls.conf = os.path.join(cls.cgi_dir, "indiechat.conf")

    @classmethod
    def _install(cls, site, sites):
        t = os.path.join(site.apache.root, "htaccess")
        os.makedirs(t, mode=0o755)
        docroot = site.docroot
        os.makedirs(docroot, exist_ok=True)
        # A WordPress-like document root: its catch-all rewrite is already
        # there, below which the well-known rule would never be reached
        # (to a missing page, not the homepage: the homepage's Link
        # headers must stay on the homepage).
        with open(os.path.join(docroot, ".htaccess"), "w") as f:
            f.write("RewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\n"
                    "RewriteCond %{REQUEST_FILENAME} !-d\nRewriteRule . /wordpress.html [L]\n")
        cls.run_install(site, docroot, t)
        # A shared host: .htaccess allowed, nothing of IndieChat in the vhost.
        return "\n".join([
            '<Directory "%s">' % docroot,
            "    Options FollowSymLinks",
            "    AllowOverride All",
            "</Directory>",
        ])

    def test_programs_are_cgi_files(self):
        for prog in harness.PROGRAMS:
            self.assertTrue(os.access(os.path.join(self.cgi_dir, prog + ".cgi"), os.X_OK))
        r = self.site.get("/indiechat/.htaccess")
        self.assertEqual(r.status, 403, r)

    def test_path_info_routes(self):
        r = self.site.get(self.site.b("auth"))
        self.assertEqual(r.status, 404, r)
        r = self.site.get(self.site.b("feed/hub"))
        self.assertNotEqual(r.status, 500, r)

    def test_configuration_beside_the_programs_without_setenv(self):
        with open(os.path.join(self.cgi_dir, ".htaccess")) as f:
            self.assertNotIn("SetEnv", f.read())
        st = os.stat(self.conf)
        if harness.is_root():
            # Apache's user reads it through the group; nobody else.
            self.assertEqual(st.st_mode & 0o777, 0o640)
            self.assertEqual(st.st_gid, grp.getgrnam(harness.SITE_GROUP).gr_gid)
        else:
            self.assertEqual(st.st_mode & 0o777, 0o600)
        # The printed steps set the passphrase without --config.
        self.assertRegex(self.install_output, r"auth\.cgi --set-passphrase")


SUEXEC_USER = "icsuexec"
SUEXEC_BIN = "/usr/lib/apache2/suexec"
# apache2-suexec-pristine's compiled-in AP_DOC_ROOT (`suexec -V`).
SUEXEC_DOCROOT = "/var/www"
SUEXEC_LOG = "/var/log/apache2/suexec.log"


def suexec_missing():
    """Why real suEXEC cannot run here, or None."""
    if not harness.is_root():
        return "suEXEC needs Apache started as root"
    try:
        st = os.stat(SUEXEC_BIN)
    except OSError:
        return "%s missing (apt-get install apache2-suexec-pristine)" % SUEXEC_BIN
    if not st.st_mode & 0o4000 or st.st_uid != 0:
        return "%s is not setuid root" % SUEXEC_BIN
    if not os.path.exists(os.path.join(harness.MODULE_DIR, "mod_suexec.so")):
        return "mod_suexec.so missing"
    v = subprocess.run([SUEXEC_BIN, "-V"], capture_output=True, text=True)
    if 'AP_DOC_ROOT="%s"' % SUEXEC_DOCROOT not in v.stdout + v.stderr:
        return "suEXEC's document root is not %s: %s" % (SUEXEC_DOCROOT, v.stdout + v.stderr)
    return None


def suexec_user():
    """The site's own user (uid and gid >= suEXEC's AP_UID_MIN/GID_MIN, 100)."""
    try:
        pw = pwd.getpwnam(SUEXEC_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", "--key", "SYS_UID_MIN=200",
                        "--key", "SYS_GID_MIN=200", SUEXEC_USER], check=True,
                       capture_output=True)
        pw = pwd.getpwnam(SUEXEC_USER)
    if pw.pw_uid < 100 or pw.pw_gid < 100:
        raise harness.HarnessError("%s has uid %d gid %d: suEXEC wants >= 100" % (
            SUEXEC_USER, pw.pw_uid, pw.pw_gid))
    return pw


@unittest.skipIf(suexec_missing(), suexec_missing())
class Suexec(InstalledChecks, unittest.TestCase):
    """Shared hosting under suEXEC: `scripts/install --suexec --htaccess`
    for the site user, into a document root under suEXEC's /var/www, with
    SuexecUserGroup in the vhost.  suEXEC drops SetEnv, so the programs
    must find the configuration beside themselves."""

    cgi_user = SUEXEC_USER

    @classmethod
    def setUpClass(cls):
        cls.builddir = harness.default_builddir()
        cls.pw = suexec_user()
        cls.docroot = tempfile.mkdtemp(prefix="ic-suexec-", dir=SUEXEC_DOCROOT)
        os.chmod(cls.docroot, 0o755)
        try:
            cls.log_start = os.path.getsize(SUEXEC_LOG)
        except OSError:
            cls.log_start = 0
        spec = harness.SiteSpec("erin", mount=False, vhost=[cls._install])
        cls.apache = harness.Apache(sites=[spec], programs=(), modules=("rewrite", "suexec"))
        try:
            cls.apache.start()
        except BaseException:
            shutil.rmtree(cls.docroot, ignore_errors=True)
            raise
        cls.site = cls.apache["erin"]

    @classmethod
    def tearDownClass(cls):
        problems = cls.apache.log_problems()
        cls.apache.stop()
        shutil.rmtree(cls.docroot, ignore_errors=True)
        if problems:
            raise AssertionError("crash or sanitizer report:\n" + "\n".join(problems[:20]))

    @classmethod
    def _install(cls, site, sites):
        t = os.path.join(site.apache.root, "suexec")
        os.makedirs(t, mode=0o755)
        with open(os.path.join(cls.docroot, "index.html"), "w") as f:
            f.write(site.default_homepage())
        os.chmod(os.path.join(cls.docroot, "index.html"), 0o644)
        Htaccess.run_install.__func__(cls, site, cls.docroot, t,
                                      "--suexec", "--user", SUEXEC_USER)
        return "\n".join([
            # The harness's DocumentRoot is outside suEXEC's; this one wins.
            'DocumentRoot "%s"' % cls.docroot,
            "SuexecUserGroup %s %s" % (SUEXEC_USER, grp.getgrgid(cls.pw.pw_gid).gr_name),
            '<Directory "%s">' % cls.docroot,
            "    Options FollowSymLinks",
            "    AllowOverride All",
            "    Require all granted",
            "</Directory>",
        ])

    def test_programs_belong_to_the_site_user(self):
        for path in [self.cgi_dir, self.conf] + [
                os.path.join(self.cgi_dir, p + ".cgi") for p in harness.PROGRAMS]:
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_gid), (self.pw.pw_uid, self.pw.pw_gid), path)
            self.assertEqual(st.st_mode & 0o022, 0, "%s writable by group or others" % path)
        self.assertEqual(os.stat(self.conf).st_mode & 0o777, 0o600)
        with open(os.path.join(self.cgi_dir, ".htaccess")) as f:
            self.assertNotIn("SetEnv", f.read())

    def test_suexec_ran_the_programs_as_the_site_user(self):
        self.assertIn("suEXEC mechanism enabled", self.apache.error_log_text())
        r = self.site.get(self.site.b("auth/ping"))
        self.assertEqual(r.status, 200, r)
        with open(SUEXEC_LOG, errors="replace") as f:
            f.seek(self.log_start)
            log = f.read()
        self.assertRegex(log, r"uid: \(\d+/%s\) gid: \(\d+/\w+\) cmd: auth\.cgi" % SUEXEC_USER)
        self.assertNotIn("error", log.lower())
        # What the database holds was written by the site user.
        data = os.path.join(self.apache.root, "suexec", "data")
        for name in os.listdir(data):
            self.assertEqual(os.stat(os.path.join(data, name)).st_uid, self.pw.pw_uid, name)


class FastcgiInstall(InstalledChecks, unittest.TestCase):
    """scripts/install --fastcgi: the same snippet with the programs'
    directory handed to mod_fcgid; the checks every install passes, the
    responders long-lived (one pid for several requests), Authorization
    and the configuration (SetEnv) reaching them as under CGI."""

    @classmethod
    def setUpClass(cls):
        cls.inst = Installed("erin", harness.default_builddir(), args=["--fastcgi"])
        cls.apache = harness.Apache(sites=[cls.inst.spec], programs=(), fastcgi="fcgid")
        cls.apache.start()
        cls.site = cls.apache["erin"]
        cls.conf = cls.inst.conf
        cls.cgi_dir = cls.inst.cgi_dir

    @classmethod
    def tearDownClass(cls):
        problems = cls.apache.log_problems()
        cls.apache.stop()
        if problems:
            raise AssertionError("crash or sanitizer report:\n" + "\n".join(problems[:20]))

    def test_snippet_hands_the_programs_to_mod_fcgid(self):
        text = self.inst.snippet
        for line in ("SetHandler fcgid-script", "CGIPassAuth On", "FcgidMaxRequestsPerProcess",
                     "FcgidMaxProcessesPerClass", 'SetEnv INDIECHAT_CONFIG "%s"' % self.conf):
            self.assertIn(line, text)
        self.assertIn("a2enmod fcgid", self.inst.output)

    def test_one_responder_serves_many_requests(self):
        pids = {json.loads(self.site.get(self.site.b("auth/ping")).body)["pid"]
                for _ in range(5)}
        self.assertLessEqual(len(pids), 2, pids)


class Options(unittest.TestCase):
    """What scripts/install writes for some options, without Apache."""

    def setUp(self):
        self.t = tempfile.mkdtemp(prefix="ic-install-")
        os.chmod(self.t, 0o755)

    def tearDown(self):
        shutil.rmtree(self.t, ignore_errors=True)

    def install(self, *args):
        argv = [sys.executable, INSTALL, "--data-dir", self.t + "/data", "--conf",
                self.t + "/etc/x.conf", "--cgi-dir", self.t + "/cgi",
                "--from", os.path.join(harness.default_builddir(), "cgi-bin")] + list(args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def read(self, name):
        with open(os.path.join(self.t, "etc", name)) as f:
            return f.read()

    def test_external_hub_and_sign_in(self):
        p = self.install("--me", "https://example.com/", "--hub", "https://switchboard.p3k.io/",
                         "--sign-in", "external")
        self.assertEqual(p.returncode, 0, out(p))
        conf = self.read("x.conf")
        self.assertIn("\nhub = https://switchboard.p3k.io/\n", conf)
        self.assertIn("\nsign_in = external\n", conf)
        self.assertIn("\ndev_mode = false\n", conf)
        links = self.read("example.com.links.html")
        self.assertEqual(links.strip(), '<link rel="ticket_endpoint" '
                         'href="https://example.com/indiechat/ticket">')
        snippet = self.read("example.com.apache.conf")
        self.assertNotIn("authorization_endpoint", snippet)
        self.assertNotIn("--set-passphrase", p.stdout)

    def test_base_url_elsewhere(self):
        p = self.install("--me", "https://example.com/~al/", "--base-url",
                         "https://example.com/chat/")
        self.assertEqual(p.returncode, 0, out(p))
        self.assertIn("\nbase_url = https://example.com/chat\n", self.read("x.conf"))
        snippet = self.read("example.com.apache.conf")
        self.assertIn("ScriptAlias /chat/feed ", snippet)
        self.assertIn('<LocationMatch "^/~al/(index', snippet)

    def test_refusals(self):
        cases = [
            (["--me", "http://example.com/"], "https"),
            (["--me", "https://example.com:8443/"], "port"),
            (["--me", "https://example.com/", "--docroot", self.t], "document root"),
        ]
        for args, why in cases:
            with self.subTest(args=args):
                p = self.install(*args)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn(why, p.stderr)

    def test_rerun_and_force(self):
        p = self.install("--me", "https://example.com/")
        self.assertEqual(p.returncode, 0, out(p))
        p = self.install("--me", "https://example.com/")
        self.assertEqual(p.returncode, 0, out(p))
        self.assertIn("unchanged", p.stdout)
        with open(self.t + "/etc/x.conf", "a") as f:
            f.write("passphrase_hash = $y$j9T$abc$def\n")
        p = self.install("--me", "https://example.com/", "--hub", "https://hub.example/")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--force", p.stderr)
        p = self.install("--me", "https://example.com/", "--hub", "https://hub.example/",
                         "--force")
        self.assertEqual(p.returncode, 0, out(p))
        conf = self.read("x.conf")
        self.assertIn("hub = https://hub.example/", conf)
        self.assertIn("passphrase_hash = $y$j9T$abc$def", conf)
        self.assertTrue(os.path.exists(self.t + "/etc/x.conf.bak"))


class SuexecOptions(unittest.TestCase):
    """What --suexec and --htaccess write and refuse, without Apache."""

    # Options' helpers, not its tests.
    setUp, tearDown = Options.setUp, Options.tearDown
    install, read = Options.install, Options.read

    def site_user(self):
        return suexec_user().pw_name if harness.is_root() else pwd.getpwuid(os.getuid()).pw_name

    def test_suexec_vhost_snippet(self):
        user = self.site_user()
        p = self.install("--me", "https://example.com/", "--suexec", "--user", user,
                         "--conf", self.t + "/cgi/indiechat.conf",
                         "--apache-out", self.t + "/etc/example.com.apache.conf",
                         "--links-out", self.t + "/etc/example.com.links.html")
        self.assertEqual(p.returncode, 0, out(p))
        snippet = self.read("example.com.apache.conf")
        group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
        self.assertIn("\nSuexecUserGroup %s %s\n" % (user, group), snippet)
        self.assertNotRegex(snippet, r"(?m)^\s*SetEnv")
        self.assertRegex(snippet, r'<FilesMatch "\^\(\\\.ht\|indiechat\\\.conf\)">\s*'
                         r'Require all denied')
        self.assertEqual(os.stat(self.t + "/cgi/indiechat.conf").st_mode & 0o777, 0o600)
        self.assertIn("a2enmod suexec", p.stdout)
        # The terminal finds it beside the programs too: no --config.
        self.assertRegex(p.stdout, r"cgi/auth --set-passphrase")

    def test_suexec_refusals(self):
        cases = [
            # A configuration elsewhere would need SetEnv, which suEXEC drops.
            (["--suexec", "--user", self.site_user()], "SetEnv"),
        ]
        if harness.is_root():
            cases += [(["--suexec", "--conf", self.t + "/cgi/indiechat.conf"], "--user"),
                      (["--suexec", "--user", "root", "--conf", self.t + "/cgi/indiechat.conf"],
                       "never runs a program as root")]
        for args, why in cases:
            with self.subTest(args=args):
                p = self.install("--me", "https://example.com/", *args)
                self.assertNotEqual(p.returncode, 0, out(p))
                self.assertIn(why, p.stderr)

    def test_htaccess_with_conf_elsewhere_keeps_setenv(self):
        docroot = os.path.join(self.t, "www")
        p = subprocess.run(
            [sys.executable, INSTALL, "--htaccess", "--me", "https://example.com/",
             "--docroot", docroot, "--data-dir", self.t + "/data", "--conf",
             self.t + "/etc/x.conf", "--from", os.path.join(harness.default_builddir(),
                                                            "cgi-bin")],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, out(p))
        with open(os.path.join(docroot, "indiechat", ".htaccess")) as f:
            text = f.read()
        self.assertIn('SetEnv INDIECHAT_CONFIG "%s/etc/x.conf"' % self.t, text)
        self.assertIn("RewriteRule ^$ auth.cgi/issuer [END]", text)
        self.assertIn("install without --conf", p.stdout)


class WpDiscoveryFixture(unittest.TestCase):
    """tests/fixtures/wp_discovery.py's own parsing, without a server."""

    def resp(self, links=(), body="", ctype="text/html"):
        headers = [("Content-Type", ctype)] + [("Link", x) for x in links]
        return wp_discovery.Response("https://h.example/ic/", 200, headers,
                                     body.encode("utf-8"))

    def test_link_headers_several_and_comma_joined(self):
        r = self.resp(['<https://a.example/t>; rel="token_endpoint", '
                       '</ic/auth/metadata>; rel="other indieauth-metadata"',
                       '<https://x.example/m>; rel=indieauth-metadata'])
        self.assertEqual(wp_discovery.find_metadata_url(r),
                         ("https://h.example/ic/auth/metadata", "link"))
        r = self.resp(['<https://a.example/t>; rel="token_endpoint"',
                       '<https://x.example/m>; rel="INDIEAUTH-METADATA"'])
        self.assertEqual(wp_discovery.find_metadata_url(r), ("https://x.example/m", "link"))

    def test_html_link_or_a_in_document_order(self):
        body = ('<html><head><link rel="stylesheet" href="/s.css"></head><body>'
                '<a rel="me indieauth-metadata" href="auth/metadata">m</a>'
                '<link rel="indieauth-metadata" href="/later"></body></html>')
        r = self.resp(['<https://a.example/t>; rel="token_endpoint"'], body)
        self.assertEqual(wp_discovery.find_metadata_url(r),
                         ("https://h.example/ic/auth/metadata", "html"))
        # A header wins over the HTML; with headers ignored the HTML stands.
        r = self.resp(['<https://x.example/m>; rel="indieauth-metadata"'], body)
        self.assertEqual(wp_discovery.find_metadata_url(r)[1], "link")
        self.assertEqual(wp_discovery.find_metadata_url(r, use_link_headers=False)[1], "html")
        self.assertIsNone(wp_discovery.find_metadata_url(self.resp(body="<p>none</p>")))
        self.assertIsNone(wp_discovery.find_metadata_url(self.resp(body=body, ctype="text/plain")))

    def test_well_known_url_rfc_8414_3_1(self):
        w = wp_discovery.well_known_url
        self.assertEqual(w("https://h.example/ic/"),
                         "https://h.example/.well-known/oauth-authorization-server/ic")
        self.assertEqual(w("https://h.example/a/b"),
                         "https://h.example/.well-known/oauth-authorization-server/a/b")
        self.assertEqual(w("https://h.example/"),
                         "https://h.example/.well-known/oauth-authorization-server")
        self.assertEqual(w("http://h.localhost:8080/ic/"),
                         "http://h.localhost:8080/.well-known/oauth-authorization-server/ic")


class Demo(unittest.TestCase):
    def test_demo_check(self):
        """scripts/demo --check: two sites up, sign-in pages, an invitation."""
        env = dict(os.environ)
        env.pop("DEMO_BUILDDIR", None)
        p = subprocess.run([DEMO, "--check"], capture_output=True, text=True, timeout=600,
                           env=env, cwd=harness.SRCDIR)
        self.assertEqual(p.returncode, 0, out(p))
        self.assertRegex(p.stdout, r"demo check: \d+ passed, 0 failed")
        # Nothing left running, nothing left behind.
        root = re.search(r"(?m)^demo: apache root (\S+)$", p.stdout)
        self.assertIsNotNone(root, p.stdout)
        left = subprocess.run(["pgrep", "-f", root.group(1)], capture_output=True, text=True)
        self.assertEqual(left.stdout, "", "processes left running")
        self.assertFalse(os.path.exists(root.group(1)))


if __name__ == "__main__":
    unittest.main()
