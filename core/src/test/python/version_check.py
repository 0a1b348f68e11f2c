"""Check with real torch that a dataset version kept every record of the previous one in its split.

    version_check.py V1_OUTPUT V2_OUTPUT KEY

V1_OUTPUT is a copy of the previous version's output folder, V2_OUTPUT the extended one. Every
chunk of both is opened with plain torch.load (weights_only=True); records are known by their KEY
field (for example study_id). Every record of version 1 must be in version 2, in the same split;
a chunk the version 2 manifest does not list under lineage.new_or_changed_chunks must have the
same bytes as version 1's chunk of that name.

Prints `OK n records of version 1 kept, m chunks unchanged` and exits 0, or the differences and 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch


def splits_by_key(out: Path, key: str) -> dict:
    manifest = json.loads((out / "_SPLIT_MANIFEST.json").read_text())
    where = {}
    for c in manifest["chunks"]:
        for record in torch.load(out / c["name"]):
            where[record[key]] = c["split"]
    return where


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    v1, v2, key = Path(argv[1]), Path(argv[2]), argv[3]
    before, after = splits_by_key(v1, key), splits_by_key(v2, key)
    errors = [f"{k!r}: {s} in version 1, {after.get(k, 'missing')} in version 2"
              for k, s in before.items() if after.get(k) != s]
    manifest = json.loads((v2 / "_SPLIT_MANIFEST.json").read_text())
    changed = set(manifest["lineage"]["new_or_changed_chunks"])
    unchanged = [c["name"] for c in manifest["chunks"] if c["name"] not in changed]
    for name in unchanged:
        if (v1 / name).read_bytes() != (v2 / name).read_bytes():
            errors.append(f"{name}: not listed as changed, but its bytes differ from version 1")
    if errors:
        print("\n".join(errors[:50]))
        return 1
    print(f"OK {len(before)} records of version 1 kept, {len(unchanged)} chunks unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
