#!/usr/bin/env bash
# Seeds corpus/frame_decode with real frames: every example message from
# the protocol's documentation, length-prefixed.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/frame_decode
i=0
while IFS= read -r json; do
    [ -z "$json" ] && continue
    python3 - "$json" "corpus/frame_decode/seed-$i" <<'PY'
import struct, sys
payload = sys.argv[1].encode()
open(sys.argv[2], "wb").write(struct.pack(">I", len(payload)) + payload)
PY
    i=$((i + 1))
done < seeds.jsonl
