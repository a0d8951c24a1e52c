#!/usr/bin/env bash
# The menu-bar app end to end: the REAL app binary, driven through its
# WebView by tauri-driver + WebKitWebDriver (Selenium), connected to a REAL
# egress-helper on the simulated Mac, under Xvfb.
#
#   src-tauri/tests/e2e/run.sh APP HELPER EGRESSCTL
#
# Needs: Xvfb (or a $DISPLAY), WebKitWebDriver (webkit2gtk-driver),
# dbus-daemon (a private session bus, so a second launch reaches the
# first, as on a desktop), tauri-driver (cargo install
# tauri-driver --locked) and python3-venv;
# installs tauri-driver and Selenium (into the build directory) when
# missing. Screenshots go to $E2E_ARTIFACTS (default: the build
# directory's e2e-artifacts/). Exit 0: passed; 1: failed; 77: skipped
# (no X server or WebDriver can be had here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
app=$1 helper=$2 ctl=$3
target="${CARGO_TARGET_DIR:-$root/target}"
tools="$target/e2e-tools"
artifacts="${E2E_ARTIFACTS:-$target/e2e-artifacts}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
skip() { say "e2e SKIPPED: $*"; exit 77; }

command -v WebKitWebDriver >/dev/null 2>&1 || skip "WebKitWebDriver is not installed (Debian: webkit2gtk-driver)"
command -v dbus-daemon >/dev/null 2>&1 || skip "dbus-daemon is not installed (Debian: dbus-daemon)"
if [ -z "${DISPLAY:-}" ]; then
    command -v Xvfb >/dev/null 2>&1 || skip "no \$DISPLAY and no Xvfb (Debian: xvfb)"
fi
driver="$tools/bin/tauri-driver"
if [ ! -x "$driver" ]; then
    if command -v tauri-driver >/dev/null 2>&1; then
        driver=$(command -v tauri-driver)
    else
        say "installing tauri-driver into $tools"
        cargo install -q tauri-driver --locked --root "$tools" || skip "cannot install tauri-driver"
    fi
fi
venv="$tools/venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
    say "installing Selenium into $venv"
    python3 -m venv "$venv" || skip "python3 -m venv failed (Debian: python3-venv)"
    "$venv/bin/pip" install -q selenium || skip "cannot install Selenium from PyPI"
fi

# shellcheck source=desktop.sh
desktop_fail() { skip "$*"; }
source "$here/desktop.sh"
desktop_begin e2e
mkdir -p "$artifacts"
# An X server of our own unless one is given.
desktop_xvfb 90

socket="$work/helper.sock"

# The app's own config and Downloads folder (XDG user dirs): settings and
# exports stay in $work, never in the user's home.
mkdir -p "$work/config" "$work/downloads"
printf 'XDG_DOWNLOAD_DIR="%s"\n' "$work/downloads" >"$work/config/user-dirs.dirs"

# tauri-driver starts WebKitWebDriver, which starts the app with this
# environment (test_app.py starts and stops the helper on $socket, and
# launches the app a second time to show the popover again). Only the
# popover is shown at start; the test opens the Route Inspector from it.
port=$((4444 + RANDOM % 1000))
export EGRESS_SOCKET="$socket" EGRESS_SHOW_POPOVER=1 EGRESS_POPOVER_STAYS=1 EGRESS_LOG=info \
    XDG_CONFIG_HOME="$work/config"
unset EGRESS_SHOW_INSPECTOR
# A private session bus for the app and its second launch, nothing else.
desktop_session_bus
"$driver" --port "$port" --native-port $((port + 1000)) >"$work/driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

status=0
"$venv/bin/python" "$here/test_app.py" --app "$app" --helper "$helper" --ctl "$ctl" \
    --socket "$socket" --state-dir "$work/state" --helper-log "$work/helper.log" \
    --webdriver "http://127.0.0.1:$port" --artifacts "$artifacts" \
    --downloads "$work/downloads" || status=$?
if [ $status -ne 0 ]; then
    say "e2e failed; logs:"
    for f in helper driver; do echo "--- $f.log" >&2; tail -n 40 "$work/$f.log" >&2; done
fi
exit $status
