"""Makes the torch-written valid/NAME.pt fixtures (all but the legacy ones)
with their expected JSON."""

from __future__ import annotations

import collections
import io
import struct
import zipfile

import numpy as np
import torch

from golden_io import VALID, from_bits, save_valid, stable_set, torch_zip_bytes, write_expected
from pickle_bytes import ZIP_EPOCH, hand_archive, record, records_pickle, tensor, uni


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

