#!/usr/bin/env bash
# checkov on the template as CloudFormation will deploy it (the SAM transform
# expanded offline), with the skips and their reasons in infra/checkov.yaml.
# checkov lives in a virtualenv of its own (its dependencies pin versions the
# other test tools do not share); installed on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${SERVICEDESK_CACHE:-$HOME/.cache/servicedesk}"
VENV_BIN="${VENV_BIN:-$CACHE/venv/bin}"
version=3.3.30
checkov="$CACHE/checkov-$version/bin/checkov"
if [ ! -x "$checkov" ]; then
  echo "installing checkov $version into $CACHE/checkov-$version"
  rm -rf "$CACHE/checkov-$version"
  python3 -m venv "$CACHE/checkov-$version"
  "$CACHE/checkov-$version/bin/pip" install --quiet --disable-pip-version-check "checkov==$version"
fi
expanded="$(mktemp -d)/template.expanded.json"
AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" "$VENV_BIN/python" scripts/expand_sam.py infra/template.yaml "$expanded"
"$checkov" -f "$expanded" --config-file infra/checkov.yaml
