#!/usr/bin/env bash
# Deploys servicedesk to the AWS account and region of the current
# credentials, end to end (DEPLOY.md explains each step and what to do
# before the first run):
#   1. the app secret in Secrets Manager (created once, reused after);
#   2. the functions built with cargo-lambda for arm64 (sam build);
#   3. the stack (sam deploy) with the parameters below; on the first deploy
#      without a custom domain, PublicUrl is not known yet, so the stack is
#      deployed once more with the CDN's address it printed;
#   4. web/ uploaded to the site bucket with cache headers, and the CDN
#      invalidated;
#   5. the portal's address and what to do next.
#
# Settings (environment):
#   STACK          stack name (default servicedesk)
#   MAIL_FROM      sender of every email, e.g. "Service desk <desk@example.com>" (required)
#   MAIL_IDENTITY  the verified SES identity MAIL_FROM belongs to, e.g. example.com (required)
#   SUPPORT_EMAIL  where customer updates of unassigned tickets go (required)
#   PUBLIC_URL     the portal's address (default https://$DOMAIN_NAME with DOMAIN_NAME,
#                  else the CDN's address, found after the first deploy)
#   SECRET_NAME    Secrets Manager name of the app secret (default servicedesk/app-secret)
#   ALARM_EMAIL    where the alarms are mailed (SNS asks this address to confirm first)
#   DOMAIN_NAME    the portal's own domain, e.g. desk.example.com (needs CERTIFICATE_ARN)
#   CERTIFICATE_ARN  the ACM certificate of DOMAIN_NAME, issued in us-east-1
#   HOSTED_ZONE_ID the Route 53 hosted zone of DOMAIN_NAME: the stack creates its records
# The last four are passed only when set (set to "" to clear one); unset, the
# stack keeps the value it has.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK="${STACK:-servicedesk}"
SECRET_NAME="${SECRET_NAME:-servicedesk/app-secret}"
: "${MAIL_FROM:?set MAIL_FROM to the sender of every email, see DEPLOY.md}"
: "${MAIL_IDENTITY:?set MAIL_IDENTITY to the verified SES domain or address of MAIL_FROM, see DEPLOY.md}"
: "${SUPPORT_EMAIL:?set SUPPORT_EMAIL to the address of the support team, see DEPLOY.md}"
if [ -n "${DOMAIN_NAME:-}" ]; then
  : "${CERTIFICATE_ARN:?set CERTIFICATE_ARN to the ACM certificate (us-east-1) of DOMAIN_NAME, see DEPLOY.md}"
  # Emailed links point at the domain from the first deploy on.
  PUBLIC_URL="${PUBLIC_URL:-https://$DOMAIN_NAME}"
fi

step() { printf '\n==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null || { echo "$1 is required: $2 (see DEPLOY.md, Toolchain)" >&2; exit 1; }; }
need aws "install the AWS CLI v2"
need sam "pip install aws-sam-cli"
need cargo-lambda "pip install cargo-lambda"
# pip's ziglang puts no `zig` on PATH; cargo-lambda finds it as a module.
command -v zig >/dev/null || python3 -m ziglang version >/dev/null 2>&1 ||
  { echo "zig is required: pip install ziglang (see DEPLOY.md, Toolchain)" >&2; exit 1; }
need openssl "apt-get install openssl"

region=$(aws configure get region || true)
region="${AWS_REGION:-${region:-}}"
[ -n "$region" ] || { echo "set AWS_REGION (or a default region in your AWS profile)" >&2; exit 1; }
# One region for every tool (SAM reads AWS_DEFAULT_REGION, not AWS_REGION).
export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"
# SAM looks for the bootstraps where cargo-lambda puts them by default.
unset CARGO_TARGET_DIR
account=$(aws sts get-caller-identity --query Account --output text)
echo "deploying stack $STACK to account $account in $region"

# CloudFront takes its certificates from us-east-1 only, and an ACM
# certificate still waiting for its DNS validation would fail the deploy.
if [ -n "${CERTIFICATE_ARN:-}" ]; then
  cert_status=$(aws acm describe-certificate --region us-east-1 --certificate-arn "$CERTIFICATE_ARN" \
    --query Certificate.Status --output text 2>/dev/null || true)
  [ "$cert_status" = ISSUED ] || {
    echo "certificate $CERTIFICATE_ARN is '${cert_status:-not found in us-east-1}', not ISSUED (see DEPLOY.md, Your own domain)" >&2
    exit 1
  }
fi

step "App secret ($SECRET_NAME)"
if aws secretsmanager describe-secret --secret-id "$SECRET_NAME" >/dev/null 2>&1; then
  echo "exists: reused (to rotate it, see DEPLOY.md)"
else
  aws secretsmanager create-secret --name "$SECRET_NAME" \
    --description "servicedesk app secret: signing keys for tokens, cursors and challenges derive from it" \
    --secret-string "$(openssl rand -base64 48)" >/dev/null
  echo "created"
fi

step "Build (cargo-lambda, arm64, one function per build as SAM does)"
# rust-cargolambda is a SAM beta build method: opt in without a prompt.
sam build --beta-features --template-file infra/template.yaml --build-dir .aws-sam/build --region "$region"

output() { # name
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
parameter() { # name: the stack's current value of a parameter
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Parameters[?ParameterKey=='$1'].ParameterValue" --output text
}
# Optional parameters, passed when their variable is set (even to ""):
# unset, sam deploy keeps the stack's previous value.
optional=()
[ -z "${ALARM_EMAIL+set}" ] || optional+=("AlarmEmail=\"$ALARM_EMAIL\"")
[ -z "${DOMAIN_NAME+set}" ] || optional+=("DomainName=\"$DOMAIN_NAME\"")
[ -z "${CERTIFICATE_ARN+set}" ] || optional+=("CertificateArn=\"$CERTIFICATE_ARN\"")
[ -z "${HOSTED_ZONE_ID+set}" ] || optional+=("HostedZoneId=\"$HOSTED_ZONE_ID\"")

deploy() { # public url
  # SAM splits parameter values at spaces unless they are quoted inside the
  # argument (MailFrom holds a display name).
  sam deploy --template-file .aws-sam/build/template.yaml --stack-name "$STACK" --region "$region" \
    --resolve-s3 --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset --no-confirm-changeset \
    --parameter-overrides \
      "SecretName=\"$SECRET_NAME\"" "PublicUrl=\"$1\"" "MailFrom=\"${MAIL_FROM//\"/}\"" \
      "MailIdentity=\"$MAIL_IDENTITY\"" "SupportEmail=\"$SUPPORT_EMAIL\"" \
      ${optional[@]+"${optional[@]}"}
  # What SAM received is what the functions send as.
  [ "$(parameter MailFrom)" = "${MAIL_FROM//\"/}" ] ||
    { echo "the stack's MailFrom is '$(parameter MailFrom)', not '$MAIL_FROM'" >&2; exit 1; }
}

step "Deploy the stack"
status=$(aws cloudformation describe-stacks --stack-name "$STACK" --query "Stacks[0].StackStatus" --output text 2>/dev/null || true)
if [ "$status" = ROLLBACK_COMPLETE ]; then
  echo "stack $STACK failed its first create (ROLLBACK_COMPLETE): see its events in the CloudFormation console," >&2
  echo "fix the cause, delete it (aws cloudformation delete-stack --stack-name $STACK), then run this again" >&2
  exit 1
fi
if [ -n "${PUBLIC_URL:-}" ]; then
  deploy "$PUBLIC_URL"
else
  # Keep what the stack has (a custom domain set once stays).
  existing=$(parameter PublicUrl 2>/dev/null || true)
  if [ -n "$existing" ] && [ "$existing" != "None" ] && [ "$existing" != "https://pending.invalid" ]; then
    deploy "$existing"
  else
    # The CDN's address exists only once the stack does: deploy, then
    # deploy again so emailed links point at it.
    deploy "https://pending.invalid"
    deploy "$(output PortalUrl)"
  fi
fi
public=$(parameter PublicUrl)

step "Upload web/ and refresh the CDN"
bucket=$(output WebBucketName)
# The files are not fingerprinted, so browsers revalidate each one (ETag)
# and never mix an old module of the front end with a new one or a new API.
aws s3 sync web/ "s3://$bucket/" --delete --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$(output WebDistributionId)" --paths "/*" >/dev/null
echo "uploaded and invalidated"

step "Done: the portal is at $public"
cat <<NEXT
Next:
  - The first deploy: invite the first agent (they get an email to choose a password):
      cargo run --features aws -- admin create-agent --email YOU@EXAMPLE.COM \\
        --table $(output TableName) --public-url $public \\
        --mail-from "$MAIL_FROM" --configuration-set $(output MailConfigurationSetName)
  - SES must be out of its sandbox to mail customers (DEPLOY.md, SES).
  - Failed notifications wait in $(output NotificationsDeadLetterQueueUrl).
  - Alarms publish to $(output OperationsTopicArn)$(
    [ -z "${ALARM_EMAIL:-}" ] || printf '; confirm the subscription SNS mailed to %s' "$ALARM_EMAIL").
NEXT
domain=$(parameter DomainName)
if [ -n "$domain" ] && [ "$domain" != None ] && [ -z "$(parameter HostedZoneId | sed 's/^None$//')" ]; then
  echo "  - DNS: point $domain at $(output WebDistributionDomainName) (CNAME, or a Route 53 alias)."
fi
