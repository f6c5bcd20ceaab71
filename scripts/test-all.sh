#!/usr/bin/env bash
# Every check and test of the project, on a fresh machine: installs what the
# tests need (Python tools in a cached virtualenv: the moto AWS emulator, the
# SAM translator, cfn-lint and openapi-spec-validator; Debian's chromium and
# Node for the browser journeys), lints, starts the emulators on free ports,
# runs the whole test suite against both storage backends, runs the browser
# journeys against the portal, and stops everything it started.
#
# Caches live outside the checkout (default ~/.cache/servicedesk) so CI and
# fresh clones reuse builds: CARGO_TARGET_DIR and the virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${SERVICEDESK_CACHE:-$HOME/.cache/servicedesk}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
export VENV_BIN="$CACHE/venv/bin"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
started=$SECONDS

step() { printf '\n==> [%4ss] %s\n' "$((SECONDS - started))" "$*"; }

# Everything started in the background (tool installs, emulators, the
# portal) stops with the script.
background_pids=()
stop_background() {
  local pid
  for pid in "${background_pids[@]}"; do
    pkill -P "$pid" 2>/dev/null || true # what the job started (pip, npm, ...)
    kill "$pid" 2>/dev/null || true
  done
}
trap stop_background EXIT
# Waits for a background job, forgets it (so its id is never killed after),
# prints its log, and stops the run if it failed.
collect() { # pid log what
  local ok=true kept=() pid
  wait "$1" || ok=false
  for pid in "${background_pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  background_pids=("${kept[@]}")
  cat "$2"
  $ok || { echo "$3 failed (above)" >&2; exit 1; }
}

# Installs the Python tools into $CACHE/venv when scripts/requirements-test.txt changed.
python_tools() {
  local stamp
  stamp="$CACHE/venv/.installed-$(sha256sum scripts/requirements-test.txt | cut -c1-16)"
  if [ -f "$stamp" ]; then
    echo "up to date"
    return
  fi
  if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "installing python3 and python3-venv with apt-get"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    else
      echo "python3 with venv is required: install python3 and python3-venv, then run this again" >&2
      return 1
    fi
  fi
  rm -rf "$CACHE/venv"
  python3 -m venv "$CACHE/venv"
  "$VENV_BIN/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  touch "$stamp"
  echo "installed"
}

# What needs Python but no Rust runs beside the Rust checks (two cores: the
# installs mostly wait on the network and disk), and reports after them.
mkdir -p "$CARGO_TARGET_DIR"
checks_log="$CARGO_TARGET_DIR/python-checks.log"
# The template as CloudFormation receives it (SAM transform expanded), kept
# by the template lint for the least-privilege test.
export SERVICEDESK_EXPANDED_TEMPLATE="$CARGO_TARGET_DIR/template.expanded.json"
rm -f "$SERVICEDESK_EXPANDED_TEMPLATE"
step "In the background: Python tools (moto, aws-sam-translator, cfn-lint, openapi-spec-validator, schemathesis) in $CACHE/venv, then the template and API checks (log: $checks_log)"
(
  set -e
  echo "--> Python test tools"; python_tools
  echo "--> Template lint (SAM transform expanded locally, then cfn-lint); the deploy script parses"
  scripts/lint-template.sh
  bash -n scripts/deploy.sh
  echo "--> checkov on the expanded template (skips and their reasons: infra/checkov.yaml)"
  scripts/checkov.sh
  echo "--> API description (web/openapi.yaml) against the OpenAPI 3.1 schema"
  "$VENV_BIN/openapi-spec-validator" web/openapi.yaml
) >"$checks_log" 2>&1 &
checks_pid=$!
background_pids+=("$checks_pid")

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings

step "Python tools, template lint, checkov and the API description (from the background)"
collect "$checks_pid" "$checks_log" "the Python tools, template or API checks"

step "Starting the AWS emulators (moto server: one for DynamoDB, one for SES)"
# Background processes (emulators, the portal for the browser tests) stop with the script.
# Two servers: reading sent mail back means dumping the emulator's whole
# state, which is slow once the DynamoDB tests have created many tables.
mkdir -p "$CARGO_TARGET_DIR"
# Sets moto_port. Not called in $(...): the pid must reach background_pids in this
# shell, or the trap could not stop the server.
start_moto() { # name
  local port log
  port=$("$VENV_BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log="$CARGO_TARGET_DIR/moto-$1.log"
  # One request at a time: see scripts/moto_serial.py for the race it avoids.
  "$VENV_BIN/python" scripts/moto_serial.py 127.0.0.1 "$port" >"$log" 2>&1 &
  background_pids+=($!)
  for _ in $(seq 1 100); do
    if "$VENV_BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
      echo "moto ($1) on 127.0.0.1:$port (log: $log)"
      moto_port=$port
      return
    fi
    kill -0 "${background_pids[-1]}" 2>/dev/null || { echo "moto server exited; its log:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "moto did not answer on port $port within 10 s; its log: $log" >&2
  exit 1
}
start_moto dynamodb
dynamodb_port=$moto_port
start_moto ses
ses_port=$moto_port

# The browser tools install beside the Rust tests (Debian packages, npm).
browser_log="$CARGO_TARGET_DIR/browser-tools.log"
(
  set -e
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v npm >/dev/null || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "installing ${missing[*]} with apt-get"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "the browser tests need: ${missing[*]} (Debian packages); install them, then run this again" >&2
      exit 1
    fi
  fi
  npm ci --prefix tests/browser --no-audit --no-fund --silent
) >"$browser_log" 2>&1 &
browser_pid=$!
background_pids+=("$browser_pid")

step "Build: the tests and every binary (the 17 bootstraps, the portal), in one cargo call"
# One call, so the binaries get the features the tests unify (dev-dependency
# features count only when tests are built alongside): built apart, tokio
# and everything above it would be compiled twice.
cargo build --workspace --all-features --bins --tests --quiet

step "cargo test (unit, conformance on both backends, handlers, end to end)"
# The mail corpus is read in place beside the checkout (never copied here).
if [ -f ../shared/mail-corpus/corpus.json ]; then
  echo "mail corpus: $(cd ../shared/mail-corpus && pwd)"
else
  echo "mail corpus: not beside this checkout (../shared/mail-corpus): its test is skipped"
fi
test_log="$CARGO_TARGET_DIR/cargo-test.log"
# Every AWS call each function makes during the tests, for the least-privilege test.
export SERVICEDESK_AWS_CALLS="$CARGO_TARGET_DIR/aws-calls.jsonl"
rm -f "$SERVICEDESK_AWS_CALLS"
SERVICEDESK_TEST_AWS_ENDPOINT="http://127.0.0.1:$dynamodb_port" \
SERVICEDESK_TEST_SES_ENDPOINT="http://127.0.0.1:$ses_port" \
SERVICEDESK_REQUIRE_EMULATOR=1 \
  cargo test --workspace --all-features 2>&1 | tee "$test_log"

step "Least privilege: each function's recorded AWS calls against its role in the expanded template"
# The same test binary, no rebuild: its one ignored test reads what the run above recorded.
SERVICEDESK_TEST_AWS_ENDPOINT="http://127.0.0.1:$dynamodb_port" \
  cargo test --workspace --all-features --test it --quiet -- --ignored --nocapture least_privilege

step "Browser journeys: Chromium (Debian) driven by playwright-core, axe-core on every page"
collect "$browser_pid" "$browser_log" "installing the browser tools"
# First the front end's module graph: every import resolves and points down.
node tests/browser/modules.mjs
# The portal binary is the one the build step made.
browser_data=$(mktemp -d)
portal_port=$("$VENV_BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CARGO_TARGET_DIR/debug/servicedesk" --data-dir "$browser_data" --port "$portal_port" --web-dir web \
  >"$CARGO_TARGET_DIR/browser-portal.log" 2>&1 &
background_pids+=($!)
for _ in $(seq 1 100); do
  "$VENV_BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$portal_port/')" 2>/dev/null && break
  sleep 0.1
done
PORTAL_URL="http://127.0.0.1:$portal_port" OUTBOX="$browser_data/outbox" SHOTS="$CARGO_TARGET_DIR/browser-shots" \
  node tests/browser/journeys.mjs
echo "screenshots: $CARGO_TARGET_DIR/browser-shots"

step "The CDN's function (from the template) under Node, against web/ and the portal"
PORTAL_URL="http://127.0.0.1:$portal_port" node tests/browser/cdn.mjs

step "Schemathesis (every check) against the portal, from web/openapi.yaml, 10 examples per operation"
scripts/schemathesis.sh "http://127.0.0.1:$portal_port" 10

# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { passed += $4; failed += $6; ignored += $8 }
     END { printf "\ntests: %d passed, %d failed, %d skipped (the least-privilege test: run in its own step)\n", passed, failed, ignored }' "$test_log"
step "All checks passed in $((SECONDS - started)) s"
