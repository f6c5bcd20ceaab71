#!/usr/bin/env bash
# Schemathesis (every check) against a running portal, from web/openapi.yaml,
# once as a customer and once as an agent (the demo accounts), each with a
# bounded number of examples per operation: what the document promises, the
# server keeps. Usage: scripts/schemathesis.sh URL EXAMPLES
set -euo pipefail
cd "$(dirname "$0")/.."
url=$1
examples=${2:-10}
st="${VENV_BIN:-$HOME/.cache/servicedesk/venv/bin}/schemathesis"
token() { # email password
  curl -sf -X POST "$url/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
# Both sessions first: the runs fuzz sign-in too, which counts against this source.
customer=$(token ann@acme.example orchid-lantern-42)
agent=$(token sam@support.example harbor-violet-93)
for who in customer agent; do
  echo "as the $who:"
  "$st" --config-file scripts/schemathesis.toml run web/openapi.yaml --url "$url" \
    --checks all --workers 1 -n "$examples" --generation-deterministic --no-color \
    -H "Authorization: Bearer ${!who}"
done
