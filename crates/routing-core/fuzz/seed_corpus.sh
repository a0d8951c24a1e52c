#!/usr/bin/env bash
# Seeds the fuzz corpora from tests/vectors/pf_route/*.hex, as binary:
# each single message (and each record of a dump) for message_parse, each
# whole file for dump_parse. Addrs-only vectors get a 92-byte RTM_GET header.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vectors="$here/../../../tests/vectors/pf_route"
mkdir -p "$here/corpus/message_parse" "$here/corpus/dump_parse"
for f in "$vectors"/*.hex; do
  name="$(basename "$f" .hex)"
  python3 - "$f" "$here/corpus" "$name" <<'PY'
import sys, struct, re
path, out, name = sys.argv[1:]
text = open(path).read()
kind = re.search(r"^# kind: (.*)$", text, re.M).group(1)
data = bytes.fromhex(" ".join(l.split("#")[0] for l in text.splitlines()))
if kind.startswith("addrs-only"):
    bits = int(kind.split("=0x")[1], 16)
    hdr = struct.pack("<HBBHHIIiii", 92 + len(data), 5, 4, 0, 0, 0, bits, 0, 0, 0) + bytes(92 - 28)
    data = hdr + data
open(f"{out}/dump_parse/{name}", "wb").write(data)
off = 0
i = 0
while off + 2 <= len(data):
    n = struct.unpack_from("<H", data, off)[0]
    if n == 0 or off + n > len(data):
        break
    open(f"{out}/message_parse/{name}-{i}", "wb").write(data[off:off + n])
    off += n
    i += 1
PY
done
echo "seeded $(ls "$here/corpus/message_parse" | wc -l) message_parse and $(ls "$here/corpus/dump_parse" | wc -l) dump_parse inputs"
