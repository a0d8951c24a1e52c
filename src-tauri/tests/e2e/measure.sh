#!/usr/bin/env bash
# The app's footprint (docs/PERFORMANCE.md, "Menu-bar app (issue 6)"):
# resident memory after start and idle CPU over a quiet period, under Xvfb,
# with the popover shown (by default) and connected to a real helper on the sim.
#
#   src-tauri/tests/e2e/measure.sh APP HELPER [IDLE_SECONDS=60]
#
# MEASURE_POPOVER=0 leaves the popover hidden (a menu-bar app's usual state).
# Counts the app process and its WebKitGTK children (web and network
# processes), from /proc: VmRSS, and utime+stime over the idle period.
set -euo pipefail
app=$1 helper=$2 idle=${3:-60}
work=$(mktemp -d /tmp/egress-measure.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
    for n in $(seq 130 160); do
        [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
    done
    Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    pids+=($!)
    export DISPLAY=":$n"
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
fi
socket="$work/helper.sock"
"$helper" run --backend sim --socket "$socket" --state-dir "$work/state" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done

EGRESS_SOCKET="$socket" EGRESS_SHOW_POPOVER="${MEASURE_POPOVER:-1}" EGRESS_POPOVER_STAYS=1 "$app" 2>"$work/app.log" &
app_pid=$!
pids+=($app_pid)

family() { # the app and every descendant
    local all=("$1") i=0 kids
    while [ $i -lt ${#all[@]} ]; do
        kids=$(cat /proc/"${all[$i]}"/task/*/children 2>/dev/null || true)
        for k in $kids; do all+=("$k"); done
        i=$((i + 1))
    done
    echo "${all[@]}"
}
rss_kib() { awk '/^VmRSS/ {print $2}' /proc/"$1"/status 2>/dev/null || echo 0; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null || echo 0; }
report_rss() {
    local total=0 p name r
    for p in $(family "$app_pid"); do
        r=$(rss_kib "$p"); total=$((total + r))
        name=$(cat /proc/"$p"/comm 2>/dev/null || echo '?')
        printf '  %-22s pid %-7s RSS %6.1f MiB\n' "$name" "$p" "$(div "$r" 1024)"
    done
    printf '  %-22s             RSS %6.1f MiB\n' "total" "$(div "$total" 1024)"
}

sleep 10
echo "after start (10 s):"
report_rss
hz=$(getconf CLK_TCK)
declare -A before
for p in $(family "$app_pid"); do before[$p]=$(ticks "$p"); done
sleep "$idle"
echo "idle CPU over ${idle} s (share of one core):"
total=0
for p in "${!before[@]}"; do
    d=$(( $(ticks "$p") - ${before[$p]} ))
    total=$((total + d))
    printf '  %-22s pid %-7s %6.3f %%\n' "$(cat /proc/"$p"/comm 2>/dev/null || echo gone)" "$p" \
        "$(div $((100 * d)) $((hz * idle)))"
done
printf '  %-22s             %6.3f %%\n' "total" "$(div $((100 * total)) $((hz * idle)))"
echo "after idling:"
report_rss
