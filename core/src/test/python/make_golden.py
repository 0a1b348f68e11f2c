"""Regenerate the golden .pt fixtures under core/src/test/resources/golden/.

    $(tools/torch-python) core/src/test/python/make_golden.py

valid/NAME.pt            written by real torch (a few are torch output rewritten
                         by zipfile, see the functions below)
valid/NAME.expected.json what `./splitflow inspect NAME.pt` must print, computed
                         from torch.load(weights_only=False) by splitflow_json;
                         tensors carry stride/storage_offset but never "storage"
                         (torch.load does not reveal storage keys)
hostile/NAME.pt          hand-made files a reader must refuse, each with exactly
                         one defect in an otherwise valid archive
hostile/index.json       [{"file", "must_mention", "why"}]
VERSIONS.json            torch / numpy / python used

The output is byte-for-byte reproducible for a given torch/numpy/python: seeds
are fixed, torch's zip writer is deterministic (its serialization_id is a CRC
of the contents), legacy files get their address-based storage keys renamed
(see golden_legacy.rename_legacy_keys) and the script pins PYTHONHASHSEED so
set order is stable.

This script says what is written and in which order; the modules beside it
make the files: golden_valid (torch-written valid files), golden_legacy
(legacy-format valid files), golden_hostile (hostile files, torch's verdicts),
golden_adversarial (issue 14 cases), on top of golden_io (paths, save_valid,
write_expected) and pickle_bytes (hand-built pickles and archives).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from pathlib import Path

# Set iteration order of str elements depends on the hash seed, and torch
# pickles a set as the list of its elements in iteration order. Pin the seed so
# reruns write identical bytes.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The modules beside this one make the fixtures. golden_adversarial reads the
# names it needs from this module (import make_golden as g), so keep them here.
from golden_io import GOLDEN, HOSTILE, VALID, torch_zip_bytes, write_expected  # noqa: E402,F401
from golden_legacy import make_legacy  # noqa: E402
from golden_hostile import HARMLESS, legacy_base, make_hostile  # noqa: E402,F401
from golden_valid import (make_big_list, make_bytes_empty, make_containers, make_cxr_batch,  # noqa: E402,F401
                          make_deflated, make_dtypes, make_dtypes_untyped, make_handmade, make_names,
                          make_numpy_values, make_parameter, make_protocols, make_roots, make_scalars,
                          make_views_stacked, make_views_strided, rezip)
from pickle_bytes import (APPENDS, EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE, MARK, NONE, PROTO2,  # noqa: E402,F401
                          REDUCE, SETITEMS, STOP, TUPLE1, ZIP_EPOCH, f32, glob, integer, one_value_archive,
                          record, records_pickle, tensor, uni)


# ---------------------------------------------------------------------------

def main():
    torch.manual_seed(1234)
    np.random.seed(1234)
    for d in (VALID, HOSTILE):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)

    make_dtypes()
    make_dtypes_untyped()
    make_views_stacked()
    make_views_strided()
    make_cxr_batch()
    make_scalars()
    make_bytes_empty()
    make_containers()
    make_numpy_values()
    make_protocols()
    make_legacy()
    make_deflated()
    make_names()
    make_big_list()
    make_parameter()
    make_roots()
    make_handmade()
    import golden_adversarial
    golden_adversarial.make_valid()
    make_hostile()

    versions = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "generator": "core/src/test/python/make_golden.py",
    }
    (GOLDEN / "VERSIONS.json").write_text(json.dumps(versions, indent=1) + "\n")

    total = sum(p.stat().st_size for p in GOLDEN.rglob("*") if p.is_file())
    print(f"golden fixtures written to {GOLDEN} ({total} bytes)")


if __name__ == "__main__":
    main()
