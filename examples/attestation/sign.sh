#!/bin/sh
# Signs a Voce completion attestation with OpenSSL (3.0 or later): what a body's server runs when
# a citizen completes a service, and puts in the page (data-attestation="…") or in the link to the
# hosted page (…/s/SERVICE?a=…).
#
#   usage: sign.sh PRIVATE_KEY.pem KID SERVICE_ID [LIFETIME_SECONDS, default 3600, at most 86400]
#
# The key is the PKCS#8 PEM printed by `voce-collector attestation keygen`, or made with
# `openssl genpkey -algorithm ed25519 -out key.pem`; its public half, for the registry, is
#   openssl pkey -in key.pem -pubout -outform DER | tail -c 32 | basenc --base64url | tr -d '='
# The attestation says nothing about the citizen: the service, a random id, when, until when.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 KEY.pem KID SERVICE_ID [LIFETIME_SECONDS]" >&2; exit 2; }
key=$1 kid=$2 service=$3 lifetime=${4:-3600}
for value in "$kid" "$service"; do
  case $value in *[!A-Za-z0-9._-]*|'') echo "$0: $value: only letters, digits, . _ -" >&2; exit 2;; esac
done
case $lifetime in *[!0-9]*|'') echo "$0: LIFETIME_SECONDS must be a number" >&2; exit 2;; esac
[ "$lifetime" -ge 1 ] && [ "$lifetime" -le 86400 ] || { echo "$0: LIFETIME_SECONDS: 1 to 86400" >&2; exit 2; }

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
jti=$(openssl rand -hex 16)
header=$(printf '{"alg":"EdDSA","typ":"voce-attestation+jwt","kid":"%s"}' "$kid" | b64url)
claims=$(printf '{"sub":"%s","jti":"%s","iat":%s,"exp":%s}' "$service" "$jti" "$now" "$((now + lifetime))" | b64url)
input=$(mktemp)
trap 'rm -f "$input"' EXIT
printf '%s.%s' "$header" "$claims" > "$input"
signature=$(openssl pkeyutl -sign -inkey "$key" -rawin -in "$input" | b64url)
printf '%s.%s.%s\n' "$header" "$claims" "$signature"
