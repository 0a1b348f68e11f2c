"""Makes the paths of the golden folders and writes a valid file with its
NAME.expected.json (save_valid, write_expected) and the helpers they share."""

from __future__ import annotations

import io
from pathlib import Path

import torch

import splitflow_json

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent / "resources" / "golden"
VALID = GOLDEN / "valid"
HOSTILE = GOLDEN / "hostile"


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

