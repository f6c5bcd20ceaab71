#!/usr/bin/env bash
# Cold starts of the shipped bootstraps, measured from outside (what is
# measured: benches/cold_start.rs). Builds each function in release, one
# cargo call per function as SAM builds them, and a lambda_http hello-world
# floor with the same profile; starts moto; runs the bench; prints a table.
# Not part of the test command (release builds of 17 functions take long:
# the first several minutes, each further one about two).
# Usage: scripts/bench-lambda.sh [function ...]   (default: every function)
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${SERVICEDESK_CACHE:-$HOME/.cache/servicedesk}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
VENV_BIN="$CACHE/venv/bin"
if [ ! -x "$VENV_BIN/python" ]; then
  echo "moto is not installed yet: run ./scripts/test-all.sh once (it installs it into $CACHE/venv)" >&2
  exit 1
fi
if [ $# -gt 0 ]; then functions=("$@"); else mapfile -t functions < <(ls functions); fi
out="$CARGO_TARGET_DIR/bench-bootstraps"
mkdir -p "$out"
for f in "${functions[@]}"; do
  echo "--> release build of $f (its own cargo call, as SAM builds it)"
  (cd "functions/$f" && cargo build --release --bin "$f" --quiet)
  cp "$CARGO_TARGET_DIR/release/$f" "$out/$f"
done
echo "--> the hello-world floor, same profile"
cargo build --release --quiet --manifest-path scripts/bench-floor/Cargo.toml --target-dir "$CARGO_TARGET_DIR/bench-floor"
cp "$CARGO_TARGET_DIR/bench-floor/release/hello-floor" "$out/hello-floor"
echo "--> the template, expanded (each function gets its own environment from it)"
export SERVICEDESK_EXPANDED_TEMPLATE="$CARGO_TARGET_DIR/template.expanded.json"
scripts/lint-template.sh >/dev/null
port=$("$VENV_BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$VENV_BIN/python" scripts/moto_serial.py 127.0.0.1 "$port" >"$CARGO_TARGET_DIR/moto-bench.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  "$VENV_BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
  sleep 0.1
done
echo "--> the bench: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
BENCH_BOOTSTRAPS="$out" BENCH_FUNCTIONS="${functions[*]}" SERVICEDESK_TEST_AWS_ENDPOINT="http://127.0.0.1:$port" \
  cargo bench --all-features --bench cold_start --quiet
