#!/usr/bin/env bash
# Lints infra/template.yaml for real: cfn-lint on the template as written,
# then on the template with the SAM transform expanded (aws-sam-translator,
# offline), where cfn-lint can check every generated resource.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV_BIN="${VENV_BIN:-$HOME/.cache/servicedesk/venv/bin}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

template="${1:-infra/template.yaml}"
# Kept where SERVICEDESK_EXPANDED_TEMPLATE says (the least-privilege test
# reads the roles CloudFormation will create from it).
expanded="${SERVICEDESK_EXPANDED_TEMPLATE:-$(mktemp -d)/template.expanded.json}"
"$VENV_BIN/cfn-lint" --format parseable -- "$template"
"$VENV_BIN/python" scripts/expand_sam.py "$template" "$expanded"
"$VENV_BIN/cfn-lint" --format parseable -- "$expanded"
echo "template lint: ok ($template)"
