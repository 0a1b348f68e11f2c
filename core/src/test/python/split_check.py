"""Check a splitflow output folder with real torch.

    split_check.py OUTPUT_DIR BATCH_FILE [BATCH_FILE ...]

BATCH_FILEs in natural order (the order that defines global indices). Every chunk listed in the
manifest is opened with plain torch.load (weights_only=True, the default); chunk k of a split must
hold, in order, the records the indices file puts there (entries k*C .. k*C+C-1 of the split's
list), each equal to its source record: same keys in the same order, tensors with the same dtype,
shape and bytes, other values equal. Every global index must be used exactly once.

Prints `OK n records in m chunks` and exits 0, or prints the differences and exits 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch


def same(a, b, path: str, errors: list[str]) -> None:
    if isinstance(a, torch.Tensor):
        if not isinstance(b, torch.Tensor) or a.dtype != b.dtype or a.shape != b.shape:
            errors.append(f"{path}: tensor {getattr(b, 'dtype', type(b))} != {a.dtype}")
        elif not torch.equal(a.contiguous().reshape(-1).view(torch.uint8),
                             b.contiguous().reshape(-1).view(torch.uint8)):
            errors.append(f"{path}: tensor bytes differ")
        elif b.storage_offset() != 0 or b.untyped_storage().nbytes() != b.numel() * b.element_size():
            errors.append(f"{path}: chunk tensor is not compact")
    elif isinstance(a, dict):
        if type(a) is not type(b) or list(a) != list(b):
            errors.append(f"{path}: keys {list(b) if isinstance(b, dict) else type(b)} != {list(a)}")
            return
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]", errors)
    elif isinstance(a, (list, tuple)):
        if type(a) is not type(b) or len(a) != len(b):
            errors.append(f"{path}: {type(b).__name__} of {len(b)} != {type(a).__name__} of {len(a)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]", errors)
    elif type(a) is not type(b) or a != b:
        errors.append(f"{path}: {b!r} != {a!r}")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1])
    manifest = json.loads((out / "_SPLIT_MANIFEST.json").read_text())
    indices = json.loads((out / manifest["indices"]["file"]).read_text())
    size = indices["metadata"]["chunk_size"]
    sources = []
    for f in argv[2:]:
        sources.extend(torch.load(f, mmap=True))
    errors: list[str] = []
    seen = set()
    n = 0
    for chunk in manifest["chunks"]:
        records = torch.load(out / chunk["name"])
        expected = indices[chunk["split"]][chunk["number"] * size:(chunk["number"] + 1) * size]
        if len(records) != len(expected):
            errors.append(f"{chunk['name']}: {len(records)} records, indices say {len(expected)}")
            continue
        for i, (g, r) in enumerate(zip(expected, records)):
            seen.add(g)
            same(sources[g], r, f"{chunk['name']} record {i} (global {g})", errors)
            n += 1
    if seen != set(range(len(sources))):
        errors.append(f"{len(sources) - len(seen)} source records are in no chunk")
    for e in errors[:50]:
        print(e)
    if errors:
        return 1
    print(f"OK {n} records in {len(manifest['chunks'])} chunks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
