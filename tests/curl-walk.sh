#!/usr/bin/env bash
# The collector's acceptance walk, with curl against a running server:
#
#   tests/curl-walk.sh http://127.0.0.1:8080
#
# form + ticket with an allowed Origin (200), another Origin (403), a valid response (201), the
# same again (200, same receipt), a changed body (409), a ticket signed by another key (401), a
# rating of 6 (422), and exactly one more stored row at the end.
#
# The server must have the pilot registry imported. The stored rows are counted with
# `voce-collector responses count`, run with the same VOCE_* environment as the server (set
# VOCE_DATABASE_URL as for the server); VOCE_COLLECTOR names the binary (default: cargo run).
set -euo pipefail

BASE_URL="${1:?usage: tests/curl-walk.sh BASE_URL}"
BASE_URL="${BASE_URL%/}"
SERVICE="inps-naspi"
ORIGIN="http://127.0.0.1:8101"
OTHER_ORIGIN="http://127.0.0.1:8104"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -n "${VOCE_COLLECTOR:-}" ]]; then
    read -r -a COLLECTOR <<<"$VOCE_COLLECTOR"
else
    COLLECTOR=(cargo run --quiet --manifest-path "$ROOT/Cargo.toml" -p voce-collector --)
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STEP=0

fail() {
    echo "curl-walk: FAILED at step $STEP: $*" >&2
    if [[ -s "$WORK/body" ]]; then
        echo "--- last response body:" >&2
        head -c 2000 "$WORK/body" >&2
        echo >&2
    fi
    exit 1
}

# request METHOD PATH [curl args...]: prints the status, leaves the body in $WORK/body.
request() {
    local method="$1" path="$2"
    shift 2
    curl -sS -o "$WORK/body" -w '%{http_code}' -X "$method" "$@" "$BASE_URL$path" ||
        fail "curl could not reach $BASE_URL$path"
}

expect() {
    local want="$1" got="$2" what="$3"
    STEP=$((STEP + 1))
    if [[ "$got" != "$want" ]]; then
        fail "$what: expected HTTP $want, got $got"
    fi
    echo "ok $STEP - $what ($got)"
}

json() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d=d[k]
print(d if not isinstance(d,(dict,list)) else json.dumps(d,sort_keys=True))' "$WORK/body" "$1" ||
        fail "the body has no field $1"
}

count_rows() {
    "${COLLECTOR[@]}" responses count 2>"$WORK/count.err" | tail -n 1 ||
        { cat "$WORK/count.err" >&2; fail "voce-collector responses count failed"; }
}

post_response() {
    local ticket="$1" body="$2"
    request POST /v1/responses -H "Origin: $ORIGIN" -H "Authorization: Bearer $ticket" \
        -H 'Content-Type: application/json' --data-binary "$body"
}

BEFORE="$(count_rows)"
[[ "$BEFORE" =~ ^[0-9]+$ ]] || fail "responses count printed '$BEFORE'"

status="$(request GET "/v1/forms/$SERVICE?locale=it" -H "Origin: $ORIGIN")"
expect 200 "$status" "form and ticket with an allowed Origin"
TICKET="$(json ticket)"
[[ "$(json service.id)" == "$SERVICE" ]] || fail "the form is for $(json service.id)"
[[ "$(json questionnaire_ref.id)" == "facilita-servizio" ]] || fail "unexpected questionnaire"

status="$(request GET "/v1/forms/$SERVICE?locale=it" -H "Origin: $OTHER_ORIGIN")"
expect 403 "$status" "form refused to another Origin"
[[ "$(json type)" == "/problems/origin-not-allowed" ]] || fail "403 without its problem type"

BODY='{"answers":{"valutazione":4,"aspetti-positivi":"indicazioni-chiare","dettagli":"Tutto chiaro. Scrivetemi a mario.rossi@example.com"},"locale":"it"}'
status="$(post_response "$TICKET" "$BODY")"
expect 201 "$status" "valid response stored"
RECEIPT="$(json response_id) $(json received_at)"

status="$(post_response "$TICKET" "$BODY")"
expect 200 "$status" "same ticket and body again: same receipt"
[[ "$(json response_id) $(json received_at)" == "$RECEIPT" ]] ||
    fail "the replayed receipt differs: $(json response_id) vs $RECEIPT"

CHANGED='{"answers":{"valutazione":5},"locale":"it"}'
status="$(post_response "$TICKET" "$CHANGED")"
expect 409 "$status" "same ticket with a changed body"

status="$(request GET "/v1/forms/$SERVICE?locale=it" -H "Origin: $ORIGIN")"
expect 200 "$status" "a second form and ticket"
TICKET2="$(json ticket)"

FORGED="$(python3 - "$TICKET2" <<'PY'
import base64, hashlib, hmac, json, os, sys
header_b64, payload_b64, _ = sys.argv[1].split(".")
pad = lambda s: s + "=" * (-len(s) % 4)
header = json.loads(base64.urlsafe_b64decode(pad(header_b64)))
payload = json.loads(base64.urlsafe_b64decode(pad(payload_b64)))
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
signature = hmac.new(os.urandom(32), signing_input.encode(), hashlib.sha256).digest()
print(signing_input + "." + b64(signature))
PY
)"
status="$(post_response "$FORGED" '{"answers":{"valutazione":4},"locale":"it"}')"
expect 401 "$status" "ticket signed by another key"

status="$(post_response "$TICKET2" '{"answers":{"valutazione":6},"locale":"it"}')"
expect 422 "$status" "rating of 6"
[[ "$(json violations)" == *'"question": "valutazione"'* ]] || fail "422 does not name valutazione"
[[ "$(json violations)" == *'"code": "out_of_range"'* ]] || fail "422 does not say out_of_range"

AFTER="$(count_rows)"
STEP=$((STEP + 1))
[[ "$((AFTER - BEFORE))" == 1 ]] || fail "expected exactly one more stored row, found $((AFTER - BEFORE)) ($BEFORE -> $AFTER)"
echo "ok $STEP - exactly one row stored ($BEFORE -> $AFTER)"
echo "curl-walk: all $STEP checks passed against $BASE_URL"
