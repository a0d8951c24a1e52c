# shellcheck shell=bash
# A desktop of our own for the app, shared by run.sh (the end to end) and
# measure.sh (the footprint). Sourced, never run.
#
#   desktop_begin NAME        $work: a scratch directory; every pid added to
#                             $pids is stopped, and $work removed, on exit
#   desktop_xvfb FIRST        an Xvfb on the first free display from FIRST,
#                             unless $DISPLAY is set
#   desktop_session_bus       a private session bus (a second launch of the
#                             app reaches the first over it, as on a desktop)
#
# A step that cannot be had calls desktop_fail MESSAGE, which the caller may
# define (run.sh skips); by default it prints the message and exits 1.

declare -F desktop_fail >/dev/null || desktop_fail() {
    echo "$*" >&2
    exit 1
}

desktop_begin() {
    work=$(mktemp -d "/tmp/egress-$1.XXXXXX")
    pids=()
    trap desktop_end EXIT
}

desktop_end() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}

desktop_xvfb() {
    [ -n "${DISPLAY:-}" ] && return 0
    local n
    for n in $(seq "$1" $(($1 + 30))); do
        [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
    done
    Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
    pids+=($!)
    export DISPLAY=":$n"
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
    [ -e "/tmp/.X11-unix/X$n" ] || desktop_fail "Xvfb did not start: $(cat "$work/xvfb.log")"
}

desktop_session_bus() {
    dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$work/bus" 2>"$work/dbus.log" &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$work/bus" ] && break; sleep 0.1; done
    [ -s "$work/bus" ] || desktop_fail "dbus-daemon did not start: $(cat "$work/dbus.log")"
    DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$work/bus")
    export DBUS_SESSION_BUS_ADDRESS
}
