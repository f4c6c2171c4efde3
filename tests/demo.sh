#!/usr/bin/env bash
# End-to-end demo against the bundled IAM Identity Center emulator: no AWS
# account needed. Runs in a throwaway HOME so your real ~/.aws is untouched.
# Run it with `make demo` (which puts the project's venv first on PATH).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
emulator_pid=
cleanup() {
  [[ -n $emulator_pid ]] && kill "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Start the local IAM Identity Center emulator"
exec 3< <(cd "$here" && exec python -m tests.emulator --port 0)
emulator_pid=$!
read -r url <&3
echo "emulator listening on $url"

export HOME="$work/home" AWS_CONFIG_FILE="$work/home/.aws/config"
export XDG_CACHE_HOME="$work/home/.cache" BROWSER=true
# Exactly how botocore and the AWS CLI are pointed at other endpoints.
export AWS_ENDPOINT_URL_SSO_OIDC="$url" AWS_ENDPOINT_URL_SSO="$url" AWS_ENDPOINT_URL_STS="$url"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
mkdir -p "$HOME/.aws"
cat >"$AWS_CONFIG_FILE" <<'CONFIG'
[profile dev]
sso_session = demo
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[sso-session demo]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
CONFIG
show cat "$AWS_CONFIG_FILE"

step "Log in with the device code flow (the emulator approves it at once)"
show ssoenv login dev --no-browser

step "Use the profile in this shell, through the shell integration"
eval "$(ssoenv init bash)"
show ssoenv use dev
printf 'prompt badge: %s\n' "$(ssoenv_prompt)"
env | grep -E '^(AWS_(ACCESS|SECRET|SESSION|CREDENTIAL|REGION|DEFAULT_REGION)|SSOENV_)' | sort | sed -E 's/^(AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN)=.{4}).*/\1…(hidden)/'

step "The exported keys work: STS GetCallerIdentity with them"
show python -c 'import boto3; print(boto3.client("sts", region_name="us-east-1").get_caller_identity()["Arn"])'

step "botocore sees the same SSO session (no new login)"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
  python -c 'import boto3; c = boto3.Session(profile_name="dev").get_credentials(); print("botocore got", c.access_key[:8] + "…", "via", c.method)'

step "Log out: the session ends and the shell is cleared"
show ssoenv logout
env | grep -E '^(AWS_ACCESS|AWS_SECRET|AWS_SESSION|SSOENV_)' || echo "no credentials left in this shell"
if ssoenv use dev --no-login --shell bash >/dev/null; then
  echo "unexpected: still logged in" >&2
  exit 1
fi
printf '\ndemo finished: login, use, botocore interop and logout all worked\n'
