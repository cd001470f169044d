"""Self-test of harness.py, with a trivial shell CGI instead of the programs.

It checks what the real tests rely on: each site answers on its own port as
<name>.localhost, CGIs see their site's INDIECHAT_CONFIG and the request's
Authorization (CGIPassAuth, H-9), Apache refuses bodies above 1 MiB with a
complete 413, repeated response headers are kept, the terminal face runs as
the CGI user, and stop() leaves no apache and no detached worker behind.
"""

import atexit
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness

FAKE_CGI = r"""#!/bin/sh
# Harness self-test CGI: reads the whole body, echoes what Apache gave it.
n=0
if [ -n "$CONTENT_LENGTH" ] && [ "$CONTENT_LENGTH" -gt 0 ]; then
	n=$(head -c "$CONTENT_LENGTH" | wc -c)
fi
if [ "$PATH_INFO" = /spawn ]; then
	# A detached worker like a lazy `listener --maintain` (fds not inherited).
	setsid sh -c 'echo $$ > "$0"; exec sleep 120' "$SPAWN_PID_FILE" \
		</dev/null >/dev/null 2>&1 &
	i=0
	while [ ! -s "$SPAWN_PID_FILE" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
fi
[ "$PATH_INFO" = /die ] && exit 1
echo "fake-cgi: stderr line for $SCRIPT_NAME$PATH_INFO" >&2
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n'
printf 'script=%s\n' "$SCRIPT_NAME"
printf 'path_info=%s\n' "$PATH_INFO"
printf 'method=%s\n' "$REQUEST_METHOD"
printf 'auth=%s\n' "$HTTP_AUTHORIZATION"
printf 'config=%s\n' "$INDIECHAT_CONFIG"
printf 'host=%s\n' "$HTTP_HOST"
printf 'user=%s\n' "$(id -un)"
printf 'body_bytes=%s\n' "$n"
"""


def parse(body):
    return dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)


def make_fake_cgi_dir():
    d = tempfile.mkdtemp(prefix="ic-fake-cgi-")
    atexit.register(shutil.rmtree, d, True)  # also when a run is interrupted
    os.chmod(d, 0o755)
    for prog in harness.PROGRAMS:
        path = os.path.join(d, prog)
        with open(path, "w") as f:
            f.write(FAKE_CGI)
        os.chmod(path, 0o755)
    return d


def specs():
    return [
        harness.SiteSpec(
            "alice",
            conf={"hub": lambda site, sites: sites["bob"].b_url("feed/hub"), "log_level": None},
            conf_lines=["# a raw line"],
            vhost=["Header add X-Rep one", "Header add X-Rep two",
                   lambda site, sites: 'SetEnv SPAWN_PID_FILE "%s/spawn.pid"' % site.data_dir],
            files={"htdocs/extra.html": "<p>extra</p>\n"},
        ),
        "bob",
    ]


class HarnessEventCgid(unittest.TestCase):
    """Default pairing: mpm_event + mod_cgid."""

    mpm = "event"

    @classmethod
    def setUpClass(cls):
        cls.cgi_dir = make_fake_cgi_dir()
        cls.apache = harness.Apache(sites=specs(), mpm=cls.mpm, cgi_dir=cls.cgi_dir)
        try:
            cls.apache.start()
        except BaseException:
            shutil.rmtree(cls.cgi_dir, ignore_errors=True)
            raise
        cls.alice = cls.apache["alice"]
        cls.bob = cls.apache["bob"]

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        shutil.rmtree(cls.cgi_dir, ignore_errors=True)

    def test_each_site_has_its_own_port_and_homepage(self):
        self.assertNotEqual(self.alice.port, self.bob.port)
        self.assertEqual(self.alice.url, "http://alice.localhost:%d/" % self.alice.port)
        self.assertEqual(self.alice.base_url, self.alice.url + "indiechat")
        for site in (self.alice, self.bob):
            r = site.request("GET", "/")
            self.assertEqual(r.status, 200)
            self.assertIn(site.url.encode(), r.body)
            self.assertIn(b"h-card", r.body)
        self.assertEqual(self.alice.get("/extra.html").body, b"<p>extra</p>\n")
        self.assertEqual(self.bob.get("/extra.html").status, 404)

    def test_absolute_url_sends_its_host(self):
        r = self.alice.request("GET", self.bob.b_url("feed/x"))
        self.assertEqual(r.status, 200)
        env = parse(r.body)
        self.assertEqual(env["host"], self.bob.host)
        self.assertEqual(env["config"], self.bob.conf_path)
        with self.assertRaises(ValueError):
            self.alice.request("GET", "http://example.com/")

    def test_programs_get_path_info_config_and_authorization_h_9(self):
        for prog in harness.PROGRAMS:
            with self.subTest(prog=prog):
                r = self.alice.request("GET", self.alice.b(prog + "/a/b"),
                                       headers={"Authorization": "Bearer abc123"})
                self.assertEqual(r.status, 200)
                env = parse(r.body)
                self.assertEqual(env["script"], "/indiechat/" + prog)
                self.assertEqual(env["path_info"], "/a/b")
                self.assertEqual(env["auth"], "Bearer abc123")
                self.assertEqual(env["config"], self.alice.conf_path)
                self.assertEqual(env["host"], self.alice.host)
                if harness.is_root():
                    self.assertEqual(env["user"], harness.SITE_USER)

    def test_empty_path_info_and_no_prefix_match(self):
        env = parse(self.alice.get(self.alice.b("feed")).body)
        self.assertEqual(env["path_info"], "")
        self.assertEqual(self.alice.get(self.alice.b("feedx")).status, 404)
        self.assertEqual(self.alice.get("/indiechat/").status, 404)

    def test_indiechat_conf_defaults_overrides_and_callables(self):
        with open(self.alice.conf_path) as f:
            text = f.read()
        self.assertIn("me = %s\n" % self.alice.url, text)
        self.assertIn("base_url = %s\n" % self.alice.base_url, text)
        self.assertIn("data_dir = %s\n" % self.alice.data_dir, text)
        self.assertIn("dev_mode = true\n", text)
        self.assertIn("hub = %s\n" % self.bob.b_url("feed/hub"), text)
        self.assertNotIn("log_level", text)
        self.assertIn("# a raw line\n", text)
        with open(self.bob.conf_path) as f:
            self.assertIn("log_level = debug\n", f.read())

    def test_repeated_response_headers_are_kept(self):
        r = self.alice.get("/")
        self.assertEqual(r.header_all("X-Rep"), ["one", "two"])
        self.assertEqual(self.bob.get("/").header_all("X-Rep"), [])

    def test_head_has_no_body(self):
        r = self.alice.request("HEAD", self.alice.b("feed/ping"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")

    def test_body_below_apache_limit_reaches_the_cgi(self):
        r = self.alice.request("POST", self.alice.b("send/x"), body=b"a" * (300 * 1024),
                               headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 200)
        self.assertEqual(parse(r.body)["body_bytes"], str(300 * 1024))

    def test_body_above_limit_request_body_gets_a_complete_413(self):
        r = self.alice.request("POST", self.alice.b("send/x"), body=b"a" * (2 * 1024 * 1024),
                               headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 413)
        self.assertIn(b"</html>", r.body)

    def test_cgi_stderr_reaches_the_error_log(self):
        mark = self.apache.log_mark()
        self.alice.get(self.alice.b("ticket/stderr-check"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if "stderr line for /indiechat/ticket/stderr-check" in self.apache.error_log_text(mark):
                break
            time.sleep(0.05)
        self.assertIn("stderr line for /indiechat/ticket/stderr-check",
                      self.apache.error_log_text(mark))

    def test_log_problems_catch_a_cgi_dying_before_its_headers(self):
        mark = self.apache.log_mark()
        self.assertEqual(self.apache.log_problems(mark), [])
        self.assertEqual(self.alice.get(self.alice.b("auth/die")).status, 500)
        deadline = time.monotonic() + 5
        while not self.apache.log_problems(mark) and time.monotonic() < deadline:
            time.sleep(0.05)
        problems = self.apache.log_problems(mark)
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].endswith("before headers: auth"), problems[0])

    def test_terminal_face_runs_as_the_site_user(self):
        p = self.alice.run("feed", env={"REQUEST_METHOD": "GET", "PATH_INFO": "/t"})
        self.assertEqual(p.returncode, 0, p.stderr)
        env = parse(p.stdout.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(env["config"], self.alice.conf_path)
        self.assertEqual(env["path_info"], "/t")
        expected = harness.SITE_USER if harness.is_root() else None
        if expected:
            self.assertEqual(env["user"], expected)
        target = os.path.join(self.alice.data_dir, "made-by-cli")
        p = self.apache.run_as_site_user(["touch", target])
        self.assertEqual(p.returncode, 0, p.stderr)
        owner = os.stat(target).st_uid
        self.assertEqual(owner, os.stat(self.alice.data_dir).st_uid)
        if harness.is_root():
            import pwd
            self.assertEqual(pwd.getpwuid(owner).pw_name, harness.SITE_USER)

    def test_run_cgi_gives_the_program_cgi_variables_without_apache(self):
        r, raw, p = self.bob.run_cgi("send", "POST", "/x/y", body=b"12345",
                                     headers={"Authorization": "Bearer t", "Content-Type": "a/b"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("content-type"), "text/plain")
        env = parse(r.body)
        self.assertEqual(env["script"], "/indiechat/send")
        self.assertEqual(env["path_info"], "/x/y")
        self.assertEqual(env["method"], "POST")
        self.assertEqual(env["auth"], "Bearer t")
        self.assertEqual(env["config"], self.bob.conf_path)
        self.assertEqual(env["body_bytes"], "5")
        self.assertTrue(raw.startswith(b"Status: 200 OK\r\n"))

    def test_data_dir_is_writable_by_the_cgi_user(self):
        p = self.apache.run_as_site_user(
            ["sh", "-c", 'mkdir "$1/sub" && echo ok > "$1/sub/f" && cat "$1/sub/f"', "sh",
             self.bob.data_dir])
        self.assertEqual((p.returncode, p.stdout), (0, b"ok\n"), p.stderr)


class HarnessPreforkCgi(HarnessEventCgid):
    """The other pairing: mpm_prefork + mod_cgi."""

    mpm = "prefork"


class HarnessLifecycle(unittest.TestCase):
    def setUp(self):
        self.cgi_dir = make_fake_cgi_dir()
        self.addCleanup(shutil.rmtree, self.cgi_dir, True)

    def test_stop_leaves_no_apache_no_worker_and_no_files(self):
        a = harness.Apache(sites=specs(), cgi_dir=self.cgi_dir)
        with a:
            pid = a.pid
            root = a.root
            self.assertTrue(harness._pid_alive(pid))
            self.assertIn(a, harness.live_instances())
            r = a["alice"].get(a["alice"].b("listener/spawn"))
            self.assertEqual(r.status, 200)
            with open(os.path.join(a["alice"].data_dir, "spawn.pid")) as f:
                worker = int(f.read())
            self.assertTrue(harness._pid_alive(worker))
            with open(a.conf_path) as f:
                conf = f.read()
            self.assertNotIn("/etc/apache2", conf)
            self.assertIn("Listen 127.0.0.1:%d" % a["bob"].port, conf)
        self.assertFalse(harness._pid_alive(pid))
        self.assertFalse(harness._pid_alive(worker))
        self.assertFalse(os.path.exists(root))
        self.assertNotIn(a, harness.live_instances())
        # stop() twice is harmless.
        a.stop()

    def test_n_sites_get_distinct_names_and_ports(self):
        with harness.Apache(sites=3, cgi_dir=self.cgi_dir) as a:
            self.assertEqual(sorted(a.sites), ["alice", "bob", "site3"])
            self.assertEqual(len({s.port for s in a.sites.values()}), 3)
            self.assertEqual(a["site3"].get("/").status, 200)

    def test_missing_apache2_is_a_clear_error(self):
        saved = harness.APACHE2
        harness.APACHE2 = "/nonexistent/apache2"
        try:
            with self.assertRaisesRegex(harness.HarnessError, "apache2 not found"):
                harness.Apache(cgi_dir=self.cgi_dir).start()
        finally:
            harness.APACHE2 = saved

    def test_missing_program_is_a_clear_error(self):
        os.unlink(os.path.join(self.cgi_dir, "send"))
        with self.assertRaisesRegex(harness.HarnessError, "send not built"):
            harness.Apache(cgi_dir=self.cgi_dir).start()

    def test_bad_config_reports_apache_output(self):
        a = harness.Apache(cgi_dir=self.cgi_dir, server_lines=["NoSuchDirective here"])
        with self.assertRaisesRegex(harness.HarnessError, "NoSuchDirective"):
            a.start()
        self.assertFalse(a.running)
        self.assertNotIn(a, harness.live_instances())

    def test_parse_cgi_output(self):
        r = harness.parse_cgi_output(b"Status: 404 Not Found\nX-A: 1\n\nbody\r\n\r\nmore")
        self.assertEqual((r.status, r.header("x-a"), r.body), (404, "1", b"body\r\n\r\nmore"))
        r = harness.parse_cgi_output(b"Content-Type: text/plain\r\n\r\n")
        self.assertEqual((r.status, r.body), (200, b""))
        for bad in (b"Content-Type: text/plain\r\n", b"no colon\n\nbody"):
            with self.subTest(raw=bad), self.assertRaises(ValueError):
                harness.parse_cgi_output(bad)

    def test_bad_site_names_are_refused(self):
        for bad in ("Alice", "a b", "", "a.b"):
            with self.subTest(name=bad), self.assertRaises(ValueError):
                harness.SiteSpec(bad)


BAD_C = r"""
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	const char *pi = getenv("PATH_INFO");

	printf("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nok\n");
	fflush(stdout);
	if (pi != NULL && strcmp(pi, "/detached-overflow") == 0 && fork() == 0) {
		int fd = open("/dev/null", O_RDWR);
		char *volatile b = malloc(4);

		setsid();
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		b[4] = 1;
		free(b);
		_exit(0);
	}
	return 0;
}
"""


@unittest.skipUnless(shutil.which("gcc"), "needs gcc to build an ASan CGI")
class HarnessSanitizerLogs(unittest.TestCase):
    """A sanitizer report from a detached worker (stderr on /dev/null) still
    reaches log_problems() through the log_path the harness sets."""

    def test_detached_asan_report_is_caught(self):
        d = tempfile.mkdtemp(prefix="ic-bad-cgi-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        src = os.path.join(d, "bad.c")
        with open(src, "w") as f:
            f.write(BAD_C)
        p = subprocess.run(["gcc", "-g", "-fsanitize=address", "-o", os.path.join(d, "feed"), src],
                           capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        with harness.Apache(sites=["alice"], cgi_dir=d, programs=["feed"]) as a:
            site = a["alice"]
            self.assertEqual(site.get(site.b("feed/fine")).status, 200)
            self.assertEqual(a.log_problems(), [])
            self.assertEqual(site.get(site.b("feed/detached-overflow")).status, 200)
            deadline = time.monotonic() + 10
            while not a.log_problems() and time.monotonic() < deadline:
                time.sleep(0.1)
            problems = a.log_problems()
            self.assertTrue(any("heap-buffer-overflow" in x for x in problems), problems)
            self.assertNotIn("heap-buffer-overflow", a.error_log_text())


if __name__ == "__main__":
    unittest.main()
