# shellcheck shell=bash
# Shared by scripts/run and scripts/test: find the repo, install what is
# missing, and say what is happening. Sourced, never run.

set -euo pipefail

EGRESS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export EGRESS_ROOT

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_debs PKG...: apt-get install the packages that are not installed yet.
ensure_debs() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_rust: the host toolchain (rustup's, or Debian's as a fallback).
ensure_rust() {
    if command -v cargo >/dev/null 2>&1 && command -v rustc >/dev/null 2>&1; then
        return 0
    fi
    say "no Rust toolchain on PATH; installing Debian's"
    ensure_debs rustc-web cargo-web
    export PATH="/usr/bin:$PATH"
}

# The Debian toolchain that type-checks the macOS targets (-Zbuild-std).
MACOS_DEBS=(rustc-web cargo-web rust-web-src clang llvm)
