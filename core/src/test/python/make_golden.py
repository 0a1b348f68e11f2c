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
(see save_legacy) and the script pins PYTHONHASHSEED so set order is stable.
"""

from __future__ import annotations

import collections
import concurrent.futures
import io
import json
import os
import pickle
import pickletools
import platform
import random
import shutil
import struct
import subprocess
import sys
import warnings
import zipfile
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
import splitflow_json  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent / "resources" / "golden"
VALID = GOLDEN / "valid"
HOSTILE = GOLDEN / "hostile"

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # torch writes zero timestamps; so do we


# ---------------------------------------------------------------------------
# helpers for valid fixtures
# ---------------------------------------------------------------------------

def stable_set(*items):
    """A set whose iteration order survives a pickle round trip.

    The reader reports a set's items in file order, while the Python side can
    only see the loaded set's iteration order. Those agree when rebuilding the
    set from its own iteration order reproduces that order, so refuse sets for
    which it does not.
    """
    s = set(items)
    assert list(set(list(s))) == list(s), f"set {s!r} does not round-trip its order"
    return s


def write_expected(pt: Path, original=None):
    """Write NAME.expected.json next to pt from what torch.load returns.

    When the saved object is given, also insist that it converts to the same
    JSON as what came back: a cheap proof that the file holds what we meant.
    """
    doc = splitflow_json.dump_inspect(pt)
    if original is not None:
        key = "records" if type(original) is list else "root"
        want = splitflow_json.to_json(original)
        assert _native_numpy(doc[key]) == _native_numpy(want), f"{pt.name}: loaded value differs from the saved one"
        # numpy (2.4) byteswaps a big-endian array to native order when it
        # unpickles it, so the loaded array says '<f4' while the file says
        # '>f4'. The reader sees the file, so take the saved object's JSON.
        doc[key] = want
    out = pt.with_name(pt.name[: -len(".pt")] + ".expected.json")
    out.write_text(splitflow_json.dumps(doc), encoding="ascii")


def _native_numpy(j):
    """Copy of a JSON structure with numpy byte orders folded to little-endian."""
    if isinstance(j, list):
        return [_native_numpy(v) for v in j]
    if isinstance(j, dict):
        out = {k: _native_numpy(v) for k, v in j.items()}
        if j.get("$type") in ("ndarray", "numpy_scalar") and j["numpy_dtype"][0] == ">":
            out["numpy_dtype"] = "<" + j["numpy_dtype"][1:]
        return out
    return j


def save_valid(name: str, obj, **save_kw):
    path = VALID / name
    torch.save(obj, path, **save_kw)
    write_expected(path, obj)
    return path


def torch_zip_bytes(obj, **save_kw) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, **save_kw)
    return buf.getvalue()


def from_bits(bits, int_dtype, dtype):
    """Tensor of `dtype` holding exact bit patterns (NaN payloads, uint64 max...)."""
    return torch.tensor(bits, dtype=int_dtype).view(dtype)


# ---------------------------------------------------------------------------
# valid fixtures
# ---------------------------------------------------------------------------

def dtype_record(name, matrix):
    """One record per dtype: a 2x3 matrix, a 0-dim tensor and two empty shapes."""
    dt = matrix.dtype
    return {
        "dtype": name,
        "matrix": matrix,
        "scalar": matrix[1, 2].clone(),  # clone: own 1-element storage, 0-dim
        "empty": torch.empty(0, dtype=dt),
        "empty2d": torch.empty((2, 0), dtype=dt),
    }


def make_dtypes():
    nan_payload_f32 = 0x7FC00001  # a quiet NaN that is not torch's default NaN
    f = float
    records = [
        dtype_record("bool", torch.tensor([[True, False, True], [False, False, True]])),
        dtype_record("uint8", torch.tensor([[0, 1, 127], [128, 254, 255]], dtype=torch.uint8)),
        dtype_record("int8", torch.tensor([[-128, -1, 0], [1, 126, 127]], dtype=torch.int8)),
        dtype_record("int16", torch.tensor([[-32768, -1, 0], [1, 12345, 32767]], dtype=torch.int16)),
        dtype_record("int32", torch.tensor([[-2**31, -1, 0], [1, 2**30, 2**31 - 1]], dtype=torch.int32)),
        dtype_record("int64", torch.tensor([[-2**63, -1, 0], [1, 2**53 + 1, 2**63 - 1]], dtype=torch.int64)),
        dtype_record("float16", torch.tensor([[0.0, -0.0, 1.5], [65504.0, f("inf"), 6e-8]], dtype=torch.float16)),
        dtype_record("bfloat16", torch.tensor([[0.0, -0.0, 1.5], [3.0e38, f("-inf"), f("nan")]], dtype=torch.bfloat16)),
        dtype_record("float32", torch.cat([
            torch.tensor([0.0, -0.0, 3.4e38, 1e-45, f("-inf")], dtype=torch.float32),
            from_bits([nan_payload_f32], torch.int32, torch.float32)]).reshape(2, 3)),
        dtype_record("float64", torch.tensor([[0.0, -0.0, 1e300], [5e-324, f("inf"), f("nan")]], dtype=torch.float64)),
        dtype_record("complex64", torch.tensor([[1 + 2j, -0.0 - 0.0j, complex(f("nan"), 1)],
                                                [complex(f("inf"), -2), 3.5j, -1.25]], dtype=torch.complex64)),
        dtype_record("complex128", torch.tensor([[1e300 + 1e-300j, -0.0j, complex(1, f("nan"))],
                                                 [complex(f("-inf"), 0), 1j, 2.0]], dtype=torch.complex128)),
    ]
    save_valid("dtypes.pt", records)


def make_dtypes_untyped():
    # uint16/32/64 have no typed Storage class: torch writes _rebuild_tensor_v3
    # with an UntypedStorage (numel in bytes) plus a dtype GLOBAL.
    records = [
        dtype_record("uint16", torch.tensor([[0, 1, 255], [256, 32768, 65535]], dtype=torch.uint16)),
        dtype_record("uint32", torch.tensor([[0, 1, 65536], [2**31, 2**32 - 2, 2**32 - 1]], dtype=torch.uint32)),
        dtype_record("uint64", from_bits([[0, 1, 2**32], [2**62, -2, -1]], torch.int64, torch.uint64)),
    ]
    save_valid("dtypes_untyped.pt", records)


def make_views_stacked():
    stacked = torch.randn(3, 1, 4, 4).to(torch.float16)
    # Every record's image is a view into one storage (offsets 0, 16, 32).
    records = [{"index": i, "image": stacked[i]} for i in range(3)]
    save_valid("views_stacked.pt", records)


def make_views_strided():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    pair = torch.tensor([7.0, -7.0])
    views = [
        ("base", base),
        ("transpose", base.t()),                 # (6,4) / (1,6) / 0
        ("column", base[:, 2]),                  # (4,) / (6,) / 2
        ("block", base[1:3, 1:4]),               # (2,3) / (6,1) / 7
        ("expand", pair.expand(3, 2)),           # (3,2) / (0,1) / 0
        ("every_other_row", base[::2]),          # (2,6) / (12,1) / 0
        ("every_third_col", base[:, ::3]),       # (4,2) / (6,3) / 0
        ("element", base[3, 5]),                 # () / () / 23
        ("empty_rows", base[2:2]),               # (0,6) / (6,1) / 12
        ("unsqueezed", base[1:2, 4:].unsqueeze(0)),  # size-1 dims with odd strides
    ]
    save_valid("views_strided.pt", [{"name": n, "t": t} for n, t in views])


def make_cxr_batch():
    """A chest-X-ray-like batch as a dataset would save it: images are views of
    one stacked tensor, optional fields vary in type from record to record."""
    n = 6
    images = torch.rand(n, 1, 16, 16).to(torch.float16)
    labels = (torch.rand(n, 14) > 0.7).to(torch.int64)
    positions = ["PA", "AP", "LATERAL", "PA", "AP", "PA"]
    records = []
    for i in range(n):
        if i % 3 == 0:
            features = torch.randn(5)
        elif i % 3 == 1:
            features = None
        else:
            features = []
        records.append({
            "image": images[i],
            "view_position": positions[i],
            "clinical_features": features,
            "subject_id": 10000000 + 37 * i,
            "study_id": f"s5{i:07d}",
            "label": labels[i],
        })
    save_valid("cxr_batch.pt", records)


def make_scalars():
    values = [
        ("none", None),
        ("true", True),
        ("false", False),
        # ints cover every integer opcode width: BININT1, BININT2, BININT, LONG1
        ("int 0", 0), ("int -1", -1), ("int 255", 255), ("int 256", 256),
        ("int 65535", 65535), ("int 2**31-1", 2**31 - 1), ("int -2**31", -2**31),
        ("int 2**31", 2**31), ("int 2**63", 2**63), ("int -2**70", -2**70),
        ("int 2**1000", 2**1000),
        ("float 0.0", 0.0), ("float -0.0", -0.0), ("float 1.5", 1.5),
        ("float 1e300", 1e300), ("float 5e-324", 5e-324), ("float 0.1", 0.1),
        ("float nan", float("nan")), ("float inf", float("inf")), ("float -inf", float("-inf")),
        ("str empty", ""), ("str ascii", "hello world"),
        ("str latin1", "h\u00e9llo w\u00f6rld"), ("str cjk", "\u65e5\u672c\u8a9e"),
        ("str emoji", "x-ray \U0001F9B4\U0001FA7B"), ("str lone surrogate", "\ud800"),
        ("str controls", "a\x00b\n\t\"\\"),
        ("bytes", b"\x00\xff abc"),
        ("bytes all", bytes(range(256))),
        ("bytearray", bytearray(b"\x01\x02\xfe")),
        ("bytearray empty", bytearray()),
        ("complex", complex(1.5, -2.0)),
        ("complex nan -0.0", complex(float("nan"), -0.0)),
    ]
    save_valid("scalars.pt", [{"name": n, "value": v} for n, v in values])


def make_bytes_empty():
    # b"" is the one bytes value torch pickles as __builtin__.bytes() + REDUCE,
    # which torch's own weights_only loader refuses; kept apart so it cannot
    # mask failures in scalars.pt.
    save_valid("bytes_empty.pt", [{"value": b""}, {"value": b"x"}])


def nested(depth):
    """Alternate list and dict levels, `depth` levels deep."""
    value = "bottom"
    for level in range(depth, 0, -1):
        value = [level, value] if level % 2 else {"level": level, "next": value}
    return value


def make_containers():
    shared = [1, "two", 3.0]
    same_tensor = torch.tensor([1, 2, 3], dtype=torch.int32)
    values = [
        ("tuple empty", ()),
        ("tuple 1", (1,)),
        ("tuple 2", (1, "a")),
        ("tuple 3", (1, "a", 2.5)),
        ("tuple 5", (1, 2, 3, 4, (5, 6))),
        ("torch.Size", torch.Size([2, 3])),
        ("set ints", stable_set(3, 1, 2)),
        ("set mixed", stable_set("x-ray", 10**20, (1, 2), -1, 0)),
        ("set empty", set()),
        ("nested 20", nested(20)),
        ("list empty", []),
        ("dict empty", {}),
        ("dict int keys", {1: "a", -5: "b", 2**40: "c"}),
        ("dict tuple keys", {(1, 2): "x", ("a",): "y"}),
        ("dict mixed keys", {"a": 1, 2: "b", None: 3, 1.5: 4}),
        ("dict $type key", {"$type": "tensor", "x": 1}),
        ("dict key order", {"z": 1, "a": 2, "m": 3}),
        ("OrderedDict", collections.OrderedDict([("b", 1), ("a", 2)])),
        ("OrderedDict empty", collections.OrderedDict()),
        ("OrderedDict tensor", collections.OrderedDict([("w", torch.ones(2))])),
        ("Counter", collections.Counter("abracadabra")),
        ("shared list", {"first": shared, "second": shared}),  # memo BINGET
        ("shared tensor", {"a": same_tensor, "b": same_tensor}),
    ]
    save_valid("containers.pt", [{"name": n, "value": v} for n, v in values])


def make_numpy_values():
    rng = np.random.default_rng(20240601)
    m = np.arange(6).reshape(2, 3)
    arrays = [
        ("bool", np.array([[True, False, True], [False, True, True]])),
        ("uint8", m.astype(np.uint8) * 50),
        ("int8", m.astype(np.int8) - 3),
        ("int16", m.astype(np.int16) * -1000),
        ("int32", m.astype(np.int32) * 100000),
        ("int64", m.astype(np.int64) * 10**15),
        ("uint16", m.astype(np.uint16) * 10000),
        ("float16", rng.standard_normal((2, 3)).astype(np.float16)),
        ("float32", rng.standard_normal((2, 3)).astype(np.float32)),
        ("float64", rng.standard_normal((2, 3))),
        ("complex64", (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))).astype(np.complex64)),
        ("complex128", np.array([1 + 2j, np.nan - 0.0j])),
        # bytes in the pickle are big-endian; the JSON hash is still little-endian
        ("big-endian >f4", np.array([1.0, 2.0, -0.5], dtype=">f4")),
        ("big-endian >i2", np.array([[1, -2], [300, -32768]], dtype=">i2")),
        # pickled with is_fortran=True and the bytes in Fortran order
        ("fortran 3x4", np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))),
        ("strided slice", np.arange(10, dtype=np.int32)[::3]),  # pickled as a C copy
        ("0-dim", np.array(3.25)),
        ("empty", np.zeros((0, 3), dtype=np.float32)),
        ("scalar float32", np.float32(1.5)),
        ("scalar int64", np.int64(7)),
        ("scalar bool", np.bool_(True)),
        ("scalar float64", np.float64(-0.0)),
    ]
    records = [{"name": n, "value": v} for n, v in arrays]
    # numpy mixed with torch in one record, and nested in a list
    records.append({"name": "mixed", "value": [np.arange(3, dtype=np.int64), torch.arange(3)]})
    save_valid("numpy_values.pt", records)


def small_records():
    """Records exercising every value kind whose encoding changes with the
    pickle protocol (bytes, bytearray, long strings, big ints, tuples)."""
    g = torch.Generator().manual_seed(7)
    stacked = torch.randn(2, 3, generator=g)
    return [
        {
            "id": 0,
            "t": stacked[0],
            "s": "h\u00e9llo",
            "long_s": "x" * 300,           # > 255 bytes: BINUNICODE even in protocol 4
            "b": b"\x00\xffab",
            "long_b": bytes(range(256)) * 2,  # BINBYTES rather than SHORT_BINBYTES
            "ba": bytearray(b"xy"),
            "f": 1.5,
            "big": 2**70,
            "neg": -300,
            "tup": (1, 2, 3),
            "tup5": (1, 2, 3, 4, 5),
            "l": [None, True, False],
            "od": collections.OrderedDict([("k", 1)]),
            "set": stable_set(1, 2),
            "c": complex(0.5, -1),
        },
        {"id": 1, "t": stacked[1], "i16": torch.tensor([1, -1], dtype=torch.int16), "u16": torch.tensor([65535], dtype=torch.uint16)},
    ]


def make_protocols():
    for proto in (2, 3, 4, 5):
        save_valid(f"proto{proto}.pt", small_records(), pickle_protocol=proto)


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


def rezip(raw: bytes, compress_type: int) -> bytes:
    """Rewrite a torch zip with Python's zipfile: same entry names and order,
    no alignment padding, no data descriptors."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            zi.compress_type = compress_type
            dst.writestr(zi, src.read(info))
    return out.getvalue()


def make_deflated():
    records = small_records()
    path = VALID / "deflated.pt"
    path.write_bytes(rezip(torch_zip_bytes(records), zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    torch.load(path)  # default weights_only loader must accept it
    write_expected(path, records)


def make_names():
    # saved through a file object: the archive folder is "archive"
    records = [{"via": "BytesIO", "t": torch.tensor([1.0, 2.0])}]
    path = VALID / "bytesio.pt"
    path.write_bytes(torch_zip_bytes(records))
    write_expected(path, records)
    # saved to a path with several dots: the folder is "a.b.c"
    save_valid("a.b.c.pt", [{"via": "path a.b.c.pt", "t": torch.tensor([3, 4], dtype=torch.int8)}])


def make_big_list():
    # > 1000 records: APPENDS comes in batches of 1000; memo ids > 255 use
    # LONG_BINPUT; one dict has > 1000 keys so SETITEMS is batched too.
    records = [{"i": i} for i in range(1100)]
    for i in range(0, 1100, 250):
        records[i]["t"] = torch.tensor([i], dtype=torch.int16)
    records[1] = {"i": 1, "many": {f"k{k}": k for k in range(1005)}}
    save_valid("big_list.pt", records)


def make_parameter():
    records = [{
        "weight": torch.nn.Parameter(torch.randn(2, 3)),
        "frozen": torch.nn.Parameter(torch.zeros(3), requires_grad=False),
        "leaf_requires_grad": torch.randn(2).requires_grad_(),
        "plain": torch.ones(2, dtype=torch.float64),
    }]
    save_valid("parameter.pt", records)


def make_roots():
    # top-level values that are not a list: inspect prints "root"
    lin = torch.nn.Linear(3, 2)
    save_valid("root_state_dict.pt", lin.state_dict())  # an OrderedDict of tensors
    save_valid("root_tensor.pt", torch.arange(4, dtype=torch.float32).reshape(2, 2))


def make_handmade():
    # The hostile files are built by hand_archive(); this one uses the same
    # machinery with no defect, so it proves the harness itself is valid.
    pkl = records_pickle([
        record([("name", uni("a")), ("t", tensor("0", "FloatStorage", 4, 0, (2, 2), (2, 1)))]),
        record([("name", uni("b")), ("t", tensor("img_b", "LongStorage", 2, 1, (1,), (1,)))]),
    ])
    data = {"0": struct.pack("<4f", 1.0, 2.0, 3.0, 4.0), "img_b": struct.pack("<2q", -1, 7)}
    path = VALID / "handmade.pt"
    path.write_bytes(hand_archive(pkl, data))
    torch.load(path)
    write_expected(path)


# ---------------------------------------------------------------------------
# a tiny pickle assembler for hand-made files (protocol 2 opcodes)
# ---------------------------------------------------------------------------

PROTO2 = b"\x80\x02"
MARK, STOP, TUPLE, TUPLE1, EMPTY_TUPLE = b"(", b".", b"t", b"\x85", b")"
EMPTY_LIST, EMPTY_DICT, APPENDS, SETITEMS = b"]", b"}", b"e", b"u"
REDUCE, BINPERSID, NEWFALSE, NONE = b"R", b"Q", b"\x89", b"N"


def uni(s: str) -> bytes:
    data = s.encode("utf-8", "surrogatepass")
    return b"X" + struct.pack("<I", len(data)) + data


def short_uni(s: str) -> bytes:  # protocol 4
    data = s.encode("utf-8")
    return b"\x8c" + bytes([len(data)]) + data


def glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def integer(n: int) -> bytes:
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if 0 <= n < 65536:
        return b"M" + struct.pack("<H", n)
    if -2**31 <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def tup(items) -> bytes:
    return MARK + b"".join(items) + TUPLE


def storage_pid(key: str, storage_cls: str, numel: int) -> bytes:
    return tup([uni("storage"), glob("torch", storage_cls), uni(key), uni("cpu"), integer(numel)])


def tensor(key, storage_cls, numel, offset, size, stride, pid=None) -> bytes:
    """_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""
    pid = storage_pid(key, storage_cls, numel) if pid is None else pid
    return (glob("torch._utils", "_rebuild_tensor_v2")
            + tup([pid + BINPERSID, integer(offset),
                   tup(integer(s) for s in size), tup(integer(s) for s in stride),
                   NEWFALSE, glob("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE])
            + REDUCE)


def record(pairs) -> bytes:
    return EMPTY_DICT + MARK + b"".join(uni(k) + v for k, v in pairs) + SETITEMS


def records_pickle(records, proto=PROTO2) -> bytes:
    return proto + EMPTY_LIST + MARK + b"".join(records) + APPENDS + STOP


def hand_archive(pkl: bytes | None, data: dict, folder="archive", version=b"3\n",
                 extra=()) -> bytes:
    """A zip as torch would accept it (STORED, folder/, data.pkl, byteorder,
    data/KEY..., version), minus whatever the caller leaves out."""
    entries = []
    if pkl is not None:
        entries.append(("data.pkl", pkl))
    entries.append(("byteorder", b"little"))
    entries += [(f"data/{k}", v) for k, v in data.items()]
    entries += list(extra)
    if version is not None:
        entries.append(("version", version))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, payload in entries:
            z.writestr(zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_EPOCH), payload)
    return out.getvalue()


def f32(*xs) -> bytes:
    return struct.pack(f"<{len(xs)}f", *xs)


def one_value_archive(value: bytes, data: dict, **kw) -> bytes:
    """[{"t": value}]: the defect sits where a reader meets a record value."""
    return hand_archive(records_pickle([record([("t", value)])]), data, **kw)


# ---------------------------------------------------------------------------
# hostile fixtures
# ---------------------------------------------------------------------------

HARMLESS = "echo splitflow-hostile-fixture-was-executed"


def legacy_base() -> bytes:
    buf = io.BytesIO()
    torch.save([{"a": torch.arange(64, dtype=torch.float32), "b": torch.ones(8, dtype=torch.int64)}], buf,
               _use_new_zipfile_serialization=False)
    return rename_legacy_keys(buf.getvalue())


def memo_bomb() -> bytes:
    leaf = [1, 1]
    for _ in range(40):
        leaf = [leaf, leaf]  # the pickler memoizes: each level is one BINGET
    return pickle.dumps([leaf], protocol=2)


def make_hostile():
    four = f32(1, 2, 3, 4)
    good_t = tensor("0", "FloatStorage", 4, 0, (4,), (1,))
    torch_file = torch_zip_bytes([{"image": torch.arange(256, dtype=torch.float32).reshape(16, 16),
                                   "name": "truncate me"}])
    eocd = torch_file.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", torch_file, eocd + 16)[0]
    if cd_offset == 0xFFFFFFFF:  # torch always writes zip64 records
        z64 = torch_file.rfind(b"PK\x06\x06")
        cd_offset = struct.unpack_from("<Q", torch_file, z64 + 48)[0]
    assert torch_file[cd_offset: cd_offset + 4] == b"PK\x01\x02"
    legacy = legacy_base()

    cases = []

    def add(name, content: bytes, must_mention, why):
        (HOSTILE / name).write_bytes(content)
        cases.append({"file": name, "must_mention": must_mention, "why": why})

    add("os_system.pt",
        one_value_archive(glob("os", "system") + uni(HARMLESS) + TUPLE1 + REDUCE, {}),
        "os.system", "GLOBAL os.system + REDUCE in data.pkl: arbitrary code execution")
    add("builtins_eval.pt",
        one_value_archive(glob("builtins", "eval") + uni("1+1") + TUPLE1 + REDUCE, {}),
        "builtins.eval", "GLOBAL builtins.eval + REDUCE: arbitrary code execution")
    add("stack_global_os_system.pt",
        hand_archive(b"\x80\x04" + EMPTY_LIST + MARK + short_uni("os") + short_uni("system") + b"\x93"
                     + short_uni(HARMLESS) + TUPLE1 + REDUCE + APPENDS + STOP, {}),
        "os.system", "protocol 4 STACK_GLOBAL resolving to os.system, then REDUCE")
    add("inst.pt",
        one_value_archive(MARK + b"icollections\nOrderedDict\n", {}),
        "INST", "INST opcode (calls a class found by name; here an otherwise allowed one)")
    add("bad_persistent_id.pt",
        one_value_archive(tensor("0", "FloatStorage", 4, 0, (4,), (1,),
                                  pid=tup([uni("module"), glob("torch", "FloatStorage"), uni("0"),
                                           uni("cpu"), integer(4)])), {"0": four}),
        "persistent", "BINPERSID with a tuple whose tag is 'module', not 'storage'")
    add("truncated_half.pt", torch_file[: len(torch_file) // 2],
        "zip", "torch zip cut in half: no central directory")
    add("truncated_central_directory.pt", torch_file[: cd_offset + 40],
        "zip", "torch zip cut 40 bytes into its central directory: no end record")
    add("truncated_10_bytes.pt", torch_file[:10],
        "zip", "first 10 bytes of a torch zip (starts with PK\\x03\\x04)")
    add("empty.pt", b"", "empty", "zero-byte file")
    junk = bytearray(random.Random(1234).randbytes(4096))
    junk[0] = 0x00  # neither 'P' (zip) nor 0x80 (legacy pickle)
    add("junk.pt", bytes(junk), "format", "4096 random bytes, neither zip nor legacy")
    add("storage_too_short.pt",
        one_value_archive(good_t, {"0": four[:12]}),
        "data/0", "data/0 has 12 bytes but the pid declares 4 float32 elements (16 bytes)")
    add("huge_numel.pt",
        one_value_archive(tensor("0", "FloatStorage", 2**40, 0, (2**40,), (1,)), {"0": four}),
        "data/0", "pid declares 2**40 elements (4 TiB) for a 16-byte entry; never allocate from it")
    add("negative_stride.pt",
        one_value_archive(tensor("0", "FloatStorage", 4, 3, (4,), (-1,)), {"0": four}),
        "stride", "stride -1 (from offset 3 it would stay inside the storage)")
    add("offset_beyond_storage.pt",
        one_value_archive(tensor("0", "FloatStorage", 16, 8, (4, 4), (4, 1)), {"0": f32(*range(16))}),
        "storage", "storage_offset 8 + 16 elements spans [8,24) of a 16-element storage")
    add("key_two_dtypes.pt",
        hand_archive(records_pickle([
            record([("f", tensor("0", "FloatStorage", 4, 0, (4,), (1,)))]),
            record([("l", tensor("0", "LongStorage", 2, 0, (2,), (1,)))]),
        ]), {"0": four}),
        "dtype", "key '0' is a FloatStorage in record 0 and a LongStorage in record 1 (16 bytes fit both)")
    add("key_dotdot.pt",
        hand_archive(records_pickle([record([("t", tensor("../x", "FloatStorage", 4, 0, (4,), (1,)))])]),
                     {"../x": four}, extra=[("x", four)]),
        "..", "storage key '../x'; both archive/data/../x and archive/x exist so only the key check catches it")
    add("missing_storage_entry.pt",
        hand_archive(records_pickle([
            record([("a", good_t), ("b", tensor("1", "FloatStorage", 4, 0, (4,), (1,)))]),
        ]), {"0": four}),
        "data/1", "data.pkl references key '1' but archive/data/1 does not exist")
    add("missing_data_pkl.pt", hand_archive(None, {"0": four}),
        "data.pkl", "archive without data.pkl")
    add("missing_version.pt", one_value_archive(good_t, {"0": four}, version=None),
        "version", "archive without the version record")
    add("deep_nesting.pt",
        hand_archive(PROTO2 + EMPTY_LIST * 100_000 + b"a" * 99_999 + STOP, {}),
        "nest", "lists nested 100,000 deep (EMPTY_LIST x 100000, APPEND x 99999): a recursive parser overflows")
    add("memo_bomb.pt", hand_archive(memo_bomb(), {}),
        "expand", "l0=[1,1], l(k+1)=[l(k),l(k)] 40 times via memo BINGET: 2**40 leaves in under 1 KB")
    add("binunicode_overrun.pt",
        hand_archive(PROTO2 + EMPTY_LIST + MARK + b"X" + struct.pack("<I", 1000) + b"abc" + APPENDS + STOP, {}),
        "BINUNICODE", "BINUNICODE declares 1000 bytes with 5 bytes left in data.pkl")
    add("mark_underflow.pt",
        hand_archive(PROTO2 + EMPTY_LIST + integer(1) + APPENDS + STOP, {}),
        "MARK", "APPENDS with no MARK on the stack")
    add("unknown_memo.pt",
        hand_archive(PROTO2 + EMPTY_LIST + MARK + b"h\x07" + APPENDS + STOP, {}),
        "memo", "BINGET 7 with an empty memo")
    add("legacy_truncated.pt", legacy[: len(legacy) - 100],
        "truncated", "legacy file cut 100 bytes before its end, inside the storage area")
    bad_magic = bytearray(legacy)
    assert bad_magic[:5] == b"\x80\x02\x8a\x0a\x6c"
    bad_magic[5] ^= 0x01  # flip one bit of the magic number 0x1950A86A20F9469CFC6C
    add("legacy_bad_magic.pt", bytes(bad_magic), "magic", "legacy file whose magic number has one bit flipped")

    import golden_adversarial
    golden_adversarial.add_hostile(add)

    # one child process per file (torch import dominates), a few at a time
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        verdicts = pool.map(lambda c: torch_verdict(HOSTILE / c["file"]), cases)
        for case, verdict in zip(cases, verdicts):
            case["why"] += "; " + verdict
    (HOSTILE / "index.json").write_text(json.dumps(cases, indent=1, ensure_ascii=True) + "\n")


VERDICT_SCRIPT = r"""
import re, resource, sys, torch, warnings
warnings.simplefilter("ignore")
# a hostile file must not be able to take the machine down while we look at it
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
try:
    torch.load(sys.argv[1])  # default: weights_only=True; never False on these files
    print("torch.load loads it")
except BaseException as e:
    # weights_only errors wrap the real reason in paragraphs of advice; keep
    # the last paragraph that is not the pointer to the docs
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(e))
    text = text.split("WeightsUnpickler error:")[-1]
    parts = [p for p in text.split("\n\n") if p.strip() and not p.startswith("Check the documentation")]
    msg = " ".join((parts[-1] if parts else text).split())
    if len(msg) > 140:
        msg = msg[:140] + "..."
    print(f"torch.load refuses: {type(e).__name__}: {msg}")
"""


def torch_verdict(path: Path) -> str:
    """What default torch.load (weights_only=True) does with a file; run in a
    child process so a crash or a huge allocation cannot take us down."""
    try:
        r = subprocess.run([sys.executable, "-c", VERDICT_SCRIPT, str(path)],
                           capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "torch.load does not finish within 300 s"
    if r.returncode != 0 or not r.stdout.strip():
        return f"torch.load crashes the interpreter (exit {r.returncode})"
    return r.stdout.strip().splitlines()[-1]


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
