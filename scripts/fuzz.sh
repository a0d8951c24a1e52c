#!/usr/bin/env bash
# Fuzz the PF_ROUTE codec: scripts/fuzz.sh [SECONDS] (default 60 per target).
#
# Targets (crates/routing-core/fuzz): message_parse, dump_parse. The corpus
# is seeded from tests/vectors/pf_route. cargo-fuzz needs a nightly-capable
# compiler: Debian's rustc-web (1.96) with RUSTC_BOOTSTRAP=1. AddressSanitizer
# is used when its runtime links; otherwise the run falls back to
# --sanitizer none (the codec has no unsafe code, so ASan adds little).
# Crashes land in crates/routing-core/fuzz/artifacts/<target>/.
source "$(dirname "$0")/lib.sh"
secs=${1:-60}
ensure_debs rustc-web cargo-web rust-web-src python3 clang
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
cd "$EGRESS_ROOT/crates/routing-core/fuzz"
./seed_corpus.sh
export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc
fuzz=(/usr/bin/cargo fuzz)
command -v cargo-fuzz >/dev/null || fuzz=(cargo fuzz)
sanitizer=(--sanitizer address)
if ! "${fuzz[@]}" build "${sanitizer[@]}" message_parse >/dev/null 2>&1; then
    say "AddressSanitizer build failed; using --sanitizer none"
    sanitizer=(--sanitizer none)
fi
status=0
for target in message_parse dump_parse; do
    say "fuzzing $target for ${secs}s"
    mkdir -p "corpus/$target"
    "${fuzz[@]}" run "${sanitizer[@]}" "$target" "corpus/$target" -- \
        -max_total_time="$secs" -max_len=4096 -print_final_stats=1 || status=$?
done
exit "$status"
