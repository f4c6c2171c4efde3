#!/bin/sh
# $BROWSER for the browser tests (tests/browser/): ssoenv runs
# `headless_chromium.sh DIR URL` as it runs any browser, and this opens URL in
# Debian's Chromium, headless, with a fresh profile in DIR. The test drives it
# over the DevTools protocol through two named pipes the test made in DIR
# (Chromium's --remote-debugging-pipe: commands on fd 3, answers on fd 4);
# opening them waits for the test, so nothing here polls.
set -eu
dir=$1
url=$2
set -- --headless=new --user-data-dir="$dir/profile" --remote-debugging-pipe \
    --no-first-run --no-default-browser-check --disable-background-networking \
    --disable-component-update --disable-sync --disable-default-apps --disable-extensions \
    --disable-gpu --disable-dev-shm-usage --password-store=basic --no-proxy-server \
    --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'
# Nothing but loopback: every other host name fails to resolve (above), and the
# test fails on any request that is not to 127.0.0.1.
if [ "$(id -u)" -eq 0 ]; then
    set -- "$@" --no-sandbox # Chromium's sandbox refuses to run as root (CI containers)
fi
echo "$$" >"$dir/pid" # exec keeps the process: the test ends this group if it must
exec chromium "$@" "$url" 3<"$dir/to-browser" 4>"$dir/from-browser" 2>"$dir/chromium.log"
