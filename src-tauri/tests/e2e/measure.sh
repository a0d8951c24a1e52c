#!/usr/bin/env bash
# The app's footprint (docs/PERFORMANCE.md, "Menu-bar app (issue 6)"), in
# one run, under Xvfb, connected to a real egress-helper on the sim:
#
#   src-tauri/tests/e2e/measure.sh APP HELPER [IDLE_SECONDS=60] [DEB]
#
# Phases, each driven the way a user would (a second launch of APP hands
# its option to the running app over a private session bus):
#   start        the app alone: tray only, no window built yet
#   popover      `--popover`: the popover built and shown
#   hidden       `--hide`: the popover hidden (kept, its page told)
#   inspector    `--inspector`: the Route Inspector built and shown
#   closed       `--hide`: the inspector closed (destroyed), popover hidden
# For each: RSS and PSS of the app and every descendant (WebKitGTK runs
# pages in child processes), from /proc; for start, popover and hidden
# also idle CPU over IDLE_SECONDS (utime+stime, share of one core). Then
# the sizes of APP (as built and stripped) and of DEB when given.
set -euo pipefail
app=$1 helper=$2 idle=${3:-60} deb=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=desktop.sh
source "$here/desktop.sh"
desktop_begin measure
desktop_xvfb 130
desktop_session_bus
mkdir -p "$work/config"
export XDG_CONFIG_HOME="$work/config"

socket="$work/helper.sock"
"$helper" run --backend sim --socket "$socket" --state-dir "$work/state" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done

export EGRESS_SOCKET="$socket" EGRESS_POPOVER_STAYS=1
unset EGRESS_SHOW_POPOVER EGRESS_SHOW_INSPECTOR
"$app" 2>"$work/app.log" &
app_pid=$!
pids+=("$app_pid")

family() { # the app and every descendant
    local all=("$1") i=0 kids
    while [ $i -lt ${#all[@]} ]; do
        kids=$(cat /proc/"${all[$i]}"/task/*/children 2>/dev/null || true)
        for k in $kids; do all+=("$k"); done
        i=$((i + 1))
    done
    echo "${all[@]}"
}
field_kib() { awk -v f="$2:" '$1 == f {print $2; exit}' "/proc/$1/$3" 2>/dev/null || echo 0; }
mib() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1024 }'; }
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null || echo 0; }

# memory PHASE: one line per process and a total.
memory() {
    local total_rss=0 total_pss=0 p r s name
    for p in $(family "$app_pid"); do
        r=$(field_kib "$p" VmRSS status); s=$(field_kib "$p" Pss smaps_rollup)
        r=${r:-0} s=${s:-0}
        total_rss=$((total_rss + r)); total_pss=$((total_pss + s))
        name=$(cat /proc/"$p"/comm 2>/dev/null || echo '?')
        printf '  %-10s %-22s RSS %7s MiB  PSS %7s MiB\n' "$1" "$name" "$(mib "$r")" "$(mib "$s")"
    done
    printf '  %-10s %-22s RSS %7s MiB  PSS %7s MiB\n' "$1" "total" "$(mib "$total_rss")" "$(mib "$total_pss")"
}

# cpu PHASE: idle CPU of each process over $idle seconds.
cpu() {
    local hz p d total=0
    hz=$(getconf CLK_TCK)
    declare -A before
    for p in $(family "$app_pid"); do before[$p]=$(ticks "$p"); done
    sleep "$idle"
    for p in "${!before[@]}"; do
        d=$(($(ticks "$p") - ${before[$p]}))
        total=$((total + d))
        printf '  %-10s %-22s CPU %6s %%\n' "$1" "$(cat /proc/"$p"/comm 2>/dev/null || echo gone)" \
            "$(awk -v a=$((100 * d)) -v b=$((hz * idle)) 'BEGIN { printf "%.3f", a / b }')"
    done
    printf '  %-10s %-22s CPU %6s %%  (over %s s; load average %s)\n' "$1" "total" \
        "$(awk -v a=$((100 * total)) -v b=$((hz * idle)) 'BEGIN { printf "%.3f", a / b }')" \
        "$idle" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# again OPTION: a second launch, handing OPTION to the running app.
again() {
    "$app" "$1" 2>>"$work/app.log" || { echo "a second launch ($1) failed" >&2; exit 1; }
}

settle=10
echo "memory (after ${settle} s in each phase) and idle CPU:"
sleep "$settle"
memory start
cpu start
again --popover
sleep "$settle"
memory popover
cpu popover
again --hide
sleep "$settle"
memory hidden
cpu hidden
again --inspector
sleep "$settle"
memory inspector
again --hide
sleep "$settle"
memory closed
echo "window build times (the app's log):"
sed 's/\x1b\[[0-9;]*m//g' "$work/app.log" | grep -o 'built the [^=]*ms=[0-9]*' | sed 's/^/  /' || true

echo "sizes:"
strip -o "$work/stripped" "$app"
printf '  %-34s %7s MiB (%s MiB stripped)\n' "$(basename "$app")" \
    "$(mib $(($(stat -c %s "$app") / 1024)))" "$(mib $(($(stat -c %s "$work/stripped") / 1024)))"
if [ -n "$deb" ]; then
    printf '  %-34s %7s MiB\n' "$(basename "$deb")" "$(mib $(($(stat -c %s "$deb") / 1024)))"
fi
