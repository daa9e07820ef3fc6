#!/usr/bin/env python3
"""Prove the awsso emulator speaks the real protocol, using a client we did not write: boto3/botocore 1.44.8.

Usage: AWSSO_EMULATOR=/path/to/awsso-emulator python test_emulator_botocore.py [-v]

Starts the emulator (``--accounts 250 --roles 3``) and points botocore at it with ``AWS_ENDPOINT_URL_SSO`` and
``AWS_ENDPOINT_URL_SSO_OIDC`` (protocol.md §6.3), in a temporary HOME with its own ``~/.aws/config``. Then, with the
stock ``sso-oidc`` and ``sso`` clients and botocore's own SSO credential/token providers, it checks the device flow
(pending, slow_down, approval, denial, expiry), the token cache round trip (protocol.md §1.4), botocore's refresh of a
near-expiry token (§1.6), paging (§5), throttling and 5xx, 401s for bad tokens, and the PKCE authorization-code flow
(§4). It also checks the emulated STS (§12): boto3's ``sts`` client with role credentials from GetRoleCredentials,
botocore's own AssumeRoleProvider resolving ``role_arn`` + ``source_profile`` chains over an SSO root (one and two
hops, ExternalId, MFA, the one-hour chaining limit), and the ``botocore_chain.py`` harness the awsso parity tests
use. Plain unittest; exits non-zero on failure. Set AWSSO_TEST_VERBOSE=1 to see the emulator's request lines.
"""

import atexit
import base64
import datetime
import hashlib
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

START_URL = "https://d-0000000000.awsapps.com/start"
REGION = "us-east-1"
SESSION_NAME = "my-sso"
SCOPES = ["sso:account:access"]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ACCOUNTS = 250
DEPLOY_ROLE = "arn:aws:iam::222222222222:role/Deploy"
READER_ROLE = "arn:aws:iam::333333333333:role/team/Reader"
MFA_ROLE = "arn:aws:iam::222222222222:role/Mfa"
MFA_SERIAL = "arn:aws:iam::111111111111:mfa/alice"
SSO_ARN = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/sso-user@example.com"
CHAINING = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
CHAIN_HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "botocore_chain.py")

CONFIG = f"""\
[profile dev]
sso_session = {SESSION_NAME}
sso_account_id = 111111111111
sso_role_name = Admin
region = {REGION}

[sso-session {SESSION_NAME}]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_account_id = 111111111112
sso_role_name = ReadOnly
region = {REGION}

[profile spoke]
role_arn = {DEPLOY_ROLE}
source_profile = dev
role_session_name = spoke-session

[profile spoke2]
role_arn = {READER_ROLE}
source_profile = spoke
external_id = xyz
duration_seconds = 900
region = eu-west-1

[profile spoke-mfa]
role_arn = {MFA_ROLE}
source_profile = dev
mfa_serial = {MFA_SERIAL}
role_session_name = mfa-session

[profile spoke-long]
role_arn = {DEPLOY_ROLE}
source_profile = dev
duration_seconds = 7200
"""

# botocore resolves ~/.aws/sso/cache when it is imported (tokens.py SSOTokenProvider._SSO_TOKEN_CACHE_DIR), so the
# temporary HOME and the rest of the environment must be in place before the import below.
_HOME = tempfile.mkdtemp(prefix="awsso-emulator-home-")
atexit.register(shutil.rmtree, _HOME, True)
for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]
os.environ.update(
    HOME=_HOME,
    AWS_CONFIG_FILE=os.path.join(_HOME, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE=os.path.join(_HOME, ".aws", "credentials"),
    AWS_EC2_METADATA_DISABLED="true",
)

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, TokenRetrievalError  # noqa: E402
from botocore.utils import percent_encode_sequence  # noqa: E402

EMULATOR = None  # set by setUpModule


class Emulator:
    """The emulator process, its base URL and its admin API."""

    def __init__(self, binary, *args):
        stderr = None if os.environ.get("AWSSO_TEST_VERBOSE") else subprocess.DEVNULL
        self.proc = subprocess.Popen([binary, *args], stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.url = self.proc.stdout.readline().strip()  # printed once listening (EOF if it died)
        if not self.url.startswith("http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"emulator did not print its URL (got {self.url!r}, exit {self.proc.wait()})")
        self.port = int(self.url.rsplit(":", 1)[1])

    def request(self, method, path, body=None, headers=None):
        """One HTTP request without following redirects: (status, lower-cased headers, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        status, _, payload = self.request(method, "/_admin/" + path, data, {"Content-Type": "application/json"})
        if status != 200:
            raise AssertionError(f"admin {method} {path} -> {status} {payload!r}")
        return json.loads(payload)

    def stop(self):
        self.proc.terminate()  # SIGTERM: must shut down cleanly
        code = self.proc.wait(timeout=10)
        if code != 0:
            raise AssertionError(f"emulator exited with {code} on SIGTERM")


def setUpModule():
    global EMULATOR
    binary = os.environ.get("AWSSO_EMULATOR")
    if not binary:
        raise RuntimeError("set AWSSO_EMULATOR to the awsso-emulator binary")
    EMULATOR = Emulator(binary, "--accounts", str(ACCOUNTS), "--roles", "3")
    os.environ["AWS_ENDPOINT_URL_SSO"] = EMULATOR.url
    os.environ["AWS_ENDPOINT_URL_SSO_OIDC"] = EMULATOR.url
    os.environ["AWS_ENDPOINT_URL_STS"] = EMULATOR.url
    os.makedirs(os.path.join(_HOME, ".aws"), exist_ok=True)
    with open(os.environ["AWS_CONFIG_FILE"], "w", encoding="utf-8") as f:
        f.write(CONFIG)


def tearDownModule():
    if EMULATOR is not None:
        EMULATOR.stop()


def iso_z(epoch_seconds):
    """The CLI's timestamp format, `%Y-%m-%dT%H:%M:%SZ` (protocol.md §1.3)."""
    return datetime.datetime.fromtimestamp(epoch_seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_z(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def cache_path(key):
    """~/.aws/sso/cache/sha1(key).json (protocol.md §1.1)."""
    return os.path.join(_HOME, ".aws", "sso", "cache", hashlib.sha1(key.encode("utf-8")).hexdigest() + ".json")


def write_token_cache(key, registration, token, expires_in):
    """Write the token file as `aws sso login` does: CLI key order and separators, 0600 (protocol.md §1.4, §1.5)."""
    path = cache_path(key)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    data = {
        "startUrl": START_URL,
        "region": REGION,
        "accessToken": token["accessToken"],
        "expiresAt": iso_z(time.time() + expires_in),
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
        "registrationExpiresAt": iso_z(registration["clientSecretExpiresAt"]),
    }
    if "refreshToken" in token:
        data["refreshToken"] = token["refreshToken"]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(data))
    return path


def error_code(error):
    return error.response["Error"]["Code"]


class EmulatorTestCase(unittest.TestCase):
    def setUp(self):
        EMULATOR.admin("POST", "reset")  # no clients, tokens, log or stats; start-up settings
        self.session = boto3.Session(region_name=REGION)
        self.oidc = self.session.client("sso-oidc")
        self.sso = self.session.client("sso")

    # -- helpers ------------------------------------------------------------------------------------------------

    def register(self, scopes=True, **extra):
        kwargs = {"clientName": f"botocore-client-{SESSION_NAME}", "clientType": "public", **extra}
        if scopes:
            kwargs["scopes"] = SCOPES
        return self.oidc.register_client(**kwargs)

    def start(self, registration):
        return self.oidc.start_device_authorization(
            clientId=registration["clientId"], clientSecret=registration["clientSecret"], startUrl=START_URL
        )

    def poll(self, registration, authorization):
        return self.oidc.create_token(
            grantType=DEVICE_GRANT,
            deviceCode=authorization["deviceCode"],
            clientId=registration["clientId"],
            clientSecret=registration["clientSecret"],
        )

    def poll_error(self, registration, authorization):
        with self.assertRaises(ClientError) as caught:
            self.poll(registration, authorization)
        return caught.exception

    def login(self, scopes=True):
        """A whole device-flow login approved through the admin API: (registration, token)."""
        registration = self.register(scopes=scopes)
        authorization = self.start(registration)
        EMULATOR.admin("POST", "approve", {"user_code": authorization["userCode"]})
        return registration, self.poll(registration, authorization)

    def log(self, path=None):
        entries = EMULATOR.admin("GET", "log")
        return [e for e in entries if path is None or e["path"] == path]

    def stats(self):
        return EMULATOR.admin("GET", "stats")

    def set_config(self, **settings):
        return EMULATOR.admin("POST", "config", settings)


class DeviceFlow(EmulatorTestCase):
    def test_pending_slow_down_then_approved_and_credentials_via_profile(self):
        registration = self.register()
        self.assertTrue(registration["clientId"] and registration["clientSecret"])
        issued, expires = registration["clientIdIssuedAt"], registration["clientSecretExpiresAt"]
        self.assertAlmostEqual(expires - issued, 90 * 86400, delta=60)  # ~90 days, epoch seconds
        self.assertAlmostEqual(issued, time.time(), delta=60)

        authorization = self.start(registration)
        user_code = authorization["userCode"]
        self.assertEqual(authorization["verificationUri"], f"{EMULATOR.url}/device")
        self.assertEqual(authorization["verificationUriComplete"], f"{EMULATOR.url}/device?user_code={user_code}")
        self.assertEqual((authorization["interval"], authorization["expiresIn"]), (1, 600))

        # The CLI's immediate first poll (protocol.md §3.3): pending, with the OAuth body members populated.
        pending = self.poll_error(registration, authorization)
        self.assertEqual(error_code(pending), "AuthorizationPendingException")
        self.assertEqual(pending.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(pending.response.get("error"), "authorization_pending")
        self.assertTrue(pending.response.get("error_description"))
        # Again at once, faster than `interval`.
        self.assertEqual(error_code(self.poll_error(registration, authorization)), "SlowDownException")

        status, _, page = EMULATOR.request("GET", f"/device?user_code={user_code}")
        self.assertEqual(status, 200)
        self.assertIn(user_code.encode(), page)
        self.assertEqual(EMULATOR.admin("POST", "approve", {"user_code": user_code}), {"user_codes": [user_code]})
        time.sleep(authorization["interval"] + 0.1)
        token = self.poll(registration, authorization)
        self.assertEqual(token["tokenType"], "Bearer")
        self.assertEqual(token["expiresIn"], 3600)
        self.assertIn("refreshToken", token)  # registered with scopes (protocol.md §10)

        # A spent device code.
        self.assertEqual(error_code(self.poll_error(registration, authorization)), "InvalidGrantException")
        # Neither SlowDown nor AuthorizationPending is retried by the SDK (protocol.md §3.3): one request per call.
        tokens = self.log("/token")
        self.assertEqual(
            [e["error_type"] for e in tokens],
            ["AuthorizationPendingException", "SlowDownException", None, "InvalidGrantException"],
        )
        self.assertEqual({e["grant_type"] for e in tokens}, {DEVICE_GRANT})

        # The token cache as the CLI writes it, read by botocore's own SSO provider for an sso_session profile.
        path = write_token_cache(SESSION_NAME, registration, token, token["expiresIn"])
        with open(path, encoding="utf-8") as f:
            before = f.read()
        credentials = boto3.Session(profile_name="dev").get_credentials()
        frozen = credentials.get_frozen_credentials()
        self.assertTrue(frozen.access_key.startswith("ASIA"), frozen.access_key)
        self.assertTrue(frozen.secret_key and frozen.token)
        self.assertEqual(credentials.method, "sso")
        stats = self.stats()
        self.assertEqual((stats["get_role_credentials"], stats["refresh_grants"]), (1, 0))
        (call,) = self.log("/federation/credentials")
        self.assertEqual(call["status"], 200)
        self.assertEqual(
            urllib.parse.parse_qs(call["query"]), {"account_id": ["111111111111"], "role_name": ["Admin"]}
        )
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), before, "a token with an hour left is not refreshed")

    def test_denied_on_the_verification_page(self):
        registration = self.register()
        authorization = self.start(registration)
        form = urllib.parse.urlencode({"user_code": authorization["userCode"], "action": "deny"})
        status, _, page = EMULATOR.request(
            "POST", "/device", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        self.assertEqual(status, 200, page)
        self.assertEqual(error_code(self.poll_error(registration, authorization)), "AccessDeniedException")

    def test_deny_all(self):
        self.set_config(deny_all=True, auto_approve=True)
        registration = self.register()
        denied = self.poll_error(registration, self.start(registration))
        self.assertEqual(error_code(denied), "AccessDeniedException")
        self.assertEqual(denied.response.get("error"), "access_denied")

    def test_expired(self):
        self.set_config(device_expires_in=1)
        registration = self.register()
        authorization = self.start(registration)
        self.assertEqual(authorization["expiresIn"], 1)
        time.sleep(1.1)
        self.assertEqual(error_code(self.poll_error(registration, authorization)), "ExpiredTokenException")

    def test_legacy_registration_and_profile(self):
        # No scopes: the fixed 8-hour token and no refresh token (protocol.md §1.6, §10). Auto-approve: the first
        # poll succeeds, as for a pre-authorised device.
        self.set_config(auto_approve=True)
        registration = self.register(scopes=False)
        token = self.poll(registration, self.start(registration))
        self.assertEqual(token["expiresIn"], 28800)
        self.assertNotIn("refreshToken", token)
        write_token_cache(START_URL, registration, token, token["expiresIn"])
        frozen = boto3.Session(profile_name="legacy").get_credentials().get_frozen_credentials()
        self.assertTrue(frozen.access_key.startswith("ASIA"))
        (call,) = self.log("/federation/credentials")
        self.assertEqual(
            urllib.parse.parse_qs(call["query"]), {"account_id": ["111111111112"], "role_name": ["ReadOnly"]}
        )

    def test_bad_client(self):
        registration = self.register()
        with self.assertRaises(ClientError) as caught:
            self.oidc.start_device_authorization(
                clientId=registration["clientId"], clientSecret="wrong", startUrl=START_URL
            )
        self.assertEqual(error_code(caught.exception), "InvalidClientException")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 401)


class TokenRefresh(EmulatorTestCase):
    def test_botocore_refreshes_a_near_expiry_token(self):
        registration, token = self.login()
        # Two minutes left: inside botocore's 15-minute refresh window (protocol.md §1.6).
        path = write_token_cache(SESSION_NAME, registration, token, 120)
        EMULATOR.admin("POST", "reset-log")

        frozen = boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials()
        self.assertTrue(frozen.access_key.startswith("ASIA"))

        stats = self.stats()
        self.assertEqual(stats["refresh_grants"], 1, self.log())
        self.assertEqual(stats["get_role_credentials"], 1)
        self.assertEqual(
            [(e["path"], e["grant_type"], e["status"]) for e in self.log()],
            [("/token", "refresh_token", 200), ("/federation/credentials", None, 200)],
        )
        with open(path, encoding="utf-8") as f:
            cached = json.load(f)
        self.assertNotEqual(cached["accessToken"], token["accessToken"])
        self.assertNotEqual(cached["refreshToken"], token["refreshToken"])  # rotated
        self.assertAlmostEqual(parse_z(cached["expiresAt"]), time.time() + 3600, delta=120)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        # The new token works; the old refresh token was single-use.
        self.assertIn("accountList", self.sso.list_accounts(accessToken=cached["accessToken"], maxResults=1))
        with self.assertRaises(ClientError) as caught:
            self.oidc.create_token(
                grantType="refresh_token",
                refreshToken=token["refreshToken"],
                clientId=registration["clientId"],
                clientSecret=registration["clientSecret"],
            )
        self.assertEqual(error_code(caught.exception), "InvalidGrantException")

    def test_expired_token_with_a_revoked_refresh_token(self):
        registration, token = self.login()
        write_token_cache(SESSION_NAME, registration, token, -60)
        EMULATOR.admin("POST", "revoke-tokens")
        # protocol.md §1.6, verified behaviour: expired token + InvalidGrantException -> TokenRetrievalError.
        with self.assertRaises(TokenRetrievalError):
            boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials()
        self.assertEqual([e["error_type"] for e in self.log("/token")][-1], "InvalidGrantException")


class Portal(EmulatorTestCase):
    def test_unauthorized_tokens(self):
        _, token = self.login()
        access = token["accessToken"]
        creds = self.sso.get_role_credentials(roleName="Admin", accountId="111111111111", accessToken=access)
        expiration_ms = creds["roleCredentials"]["expiration"]
        self.assertAlmostEqual(expiration_ms / 1000, time.time() + 3600, delta=120)  # epoch milliseconds

        for bad in ["bogus", access]:
            if bad == access:
                self.assertEqual(EMULATOR.admin("POST", "expire-tokens"), {"expired": 1})
            with self.assertRaises(ClientError) as caught:
                self.sso.get_role_credentials(roleName="Admin", accountId="111111111111", accessToken=bad)
            error = caught.exception
            self.assertEqual(error_code(error), "UnauthorizedException")
            self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 401)
            self.assertEqual(error.response["Error"]["Message"], "Session token not found or invalid")

    def test_logout_revokes_the_token(self):
        _, token = self.login()
        self.sso.logout(accessToken=token["accessToken"])
        with self.assertRaises(ClientError) as caught:
            self.sso.list_accounts(accessToken=token["accessToken"])
        self.assertEqual(error_code(caught.exception), "UnauthorizedException")
        self.assertEqual(self.stats()["logouts"], 1)

    def test_no_access_to_a_role(self):
        _, token = self.login()
        with self.assertRaises(ClientError) as caught:
            self.sso.get_role_credentials(roleName="Nope", accountId="111111111111", accessToken=token["accessToken"])
        self.assertEqual(error_code(caught.exception), "ForbiddenException")

    def test_paginators(self):
        _, token = self.login()
        EMULATOR.admin("POST", "reset-log")
        pages = list(
            self.sso.get_paginator("list_accounts").paginate(
                accessToken=token["accessToken"], PaginationConfig={"PageSize": 7}
            )
        )
        self.assertEqual(len(pages), 36)  # ceil(250 / 7)
        accounts = [a for p in pages for a in p["accountList"]]
        self.assertEqual(len(accounts), ACCOUNTS)
        self.assertEqual(len({a["accountId"] for a in accounts}), ACCOUNTS)
        self.assertEqual(accounts[0], {
            "accountId": "111111111111", "accountName": "account-0001", "emailAddress": "account-0001@example.com",
        })
        self.assertEqual(accounts[-1]["accountName"], "account-0250")
        self.assertTrue(all(len(a["accountId"]) == 12 for a in accounts))
        self.assertNotIn("nextToken", pages[-1])
        queries = [urllib.parse.parse_qs(e["query"]) for e in self.log("/assignment/accounts")]
        self.assertEqual(len(queries), 36)
        self.assertTrue(all(q["max_result"] == ["7"] for q in queries))
        self.assertNotIn("next_token", queries[0])
        self.assertTrue(all("next_token" in q for q in queries[1:]))

        roles = list(
            self.sso.get_paginator("list_account_roles").paginate(
                accessToken=token["accessToken"], accountId="111111111250", PaginationConfig={"PageSize": 2}
            )
        )
        self.assertEqual([[r["roleName"] for r in p["roleList"]] for p in roles], [["Admin", "ReadOnly"], ["Developer"]])
        self.assertTrue(all(r["accountId"] == "111111111250" for p in roles for r in p["roleList"]))

    def test_throttling_and_server_errors(self):
        _, token = self.login()
        access = token["accessToken"]
        no_retries = self.session.client("sso", config=Config(retries={"max_attempts": 1}))
        self.set_config(throttle_every=1)
        with self.assertRaises(ClientError) as caught:
            no_retries.list_accounts(accessToken=access)
        self.assertEqual(error_code(caught.exception), "TooManyRequestsException")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 429)

        # Every second portal request throttled: the SDK's standard retry gets through (protocol.md §5).
        retrying = self.session.client("sso", config=Config(retries={"mode": "standard", "max_attempts": 3}))
        self.set_config(throttle_every=2)
        EMULATOR.admin("POST", "reset-log")
        retrying.list_accounts(accessToken=access, maxResults=1)  # portal request 1: fine
        retrying.list_accounts(accessToken=access, maxResults=1)  # 2 throttled, retried as 3
        self.assertEqual([e["status"] for e in self.log("/assignment/accounts")], [200, 429, 200])

        self.set_config(throttle_every=0, error_every=1)
        oidc = self.session.client("sso-oidc", config=Config(retries={"max_attempts": 1}))
        with self.assertRaises(ClientError) as caught:
            oidc.register_client(clientName="x", clientType="public")
        self.assertEqual(error_code(caught.exception), "InternalServerException")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(caught.exception.response.get("error"), "server_error")


class AuthorizationCode(EmulatorTestCase):
    REDIRECT = "http://127.0.0.1/oauth/callback"

    def register_pkce(self):
        # What the CLI registers for the PKCE flow (protocol.md §3.1, §4).
        return self.register(
            grantTypes=["authorization_code", "refresh_token"], redirectUris=[self.REDIRECT], issuerUrl=START_URL
        )

    def authorize(self, registration, verifier, callback_port=55555, path="/oauth/callback"):
        """GET /authorize with the CLI's parameters; returns (status, headers, body, state, redirect_uri)."""
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()[:-1]
        state = "00000000-0000-0000-0000-%012d" % secrets.randbelow(10**12)
        redirect_uri = f"http://127.0.0.1:{callback_port}{path}"
        # Same construction as the CLI (protocol.md §4 "Authorize URL").
        query = percent_encode_sequence({
            "response_type": "code",
            "client_id": registration["clientId"],
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge_method": "S256",
            "scopes": " ".join(SCOPES),
        }) + "&code_challenge=" + challenge
        status, headers, body = EMULATOR.request("GET", "/authorize?" + query)
        return status, headers, body, state, redirect_uri

    def code_from(self, headers, state, redirect_uri):
        location = headers["location"]
        base, _, query = location.partition("?")
        self.assertEqual(base, redirect_uri)
        params = urllib.parse.parse_qs(query)
        self.assertEqual(params["state"], [state])
        return params["code"][0]

    def exchange(self, registration, code, verifier, redirect_uri):
        return self.oidc.create_token(
            grantType="authorization_code",
            clientId=registration["clientId"],
            clientSecret=registration["clientSecret"],
            redirectUri=redirect_uri,
            codeVerifier=verifier,
            code=code,
        )

    def test_pkce_exchange(self):
        self.set_config(auto_approve=True)
        registration = self.register_pkce()
        verifier = secrets.token_urlsafe(48)[:64]
        status, headers, _, state, redirect_uri = self.authorize(registration, verifier)
        self.assertEqual(status, 302)
        code = self.code_from(headers, state, redirect_uri)
        token = self.exchange(registration, code, verifier, redirect_uri)
        self.assertEqual((token["tokenType"], token["expiresIn"]), ("Bearer", 3600))
        self.assertIn("refreshToken", token)
        self.assertEqual(self.stats()["authorization_code_grants"], 1)

        # Codes are single-use.
        with self.assertRaises(ClientError) as caught:
            self.exchange(registration, code, verifier, redirect_uri)
        self.assertEqual(error_code(caught.exception), "InvalidGrantException")

        # A wrong verifier.
        status, headers, _, state, redirect_uri = self.authorize(registration, verifier, callback_port=44444)
        code = self.code_from(headers, state, redirect_uri)
        with self.assertRaises(ClientError) as caught:
            self.exchange(registration, code, secrets.token_urlsafe(48)[:64], redirect_uri)
        self.assertEqual(error_code(caught.exception), "InvalidGrantException")
        self.assertEqual(caught.exception.response.get("error"), "invalid_grant")

        # The refresh token of an auth-code login refreshes.
        refreshed = self.oidc.create_token(
            grantType="refresh_token",
            refreshToken=token["refreshToken"],
            clientId=registration["clientId"],
            clientSecret=registration["clientSecret"],
        )
        self.assertIn("refreshToken", refreshed)

    def test_bad_redirect_uri_is_not_followed(self):
        self.set_config(auto_approve=True)
        registration = self.register_pkce()
        status, headers, body, _, _ = self.authorize(registration, "v" * 64, path="/elsewhere")
        self.assertEqual(status, 400)
        self.assertNotIn("location", headers)
        self.assertEqual(json.loads(body)["error"], "invalid_redirect_uri")

    def test_denied(self):
        self.set_config(auto_approve=True, deny_all=True)
        registration = self.register_pkce()
        status, headers, _, state, redirect_uri = self.authorize(registration, "v" * 64)
        self.assertEqual(status, 302)
        location = headers["location"]
        self.assertTrue(location.startswith(redirect_uri + "?"), location)
        self.assertEqual(
            urllib.parse.parse_qs(location.partition("?")[2]), {"error": ["access_denied"], "state": [state]}
        )

    def test_consent_page(self):
        registration = self.register_pkce()
        verifier = "v" * 64
        status, _, page, state, redirect_uri = self.authorize(registration, verifier)
        self.assertEqual(status, 200)
        request_id = page.decode().split('name="request_id" value="', 1)[1].split('"', 1)[0]
        form = urllib.parse.urlencode({"request_id": request_id, "action": "allow"})
        status, headers, _ = EMULATOR.request(
            "POST", "/authorize", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        self.assertEqual(status, 302)
        code = self.code_from(headers, state, redirect_uri)
        self.assertIn("accessToken", self.exchange(registration, code, verifier, redirect_uri))


class Sts(EmulatorTestCase):
    """The emulated STS (protocol.md §12.3, §12.4) driven by boto3's ``sts`` client and botocore's AssumeRoleProvider."""

    def sso_role_credentials(self):
        """A login, the token cache for the ``dev`` profile, and GetRoleCredentials for 111111111111/Admin."""
        registration, token = self.login()
        write_token_cache(SESSION_NAME, registration, token, token["expiresIn"])
        creds = self.sso.get_role_credentials(
            roleName="Admin", accountId="111111111111", accessToken=token["accessToken"]
        )["roleCredentials"]
        return creds

    def sts_client(self, key, secret, token=None, region=REGION):
        return self.session.client(
            "sts",
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(retries={"max_attempts": 1}),
        )

    def calls(self, action="AssumeRole"):
        return EMULATOR.admin("GET", f"sts/calls?action={action}")

    def test_boto3_assume_role_with_sso_role_credentials(self):
        creds = self.sso_role_credentials()
        sts = self.sts_client(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])
        self.assertEqual(sts.get_caller_identity()["Arn"], SSO_ARN)

        answer = sts.assume_role(RoleArn=DEPLOY_ROLE, RoleSessionName="alice", DurationSeconds=3600)
        self.assertEqual(answer["AssumedRoleUser"]["Arn"], "arn:aws:sts::222222222222:assumed-role/Deploy/alice")
        self.assertRegex(answer["AssumedRoleUser"]["AssumedRoleId"], r"^AROA[A-Z0-9]{17}:alice$")
        self.assertEqual(answer["PackedPolicySize"], 6)
        issued = answer["Credentials"]
        self.assertTrue(issued["AccessKeyId"].startswith("ASIA"))
        # botocore parsed Expiration as a timestamp: an hour from now.
        self.assertAlmostEqual(issued["Expiration"].timestamp(), time.time() + 3600, delta=120)

        hop = self.sts_client(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"], "eu-west-1")
        identity = hop.get_caller_identity()
        self.assertEqual(identity["Arn"], "arn:aws:sts::222222222222:assumed-role/Deploy/alice")
        self.assertEqual(identity["Account"], "222222222222")
        self.assertEqual(identity["UserId"], answer["AssumedRoleUser"]["AssumedRoleId"])

        (call,) = self.calls()
        self.assertEqual(call["access_key_id"], creds["accessKeyId"])
        self.assertEqual(call["caller_arn"], SSO_ARN)
        self.assertEqual((call["role_arn"], call["role_session_name"], call["duration_seconds"]),
                         (DEPLOY_ROLE, "alice", 3600))
        self.assertEqual(call["issued_access_key_id"], issued["AccessKeyId"])
        stats = self.stats()
        self.assertEqual((stats["assume_role"], stats["get_caller_identity"]), (1, 2))
        self.assertEqual(stats["requests"]["POST /"], 3)

    def test_errors_as_botocore_sees_them(self):
        creds = self.sso_role_credentials()
        sts = self.sts_client(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])

        def error(call, **kwargs):
            with self.assertRaises(ClientError) as caught:
                call(**kwargs)
            e = caught.exception
            return e.response["ResponseMetadata"]["HTTPStatusCode"], error_code(e), e.response["Error"]["Message"]

        self.assertEqual(error(sts.assume_role, RoleArn=DEPLOY_ROLE, RoleSessionName="ab", DurationSeconds=7200),
                         (400, "ValidationError", CHAINING))
        EMULATOR.admin("POST", "sts/roles", {"role_arn": DEPLOY_ROLE, "external_id": "xyz"})
        status, code, message = error(sts.assume_role, RoleArn=DEPLOY_ROLE, RoleSessionName="ab")
        self.assertEqual((status, code), (403, "AccessDenied"))
        self.assertEqual(message, f"User: {SSO_ARN} is not authorized to perform: sts:AssumeRole on resource: "
                                  f"{DEPLOY_ROLE}")
        sts.assume_role(RoleArn=DEPLOY_ROLE, RoleSessionName="ab", ExternalId="xyz")
        EMULATOR.admin("POST", "sts/roles", {"role_arn": MFA_ROLE, "mfa_serial": MFA_SERIAL, "mfa_code": "123456"})
        self.assertEqual(error(sts.assume_role, RoleArn=MFA_ROLE, RoleSessionName="ab", SerialNumber=MFA_SERIAL,
                               TokenCode="000000")[:2], (403, "AccessDenied"))
        sts.assume_role(RoleArn=MFA_ROLE, RoleSessionName="ab", SerialNumber=MFA_SERIAL, TokenCode="123456")
        EMULATOR.admin("POST", "sts/roles", {"role_arn": DEPLOY_ROLE, "deny": True})
        self.assertEqual(error(sts.assume_role, RoleArn=DEPLOY_ROLE, RoleSessionName="ab", ExternalId="xyz")[:2],
                         (403, "AccessDenied"))

        wrong = self.sts_client(creds["accessKeyId"], "not-the-secret", creds["sessionToken"])
        self.assertEqual(error(wrong.get_caller_identity)[:2], (403, "SignatureDoesNotMatch"))
        unknown = self.sts_client("ASIAAAAAAAAAAAAAAAAA", creds["secretAccessKey"], creds["sessionToken"])
        self.assertEqual(error(unknown.get_caller_identity)[:2], (403, "InvalidClientTokenId"))
        self.assertEqual(EMULATOR.admin("POST", "sts/expire-credentials")["expired"], 3)
        self.assertEqual(error(sts.get_caller_identity)[:2], (400, "ExpiredToken"))

        # Long-term IAM-user keys are no role session: 12 hours is allowed.
        user = EMULATOR.admin("POST", "sts/users", {"user_name": "ci", "account_id": "444444444444"})
        static = self.sts_client(user["access_key_id"], user["secret_access_key"])
        self.assertEqual(static.get_caller_identity()["Arn"], "arn:aws:iam::444444444444:user/ci")
        long = static.assume_role(RoleArn=READER_ROLE, RoleSessionName="ci", DurationSeconds=43200)
        self.assertAlmostEqual(long["Credentials"]["Expiration"].timestamp(), time.time() + 43200, delta=120)

    def test_assume_role_provider_over_an_sso_root(self):
        creds = self.sso_role_credentials()
        EMULATOR.admin("POST", "reset-stats")

        session = boto3.Session(profile_name="spoke")
        identity = session.client("sts", region_name=REGION).get_caller_identity()
        self.assertEqual(identity["Arn"], "arn:aws:sts::222222222222:assumed-role/Deploy/spoke-session")
        self.assertEqual(session.get_credentials().method, "assume-role")
        (call,) = self.calls()
        self.assertEqual(call["caller_arn"], SSO_ARN, "signed with the credentials GetRoleCredentials issued")
        self.assertNotEqual(call["access_key_id"], creds["accessKeyId"], "botocore fetched its own")
        self.assertEqual((call["role_arn"], call["role_session_name"], call["duration_seconds"],
                          call["external_id"]), (DEPLOY_ROLE, "spoke-session", None, None))

        # Two hops: spoke2 -> spoke -> dev (SSO), with external_id and duration_seconds on the second hop.
        EMULATOR.admin("POST", "sts/reset-calls")
        EMULATOR.admin("POST", "sts/roles", {"role_arn": READER_ROLE, "external_id": "xyz"})
        arn = boto3.Session(profile_name="spoke2").client("sts").get_caller_identity()["Arn"]
        self.assertRegex(arn, r"^arn:aws:sts::333333333333:assumed-role/Reader/botocore-session-\d+$")
        first, second = self.calls()
        self.assertEqual((first["role_arn"], first["caller_arn"]), (DEPLOY_ROLE, SSO_ARN))
        self.assertEqual(second["access_key_id"], first["issued_access_key_id"])
        self.assertEqual((second["role_arn"], second["external_id"], second["duration_seconds"]),
                         (READER_ROLE, "xyz", 900))
        self.assertEqual(self.stats()["get_role_credentials"], 2, "one SSO hop per resolution")

        # duration_seconds = 7200 behind an SSO role session: AWS's words, from botocore.
        with self.assertRaises(ClientError) as caught:
            boto3.Session(profile_name="spoke-long").client("sts", region_name=REGION).get_caller_identity()
        self.assertEqual((error_code(caught.exception), caught.exception.response["Error"]["Message"]),
                         ("ValidationError", CHAINING))

    def chain(self, profile, *flags, mfa_code=None, region=REGION):
        env = dict(os.environ)
        env.pop("AWSSO_TEST_MFA_CODE", None)
        if region is not None:
            env["AWS_DEFAULT_REGION"] = region  # botocore's STS client for the chain needs a region
        if mfa_code is not None:
            env["AWSSO_TEST_MFA_CODE"] = mfa_code
        done = subprocess.run([sys.executable, CHAIN_HARNESS, *flags, profile], env=env, capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertEqual(len(lines), 1, done.stdout)
        return json.loads(lines[0])

    def test_the_chain_harness(self):
        self.sso_role_credentials()
        EMULATOR.admin("POST", "sts/roles", {"role_arn": MFA_ROLE, "mfa_serial": MFA_SERIAL, "mfa_code": "123456"})
        prompt = f"Enter MFA code for {MFA_SERIAL}: "

        result = self.chain("spoke-mfa", mfa_code="123456")
        self.assertEqual(result, {
            "ok": True, "arn": "arn:aws:sts::222222222222:assumed-role/Mfa/mfa-session",
            "access_key": self.calls()[-1]["issued_access_key_id"], "method": "assume-role", "mfa_prompts": [prompt],
        })
        self.assertEqual((self.calls()[-1]["serial_number"], self.calls()[-1]["token_code"]), (MFA_SERIAL, "123456"))
        result = self.chain("spoke-mfa", mfa_code="654321")
        self.assertFalse(result["ok"])
        self.assertTrue(result["error"].startswith("ClientError: An error occurred (AccessDenied)"), result)
        result = self.chain("spoke-mfa")
        self.assertEqual(result, {"ok": False, "error": "EOFError: no MFA code: set AWSSO_TEST_MFA_CODE",
                                  "mfa_prompts": [prompt]})
        self.assertEqual(self.chain("spoke-long")["error"],
                         f"ClientError: An error occurred (ValidationError) when calling the AssumeRole operation: "
                         f"{CHAINING}")
        self.assertEqual(self.chain("nope")["error"], "ProfileNotFound: The config profile (nope) could not be found")
        # Without a region (profile `region` or AWS_DEFAULT_REGION) botocore cannot create the STS client.
        self.assertEqual(self.chain("spoke", region=None)["error"], "NoRegionError: You must specify a region.")

        # --cli-cache: the AWS CLI's JSONFileCache, keyed as protocol.md §12.2 says; the second run calls no STS.
        EMULATOR.admin("POST", "sts/reset-calls")
        first = self.chain("spoke", "--cli-cache")
        key = hashlib.sha1(json.dumps({"RoleArn": DEPLOY_ROLE, "RoleSessionName": "spoke-session"},
                                      sort_keys=True).encode()).hexdigest()
        with open(os.path.join(_HOME, ".aws", "cli", "cache", key + ".json"), encoding="utf-8") as f:
            cached = json.load(f)
        self.assertEqual(cached["Credentials"]["AccessKeyId"], first["access_key"])
        self.assertEqual(self.chain("spoke", "--cli-cache")["access_key"], first["access_key"])
        self.assertEqual(len(self.calls()), 1, "the cached credentials were used")
        self.assertEqual(len(self.calls("GetCallerIdentity")), 2)


if __name__ == "__main__":
    if botocore.__version__ != "1.44.8":
        print(f"warning: protocol.md was verified against botocore 1.44.8, this is {botocore.__version__}",
              file=sys.stderr)
    unittest.main()
