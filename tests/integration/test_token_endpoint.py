"""The token endpoint of `auth` through the real Apache (STANDARDS.md §5).

Site alice issues; site bob is the subject the tickets name.  Until `ticket`
can send invites, tickets are created by the test-only tool
tests/tools/ticket_mint (built by `make check`), run as the CGI user with
alice's configuration: it stores only the ticket's hash, as `ticket` will.

* `GET B/auth/metadata`: the IndieAuth metadata fields (TE-8), only the
  grants that are implemented;
* `POST B/auth/token` grant_type=ticket: 200 JSON with no-store headers and
  `me` = the subject (TE-3, TE-4); a second redemption, an expired or
  unknown ticket -> 400 invalid_grant (TE-2); grant_type=foo -> 400
  unsupported_grant_type (TE-5); GET -> 405 (TE-1);
* introspection needs a bearer token (401 otherwise) and answers
  active true/false (TE-11); revocation answers 200 and the token stops
  working (TE-12);
* `auth --tokens` lists issued tokens without their secrets.
"""

import json
import os
import unittest
import urllib.parse

import harness

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
URN = "urn:indieweb.org:params:oauth:grant-type:ticket"


def media_type(resp):
    return (resp.header("Content-Type") or "").split(";")[0].strip().lower()


def form(**fields):
    return urllib.parse.urlencode(fields).encode("ascii")


class TokenEndpoint(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.apache = harness.Apache(sites=["alice", "bob"])
        cls.apache.start()
        cls.mint_tool = cls.apache.tool("tests/tools/ticket_mint")
        cls.alice = cls.apache["alice"]
        cls.bob = cls.apache["bob"]
        cls.resource = cls.alice.b_url("feed/aaaaaaaaaaaaaaaaaaaaaaaaaa")

    @classmethod
    def tearDownClass(cls):
        problems = cls.apache.log_problems()
        cls.apache.stop()
        if problems:
            raise AssertionError("crash or sanitizer report in the error log:\n" +
                                 "\n".join(problems[:20]))

    # -- helpers ----------------------------------------------------------------
    def mint(self, ttl=300):
        if self.mint_tool is None:
            self.skipTest("tests/tools/ticket_mint not built (run make check)")
        p = self.apache.run_as_site_user(
            [self.mint_tool, self.alice.conf_path, self.bob.url, self.resource, str(ttl)])
        self.assertEqual(p.returncode, 0, p.stderr)
        ticket = p.stdout.decode("ascii").strip()
        self.assertGreaterEqual(len(ticket), 43)
        return ticket

    def post(self, page, body, headers=None):
        h = dict(FORM)
        h.update(headers or {})
        return self.alice.request("POST", self.alice.b("auth/" + page), headers=h, body=body)

    def redeem(self, ticket, grant_type="ticket"):
        return self.post("token", form(grant_type=grant_type, ticket=ticket))

    def assert_no_store(self, r):
        self.assertIn("no-store", (r.header("Cache-Control") or "").lower())
        self.assertEqual((r.header("Pragma") or "").lower(), "no-cache")

    def assert_oauth_error(self, r, error):
        self.assertEqual(r.status, 400, r.body[:300])
        self.assertEqual(media_type(r), "application/json")
        self.assert_no_store(r)
        doc = r.json()
        self.assertEqual(doc["error"], error)
        self.assertIsInstance(doc["error_description"], str)
        self.assertNotIn("access_token", doc)

    def token(self):
        r = self.redeem(self.mint())
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()["access_token"]

    # -- metadata (TE-8) ----------------------------------------------------------
    def test_metadata_lists_our_endpoints_and_grants_te_8(self):
        r = self.alice.get(self.alice.b("auth/metadata"))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(media_type(r), "application/json")
        self.assertIn("max-age", r.header("Cache-Control") or "")
        doc = r.json()
        b = self.alice.base_url
        self.assertEqual(doc["issuer"], b + "/")
        self.assertEqual(doc["token_endpoint"], b + "/auth/token")
        self.assertEqual(doc["ticket_endpoint"], b + "/ticket")
        self.assertEqual(doc["revocation_endpoint"], b + "/auth/revoke")
        self.assertEqual(doc["introspection_endpoint"], b + "/auth/introspect")
        # sign_in = builtin (the default): the built-in authorization
        # endpoint and its grants are advertised too (issue 5).
        self.assertEqual(set(doc["grant_types_supported"]),
                         {"ticket", URN, "authorization_code", "refresh_token"})
        self.assertEqual(doc["scopes_supported"], ["read", "profile"])
        self.assertEqual(doc["revocation_endpoint_auth_methods_supported"], ["none"])
        self.assertEqual(doc["authorization_endpoint"], b + "/auth/authorize")
        self.assertEqual(doc["code_challenge_methods_supported"], ["S256"])
        self.assertIs(doc["authorization_response_iss_parameter_supported"], True)

    def test_metadata_url_is_under_the_issuer(self):
        doc = self.alice.get(self.alice.b("auth/metadata")).json()
        self.assertTrue(self.alice.b_url("auth/metadata").startswith(doc["issuer"]))

    # -- ticket grant -----------------------------------------------------------------
    def test_token_get_is_405_te_1(self):
        r = self.alice.get(self.alice.b("auth/token"))
        self.assertEqual(r.status, 405, r.body[:300])
        self.assertEqual(r.header("Allow"), "POST")

    def test_token_redeem_ticket_answers_bearer_for_subject_te_3_te_4(self):
        r = self.redeem(self.mint())
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(media_type(r), "application/json")
        self.assert_no_store(r)
        doc = r.json()
        self.assertGreaterEqual(len(doc["access_token"]), 43)
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertEqual(doc["scope"], "read")
        self.assertEqual(doc["me"], self.bob.url)
        self.assertIsInstance(doc["expires_in"], int)
        self.assertEqual(doc["expires_in"], 30 * 24 * 3600)

    def test_token_urn_grant_type_works_te_8(self):
        r = self.redeem(self.mint(), grant_type=URN)
        self.assertEqual(r.status, 200, r.body[:300])

    def test_token_redeem_twice_invalid_grant_te_2(self):
        ticket = self.mint()
        self.assertEqual(self.redeem(ticket).status, 200)
        self.assert_oauth_error(self.redeem(ticket), "invalid_grant")

    def test_token_expired_ticket_invalid_grant_te_2(self):
        self.assert_oauth_error(self.redeem(self.mint(ttl=-5)), "invalid_grant")

    def test_token_unknown_ticket_invalid_grant_te_2(self):
        self.assert_oauth_error(self.redeem("x" * 43), "invalid_grant")

    def test_token_missing_ticket_invalid_request_te_5(self):
        self.assert_oauth_error(self.post("token", form(grant_type="ticket")), "invalid_request")

    def test_token_grant_type_foo_unsupported_grant_type_te_5(self):
        r = self.post("token", form(grant_type="foo", ticket="abc"))
        self.assert_oauth_error(r, "unsupported_grant_type")

    # -- introspection and revocation (TE-11, TE-12) ------------------------------------
    def test_introspect_without_bearer_is_401_te_11(self):
        r = self.post("introspect", form(token="abc"))
        self.assertEqual(r.status, 401, r.body[:300])
        self.assertTrue((r.header("WWW-Authenticate") or "").startswith("Bearer"))

    def test_introspect_then_revoke_then_token_is_dead_te_11_te_12(self):
        token = self.token()
        auth = {"Authorization": "Bearer " + token}
        r = self.post("introspect", form(token=token), auth)
        self.assertEqual(r.status, 200, r.body[:300])
        self.assert_no_store(r)
        doc = r.json()
        self.assertIs(doc["active"], True)
        self.assertEqual(doc["me"], self.bob.url)
        self.assertEqual(doc["scope"], "read")
        self.assertIsInstance(doc["exp"], int)
        self.assertIsInstance(doc["iat"], int)
        r = self.post("introspect", form(token="never-issued"), auth)
        self.assertEqual(r.json(), {"active": False})
        other = self.token()
        r = self.post("revoke", form(token=token))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assert_no_store(r)
        r = self.post("introspect", form(token=token), {"Authorization": "Bearer " + other})
        self.assertEqual(r.json(), {"active": False})
        r = self.post("introspect", form(token=other), auth)
        self.assertEqual(r.status, 401, r.body[:300])
        self.assertIn('error="invalid_token"', r.header("WWW-Authenticate") or "")

    def test_revoke_unknown_token_is_200_te_12(self):
        r = self.post("revoke", form(token="never-issued"))
        self.assertEqual(r.status, 200, r.body[:300])

    # -- terminal face -------------------------------------------------------------------
    def test_auth_tokens_lists_issued_tokens_without_secrets_te_7(self):
        token = self.token()
        p = self.alice.run("auth", "--tokens")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode("utf-8")
        self.assertIn(self.resource, out)
        self.assertIn("active", out)
        self.assertNotIn(token, out)


if __name__ == "__main__":
    unittest.main()
