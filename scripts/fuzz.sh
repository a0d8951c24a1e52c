#!/usr/bin/env bash
# Fuzz the parsers that read untrusted bytes: scripts/fuzz.sh [SECONDS]
# [TARGET...] (default 60 s for each target).
#
# Targets: message_parse, dump_parse (the PF_ROUTE codec,
# crates/routing-core/fuzz, seeded from tests/vectors/pf_route) and
# frame_decode (the helper's frames and JSON messages,
# crates/helper-proto/fuzz, seeded from its seeds.jsonl). cargo-fuzz needs a nightly-capable
# compiler: Debian's rustc-web (1.96) with RUSTC_BOOTSTRAP=1. AddressSanitizer
# is used when its runtime links; otherwise the run falls back to
# --sanitizer none (the codec has no unsafe code, so ASan adds little).
# Crashes land in <fuzz dir>/artifacts/<target>/.
source "$(dirname "$0")/lib.sh"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(message_parse dump_parse frame_decode)
ensure_debs rustc-web cargo-web rust-web-src python3 clang
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc
fuzz=(/usr/bin/cargo fuzz)
command -v cargo-fuzz >/dev/null || fuzz=(cargo fuzz)
status=0
for target in "${targets[@]}"; do
    case "$target" in
        message_parse | dump_parse) dir=crates/routing-core/fuzz max_len=4096 ;;
        frame_decode) dir=crates/helper-proto/fuzz max_len=65536 ;;
        *) say "unknown fuzz target $target"; exit 2 ;;
    esac
    cd "$EGRESS_ROOT/$dir"
    ./seed_corpus.sh
    sanitizer=(--sanitizer address)
    if ! "${fuzz[@]}" build "${sanitizer[@]}" "$target" >/dev/null 2>&1; then
        say "AddressSanitizer build failed; using --sanitizer none"
        sanitizer=(--sanitizer none)
    fi
    say "fuzzing $target for ${secs}s"
    mkdir -p "corpus/$target"
    "${fuzz[@]}" run "${sanitizer[@]}" "$target" "corpus/$target" -- \
        -max_total_time="$secs" -max_len="$max_len" -print_final_stats=1 || status=$?
done
exit "$status"
