"""Python-side twin of `./splitflow inspect` (see docs/inspect.md).

`to_json(value)` turns a value returned by `torch.load(..., weights_only=False)`
into the JSON structure that splitflow's inspect prints, so that golden
`*.expected.json` files can be produced by real torch and compared against the
Java reader.

What torch.load cannot tell us: the storage key a tensor was stored under
(`storage.key`). The expected files therefore never contain `"storage"`; the Java
test compares only the tensor fields present in the expected file for
`stride`, `storage_offset` and `storage`.

Two things the loaded value cannot tell, so the file and this module can differ:
- set order: inspect prints a set's items in file order; a loaded set iterates
  in hash order, which for str items depends on PYTHONHASHSEED. make_golden.py
  only saves sets whose order survives a round trip and runs with seed 0.
- numpy byte order: numpy 2.x byteswaps a big-endian array to native order when
  it unpickles it, so a '>f4' array in the file loads as '<f4'. make_golden.py
  takes numpy_dtype from the saved array instead.

Usage as a script: `python splitflow_json.py FILE.pt` prints the inspect JSON.
"""

from __future__ import annotations

import collections
import base64
import hashlib
import json
import math
import sys

import numpy as np
import torch

# The hashes are defined over little-endian bytes; torch tensors hold native
# order, so everything below is only right on a little-endian host.
assert sys.byteorder == "little", "splitflow_json assumes a little-endian host"

# torch dtype -> name used in the JSON (torch's name without "torch.").
_TORCH_DTYPE_NAMES = {
    torch.bool: "bool",
    torch.uint8: "uint8",
    torch.int8: "int8",
    torch.int16: "int16",
    torch.int32: "int32",
    torch.int64: "int64",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.float32: "float32",
    torch.float64: "float64",
    torch.complex64: "complex64",
    torch.complex128: "complex128",
    torch.uint16: "uint16",
    torch.uint32: "uint32",
    torch.uint64: "uint64",
}

# numpy (kind, itemsize) -> the torch dtype name a writer turns the array into.
# Byte order is deliberately not part of the key: '>f4' still becomes float32.
_NUMPY_TO_TORCH = {
    ("b", 1): "bool",
    ("u", 1): "uint8",
    ("i", 1): "int8",
    ("i", 2): "int16",
    ("i", 4): "int32",
    ("i", 8): "int64",
    ("u", 2): "uint16",
    ("u", 4): "uint32",
    ("u", 8): "uint64",
    ("f", 2): "float16",
    ("f", 4): "float32",
    ("f", 8): "float64",
    ("c", 8): "complex64",
    ("c", 16): "complex128",
}


def torch_dtype_name(dtype: torch.dtype) -> str:
    try:
        return _TORCH_DTYPE_NAMES[dtype]
    except KeyError:
        raise TypeError(f"dtype {dtype} has no splitflow JSON form") from None


def numpy_to_torch_dtype_name(dtype: np.dtype) -> str:
    try:
        return _NUMPY_TO_TORCH[(dtype.kind, dtype.itemsize)]
    except KeyError:
        raise TypeError(f"numpy dtype {dtype.str} has no torch equivalent") from None


def tensor_bytes(t: torch.Tensor) -> bytes:
    """Elements of `t` in C order, native (= little-endian) byte order.

    Going through a uint8 view works for every dtype including bool, bfloat16
    and complex; reshape(-1) first so 0-dim tensors can be viewed too.
    (`hashlib.sha256(storage)` as hinted in docs/inspect.md does not work in
    torch 2.13: UntypedStorage has no buffer protocol.)
    """
    c = t.detach().resolve_conj().resolve_neg().contiguous()
    if c.numel() == 0:
        return b""
    return c.reshape(-1).view(torch.uint8).numpy().tobytes()


def numpy_bytes(a: np.ndarray) -> bytes:
    """Elements of `a` in C order, little-endian, whatever its layout in the file."""
    le = a.dtype.newbyteorder("<")  # '|' dtypes (b1, u1, i1) are unaffected
    return np.ascontiguousarray(a.astype(le, copy=False)).tobytes(order="C")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _float_form(x: float):
    # JSON has no NaN/Infinity; inspect tags them instead of emitting invalid JSON.
    if math.isnan(x):
        return {"$type": "float", "value": "nan"}
    if math.isinf(x):
        return {"$type": "float", "value": "inf" if x > 0 else "-inf"}
    return float(x)


# A view whose elements take more bytes than this and than the storage span it
# covers (stride 0 from expand(), overlapping windows) is not digested in C
# order: inspect reports "sha256": null and the digest of its span instead, so
# it answers in time proportional to the bytes stored (docs/inspect.md).
DIGEST_LIMIT = 64 << 20


def span_elements(t: torch.Tensor) -> int:
    if t.numel() == 0:
        return 0
    return sum((n - 1) * s for n, s in zip(t.shape, t.stride())) + 1


def span_bytes(t: torch.Tensor) -> bytes:
    """The storage bytes [offset, offset + span) the view covers."""
    item = t.element_size()
    start = t.storage_offset() * item
    raw = torch.empty(0, dtype=torch.uint8).set_(t.untyped_storage())
    return raw[start: start + span_elements(t) * item].numpy().tobytes()


def tensor_json(t: torch.Tensor, layout: bool = True) -> dict:
    out = {
        "$type": "tensor",
        "dtype": torch_dtype_name(t.dtype),
        "shape": list(t.shape),
    }
    if layout:
        # How the file stores it. torch.load rebuilds tensors with exactly the
        # size/stride/offset from the pickle, so these are the file's values.
        out["stride"] = list(t.stride())
        out["storage_offset"] = t.storage_offset()
        # "storage": {"key", "numel"} is not knowable from a loaded tensor.
    out["requires_grad"] = bool(t.requires_grad)
    logical = t.numel() * t.element_size()
    if logical > max(DIGEST_LIMIT, span_elements(t) * t.element_size()):
        out["sha256"] = None
        out["span_sha256"] = _sha256(span_bytes(t))
    else:
        out["sha256"] = _sha256(tensor_bytes(t))
    if isinstance(t, torch.nn.Parameter):
        out["parameter"] = True
    return out


def numpy_json(a) -> dict:
    scalar = isinstance(a, np.generic)
    arr = np.asarray(a)
    if arr.dtype.hasobject or arr.dtype.kind not in "biufc":
        raise TypeError(f"numpy dtype {arr.dtype.str} has no splitflow JSON form")
    return {
        "$type": "numpy_scalar" if scalar else "ndarray",
        "dtype": numpy_to_torch_dtype_name(arr.dtype),
        "numpy_dtype": arr.dtype.str,
        "shape": list(arr.shape),
        # numpy pickles its own `flags.fnc` (F-contiguous and not C-contiguous)
        # as the is_fortran flag; the loaded array has the same layout.
        "fortran_order": False if scalar else bool(arr.flags.fnc),
        "sha256": _sha256(numpy_bytes(arr)),
    }


def _items(d, layout):
    return [[to_json(k, layout), to_json(v, layout)] for k, v in d.items()]


def to_json(value, layout: bool = True):
    """Convert a torch.load result into inspect's JSON structure.

    layout=False omits stride/storage_offset from tensors (use it when the
    expected file should not pin how the tensor is laid out in storage).
    """
    # numpy first: np.float64 subclasses float and np.complex128 subclasses
    # complex, so the plain-Python branches below would swallow them.
    if isinstance(value, (np.ndarray, np.generic)):
        return numpy_json(value)
    if isinstance(value, torch.Tensor):
        return tensor_json(value, layout)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float_form(value)
    if isinstance(value, str):
        return value
    if isinstance(value, complex):
        return {"$type": "complex", "real": _float_form(value.real), "imag": _float_form(value.imag)}
    if type(value) is bytes:
        return {"$type": "bytes", "base64": base64.b64encode(value).decode("ascii")}
    if type(value) is bytearray:
        return {"$type": "bytearray", "base64": base64.b64encode(bytes(value)).decode("ascii")}
    if type(value) is list:
        return [to_json(v, layout) for v in value]
    if isinstance(value, torch.Size):  # a tuple subclass that torch.load keeps distinct
        return {"$type": "torch.Size", "items": [to_json(v, layout) for v in value]}
    if isinstance(value, tuple):
        return {"$type": "tuple", "items": [to_json(v, layout) for v in value]}
    if type(value) is set:
        # "in file order": a loaded set iterates in hash order, which equals
        # file order only for sets whose insertion order is hash order (see
        # make_golden.py, which only saves such sets).
        return {"$type": "set", "items": [to_json(v, layout) for v in value]}
    # Subclasses before dict: both are dicts, but print under their own tag.
    if type(value) is collections.OrderedDict:
        return {"$type": "OrderedDict", "items": _items(value, layout)}
    if type(value) is collections.Counter:
        return {"$type": "Counter", "items": _items(value, layout)}
    if type(value) is dict:
        if all(type(k) is str for k in value) and "$type" not in value:
            return {k: to_json(v, layout) for k, v in value.items()}
        return {"$type": "dict", "items": _items(value, layout)}
    raise TypeError(f"{type(value).__module__}.{type(value).__qualname__} has no splitflow JSON form")


def load_any(path):
    """torch.load with the full unpickler so numpy values load too. Trusted files only."""
    return torch.load(path, weights_only=False, map_location="cpu")


def is_zip(path) -> bool:
    """torch's own test (serialization._is_zipfile): the file starts with a
    local header. zipfile.is_zipfile would also say yes for a legacy file whose
    storage bytes happen to contain an end-of-central-directory signature."""
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def dump_inspect(path, layout: bool = True) -> dict:
    value = load_any(path)
    doc = {"format": "zip" if is_zip(path) else "legacy"}
    if type(value) is list:
        doc["records"] = to_json(value, layout)
    else:
        doc["root"] = to_json(value, layout)
    return doc


def _leaf(value) -> str:
    # ensure_ascii keeps lone surrogates representable (as \udXXX escapes) and
    # allow_nan=False guarantees no NaN/Infinity tokens slip into the JSON.
    return json.dumps(value, ensure_ascii=True, allow_nan=False)


def _pretty(value, indent: str, out: list) -> None:
    """Indented JSON, except that objects and arrays holding only scalars stay
    on one line (shapes, strides, small tagged values): diffs stay readable."""
    flat = isinstance(value, (dict, list)) and not any(
        isinstance(v, (dict, list)) for v in (value.values() if isinstance(value, dict) else value))
    if not isinstance(value, (dict, list)) or flat or not value:
        out.append(_leaf(value))
        return
    inner = indent + " "
    if isinstance(value, list):
        out.append("[")
        for i, v in enumerate(value):
            out.append(("," if i else "") + "\n" + inner)
            _pretty(v, inner, out)
        out.append("\n" + indent + "]")
    else:
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            out.append(("," if i else "") + "\n" + inner + _leaf(k) + ": ")
            _pretty(v, inner, out)
        out.append("\n" + indent + "}")


def dumps(doc) -> str:
    out = []
    _pretty(doc, "", out)
    text = "".join(out) + "\n"
    assert json.loads(text) == json.loads(_leaf(doc))  # same document, only spacing differs
    return text


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: splitflow_json.py FILE.pt", file=sys.stderr)
        sys.exit(2)
    sys.stdout.write(dumps(dump_inspect(sys.argv[1])))
