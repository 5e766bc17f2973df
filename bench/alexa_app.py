"""The app under load for bench/http.sh: the real app with Alexa verification on, plus /bare.

    python bench/alexa_app.py DIR     # writes DIR/roots.pem, chain.pem, and signed requests:
                                      # post.json/.lua (a question), quiz.json/.lua (a quiz answer)
    granian --interface wsgi --workers 2 bench.alexa_app:app   (with BENCH_DIR=DIR and
                                      SKILL_ALEXA_EXTRA_ROOTS=DIR/roots.pem)

The certificates come from the tests' helpers (tests/test_verify.py), dated around now. Only the
certificate *download* is replaced (the verifier's fetcher seam serves DIR/chain.pem, since the
machine has no network); chain validation, signature, timestamp and application id checks all run,
with the validated chain cached per URL as in production.
/bare parses the same body as JSON and returns a constant: the floor for Flask + the server.
"""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-bench.pem"


def make_fixture(out: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    import test_verify as tv    # the tests' certificate helpers

    now = datetime.now(timezone.utc)
    root_key, inter_key, leaf_key = tv._key(), tv._key(), tv._key()
    root_name, inter_name = tv._name("Bench Root CA"), tv._name("Bench Intermediate CA")
    root = tv._cert(root_name, root_key, root_name, root_key, ca=True,
                    not_before=now - timedelta(days=10), not_after=now + timedelta(days=365))
    inter = tv._cert(inter_name, inter_key, root_name, root_key, ca=True,
                     not_before=now - timedelta(days=10), not_after=now + timedelta(days=365))
    leaf = tv._cert(tv._name("echo-api.amazon.com"), leaf_key, inter_name, inter_key, ca=False,
                    san=[x509.DNSName("echo-api.amazon.com")],
                    not_before=now - timedelta(days=1), not_after=now + timedelta(days=30))
    out.mkdir(parents=True, exist_ok=True)
    (out / "roots.pem").write_bytes(tv._pem(root))
    (out / "chain.pem").write_bytes(tv._pem(leaf, inter))
    (out / "leaf-key.pem").write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    sign_requests(out)


def sign_requests(out: Path) -> None:
    """(Re)write the signed requests with the current time: Alexa requests are valid for 150 s only,
    so a long run signs afresh before each phase (python bench/alexa_app.py --sign DIR)."""
    from cryptography.hazmat.primitives import serialization
    import test_verify as tv

    signer = type("K", (), {"leaf_key": serialization.load_pem_private_key(
        (out / "leaf-key.pem").read_bytes(), password=None)})()
    now = datetime.now(timezone.utc)
    question = tv.envelope(timestamp=now, app_id=SKILL_ID, text="why was the great leap forward introduced")
    write_request(out, "post", tv.body_of(question), tv.PKI.sign(signer, tv.body_of(question)))
    # a quiz answer, for the load run that counts progress updates: the session attributes hold a quiz
    # question already asked, so every replay of this request grades one answer and writes one review
    answer = tv.envelope(timestamp=now, app_id=SKILL_ID, text="he wanted to overtake britain")
    answer["session"].update(new=False, attributes=quiz_in_progress(answer["session"]["user"]["userId"]))
    write_request(out, "quiz", tv.body_of(answer), tv.PKI.sign(signer, tv.body_of(answer)))


def quiz_in_progress(user: str) -> dict:
    """The session state of a quiz on the Great Leap Forward with its first question asked."""
    from skill.content import load_store
    from skill.dialogue import Dialogue, Turn
    reply = Dialogue(load_store(ROOT / "content")).handle(Turn(text="quiz me on the great leap forward", user=user))
    assert reply.mode == "quiz", reply.text
    return reply.state


def write_request(out: Path, name: str, body: bytes, signature: str) -> None:
    (out / f"{name}.json").write_bytes(body)
    (out / f"{name}.lua").write_text(f"""wrk.method = "POST"
wrk.body = {json.dumps(body.decode())}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["SignatureCertChainUrl"] = "{CERT_URL}"
wrk.headers["Signature-256"] = "{signature}"
""")


class FileFetcher:
    def __init__(self, path: Path):
        self.pem = path.read_bytes()

    def fetch(self, url: str) -> bytes:
        return self.pem


def build_app():
    from flask import jsonify, request
    from skill.web import create_app

    bench = Path(os.environ["BENCH_DIR"])
    app = create_app({"alexa_verify": "1", "alexa_skill_id": SKILL_ID,
                      "alexa_extra_roots": str(bench / "roots.pem"),
                      "database_url": f"sqlite:///{bench / 'progress.sqlite3'}"})
    app.extensions["alexa"].verifier.fetcher = FileFetcher(bench / "chain.pem")

    @app.post("/bare")
    def bare():
        json.loads(request.get_data())
        return jsonify(ok=True)
    return app


def count_reviews(bench: Path) -> int:
    """Reviews written to the progress store in a bench run (python bench/alexa_app.py --reviews DIR)."""
    import sqlite3
    with sqlite3.connect(bench / "progress.sqlite3") as db:
        try:
            return db.execute("SELECT COALESCE(SUM(reviews), 0) FROM items").fetchone()[0]
        except sqlite3.OperationalError:      # no quiz answered yet: no table
            return 0


if __name__ == "__main__":
    if sys.argv[1] == "--reviews":
        print(count_reviews(Path(sys.argv[2])))
    elif sys.argv[1] == "--sign":
        sign_requests(Path(sys.argv[2]))
    else:
        make_fixture(Path(sys.argv[1]))
else:
    app = build_app()

