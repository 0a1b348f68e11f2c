"""Makes the legacy-format (pre-zip torch.save) valid fixtures, with their
storage keys renamed so reruns write the same bytes."""

from __future__ import annotations

import collections
import io
import pickle
import pickletools
import struct
import sys
import warnings
from pathlib import Path

import torch

from golden_io import VALID, write_expected


class _PidScanner(pickle.Unpickler):
    """Runs a legacy main pickle without building anything, to collect its
    persistent ids (storage class, key, numel) in the order they appear."""

    def __init__(self, f):
        super().__init__(f)
        self.pids = []

    def persistent_load(self, pid):
        self.pids.append(pid)

    def find_class(self, module, name):
        if module in ("torch", "torch.storage") and name.endswith("Storage"):
            return getattr(sys.modules[module], name)  # a class; only its dtype is used
        return _Inert  # never call anything the file names


class _Inert(dict):
    """Stand-in for every object a scanned pickle builds: accepts the calls the
    unpickler may make on it (SETITEMS, APPENDS, BUILD) and does nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def append(self, item):
        pass

    def extend(self, items):
        pass

    def __setstate__(self, state):
        pass


def _pickle_end(raw: bytes, start: int) -> int:
    f = io.BytesIO(raw)
    f.seek(start)
    for op, _, _ in pickletools.genops(f):  # walk opcodes; loading would need persistent_load
        if op.name == "STOP":
            return f.tell()
    raise ValueError("pickle without STOP")


def rename_legacy_keys(raw: bytes) -> bytes:
    """Make a legacy file reproducible.

    Legacy files key storages by their memory address (str(storage._cdata)), and
    store the storages sorted by key, so every run writes different keys in a
    different order. Rename the keys, by order of first use in the main pickle,
    to same-length decimal strings, patch the BINUNICODE payloads in place (no
    offset moves), rewrite the sorted key list and put the storage blobs in the
    new key order. All other bytes are torch's own.
    """
    starts = [0]
    for _ in range(5):  # magic, protocol version, sys_info, main pickle, key list
        starts.append(_pickle_end(raw, starts[-1]))
    main_start, keys_start, data_start = starts[3], starts[4], starts[5]
    scanner = _PidScanner(io.BytesIO(raw[main_start:keys_start]))
    scanner.load()
    old_keys = pickle.loads(raw[keys_start:data_start])
    if not old_keys:
        return raw
    assert old_keys == sorted(old_keys)

    itemsize = {}
    first_use = []
    for _tag, storage_cls, key, _location, _numel, _view in scanner.pids:
        with warnings.catch_warnings():  # "TypedStorage is deprecated"
            warnings.simplefilter("ignore")
            dtype = getattr(storage_cls, "dtype", torch.uint8)  # UntypedStorage counts bytes
        size = torch.empty(0, dtype=dtype).element_size()
        assert itemsize.setdefault(key, size) == size
        if key not in first_use:
            first_use.append(key)
    assert sorted(first_use) == old_keys

    widths = {len(k) for k in old_keys}
    assert len(widths) == 1 and min(widths) >= 4, f"storage keys of different lengths: {old_keys}"
    width = widths.pop()
    new = {k: str(10 ** (width - 1) + rank) for rank, k in enumerate(first_use)}

    # storage area: per key (old sorted order) an int64 count, then count*itemsize bytes
    blobs, pos = {}, data_start
    for key in old_keys:
        count = struct.unpack_from("<q", raw, pos)[0]
        length = 8 + count * itemsize[key]
        blobs[new[key]] = raw[pos: pos + length]
        pos += length
    assert pos == len(raw), "storage area does not add up"

    main = bytearray(raw[main_start:keys_start])
    for op, arg, op_pos in pickletools.genops(io.BytesIO(bytes(main))):
        if op.name == "BINUNICODE" and arg in new:
            payload = op_pos + 5  # opcode byte + 4-byte length
            main[payload: payload + width] = new[arg].encode("ascii")
    new_sorted = sorted(new.values())  # == first-use order, same width decimals
    key_list = pickle.dumps(new_sorted, protocol=2)  # what torch dumps too
    assert len(key_list) == data_start - keys_start
    return raw[:main_start] + bytes(main) + key_list + b"".join(blobs[k] for k in new_sorted)


def save_legacy(path: Path, obj):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    path.write_bytes(rename_legacy_keys(buf.getvalue()))
    write_expected(path, obj)


def legacy_records():
    stacked = torch.arange(12, dtype=torch.float16).reshape(3, 4)
    base = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    return [
        {
            "name": "dtypes",
            "bool": torch.tensor([True, False]),
            "uint8": torch.tensor([0, 255], dtype=torch.uint8),
            "int64": torch.tensor([-2**63, 2**63 - 1]),
            "bfloat16": torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
            "float64": torch.tensor([[1e300, -0.0]], dtype=torch.float64),
            "complex64": torch.tensor([1 + 2j], dtype=torch.complex64),
            "scalar": torch.tensor(42, dtype=torch.int32),
            "empty": torch.empty((2, 0)),
        },
        {"name": "views", "row0": stacked[0], "row2": stacked[2], "t": base.t(), "col": base[:, 1]},
        {"name": "nested", "value": {"a": [1, (2, 3), {"b": None}], "s": "\u00e9\U0001F600", "f": float("nan"),
                                       "bytes": b"\x00\x01", "od": collections.OrderedDict(x=1)}},
    ]


def make_legacy():
    save_legacy(VALID / "legacy.pt", legacy_records())
    # a single tensor as the top-level value ("root")
    save_legacy(VALID / "legacy_root_tensor.pt", torch.arange(5, dtype=torch.int16))
