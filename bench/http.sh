#!/bin/sh
# HTTP throughput and latency with wrk on 127.0.0.1, granian with 2 workers (the production server):
# the full Alexa path (signature verification on, test CA) against a bare Flask endpoint that parses
# the same body and returns a constant, in the same run against the same server. The two phases
# alternate ROUNDS times, so a slow spell of this shared machine falls on both alike.
#   apt-get install -y wrk && .venv/bin/pip install -e '.[prod]'
#   sh bench/http.sh [seconds] [connections] [rounds]
set -eu
cd "$(dirname "$0")/.."
SECONDS_=${1:-20}
CONNS=${2:-16}
ROUNDS=${3:-1}
PORT=${BENCH_PORT:-8765}
DIR=$(mktemp -d)
.venv/bin/python bench/alexa_app.py "$DIR"
export BENCH_DIR="$DIR" SKILL_ALEXA_EXTRA_ROOTS="$DIR/roots.pem" SKILL_LOG_LEVEL=INFO
.venv/bin/granian --interface wsgi --workers 2 --host 127.0.0.1 --port "$PORT" --working-dir "$PWD" \
    bench.alexa_app:app 2>"$DIR/server.log" >"$DIR/server.out" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
for i in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
# one checked request each: the Alexa path must answer 200 with speech, or the figures mean nothing
curl -fs -X POST -H 'Content-Type: application/json' -H "SignatureCertChainUrl: $(sed -n 's/.*SignatureCertChainUrl"\] = "\(.*\)"/\1/p' "$DIR/post.lua")" \
     -H "Signature-256: $(sed -n 's/.*Signature-256"\] = "\(.*\)"/\1/p' "$DIR/post.lua")" \
     --data-binary @"$DIR/post.json" "http://127.0.0.1:$PORT/alexa" | grep -q outputSpeech
# warm-up, not counted: the first seconds after the workers start run slower
wrk -t2 -c"$CONNS" -d5s -s "$DIR/post.lua" "http://127.0.0.1:$PORT/bare" >/dev/null
wrk -t2 -c"$CONNS" -d5s -s "$DIR/post.lua" "http://127.0.0.1:$PORT/alexa" >/dev/null
for round in $(seq "$ROUNDS"); do
  echo "== round $round: bare Flask endpoint (/bare): ${SECONDS_}s, $CONNS connections, 2 threads"
  wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency -s "$DIR/post.lua" "http://127.0.0.1:$PORT/bare"
  .venv/bin/python bench/alexa_app.py --sign "$DIR"     # signed requests stay valid for 150 s
  echo "== round $round: full verified Alexa path (/alexa): ${SECONDS_}s, $CONNS connections, 2 threads"
  wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency -s "$DIR/post.lua" "http://127.0.0.1:$PORT/alexa"
done
echo "== quiz answers through the full Alexa path (/alexa): ${SECONDS_}s, $CONNS connections; each 200 writes one review"
.venv/bin/python bench/alexa_app.py --sign "$DIR"
BEFORE=$(.venv/bin/python bench/alexa_app.py --reviews "$DIR")
wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency -s "$DIR/quiz.lua" "http://127.0.0.1:$PORT/alexa"
sleep 2     # requests still in flight when wrk stopped finish (and are logged) before we count
AFTER=$(.venv/bin/python bench/alexa_app.py --reviews "$DIR")
GRADED=$(grep '"skill.requests"' "$DIR/server.log" | grep '"status": 200' | grep -c '"mode": "quiz"' || true)
echo "== quiz answers answered 200: $GRADED; reviews written: $((AFTER - BEFORE)); lost updates: $((GRADED - (AFTER - BEFORE)))"
echo "== server errors logged: $(grep -c '"status": 5' "$DIR/server.log" || true)"
echo "== non-200 in request log: $(grep '"skill.requests"' "$DIR/server.log" | grep -vc '"status": 200' || true)"
