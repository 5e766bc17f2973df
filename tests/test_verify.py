"""Alexa request verification: Amazon's rules, every bad input of platforms.md, real Amazon chains.

The tests build their own CA, intermediate and signing certificate with `cryptography`, trust the CA
through SKILL_ALEXA_EXTRA_ROOTS, and hand the PEM to the verifier through its fetcher seam instead of
downloading it. Requests go through the real Flask app and answer 400 with a short reason.
"""
from __future__ import annotations

import base64
import copy
import http.server
import ipaddress
import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.verify import (AlexaVerifier, HttpFetcher, VerificationError, load_roots, normalise_cert_url)
from skill.web import create_app

SHARED_CERTS = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "alexa-certs"
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
NOW = datetime(2031, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"


# --- a test PKI ----------------------------------------------------------------------------------

def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test PKI"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, key, issuer, issuer_key, *, ca: bool, san=None, not_before=NOW - timedelta(days=30),
          not_after=NOW + timedelta(days=60)) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if ca:
        builder = (builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                encipher_only=False, decipher_only=False), critical=True))
    else:
        builder = (builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                key_encipherment=True, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
        if san is not None:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


class PKI:
    """A root, an intermediate, a good signing certificate and a bad one for each rule."""

    def __init__(self):
        self.root_key, self.inter_key, self.leaf_key, rogue_key = _key(), _key(), _key(), _key()
        root_name, inter_name = _name("Test Root CA"), _name("Test Intermediate CA")
        self.root = _cert(root_name, self.root_key, root_name, self.root_key, ca=True,
                          not_before=NOW - timedelta(days=3650), not_after=NOW + timedelta(days=3650))
        self.inter = _cert(inter_name, self.inter_key, root_name, self.root_key, ca=True,
                           not_before=NOW - timedelta(days=365), not_after=NOW + timedelta(days=365))
        echo = [x509.DNSName("echo-api.amazon.com")]

        def leaf(san=echo, **dates):
            return _cert(_name("echo-api.amazon.com"), self.leaf_key, inter_name, self.inter_key,
                         ca=False, san=san, **dates)

        self.leaf = leaf()
        rogue_name = _name("Rogue Root CA")
        rogue_root = _cert(rogue_name, rogue_key, rogue_name, rogue_key, ca=True,
                           not_before=NOW - timedelta(days=3650), not_after=NOW + timedelta(days=3650))
        rogue_inter = _cert(inter_name, rogue_key, rogue_name, rogue_key, ca=True)
        self.chains = {
            "good": _pem(self.leaf, self.inter),
            "expired": _pem(leaf(not_before=NOW - timedelta(days=90), not_after=NOW - timedelta(days=1)), self.inter),
            "not yet valid": _pem(leaf(not_before=NOW + timedelta(days=1), not_after=NOW + timedelta(days=90)), self.inter),
            "wrong SAN": _pem(leaf(san=[x509.DNSName("echo-api.example.com")]), self.inter),
            "wildcard SAN": _pem(leaf(san=[x509.DNSName("*.amazon.com")]), self.inter),
            "non-DNS SAN": _pem(leaf(san=[x509.IPAddress(ipaddress.ip_address("192.0.2.1")),
                                          x509.UniformResourceIdentifier("https://echo-api.amazon.com/")]), self.inter),
            "no SAN": _pem(leaf(san=None), self.inter),
            "untrusted root": _pem(_cert(_name("echo-api.amazon.com"), self.leaf_key, inter_name, rogue_key,
                                         ca=False, san=echo), rogue_inter, rogue_root),
            "missing intermediate": _pem(self.leaf),
            "not PEM": b"this is not a certificate",
        }

    def sign(self, body: bytes, key=None) -> str:
        return base64.b64encode((key or self.leaf_key).sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


@pytest.fixture(scope="module")
def pki() -> PKI:
    return PKI()


@pytest.fixture(scope="module")
def roots_file(pki, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roots") / "extra-roots.pem"
    path.write_bytes(_pem(pki.root))
    return path


class ChainFetcher:
    """The fetcher seam: serves one PEM for whatever URL it is asked, and remembers the URLs."""

    def __init__(self, pem: bytes):
        self.pem = pem
        self.urls: list[str] = []

    def fetch(self, url: str) -> bytes:
        self.urls.append(url)
        return self.pem


class Clock:
    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def app(store, roots_file):
    return create_app({"store": store, "alexa_verify": "1", "alexa_skill_id": SKILL_ID,
                       "alexa_extra_roots": str(roots_file), "database_url": "sqlite:///:memory:"})


@pytest.fixture
def client(app, pki):
    """A test client whose verifier fetches the good chain and lives at NOW."""
    endpoint = app.extensions["alexa"]
    original = endpoint.verifier
    endpoint.verifier = AlexaVerifier(SKILL_ID, roots=load_roots(original_roots_file(app)),
                                      fetcher=ChainFetcher(pki.chains["good"]), clock=Clock())
    yield app.test_client()
    endpoint.verifier = original


def original_roots_file(app) -> str:
    return app.extensions["skill"].config["alexa_extra_roots"]


def envelope(timestamp: datetime | str = NOW, app_id: str = SKILL_ID, text: str = "the great famine") -> dict:
    stamp = timestamp if isinstance(timestamp, str) else timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "1.0",
        "session": {"new": True, "sessionId": "amzn1.echo-api.session.1", "application": {"applicationId": app_id},
                    "attributes": {}, "user": {"userId": "amzn1.ask.account.test"}},
        "context": {"System": {"application": {"applicationId": app_id},
                               "user": {"userId": "amzn1.ask.account.test"},
                               "device": {"deviceId": "device", "supportedInterfaces": {}}}},
        "request": {"type": "IntentRequest", "requestId": "amzn1.echo-api.request.1", "timestamp": stamp,
                    "locale": "en-GB", "intent": {"name": "AskQuestionIntent", "confirmationStatus": "NONE",
                                                  "slots": {"question": {"name": "question", "value": text}}}},
    }


def body_of(env: dict) -> bytes:
    return json.dumps(env, ensure_ascii=False).encode("utf-8")


def signed(pki: PKI, body: bytes, url: str = CERT_URL) -> dict[str, str]:
    return {"SignatureCertChainUrl": url, "Signature-256": pki.sign(body), "Content-Type": "application/json"}


def post(client, body: bytes, headers: dict):
    return client.post("/alexa", data=body, headers=headers)


# --- accepted --------------------------------------------------------------------------------------

def test_a_signed_request_is_accepted_and_answered(client, pki):
    body = body_of(envelope())
    r = post(client, body, signed(pki, body))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["sessionAttributes"]["topic"] == "great-famine"


@pytest.mark.parametrize("url", [
    "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
    "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-test.pem",
])
def test_certificate_urls_amazon_allows_are_accepted_and_the_normalised_url_is_fetched(client, pki, url):
    body = body_of(envelope())
    assert post(client, body, signed(pki, body, url)).status_code == 200
    assert client.application.extensions["alexa"].verifier.fetcher.urls == [CERT_URL]


def test_a_utf8_body_with_non_ascii_text_is_accepted(client, pki):
    body = body_of(envelope(text="Pokémon and the Great Leap Forward"))
    assert "é".encode() in body
    assert post(client, body, signed(pki, body)).status_code == 200


@pytest.mark.parametrize("skew", [-150, 150])
def test_timestamps_at_150_seconds_either_way_are_accepted(client, pki, skew):
    body = body_of(envelope(NOW + timedelta(seconds=skew)))
    assert post(client, body, signed(pki, body)).status_code == 200


# --- rejected: every bad input listed in platforms.md ---------------------------------------------

URL_CASES = {
    "http URL": "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
    "wrong host": "https://notamazon.com/echo.api/echo-api-cert-test.pem",
    "wrong case path": "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem",
    "invalid path": "https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem",
    "port 563": "https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem",
    "dot-dot escape": "https://s3.amazonaws.com/echo.api/../x/echo-api-cert-test.pem",
    "percent-encoded dots": "https://s3.amazonaws.com/echo.api/%2e%2e/x/echo-api-cert-test.pem",
    "upper-case percent dots": "https://s3.amazonaws.com/echo.api/%2E%2E/x/cert.pem",
    "user@host": "https://user@s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
    "attacker host after @": "https://s3.amazonaws.com@evil.example/echo.api/cert.pem",
    "not a URL port": "https://s3.amazonaws.com:abc/echo.api/cert.pem",
}


@pytest.mark.parametrize("case", sorted(URL_CASES))
def test_bad_certificate_urls_answer_400_without_fetching(client, pki, case):
    body = body_of(envelope())
    r = post(client, body, signed(pki, body, URL_CASES[case]))
    assert r.status_code == 400
    assert "certificate URL" in r.get_json()["message"]
    assert client.application.extensions["alexa"].verifier.fetcher.urls == []


def test_missing_certificate_url_answers_400(client, pki):
    body = body_of(envelope())
    headers = signed(pki, body)
    del headers["SignatureCertChainUrl"]
    r = post(client, body, headers)
    assert (r.status_code, r.get_json()["message"]) == (400, "missing SignatureCertChainUrl header")


def test_an_unsigned_request_answers_400(client):
    r = client.post("/alexa", json=envelope())
    assert r.status_code == 400


HEADER_CASES = {
    "missing signature": (lambda h, pki, body: h.pop("Signature-256"), "missing Signature-256"),
    "non-base64 signature": (lambda h, pki, body: h.update({"Signature-256": "not*base64!"}), "not base64"),
    "valid base64, wrong signature": (
        lambda h, pki, body: h.update({"Signature-256": base64.b64encode(b"\0" * 256).decode()}), "does not match"),
    "signed by another key": (lambda h, pki, body: h.update({"Signature-256": pki.sign(body, pki.inter_key)}),
                              "does not match"),
    "SHA-1 Signature without Signature-256": (
        lambda h, pki, body: h.update({"Signature": h.pop("Signature-256")}), "missing Signature-256"),
}


@pytest.mark.parametrize("case", sorted(HEADER_CASES))
def test_bad_signatures_answer_400(client, pki, case):
    change, reason = HEADER_CASES[case]
    body = body_of(envelope())
    headers = signed(pki, body)
    change(headers, pki, body)
    r = post(client, body, headers)
    assert r.status_code == 400
    assert reason in r.get_json()["message"]


def test_a_tampered_body_answers_400(client, pki):
    body = body_of(envelope())
    headers = signed(pki, body)
    tampered = body.replace(b"the great famine", b"the great leap forward")
    r = post(client, tampered, headers)
    assert (r.status_code, r.get_json()["message"]) == (400, "signature does not match the body")


@pytest.mark.parametrize("chain,reason", [
    ("expired", "chain rejected"), ("not yet valid", "chain rejected"),
    ("wrong SAN", "not for echo-api.amazon.com"), ("wildcard SAN", "not for echo-api.amazon.com"),
    ("non-DNS SAN", "not for echo-api.amazon.com"), ("no SAN", "not for echo-api.amazon.com"),
    ("untrusted root", "chain rejected"), ("missing intermediate", "chain rejected"),
    ("not PEM", "not readable PEM"),
])
def test_bad_certificate_chains_answer_400(client, pki, chain, reason):
    client.application.extensions["alexa"].verifier.fetcher.pem = pki.chains[chain]
    body = body_of(envelope())
    r = post(client, body, signed(pki, body))
    assert r.status_code == 400
    assert reason in r.get_json()["message"]


# the web layer may refuse a body that is not JSON before the verifier sees it: either reason will do
BODY_CASES = {
    "empty body": (b"", ("empty body", "not valid JSON")),
    "{}": (b"{}", "not an Alexa request"),
    "not JSON": (b"{\"request\": ", ("not JSON", "not valid JSON")),
    "151 s old": (body_of(envelope(NOW - timedelta(seconds=151))), "timestamp"),
    "151 s in the future": (body_of(envelope(NOW + timedelta(seconds=151))), "timestamp"),
    "unparsable timestamp": (body_of(envelope("yesterday at noon")), "unreadable request timestamp"),
    "missing timestamp": (body_of(envelope("")), "missing request timestamp"),
    "foreign applicationId": (body_of(envelope(app_id="amzn1.ask.skill.someone-else")), "another skill"),
}


@pytest.mark.parametrize("case", sorted(BODY_CASES))
def test_bad_bodies_answer_400_even_when_correctly_signed(client, pki, case):
    body, reasons = BODY_CASES[case]
    r = post(client, body, signed(pki, body))
    assert r.status_code == 400
    message = r.get_json()["message"]
    assert any(reason in message for reason in ([reasons] if isinstance(reasons, str) else reasons)), message


def test_a_foreign_id_in_either_place_answers_400(client, pki):
    env = envelope()
    env["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    body = body_of(env)
    assert post(client, body, signed(pki, body)).status_code == 400


def test_a_certificate_download_failure_answers_400(client, pki):
    with socket.socket() as s:          # a port nobody listens on any more
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]

    class Failing:
        def fetch(self, url):
            return HttpFetcher(timeout=1).fetch(f"http://127.0.0.1:{closed_port}/echo.api/cert.pem")
    client.application.extensions["alexa"].verifier.fetcher = Failing()
    body = body_of(envelope())
    r = post(client, body, signed(pki, body))
    assert r.status_code == 400
    assert "certificate download failed" in r.get_json()["message"]


# --- the certificate cache ----------------------------------------------------------------------

def test_a_validated_chain_is_fetched_once_and_dropped_when_it_expires(pki, roots_file):
    fetcher, clock = ChainFetcher(pki.chains["good"]), Clock()
    verifier = AlexaVerifier(SKILL_ID, roots=load_roots(roots_file), fetcher=fetcher, clock=clock)
    body = body_of(envelope())
    for _ in range(3):
        verifier.verify(signed(pki, body), body)
    assert fetcher.urls == [CERT_URL]
    clock.now = pki.leaf.not_valid_after_utc + timedelta(seconds=1)
    later = body_of(envelope(clock.now))
    with pytest.raises(VerificationError, match="chain rejected"):
        verifier.verify(signed(pki, later), later)
    assert fetcher.urls == [CERT_URL, CERT_URL]


def test_a_rejected_chain_is_not_cached(pki, roots_file):
    fetcher = ChainFetcher(pki.chains["untrusted root"])
    verifier = AlexaVerifier(SKILL_ID, roots=load_roots(roots_file), fetcher=fetcher, clock=Clock())
    body = body_of(envelope())
    for _ in range(2):
        with pytest.raises(VerificationError):
            verifier.verify(signed(pki, body), body)
    assert len(fetcher.urls) == 2


# --- Amazon's real chains -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["echo-api-cert-12.pem", "echo-api-cert-7.pem"])
def test_amazons_real_chains_validate_inside_their_validity_and_fail_outside(name):
    pem = (SHARED_CERTS / name).read_bytes()
    verifier = AlexaVerifier(roots=load_roots(), fetcher=ChainFetcher(pem))
    signer = x509.load_pem_x509_certificates(pem)[0]
    inside = signer.not_valid_before_utc + (signer.not_valid_after_utc - signer.not_valid_before_utc) / 2
    chain = verifier.validate_chain(pem, inside)
    assert chain.signer == signer
    for outside in (signer.not_valid_before_utc - timedelta(days=1), signer.not_valid_after_utc + timedelta(seconds=1)):
        with pytest.raises(VerificationError, match="chain rejected"):
            verifier.validate_chain(pem, outside)


def test_amazons_real_chain_is_not_trusted_without_the_public_roots(pki):
    pem = (SHARED_CERTS / "echo-api-cert-12.pem").read_bytes()
    verifier = AlexaVerifier(roots=[pki.root], fetcher=ChainFetcher(pem))
    with pytest.raises(VerificationError, match="chain rejected"):
        verifier.validate_chain(pem, datetime(2023, 6, 1, tzinfo=timezone.utc))


# --- URL normalisation and the fetcher, directly --------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem", "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"),
    ("HTTPS://S3.AMAZONAWS.COM:443/echo.api/./a/../echo-api-cert-12.pem",
     "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"),
    ("https://s3.amazonaws.com/echo.api/%2e%2e/echo.api/x.pem", "https://s3.amazonaws.com/echo.api/x.pem"),
])
def test_normalised_urls(raw, expected):
    assert normalise_cert_url(raw) == expected


class _Server:
    """A real local HTTP server: one that sends too much, one that never answers."""

    def __init__(self, handler):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/echo.api/cert.pem"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _Big(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"A" * 200_000)

    def log_message(self, *args):
        pass


def test_the_fetcher_refuses_a_chain_larger_than_its_cap():
    server = _Server(_Big)
    try:
        with pytest.raises(VerificationError, match="too large"):
            HttpFetcher(max_bytes=64 * 1024).fetch(server.url)
        assert len(HttpFetcher(max_bytes=300_000).fetch(server.url)) == 200_000
    finally:
        server.close()


def test_the_fetcher_gives_up_on_a_server_that_never_answers():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)    # accepts the connection, never sends a byte
    try:
        with pytest.raises(VerificationError, match="certificate download failed"):
            HttpFetcher(timeout=0.5).fetch(f"http://127.0.0.1:{silent.getsockname()[1]}/echo.api/cert.pem")
    finally:
        silent.close()


def test_extra_roots_file_must_exist(tmp_path):
    with pytest.raises(ValueError, match="SKILL_ALEXA_EXTRA_ROOTS"):
        load_roots(tmp_path / "missing.pem")
    empty = tmp_path / "empty.pem"
    empty.write_text("nothing here")
    with pytest.raises(ValueError, match="no PEM certificate"):
        load_roots(empty)


def test_the_app_trusts_the_extra_roots_from_its_settings(app, pki):
    """No seam but the fetcher: the verifier built by create_app trusts the test root."""
    verifier = app.extensions["alexa"].verifier
    fresh = copy.copy(verifier)
    fresh.fetcher, fresh.clock, fresh._chains = ChainFetcher(pki.chains["good"]), Clock(), {}
    body = body_of(envelope())
    assert fresh.verify(signed(pki, body), body)["request"]["type"] == "IntentRequest"
