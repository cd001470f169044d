"""Real-Apache integration harness for IndieChat (python3 standard library only).

`Apache` starts Debian's own apache2 binary as a private daemon: its own
ServerRoot, PidFile, ErrorLog, Mutex, DefaultRuntimeDir and ScriptSock in a
temporary directory, listening on 127.0.0.1 only, on ports picked free at start
(bind port 0, close).  It never reads /etc/apache2/apache2.conf and never talks
to the system apache service.  mpm_event + mod_cgid is the default (Debian's
pairing); `mpm="prefork"` gives mpm_prefork + mod_cgi.

Each `Site` is its own `<VirtualHost 127.0.0.1:PORT>` with
`ServerName <name>.localhost`, so its URL is `http://<name>.localhost:PORT/`
(libcurl resolves *.localhost to loopback; `Site.request` connects to
127.0.0.1:PORT and sends that Host header).  A site has a DocumentRoot with an
index.html homepage, its own indiechat.conf (`SetEnv INDIECHAT_CONFIG`), a
data_dir writable by the CGI user, and the five programs mounted under
`/indiechat/<prog>` with ScriptAlias, `CGIPassAuth On` (H-9) and
`LimitRequestBody 1048576` (Apache refuses above 1 MiB, so the programs' own
256 KiB cap is what answers 413 below that).

FastCGI (issue 13): `Apache(fastcgi="fcgid")` mounts the same programs under
mod_fcgid (`SetHandler fcgid-script` on the programs' directory: Apache starts
and retires the responders, CGIPassAuth still passes Authorization);
`fastcgi="proxy"` under mod_proxy_fcgi, with the harness as the process
manager (`Responders`: one listening unix socket per program, `fcgi_processes`
processes on it, restarted when they exit, as systemd socket activation
would).  The default comes from the environment: IC_FASTCGI=1 (or fcgid,
proxy) runs a whole test module in that mode; unset or 0 is plain CGI.

Lifetime: use `with Apache(...) as apache:` (or start()/stop()).  stop() runs
`apache2 -k stop`, waits until the pid is gone, and kills the process group
with SIGKILL as a last resort; an atexit hook and a SIGTERM/SIGHUP/SIGINT handler
(KeyboardInterrupt, held back while apache starts or stops) stop any instance
still running, so no apache is ever leaked.  Detached processes that
carry one of our sites' INDIECHAT_CONFIG in their environment (a lazy
`listener --maintain`, say) are waited for briefly and then ended by pid.

When run as root, Apache runs CGIs as www-data:www-data and the site
directories are chowned to it; `Apache.run_as_site_user()` runs a program's
terminal face as that same user so files it creates in data_dir keep the
right owner.  `Site.run(prog, *args)` does that with the site's
INDIECHAT_CONFIG; `Site.run_cgi(prog, method, path_info, ...)` runs a program
as a CGI without Apache, to see its raw output.

Every program Apache or the harness starts gets ASAN_OPTIONS/UBSAN_OPTIONS
with log_path into <tmp>/logs/san, so sanitizer reports from detached workers
are kept; `Apache.log_problems()` returns those plus error-log lines showing a
crash, and `error_log_tail()` serves failure reports (run.py prints it under
every failing test).

Environment: IC_TOP_BUILDDIR (where cgi-bin/<prog> live; default: the
current directory when it holds cgi-bin/feed, else the source tree),
IC_TOP_SRCDIR (default: the repo holding this file),
IC_APACHE2 (default /usr/sbin/apache2), IC_APACHE_MODULES (default
/usr/lib/apache2/modules), IC_KEEP_TMP=1 keeps the temporary directory.
"""

import atexit
import grp
import http.client
import json
import os
import re
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PROGRAMS = ("auth", "ticket", "listener", "send", "feed")
BASE_PATH = "/indiechat"
# Apache's own cap: above the programs' 256 KiB cap, so they answer 413 first
# for bodies between the two (DESIGN.md "Work after the response").
LIMIT_REQUEST_BODY = 1048576
# B/send's cap, for the compose box's photos and files: the programs' own
# (attach_max_message_bytes' default, 25 MiB, plus the form) answers first,
# and the route reads it only for the owner (lib/cgi/route.c gate_upload).
UPLOAD_REQUEST_BODY = 25 * 1048576 + 1048576
# Error-log lines that no passing run may contain: sanitizer reports, a CGI
# that died before its headers, apache children killed by signals.
PROBLEM_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "End of script output before headers",
    "exit signal Segmentation fault",
    "exit signal Aborted",
)
SITE_USER = "www-data"
SITE_GROUP = "www-data"
DEFAULT_SITES = ("alice", "bob")

SRCDIR = os.path.abspath(
    os.environ.get("IC_TOP_SRCDIR")
    or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
)
APACHE2 = os.environ.get("IC_APACHE2", "/usr/sbin/apache2")
MODULE_DIR = os.environ.get("IC_APACHE_MODULES", "/usr/lib/apache2/modules")

_MPMS = {
    # name: (mpm module, cgi module, tuning lines)
    "event": (
        "mpm_event",
        "cgid",
        [
            "StartServers 1",
            "ServerLimit 4",
            "ThreadsPerChild 25",
            "MinSpareThreads 5",
            "MaxSpareThreads 50",
            "MaxRequestWorkers 100",
        ],
    ),
    "prefork": (
        "mpm_prefork",
        "cgi",
        [
            "StartServers 2",
            "MinSpareServers 1",
            "MaxSpareServers 5",
            "MaxRequestWorkers 30",
        ],
    ),
}
_BASE_MODULES = ("authz_core", "mime", "alias", "env", "headers", "dir", "setenvif")

# FastCGI modes (Apache(fastcgi=...)) and the Apache modules each needs.
_FASTCGI_MODULES = {"fcgid": ("fcgid",), "proxy": ("proxy", "proxy_fcgi")}
# mod_fcgid retires a responder after this many requests, below the
# programs' own IC_FCGI_MAX_REQUESTS (1000), as the generated snippet does.
FCGID_MAX_REQUESTS = 500
# mod_fcgid passes a request whose declared body is over LimitRequestBody on
# with no body instead of answering 413 as mod_cgid does: refuse it first
# (scripts/install writes the same lines).
FCGID_BODY_GUARD = [
    '<If "%%{HTTP:Content-Length} -gt %d || (%%{HTTP:Content-Length} -gt %d '
    '&& %%{REQUEST_URI} !~ m#/send$#)">' % (UPLOAD_REQUEST_BODY, LIMIT_REQUEST_BODY),
    "    Redirect 413",
    "</If>",
]


def fastcgi_mode(value=None):
    """None/"cgi", "fcgid" or "proxy"; None asks IC_FASTCGI."""
    if value is None:
        value = os.environ.get("IC_FASTCGI", "")
    value = {"": None, "0": None, "cgi": None, "1": "fcgid"}.get(value, value)
    if value not in (None, "fcgid", "proxy"):
        raise ValueError("fastcgi must be cgi, fcgid or proxy, not %r" % value)
    return value

# Instances started and not yet stopped: the atexit hook and run.py's
# failure reports look here.
_LIVE = []
_LIVE_LOCK = threading.Lock()


class HarnessError(Exception):
    """The harness itself could not do its job (apache missing, start failed...)."""


def default_builddir():
    """Where `cgi-bin/<prog>` are: IC_TOP_BUILDDIR, else the current
    directory when it is a build tree, else the source tree (in-tree build)."""
    env = os.environ.get("IC_TOP_BUILDDIR")
    if env:
        return os.path.abspath(env)
    for candidate in (os.getcwd(), SRCDIR):
        if os.path.exists(os.path.join(candidate, "cgi-bin", "feed")):
            return os.path.abspath(candidate)
    return SRCDIR


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind 0, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_root():
    return os.geteuid() == 0


def _pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] != "Z"
    except (OSError, ValueError, IndexError):
        return False


def _wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    pids = set(pids)
    while pids and time.monotonic() < deadline:
        pids = {p for p in pids if _pid_alive(p)}
        if pids:
            time.sleep(0.05)
    return {p for p in pids if _pid_alive(p)}


def _tail(path, lines=40, since=0):
    try:
        with open(path, "rb") as f:
            f.seek(since)
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


class Response(tuple):
    """(status, headers, body); headers is a list of (name, value), repeats kept."""

    __slots__ = ()

    def __new__(cls, status, headers, body):
        return tuple.__new__(cls, (status, headers, body))

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    def header(self, name, default=None):
        """The first value of header `name` (case-insensitive), or default."""
        values = self.header_all(name)
        return values[0] if values else default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "Response(%d, %r, %r)" % (self.status, self.headers, self.body[:300])


class SiteSpec:
    """What one site needs beyond the defaults.

    name:   host label; the site is http://<name>.localhost:PORT/
    conf:   dict of indiechat.conf keys to set or override (value None drops a
            default key)
    conf_lines: raw lines appended to indiechat.conf (bad-config fixtures)
    vhost:  extra lines inside the <VirtualHost>
    files:  {relative path under the site dir: content}, e.g. "htdocs/x.html"
    port:   a fixed port instead of a free one (several sites may share one:
            name-based virtual hosts); start fails if it is taken
    mount:  False leaves IndieChat out of the vhost (no SetEnv, ScriptAlias, B/public,
            LimitRequestBody): the vhost lines bring their own, e.g. an
            Include of the snippet scripts/install generates
    Every str value above may instead be a callable(site, sites) -> str, called
    once ports are known (sites maps name -> Site), so a site can name another
    site's URL.
    """

    def __init__(self, name, conf=None, conf_lines=(), vhost=(), files=None, port=None,
                 mount=True):
        if not name or not all(c.isalnum() or c == "-" for c in name) or name != name.lower():
            raise ValueError("site name must be a lowercase host label: %r" % name)
        self.name = name
        self.conf = dict(conf or {})
        self.conf_lines = list(conf_lines)
        self.vhost = list(vhost)
        self.files = dict(files or {})
        self.port = port
        self.mount = mount


def _resolve(value, site, sites):
    return value(site, sites) if callable(value) else value


class Site:
    """One running site: its URLs, files and an HTTP client bound to it."""

    def __init__(self, apache, spec, port):
        self.apache = apache
        self.spec = spec
        self.name = spec.name
        self.port = port
        self.host = "%s.localhost:%d" % (self.name, port)
        self.url = "http://%s/" % self.host
        self.base_path = BASE_PATH
        self.base_url = "http://%s%s" % (self.host, BASE_PATH)
        self.dir = os.path.join(apache.root, "sites", self.name)
        self.docroot = os.path.join(self.dir, "htdocs")
        self.data_dir = os.path.join(self.dir, "data")
        self.conf_path = os.path.join(self.dir, "indiechat.conf")
        self.vhost_lines = []

    def __repr__(self):
        return "<Site %s>" % self.url

    # -- URLs ---------------------------------------------------------------
    def b(self, path=""):
        """Path of `B/<path>` on this site: b("feed/ping") -> /indiechat/feed/ping."""
        return self.base_path + ("/" + path.lstrip("/") if path else "")

    def b_url(self, path=""):
        """Absolute URL of `B/<path>`."""
        return "http://%s%s" % (self.host, self.b(path))

    # -- files --------------------------------------------------------------
    def default_conf(self):
        return {
            "me": self.url,
            "base_url": self.base_url,
            "data_dir": self.data_dir,
            "dev_mode": "true",
            "log_level": "debug",
        }

    def _prepare(self, sites):
        """Resolve the spec's callables and write the site's files."""
        self.vhost_lines = [_resolve(x, self, sites) for x in self.spec.vhost]
        for d in (self.dir, self.docroot, self.data_dir):
            os.makedirs(d, exist_ok=True)
        conf = self.default_conf()
        for key, value in self.spec.conf.items():
            if value is None:
                conf.pop(key, None)
            else:
                conf[key] = _resolve(value, self, sites)
        lines = ["# generated by tests/integration/harness.py for %s" % self.url]
        lines += ["%s = %s" % (k, v) for k, v in conf.items()]
        lines += [_resolve(x, self, sites) for x in self.spec.conf_lines]
        _write(self.conf_path, "\n".join(lines) + "\n")
        files = {"htdocs/index.html": self.default_homepage()}
        files.update(self.spec.files)
        for rel, content in files.items():
            path = os.path.join(self.dir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _write(path, _resolve(content, self, sites))
        self.apache.give_to_site_user(self.dir)

    def default_homepage(self):
        title = self.name.capitalize()
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>%s</title>\n</head>\n<body>\n"
            "<div class=\"h-card\"><a class=\"u-url p-name\" href=\"%s\">%s</a></div>\n"
            "</body>\n</html>\n" % (title, self.url, title)
        )

    def vhost_block(self):
        prog_dir = self.apache.cgi_dir
        lines = [
            "<VirtualHost 127.0.0.1:%d>" % self.port,
            "    ServerName %s.localhost" % self.name,
            '    DocumentRoot "%s"' % self.docroot,
            '    <Directory "%s">' % self.docroot,
            "        Options None",
            "        AllowOverride None",
            "        Require all granted",
            "    </Directory>",
            "    DirectoryIndex index.html",
        ]
        if self.spec.mount:
            lines += [
                '    SetEnv INDIECHAT_CONFIG "%s"' % self.conf_path,
                "    LimitRequestBody %d" % LIMIT_REQUEST_BODY,
                '    Alias %s "%s"' % (self.b("public"), self.apache.public_dir),
                '    <Directory "%s">' % self.apache.public_dir,
                "        Require all granted",
                "    </Directory>",
            ]
            lines += self.apache._mount_lines(self)
        lines += ["    " + x for x in self.vhost_lines]
        lines.append("</VirtualHost>")
        return "\n".join(lines)

    # -- HTTP ---------------------------------------------------------------
    def request(self, method, path_or_url, headers=None, body=None, timeout=30):
        """One HTTP/1.1 request to this site; no redirects followed.

        path_or_url: "/x" (on this site) or an absolute http URL on any
        *.localhost / 127.0.0.1 host (connects to 127.0.0.1, sends its Host).
        headers: dict or list of (name, value).  body: bytes or str.
        Returns Response(status, headers as a list of pairs, body bytes).
        """
        host, port, target = self.host, self.port, path_or_url
        if "://" in path_or_url:
            u = urllib.parse.urlsplit(path_or_url)
            if u.scheme != "http" or not u.hostname:
                raise ValueError("only http URLs: %r" % path_or_url)
            if not (u.hostname in ("localhost", "127.0.0.1") or u.hostname.endswith(".localhost")):
                raise ValueError("not a loopback URL: %r" % path_or_url)
            host, port = u.netloc, u.port or 80
            target = urllib.parse.urlunsplit(("", "", u.path or "/", u.query, ""))
        return http_request("127.0.0.1", port, host, method, target, headers, body, timeout)

    def get(self, path_or_url, headers=None, **kw):
        return self.request("GET", path_or_url, headers=headers, **kw)

    # -- terminal face ------------------------------------------------------
    def program(self, prog):
        return self.apache.program(prog)

    def run(self, prog, *args, env=None, input=None, timeout=60):
        """Run cgi-bin/<prog> args... as the site user with this site's config."""
        full_env = {"INDIECHAT_CONFIG": self.conf_path}
        full_env.update(env or {})
        return self.apache.run_as_site_user(
            [self.program(prog)] + list(args), env=full_env, input=input, timeout=timeout
        )

    def run_cgi(self, prog, method, path_info, headers=None, body=None, query="", timeout=60):
        """Run cgi-bin/<prog> as a CGI *without* Apache, as the site user.

        Sets the CGI/1.1 variables Apache would (headers become HTTP_*,
        Content-Type/Length become CONTENT_TYPE/CONTENT_LENGTH), feeds body on
        stdin, and parses the program's raw output.  Shows what the program
        itself emits (its Status: line, its Content-Length, a body on HEAD)
        before Apache rewrites anything.  Returns
        (Response(status, headers, body), raw stdout bytes, CompletedProcess).
        """
        if isinstance(body, str):
            body = body.encode("utf-8")
        env = {
            "INDIECHAT_CONFIG": self.conf_path,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_SOFTWARE": "indiechat-harness",
            "SERVER_NAME": "%s.localhost" % self.name,
            "SERVER_PORT": str(self.port),
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": self.b(prog),
            "SCRIPT_FILENAME": self.program(prog),
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "REQUEST_URI": self.b(prog) + path_info + ("?" + query if query else ""),
            "HTTP_HOST": self.host,
        }
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        for k, v in pairs:
            key = k.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                env[key] = v
            else:
                env["HTTP_" + key] = v
        if body is not None:
            env.setdefault("CONTENT_LENGTH", str(len(body)))
        p = self.apache.run_as_site_user(
            [self.program(prog)], env=env, input=body or b"", timeout=timeout
        )
        return parse_cgi_output(p.stdout), p.stdout, p


def parse_cgi_output(raw):
    """Split a CGI program's output into Response(status, headers, body).

    The header block ends at the first empty line (CRLF or LF); `Status:`
    gives the status (200 when absent) and stays in the header list.
    """
    ends = [(raw.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n") if raw.find(sep) >= 0]
    if not ends:
        raise ValueError("CGI output has no end of headers: %r" % raw[:200])
    i, sep = min(ends)
    head, body = raw[:i], raw[i + len(sep):]
    headers, status = [], 200
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise ValueError("bad CGI header line %r" % line)
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == "status":
            status = int(value.split()[0])
    return Response(status, headers, body)



def http_request(addr, port, host, method, target, headers=None, body=None, timeout=30):
    """Send one request to addr:port with Host: host, read the whole answer."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    conn = http.client.HTTPConnection(addr, port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        names = {k.lower() for k, _ in pairs}
        if body is not None and "content-length" not in names:
            conn.putheader("Content-Length", str(len(body)))
        for k, v in pairs:
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.getheaders(), data)
    finally:
        conn.close()


def _write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


class Apache:
    """A private apache2 daemon serving N IndieChat sites on loopback.

    sites:    names, SiteSpec objects, or an int n (alice, bob, site3...)
    mpm:      "event" (mpm_event + mod_cgid, default) or "prefork" (+ mod_cgi)
    builddir: where cgi-bin/<prog> live (default: default_builddir())
    cgi_dir:  override the programs' directory (harness self-tests)
    programs: names mounted under /indiechat/ (default: the five)
    modules:  extra Apache module names to load (e.g. "rewrite")
    server_lines: extra lines at server level
    log_level: Apache LogLevel
    fastcgi:  None (ask IC_FASTCGI), "cgi", "fcgid" (mod_fcgid) or "proxy"
              (mod_proxy_fcgi with the harness's Responders)
    fcgi_processes: responders per program in "proxy" mode
    """

    def __init__(self, sites=DEFAULT_SITES, mpm="event", builddir=None, cgi_dir=None,
                 programs=PROGRAMS, modules=(), server_lines=(), log_level="info",
                 fastcgi=None, fcgi_processes=3):
        if mpm not in _MPMS:
            raise ValueError("mpm must be one of %s" % ", ".join(_MPMS))
        # Other programs than ours (the harness's self-tests' shell-script
        # CGIs) stay CGIs unless FastCGI is asked for by name.
        self.fastcgi = fastcgi_mode(fastcgi if fastcgi is not None or cgi_dir is None
                                    else "cgi")
        self.fcgi_processes = fcgi_processes
        self.responders = None
        if isinstance(sites, int):
            names = list(DEFAULT_SITES[:sites]) + ["site%d" % i for i in range(3, sites + 1)]
            sites = names
        self.specs = [s if isinstance(s, SiteSpec) else SiteSpec(s) for s in sites]
        if len({s.name for s in self.specs}) != len(self.specs):
            raise ValueError("duplicate site names")
        self.mpm = mpm
        self.builddir = os.path.abspath(builddir or default_builddir())
        self.cgi_dir = os.path.abspath(cgi_dir or os.path.join(self.builddir, "cgi-bin"))
        # The build tree may sit under a directory the CGI user cannot
        # traverse (a CI clone in a 0700 temp dir): unless the caller chose
        # a directory, the programs are copied into the harness's own root.
        self.src_cgi_dir = self.cgi_dir
        self._copy_programs = cgi_dir is None
        self.programs = tuple(programs)
        self.modules = tuple(modules) + tuple(
            m for m in _FASTCGI_MODULES.get(self.fastcgi, ()) if m not in modules)
        self.server_lines = list(server_lines)
        self.log_level = log_level
        self.root = None
        self.sites = {}
        self.pid = None
        self.conf_path = None
        self.error_log = None
        self.access_log = None
        self.running = False

    # -- public API -----------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __getitem__(self, name):
        return self.sites[name]

    def site(self, name):
        return self.sites[name]

    def program(self, prog):
        return os.path.join(self.cgi_dir, prog)

    def start(self):
        """Write the config, start the daemon, wait until every port answers."""
        if self.running:
            return self
        self._preflight()
        _install_signal_handler()
        last = None
        for _attempt in range(3):
            self._make_root()
            try:
                self._start_once()
                return self
            except _PortRace as e:
                last = e
                self._cleanup_root()
            except BaseException:
                self._cleanup_root()
                raise
        raise HarnessError("apache2 could not bind its ports after 3 attempts: %s" % last)

    def stop(self):
        """`apache2 -k stop`, wait for the pid to go, SIGKILL as a last resort."""
        with _DeferSignals():
            try:
                if self.running:
                    self._stop_daemon()
                if self.responders:
                    self.responders.stop()
                    self.responders = None
                self._end_stragglers()
            finally:
                self.running = False
                with _LIVE_LOCK:
                    if self in _LIVE:
                        _LIVE.remove(self)
                self._cleanup_root()

    def run_as_site_user(self, argv, env=None, input=None, timeout=60, cwd="/"):
        """Run argv as the CGI user (www-data when root, else ourselves).

        env: variables added to a minimal environment (PATH, LANG, and
        ASAN_OPTIONS/UBSAN_OPTIONS with log_path into logs/san).  Returns subprocess.CompletedProcess
        with stdout/stderr as bytes.
        """
        full_env = _base_env()
        full_env.update(self._sanitizer_env())
        full_env.update(env or {})
        kw = {}
        if is_root():
            kw = {"user": SITE_USER, "group": SITE_GROUP, "extra_groups": []}
        if isinstance(input, str):
            input = input.encode("utf-8")
        return subprocess.run(
            list(argv), env=full_env, input=input, capture_output=True,
            timeout=timeout, cwd=cwd, **kw
        )

    def give_to_site_user(self, path):
        """chown -R path to the CGI user (only when root; else it is ours)."""
        if not is_root():
            return
        uid = pwd.getpwnam(SITE_USER).pw_uid
        gid = grp.getgrnam(SITE_GROUP).gr_gid
        for dirpath, dirnames, filenames in os.walk(path):
            os.chown(dirpath, uid, gid)
            for n in dirnames + filenames:
                os.chown(os.path.join(dirpath, n), uid, gid, follow_symlinks=False)

    def log_mark(self):
        """Current size of the error log (pass to error_log_tail(since=...))."""
        try:
            return os.path.getsize(self.error_log)
        except (OSError, TypeError):
            return 0

    def error_log_tail(self, lines=40, since=0):
        return _tail(self.error_log, lines, since) if self.error_log else ""

    def error_log_text(self, since=0):
        return _tail(self.error_log, 10 ** 9, since) if self.error_log else ""

    def log_problems(self, since=0):
        """Lines that mean a program crashed or a sanitizer fired: from the
        error log (after offset since) and from every sanitizer log file
        (logs/san/*, written by any process, detached ones included)."""
        found = [line for line in self.error_log_text(since).splitlines()
                 if any(m in line for m in PROBLEM_MARKERS)]
        san_dir = os.path.join(self.root or "", "logs", "san")
        for name in sorted(os.listdir(san_dir)) if os.path.isdir(san_dir) else []:
            text = _tail(os.path.join(san_dir, name), 10 ** 6).splitlines()
            hits = [x for x in text if any(m in x for m in PROBLEM_MARKERS)]
            found += ["%s: %s" % (name, x) for x in (hits or text[:1])]
        return found

    def _sanitizer_env(self):
        """ASan/UBSan/LSan options for every program we or Apache start: the
        caller's options plus log_path into logs/san, so reports from
        detached workers (stderr on /dev/null) are kept too."""
        env = {}
        if not self.root:
            return env
        for var, prefix in _SANITIZERS:
            opts = [o for o in os.environ.get(var, "").split(":") if o and
                    not o.startswith("log_path=")]
            opts.append("log_path=%s/logs/san/%s" % (self.root, prefix))
            env[var] = ":".join(opts)
        return env

    # -- internals ------------------------------------------------------------
    def _preflight(self):
        if not os.path.exists(APACHE2):
            raise HarnessError(
                "apache2 not found at %s (Debian package apache2; or set IC_APACHE2)" % APACHE2
            )
        mpm_mod, cgi_mod, _ = _MPMS[self.mpm]
        for m in (mpm_mod, cgi_mod) + _BASE_MODULES + self.modules:
            if not os.path.exists(os.path.join(MODULE_DIR, "mod_%s.so" % m)):
                raise HarnessError("Apache module mod_%s.so not found in %s" % (m, MODULE_DIR))
        if is_root():
            try:
                pwd.getpwnam(SITE_USER)
                grp.getgrnam(SITE_GROUP)
            except KeyError:
                raise HarnessError("running as root needs user and group %s" % SITE_USER)
        for prog in self.programs:
            path = os.path.join(self.src_cgi_dir, prog)
            if not os.path.exists(path):
                raise HarnessError(
                    "program %s not built (set IC_TOP_BUILDDIR to the build tree, "
                    "or run from it, after make)" % path
                )
            if is_root() and not self._copy_programs:
                _check_world_exec(path)

    def _copy_programs_in(self):
        """Copy the programs side by side (they exec each other, e.g.
        `listener --maintain`) into root/cgi-bin, readable by the CGI user."""
        dest = os.path.join(self.root, "cgi-bin")
        os.makedirs(dest, mode=0o755)
        for prog in self.programs:
            shutil.copy2(os.path.join(self.src_cgi_dir, prog), os.path.join(dest, prog))
            os.chmod(os.path.join(dest, prog), 0o755)
        self.cgi_dir = dest

    def tool(self, relpath):
        """A build-tree helper program (e.g. tests/tools/ticket_mint), copied
        into root/tools so the CGI user can run it even from a 0700
        checkout, as the programs are; None when it was not built."""
        src = os.path.join(self.builddir, relpath)
        if not os.path.exists(src):
            return None
        dest_dir = os.path.join(self.root, "tools")
        os.makedirs(dest_dir, mode=0o755, exist_ok=True)
        dest = os.path.join(dest_dir, os.path.basename(relpath))
        shutil.copy2(src, dest)
        os.chmod(dest, 0o755)
        return dest

    def _make_root(self):
        self.root = tempfile.mkdtemp(prefix="ic-apache-")
        # The CGI user must traverse it (mkdtemp makes it 0700).
        os.chmod(self.root, 0o755)
        for d in ("logs", "run", "sites", "logs/san"):
            os.makedirs(os.path.join(self.root, d), mode=0o755)
        # Sanitizer logs are written by the CGI user.
        self.give_to_site_user(os.path.join(self.root, "logs", "san"))
        self.conf_path = os.path.join(self.root, "httpd.conf")
        self.error_log = os.path.join(self.root, "logs", "error.log")
        self.access_log = os.path.join(self.root, "logs", "access.log")
        self.pid_file = os.path.join(self.root, "run", "httpd.pid")
        if self._copy_programs:
            self._copy_programs_in()
        self._copy_public_in()

    def _copy_public_in(self):
        """The static assets (public/: CSS, the live script), served at
        B/public as the generated Apache snippet does."""
        self.public_dir = os.path.join(self.root, "public")
        shutil.copytree(os.path.join(SRCDIR, "public"), self.public_dir)
        for dirpath, dirnames, filenames in os.walk(self.public_dir):
            os.chmod(dirpath, 0o755)
            for f in filenames:
                os.chmod(os.path.join(dirpath, f), 0o644)

    def _cleanup_root(self):
        if self.root and os.path.isdir(self.root):
            if os.environ.get("IC_KEEP_TMP"):
                sys.stderr.write("# harness: kept %s\n" % self.root)
            else:
                shutil.rmtree(self.root, ignore_errors=True)

    def _start_once(self):
        fixed = {s.port for s in self.specs if s.port}
        ports = set()
        while len(ports) < len([s for s in self.specs if not s.port]):
            p = free_port()
            if p not in fixed:
                ports.add(p)
        ports = sorted(ports)
        self.sites = {}
        for spec in self.specs:
            self.sites[spec.name] = Site(self, spec, spec.port or ports.pop(0))
        for site in self.sites.values():
            site._prepare(self.sites)
        _write(self.conf_path, self._config())
        if self.fastcgi == "proxy":
            self.responders = Responders(self, self.fcgi_processes)
            self.responders.start()
        out_path = os.path.join(self.root, "logs", "start.out")
        with _DeferSignals():
            # Registered first: whatever happens next, stop() will look for
            # the pid file.
            with _LIVE_LOCK:
                _LIVE.append(self)
            self.running = True
            with open(out_path, "wb") as out:
                rc = subprocess.call(
                    [APACHE2, "-d", self.root, "-f", self.conf_path, "-k", "start"],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    env=_base_env(), timeout=60,
                )
        try:
            self._wait_started(rc, out_path)
        except BaseException:
            self.stop_keep_root()
            raise

    def stop_keep_root(self):
        """Stop the daemon but keep the directory (a failed start's logs)."""
        with _DeferSignals():
            try:
                self._stop_daemon()
                if self.responders:
                    self.responders.stop()
                    self.responders = None
            finally:
                self.running = False
                with _LIVE_LOCK:
                    if self in _LIVE:
                        _LIVE.remove(self)

    def _wait_started(self, rc, out_path):
        def fail(why):
            text = _tail(out_path, 20)
            log = self.error_log_tail(30)
            msg = "apache2 did not start (%s).\n-- output --\n%s\n-- error log --\n%s" % (
                why, text, log)
            if "Address already in use" in text + log:
                raise _PortRace(msg)
            raise HarnessError(msg)

        if rc != 0:
            fail("exit status %d" % rc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self.pid = self._read_pid()
            if self.pid is not None:
                break
            time.sleep(0.05)
        else:
            fail("no pid file")
        pending = [s.port for s in self.sites.values()]
        while pending and time.monotonic() < deadline:
            if not _pid_alive(self.pid):
                fail("daemon exited")
            pending = [p for p in pending if not _port_answers(p)]
            if pending:
                time.sleep(0.05)
        if pending:
            fail("ports %s do not answer" % pending)

    def _read_pid(self):
        try:
            with open(self.pid_file) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def _stop_daemon(self):
        pid = self.pid or self._read_pid()
        if pid is None or not _pid_alive(pid):
            return
        try:
            subprocess.call(
                [APACHE2, "-d", self.root, "-f", self.conf_path, "-k", "stop"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=_base_env(), timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            pass
        if _wait_gone([pid], 15):
            # Last resort: the daemon called setsid(), so its process group
            # is its own; SIGKILL it whole.
            sys.stderr.write("# harness: apache %d ignored -k stop, SIGKILL\n" % pid)
            for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    kill()
                except OSError:
                    pass
            _wait_gone([pid], 5)

    def _stragglers(self):
        """Pids whose environment names a config file inside our root."""
        if not self.root:
            return []
        needle = ("INDIECHAT_CONFIG=" + self.root + "/").encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open("/proc/%s/environ" % entry, "rb") as f:
                    env = f.read()
            except OSError:
                continue
            if any(v.startswith(needle) for v in env.split(b"\0")) and _pid_alive(int(entry)):
                found.append(int(entry))
        return found

    def _end_stragglers(self):
        """Wait a little for detached workers (bounded-time --maintain), then end them."""
        pids = self._stragglers()
        if not pids:
            return
        pids = _wait_gone(pids, 3)
        for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 2)):
            if not pids:
                return
            sys.stderr.write("# harness: ending leftover processes %s with %s\n" % (
                sorted(pids), sig.name))
            for p in pids:
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            pids = _wait_gone(pids, wait)

    def _config(self):
        mpm_mod, cgi_mod, tuning = _MPMS[self.mpm]
        r = self.root
        lines = [
            "# generated by tests/integration/harness.py; not the system apache",
            'ServerRoot "%s"' % r,
            "ServerName 127.0.0.1",
            'DefaultRuntimeDir "%s/run"' % r,
            'PidFile "%s/run/httpd.pid"' % r,
            'Mutex file:%s/run default' % r,
            'ErrorLog "%s"' % self.error_log,
            "LogLevel %s" % self.log_level,
            "LoadModule %s_module %s/mod_%s.so" % (mpm_mod, MODULE_DIR, mpm_mod),
            "LoadModule %s_module %s/mod_%s.so" % (cgi_mod, MODULE_DIR, cgi_mod),
        ]
        for m in _BASE_MODULES + self.modules:
            lines.append("LoadModule %s_module %s/mod_%s.so" % (m, MODULE_DIR, m))
        if is_root():
            lines += ["User %s" % SITE_USER, "Group %s" % SITE_GROUP]
        lines += tuning
        if cgi_mod == "cgid":
            lines.append('ScriptSock "%s/run/cgid.sock"' % r)
        lines += [
            "Timeout 30",
            "KeepAlive On",
            "AddDefaultCharset Off",
            "TypesConfig /etc/mime.types",
            'LogFormat "%v:%p %h \\"%r\\" %>s %B %D" vhost',
            'CustomLog "%s" vhost' % self.access_log,
            "<Directory />",
            "    Options None",
            "    AllowOverride None",
            "    Require all denied",
            "</Directory>",
            # H-9: without CGIPassAuth Apache drops Authorization for CGIs.
            '<Directory "%s">' % self.cgi_dir,
            "    Options +ExecCGI",
            "    AllowOverride None",
            "    CGIPassAuth On",
            "    Require all granted",
            "</Directory>",
        ]
        for var, value in self._sanitizer_env().items():
            lines.append('SetEnv %s "%s"' % (var, value))
        lines += self._fastcgi_server_lines()
        for port in sorted({s.port for s in self.sites.values()}):
            lines.append("Listen 127.0.0.1:%d" % port)
        lines += self.server_lines
        for site in self.sites.values():
            lines.append(site.vhost_block())
        return "\n".join(lines) + "\n"


    def _fastcgi_server_lines(self):
        """mod_fcgid's server-wide lines: in fcgid mode, or when a caller
        loads the module to mount something under it itself (scripts/bench
        mounts `feed` both ways)."""
        if self.fastcgi == "proxy":
            # One worker per program, never put in error state: mod_proxy
            # would answer 503 for 60 s (retry) after one responder died
            # mid-request, while the manager has a fresh one listening.
            lines = []
            for prog in self.programs:
                lines += ['<Proxy "fcgi://ic-%s/" retry=0>' % prog, "</Proxy>"]
            return lines
        if self.fastcgi != "fcgid" and "fcgid" not in self.modules:
            return []
        r = self.root
        os.makedirs(os.path.join(r, "run", "fcgid"), mode=0o755, exist_ok=True)
        self.give_to_site_user(os.path.join(r, "run", "fcgid"))
        lines = [
            'FcgidIPCDir "%s/run/fcgid"' % r,
            'FcgidProcessTableFile "%s/run/fcgid_shm"' % r,
            "FcgidMaxRequestsPerProcess %d" % FCGID_MAX_REQUESTS,
            # Above LimitRequestBody, so the programs' own 413 answers.
            "FcgidMaxRequestLen %d" % (UPLOAD_REQUEST_BODY + 65536),
            "FcgidIOTimeout 60",
            "FcgidMaxProcessesPerClass 16",
            # Let Apache start responders as fast as the tests ask.
            "FcgidSpawnScoreUpLimit 1000",
        ]
        if self.fastcgi == "fcgid":
            lines += [
                '<Directory "%s">' % self.cgi_dir,
                "    SetHandler fcgid-script",
            ] + ["    " + x for x in FCGID_BODY_GUARD] + [
                "</Directory>",
            ]
        # The responders' own environment: sanitizer logs, as for CGIs.
        for var, value in self._sanitizer_env().items():
            lines.append('FcgidInitialEnv %s "%s"' % (var, value))
        return lines

    def _mount_lines(self, site):
        """The vhost lines that mount the programs under B/<prog>."""
        lines = []
        if "send" in self.programs:
            # B/send itself, the one route that takes uploads.
            lines += ['    <LocationMatch "^%s$">' % re.escape(site.b("send")),
                      "        LimitRequestBody %d" % UPLOAD_REQUEST_BODY,
                      "    </LocationMatch>"]
        for prog in self.programs:
            if self.fastcgi == "proxy":
                # mod_proxy_fcgi sets no PATH_INFO of its own for a
                # handler-mounted backend: it is what follows B/<prog>.
                b = site.b(prog)
                lines += [
                    '    <Location "%s">' % b,
                    '        SetHandler "proxy:unix:%s|fcgi://ic-%s/"'
                    % (self.responders_socket(prog), prog),
                    "        CGIPassAuth On",
                    '        ProxyFCGISetEnvIf "true" SCRIPT_NAME "%s"' % b,
                    '        ProxyFCGISetEnvIf "%%{REQUEST_URI} =~ m#^%s(/.*)#" '
                    'PATH_INFO "$1"' % b,
                    '        ProxyFCGISetEnvIf "%%{REQUEST_URI} !~ m#^%s/#" !PATH_INFO' % b,
                    "    </Location>",
                ]
            else:
                lines.append('    ScriptAlias %s "%s"' % (
                    site.b(prog), os.path.join(self.cgi_dir, prog)))
        return lines

    def responders_socket(self, prog):
        return os.path.join(self.root, "run", "fcgi-%s.sock" % prog)


class Responders:
    """The process manager of fastcgi="proxy": per program one listening
    unix socket, `n` responders with it on fd 0 (what spawn-fcgi or systemd
    socket activation do), each restarted when it exits, so the socket
    outlives them and no request is refused while one is replaced."""

    def __init__(self, apache, n):
        self.apache = apache
        self.n = n
        self.socks = {}
        self.procs = {}  # prog -> list of Popen
        self.started = {}  # prog -> every pid ever started, in order
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread = None

    def start(self):
        for prog in self.apache.programs:
            path = self.apache.responders_socket(prog)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(path)
            sock.listen(64)
            if is_root():
                os.chown(path, pwd.getpwnam(SITE_USER).pw_uid, grp.getgrnam(SITE_GROUP).gr_gid)
            os.chmod(path, 0o600)
            self.socks[prog] = sock
            self.procs[prog] = [self._spawn(prog) for _ in range(self.n)]
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _spawn(self, prog):
        env = _base_env()
        env.update(self.apache._sanitizer_env())
        kw = {}
        if is_root():
            kw = {"user": SITE_USER, "group": SITE_GROUP, "extra_groups": []}
        p = subprocess.Popen([self.apache.program(prog)], stdin=self.socks[prog].fileno(),
                             stdout=subprocess.DEVNULL,
                             stderr=open(self.apache.error_log, "ab"),
                             env=env, cwd="/", start_new_session=True, **kw)
        self.started.setdefault(prog, []).append(p.pid)
        return p

    def _watch(self):
        while not self.stopping.wait(0.05):
            with self.lock:
                for prog, procs in self.procs.items():
                    for i, p in enumerate(procs):
                        if p.poll() is not None and not self.stopping.is_set():
                            procs[i] = self._spawn(prog)

    def pids(self, prog):
        """The pids of prog's live responders."""
        with self.lock:
            return [p.pid for p in self.procs.get(prog, []) if p.poll() is None]

    def stop(self):
        self.stopping.set()
        if self.thread:
            self.thread.join(5)
        with self.lock:
            procs = [p for ps in self.procs.values() for p in ps]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        for sock in self.socks.values():
            sock.close()


class _PortRace(HarnessError):
    pass


# Sanitizer option variables and their log file prefixes (ASan covers LSan).
_SANITIZERS = (("ASAN_OPTIONS", "asan"), ("UBSAN_OPTIONS", "ubsan"))


def _base_env():
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def _check_world_exec(path):
    """The CGI user must reach and run the program: o+x on the file and every dir."""
    p = os.path.abspath(path)
    st = os.stat(p)
    if not st.st_mode & 0o001:
        raise HarnessError("%s is not executable by others (the CGI user %s)" % (p, SITE_USER))
    d = os.path.dirname(p)
    while d and d != "/":
        if not os.stat(d).st_mode & 0o001:
            raise HarnessError(
                "%s is not searchable by others; the CGI user %s cannot reach %s" % (
                    d, SITE_USER, p))
        d = os.path.dirname(d)


def _port_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def live_instances():
    with _LIVE_LOCK:
        return list(_LIVE)


def stop_all():
    for a in live_instances():
        try:
            a.stop()
        except Exception as e:  # keep stopping the others
            sys.stderr.write("# harness: stopping %s failed: %s\n" % (a.root, e))


atexit.register(stop_all)

_handler_installed = False
_defer_depth = 0
_deferred = []


class _DeferSignals:
    """Hold SIGTERM/SIGHUP/SIGINT while apache is being started or stopped.

    An interrupt in the middle of `-k start` or of stop() could leak a daemon
    or a detached worker; the signal is delivered (as KeyboardInterrupt) once
    the critical section is over.
    """

    def __enter__(self):
        global _defer_depth
        _defer_depth += 1

    def __exit__(self, *exc):
        global _defer_depth
        _defer_depth -= 1
        if _defer_depth == 0 and _deferred:
            signum = _deferred.pop()
            _deferred.clear()
            raise KeyboardInterrupt("signal %d" % signum)
        return False


def _install_signal_handler():
    """SIGTERM/SIGHUP/SIGINT raise KeyboardInterrupt (which unittest does not
    swallow, unlike SystemExit), so finally blocks and atexit stop apache."""
    global _handler_installed
    if _handler_installed or threading.current_thread() is not threading.main_thread():
        return
    _handler_installed = True

    def handler(signum, frame):
        if _defer_depth > 0:
            _deferred.append(signum)
            return
        raise KeyboardInterrupt("signal %d" % signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler, None):
            signal.signal(sig, handler)
