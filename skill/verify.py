"""Alexa request verification ("Host a Custom Skill as a Web Service"), with `cryptography` only.

Checks, in order: the certificate URL (after normalising it), the certificate chain (trusted root,
validity dates, SAN echo-api.amazon.com), the `Signature-256` over the raw body bytes, the request
timestamp (150 s either way) and the application id. Any failure raises VerificationError with a
short reason, which the web layer answers with HTTP 400.

The certificate download is a one-method seam (`fetch(url) -> bytes`): tests hand in their own PEM.
A validated chain is cached per URL until the first certificate in it expires, so a busy server
checks one RSA signature per request and validates the chain once.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import ssl
import threading
import urllib.request
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol
from urllib.parse import quote, unquote, urlsplit

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import PolicyBuilder, Store
from cryptography.x509.verification import VerificationError as ChainError

CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
SIGNER_NAME = "echo-api.amazon.com"
MAX_SKEW_SECONDS = 150
FETCH_TIMEOUT_SECONDS = 3.0
MAX_CHAIN_BYTES = 64 * 1024      # Amazon's chain is about 6 KB
MAX_CACHED_CHAINS = 16

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class VerificationError(Exception):
    """The request is not a genuine, fresh Alexa request for this skill; str() is the short reason."""


class CertificateFetcher(Protocol):
    def fetch(self, url: str) -> bytes: ...


class HttpFetcher:
    """Downloads a certificate chain over HTTPS with a timeout and a size cap."""

    def __init__(self, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = MAX_CHAIN_BYTES):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._tls = ssl.create_default_context(cafile=certifi.where())

    def fetch(self, url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout, context=self._tls) as response:
                data = response.read(self.max_bytes + 1)
        except (OSError, ValueError) as e:   # URLError, HTTPError, timeouts, TLS errors are OSErrors
            raise VerificationError(f"certificate download failed: {_short(e)}") from None
        if len(data) > self.max_bytes:
            raise VerificationError("certificate chain too large")
        return data


@lru_cache(maxsize=256)     # Amazon uses a handful of URLs; a rejected one raises and is not kept
def normalise_cert_url(raw: str | None) -> str:
    """The URL Amazon's rules accept, rebuilt from its parts, or VerificationError.

    The path is percent-decoded and its dot segments resolved before the prefix check, so
    `/echo.api/../x` and `/echo.api/%2e%2e/x` are seen for what they are; the URL returned is the one
    that was checked, and the only one that should be fetched.
    """
    if not raw or not raw.strip():
        raise VerificationError("missing SignatureCertChainUrl header")
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        raise VerificationError("malformed certificate URL") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL must use https")
    if "@" in parts.netloc:
        raise VerificationError("certificate URL must not carry user info")
    if (parts.hostname or "").lower() != CERT_HOST:
        raise VerificationError(f"certificate URL host must be {CERT_HOST}")
    if port not in (None, 443):
        raise VerificationError("certificate URL port must be 443")
    if parts.query or parts.fragment:
        raise VerificationError("certificate URL must not have a query or fragment")
    path = _remove_dot_segments(unquote(parts.path))
    if not path.startswith(CERT_PATH_PREFIX):
        raise VerificationError(f"certificate URL path must start with {CERT_PATH_PREFIX}")
    return f"https://{CERT_HOST}{quote(path, safe='/')}"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on an already decoded path."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        elif seg == ".":
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def load_roots(extra_pem_file: str | Path | None = None) -> list[x509.Certificate]:
    """certifi's roots plus, when given, the roots in a PEM file (tests, private deployments)."""
    roots = _load_pem_certs(Path(certifi.where()).read_bytes())
    if extra_pem_file:
        path = Path(extra_pem_file)
        try:
            extra = _load_pem_certs(path.read_bytes())
        except OSError as e:
            raise ValueError(f"cannot read SKILL_ALEXA_EXTRA_ROOTS {path}: {e.strerror}") from None
        if not extra:
            raise ValueError(f"SKILL_ALEXA_EXTRA_ROOTS {path} holds no PEM certificate")
        roots += extra
    return roots


def _load_pem_certs(data: bytes) -> list[x509.Certificate]:
    """Each certificate on its own, so one odd root (certifi has a negative serial) cannot sink the rest."""
    certs = []
    for block in _PEM_BLOCK.findall(data):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                certs.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    return certs


@dataclass(frozen=True)
class _Chain:
    signer: x509.Certificate
    not_before: datetime
    not_after: datetime


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AlexaVerifier:
    """Verifies Alexa requests; `fetcher` and `clock` are the seams tests replace."""

    def __init__(self, skill_id: str = "", roots: list[x509.Certificate] | None = None,
                 fetcher: CertificateFetcher | None = None, clock: Callable[[], datetime] = _utcnow,
                 max_skew: int = MAX_SKEW_SECONDS):
        self.skill_id = skill_id
        self.fetcher = fetcher or HttpFetcher()
        self.clock = clock
        self.max_skew = max_skew
        self._store = Store(roots if roots is not None else load_roots())
        self._chains: dict[str, _Chain] = {}
        self._lock = threading.Lock()

    # --- the whole check ------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], body: bytes, parsed: Any = None) -> dict[str, Any]:
        """Check a request; return its parsed envelope. `parsed`, when given, is `body` parsed."""
        url = normalise_cert_url(headers.get("SignatureCertChainUrl"))
        signature = _signature(headers)
        signer = self.signer(url)
        try:
            signer.public_key().verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationError("signature does not match the body") from None
        envelope = parse_envelope(body, parsed)
        self.check_envelope(envelope)
        return envelope

    def check_envelope(self, envelope: dict[str, Any]) -> None:
        check_timestamp(envelope, self.clock(), self.max_skew)
        check_application(envelope, self.skill_id)

    # --- certificates ---------------------------------------------------------------------

    def signer(self, url: str) -> x509.Certificate:
        """The validated signing certificate for a normalised URL, from the cache when still valid."""
        now = self.clock()
        with self._lock:
            cached = self._chains.get(url)
        if cached and cached.not_before <= now <= cached.not_after:
            return cached.signer
        chain = self.validate_chain(self.fetcher.fetch(url), now)
        with self._lock:
            if len(self._chains) >= MAX_CACHED_CHAINS:
                self._chains.clear()
            self._chains[url] = chain
        return chain.signer

    def validate_chain(self, pem: bytes, now: datetime) -> _Chain:
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise VerificationError("certificate chain is not readable PEM") from None
        signer, intermediates = certs[0], certs[1:]
        if not isinstance(signer.public_key(), rsa.RSAPublicKey):
            raise VerificationError("signing certificate has no RSA key")
        if SIGNER_NAME not in _dns_names(signer):
            # checked literally: a wildcard such as *.amazon.com is not Amazon's signing certificate
            raise VerificationError(f"signing certificate is not for {SIGNER_NAME}")
        verifier = (PolicyBuilder().store(self._store).time(now)
                    .build_server_verifier(x509.DNSName(SIGNER_NAME)))
        try:
            path = verifier.verify(signer, intermediates)
        except ChainError as e:
            raise VerificationError(f"certificate chain rejected: {_chain_reason(e)}") from None
        return _Chain(signer, max(c.not_valid_before_utc for c in path),
                      min(c.not_valid_after_utc for c in path))


def _signature(headers: Mapping[str, str]) -> bytes:
    value = headers.get("Signature-256")
    if not value:
        # the SHA-1 `Signature` header alone is not enough
        raise VerificationError("missing Signature-256 header")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("Signature-256 is not base64") from None


def _dns_names(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {name.lower() for name in san.get_values_for_type(x509.DNSName)}


def parse_envelope(body: bytes, parsed: Any = None) -> dict[str, Any]:
    """The envelope in `body`; `parsed`, when given, is `body` already parsed by the caller."""
    if not body:
        raise VerificationError("empty body")
    envelope = parsed
    if envelope is None:
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise VerificationError("body is not JSON") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("request"), dict):
        raise VerificationError("body is not an Alexa request")
    return envelope


def check_timestamp(envelope: dict[str, Any], now: datetime, max_skew: int = MAX_SKEW_SECONDS) -> None:
    raw = envelope.get("request", {}).get("timestamp")
    if not isinstance(raw, str) or not raw:
        raise VerificationError("missing request timestamp")
    try:
        stamp = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise VerificationError("unreadable request timestamp") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    if abs((now - stamp).total_seconds()) > max_skew:
        raise VerificationError(f"request timestamp more than {max_skew} s from now")


def check_application(envelope: dict[str, Any], skill_id: str) -> None:
    """Every application id in the request must be ours (no configured id: development, accept any)."""
    if not skill_id:
        return
    ids = [_dig(envelope, "session", "application", "applicationId"),
           _dig(envelope, "context", "System", "application", "applicationId")]
    ids = [i for i in ids if i is not None]
    if not ids or any(i != skill_id for i in ids):
        raise VerificationError("request is for another skill")


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _chain_reason(e: Exception) -> str:
    text = str(e).removeprefix("validation failed: ")
    return _short(text.split(" (encountered")[0])


def _short(e: object, limit: int = 80) -> str:
    text = str(getattr(e, "reason", None) or e)
    return text if len(text) <= limit else text[:limit] + "..."
