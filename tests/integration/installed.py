"""Sites set up by scripts/install, for the harness (python3 stdlib only).

`Installed(name)` gives a harness SiteSpec whose vhost holds nothing of
IndieChat but `Include <snippet>`: once the harness knows the site's port it
runs scripts/install for the site's URL (--dev, everything under the
harness's temporary root), and the generated snippet is used verbatim.  The
homepage is a static page with the <link> lines scripts/install wrote and an
h-card.  scripts/demo and tests/integration/test_install.py use it.
"""

import os
import subprocess
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
