"""Check a chunk written by splitflow against the records it was cut from.

    interop_check.py --source SRC.pt [--source SRC2.pt ...] --chunk CHUNK.pt --take S:I,S:I,...
    interop_check.py --source SRC.pt --chunk CHUNK.pt --take all

CHUNK.pt must hold, in order, record I of source S (S = 0-based position of
--source; `all` = every record of source 0). Sources are trusted and loaded with
torch.load(weights_only=False) so numpy values load too. The chunk is loaded the
ways a user of the chunk would load it:

    torch.load(chunk)                              (weights_only=True by default)
    torch.load(chunk, mmap=True)
    torch.load(chunk, weights_only=True, mmap=True)
    (+ mmap=True with calculate_storage_offsets=True, only if the chunk has a
     .format_version record: that setting trusts miniz's exact layout)

In torch >= 2.6 the second and third are the same call; both are kept so the
check stays meaningful if the default changes.

Each load must give back the expected records exactly: same container types and
dict key order, floats bitwise, tensors with the same dtype, shape and element
bytes, numpy arrays/scalars as tensors of the matching dtype and shape. Every
chunk tensor must own a compact storage (C-contiguous, offset 0, nbytes ==
numel * itemsize), unless several chunk tensors share it, and the chunk's storages
must not hold more bytes than the source storages its records view; every zip entry
payload must start on a 64-byte boundary.

Prints `OK n records` and exits 0, or prints each difference and exits 1
(2 for usage errors).
"""

from __future__ import annotations

import argparse
import collections
import re
import struct
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from splitflow_json import (numpy_bytes, numpy_to_torch_dtype_name, span_bytes, span_elements,  # noqa: E402
                            tensor_bytes, torch_dtype_name)

ALIGNMENT = 64
MAX_PRINTED = 200


# ---------------------------------------------------------------------------
# deep comparison
# ---------------------------------------------------------------------------

def fmt_path(path) -> str:
    """record 3 ['image'][0] style, as a reader of the report would index it."""
    head, *rest = path
    steps = "".join(str(k) if isinstance(k, _Raw) else f"[{k!r}]" for k in rest)
    return f"record {head} {steps}" if steps else f"record {head}"


class _Raw(str):
    """A path step printed as is (e.g. '<key 2>'), not as a subscript."""


def type_name(v) -> str:
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def dtype_name(dtype) -> str:
    try:
        return torch_dtype_name(dtype)
    except TypeError:
        return str(dtype)


def float_bits(x: float) -> bytes:
    # NaN payloads and the sign of zero are part of the value for us
    return struct.pack("<d", x)


def short(v) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def compare(exp, act, path, diffs) -> None:
    def diff(msg):
        diffs.append(f"{fmt_path(path)}: {msg}")

    # numpy before float/complex: np.float64 subclasses float.
    if isinstance(exp, (np.ndarray, np.generic)):
        if not isinstance(act, torch.Tensor):
            return diff(f"numpy {np.asarray(exp).dtype.str} came back as {type_name(act)}, not a tensor")
        arr = np.asarray(exp)
        want = numpy_to_torch_dtype_name(arr.dtype)
        if dtype_name(act.dtype) != want:
            return diff(f"dtype {dtype_name(act.dtype)} != {want} (numpy {arr.dtype.str})")
        if list(act.shape) != list(arr.shape):
            return diff(f"shape {list(act.shape)} != {list(arr.shape)}")
        if tensor_bytes(act) != numpy_bytes(arr):
            return diff(f"element bytes differ from the numpy {arr.dtype.str} value")
        if act.requires_grad or isinstance(act, torch.nn.Parameter):
            return diff("a numpy value came back as a grad-requiring tensor / Parameter")
        return

    if isinstance(exp, torch.Tensor):
        if not isinstance(act, torch.Tensor):
            return diff(f"type {type_name(act)} != tensor")
        if type(act) is not type(exp):
            diff(f"type {type_name(act)} != {type_name(exp)}")
        if act.dtype != exp.dtype:
            return diff(f"dtype {dtype_name(act.dtype)} != {dtype_name(exp.dtype)}")
        if act.shape != exp.shape:
            return diff(f"shape {list(act.shape)} != {list(exp.shape)}")
        if act.requires_grad != exp.requires_grad:
            diff(f"requires_grad {act.requires_grad} != {exp.requires_grad}")
        if span_elements(exp) < exp.numel():
            # stride 0 / overlapping: the chunk keeps the strides over the span
            # it covers (gathering 2**40 elements is what must not happen)
            if list(act.stride()) != list(exp.stride()):
                diff(f"stride {list(act.stride())} != {list(exp.stride())} of a view with repeated elements")
            elif span_bytes(act) != span_bytes(exp):
                diff("span bytes differ")
        elif tensor_bytes(act) != tensor_bytes(exp):
            diff("element bytes differ")
        return

    if type(act) is not type(exp):
        return diff(f"type {type_name(act)} != {type_name(exp)}")

    if exp is None:
        return
    if isinstance(exp, float):
        if float_bits(act) != float_bits(exp):
            diff(f"{act!r} != {exp!r} (bitwise)")
        return
    if isinstance(exp, complex):
        if (float_bits(act.real), float_bits(act.imag)) != (float_bits(exp.real), float_bits(exp.imag)):
            diff(f"{act!r} != {exp!r} (bitwise)")
        return
    if isinstance(exp, (bool, int, str, bytes, bytearray)):
        if act != exp:
            diff(f"{short(act)} != {short(exp)}")
        return
    if isinstance(exp, (list, tuple)):  # tuple includes torch.Size (type already matched)
        if len(act) != len(exp):
            return diff(f"length {len(act)} != {len(exp)}")
        for i, (e, a) in enumerate(zip(exp, act)):
            compare(e, a, path + [i], diffs)
        return
    if isinstance(exp, dict):  # dict, OrderedDict, Counter (type already matched)
        ek, ak = list(exp.keys()), list(act.keys())
        if len(ek) != len(ak):
            return diff(f"{len(ak)} keys != {len(ek)}: {short(ak)} vs {short(ek)}")
        for i, (e, a) in enumerate(zip(ek, ak)):
            sub = []
            compare(e, a, path + [_Raw(f"<key {i}>")], sub)
            if sub:
                return diff(f"key order/keys differ at position {i}: {short(a)} != {short(e)}")
        for k, a in zip(ek, ak):
            compare(exp[k], act[a], path + [k], diffs)
        return
    if isinstance(exp, set):
        if len(act) != len(exp):
            return diff(f"set of {len(act)} items != {len(exp)}")
        unmatched = list(act)
        for e in exp:
            for j, a in enumerate(unmatched):
                sub = []
                compare(e, a, path, sub)
                if not sub:
                    del unmatched[j]
                    break
            else:
                return diff(f"set item {short(e)} missing")
        return
    # anything else: only equality can be asked of it
    if act != exp:
        diff(f"{short(act)} != {short(exp)} ({type_name(exp)})")


def tensors_of(value, out, seen) -> list:
    """Every distinct tensor (and numpy array) in a value, each once."""
    if id(value) in seen:
        return out
    seen.add(id(value))
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            tensors_of(k, out, seen)
            tensors_of(v, out, seen)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            tensors_of(v, out, seen)
    return out


def storage_bytes(tensors) -> int:
    """Bytes of the distinct storages the tensors view (numpy arrays: their own bytes)."""
    total, seen = 0, set()
    for t in tensors:
        if isinstance(t, torch.Tensor):
            s = t.untyped_storage()
            if s.nbytes() and s.data_ptr() not in seen:
                seen.add(s.data_ptr())
                total += s.nbytes()
        else:
            total += np.asarray(t).nbytes
    return total


def solo_bytes(t: torch.Tensor) -> int:
    """What a tensor's own storage holds when written alone: its elements, or
    the span it covers when that is smaller (stride 0, overlapping windows)."""
    return min(t.numel(), span_elements(t)) * t.element_size()


def shared_storages(records) -> set:
    """Storages (by data_ptr) that several distinct tensors of the chunk view
    and that hold fewer bytes than those tensors would on their own: the
    writer's one reason to share a storage."""
    views = collections.defaultdict(list)
    for t in tensors_of(records, [], set()):
        if isinstance(t, torch.Tensor) and t.untyped_storage().nbytes():
            views[t.untyped_storage().data_ptr()].append(t)
    return {ptr for ptr, ts in views.items()
            if len(ts) > 1 and ts[0].untyped_storage().nbytes() <= sum(solo_bytes(t) for t in ts)}


def check_compact_tensors(value, path, diffs, seen, shared=frozenset()) -> None:
    """Every tensor in the chunk must own exactly its elements: proves the
    writer gathered views instead of dragging a whole stacked storage along.
    Views sharing one storage (as their source's views did) are left to the
    chunk-wide check that the chunk holds no more storage bytes than its
    sources."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, torch.Tensor):
        where = fmt_path(path)
        if value.untyped_storage().nbytes() and value.untyped_storage().data_ptr() in shared:
            return
        if span_elements(value) < value.numel():
            # a view with repeated elements keeps its strides over its own span
            if value.storage_offset() != 0:
                diffs.append(f"{where}: storage_offset {value.storage_offset()} != 0")
            want = span_elements(value) * value.element_size()
            have = value.untyped_storage().nbytes()
            if have != want:
                diffs.append(f"{where}: storage holds {have} bytes, the view's span is {want}")
            return
        if not value.is_contiguous():
            diffs.append(f"{where}: tensor is not C-contiguous (stride {list(value.stride())})")
        if value.storage_offset() != 0:
            diffs.append(f"{where}: storage_offset {value.storage_offset()} != 0")
        want = value.numel() * value.element_size()
        have = value.untyped_storage().nbytes()
        if have != want:
            diffs.append(f"{where}: storage holds {have} bytes, tensor needs {want}")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            check_compact_tensors(k, path + [_Raw("<key>")], diffs, seen, shared)
            check_compact_tensors(v, path + [k], diffs, seen, shared)
    elif isinstance(value, (list, tuple, set)):
        for i, v in enumerate(value):
            check_compact_tensors(v, path + [i], diffs, seen, shared)


# ---------------------------------------------------------------------------
# zip layout
# ---------------------------------------------------------------------------

def check_zip(chunk: Path) -> list[str]:
    problems = []
    data = chunk.read_bytes()
    if data[:4] != b"PK\x03\x04":
        return [f"chunk: not a zip archive starting with a local header (first bytes {data[:4]!r})"]
    try:
        infos = zipfile.ZipFile(chunk).infolist()
    except zipfile.BadZipFile as e:
        return [f"chunk: unreadable zip: {e}"]
    for info in infos:
        off = info.header_offset
        if data[off: off + 4] != b"PK\x03\x04":
            problems.append(f"zip entry {info.filename}: no local header at offset {off}")
            continue
        # The central directory does not repeat the local extra field (torch's
        # alignment padding lives there), so the payload offset must come from
        # the local header.
        name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
        payload = off + 30 + name_len + extra_len
        if payload % ALIGNMENT:
            problems.append(f"zip entry {info.filename}: payload at offset {payload} is not {ALIGNMENT}-byte aligned")
        if info.compress_type != zipfile.ZIP_STORED:
            problems.append(f"zip entry {info.filename}: compressed (method {info.compress_type}); mmap loads need STORED")
    return problems


# ---------------------------------------------------------------------------

def concise(e: BaseException) -> str:
    """torch's weights_only errors bury the reason under paragraphs of advice
    and ANSI codes; keep the reason."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).split("WeightsUnpickler error:")[-1]
    parts = [p for p in text.split("\n\n") if p.strip() and not p.startswith("Check the documentation")]
    msg = " ".join((parts[-1] if parts else text).split())
    return msg if len(msg) <= 300 else msg[:297] + "..."


def parse_take(spec: str, sources: list[list]) -> list[tuple[int, int]]:
    if spec == "all":
        return [(0, i) for i in range(len(sources[0]))]
    take = []
    for item in spec.split(","):
        s_text, sep, i_text = item.strip().partition(":")
        if not sep:
            raise ValueError(f"--take item {item!r} is not S:I")
        s, i = int(s_text), int(i_text)
        if not 0 <= s < len(sources):
            raise ValueError(f"--take {item}: there is no source {s}")
        if not 0 <= i < len(sources[s]):
            raise ValueError(f"--take {item}: source {s} has {len(sources[s])} records")
        take.append((s, i))
    return take


def chunk_loaders(chunk: Path):
    yield "torch.load(chunk)", lambda: torch.load(chunk)
    yield "torch.load(chunk, mmap=True)", lambda: torch.load(chunk, mmap=True)
    yield "torch.load(chunk, weights_only=True, mmap=True)", lambda: torch.load(chunk, weights_only=True, mmap=True)
    try:
        with zipfile.ZipFile(chunk) as z:
            has_format_version = any(n.endswith("/.format_version") for n in z.namelist())
    except zipfile.BadZipFile:
        has_format_version = False  # already reported by check_zip
    if has_format_version:
        def calculated():
            cfg = torch.utils.serialization.config.load
            saved = cfg.calculate_storage_offsets
            cfg.calculate_storage_offsets = True
            try:
                return torch.load(chunk, mmap=True)
            finally:
                cfg.calculate_storage_offsets = saved
        yield "torch.load(chunk, mmap=True) with calculate_storage_offsets=True", calculated


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", action="append", required=True, type=Path)
    ap.add_argument("--chunk", required=True, type=Path)
    ap.add_argument("--take", required=True, help="S:I,S:I,... or all")
    args = ap.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    warnings.simplefilter("ignore")  # torch's deprecation chatter is not a finding

    sources = []
    for src in args.source:
        value = torch.load(src, weights_only=False, map_location="cpu")  # trusted input
        if type(value) is not list:
            print(f"interop_check: {src}: top-level value is {type_name(value)}, not a list of records", file=sys.stderr)
            return 2
        sources.append(value)
    try:
        take = parse_take(args.take, sources)
    except ValueError as e:
        print(f"interop_check: {e}", file=sys.stderr)
        return 2
    expected = [sources[s][i] for s, i in take]

    problems = check_zip(args.chunk)
    # a difference seen by every load is printed once; others name their loads
    found: dict[str, list[str]] = collections.OrderedDict()
    loaders = list(chunk_loaders(args.chunk))
    for label, load in loaders:
        diffs = []
        try:
            got = load()
        except Exception as e:
            diffs.append(f"load failed: {type(e).__name__}: {concise(e)}")
        else:
            if type(got) is not list:
                diffs.append(f"chunk top-level value is {type_name(got)}, not a list")
            else:
                if len(got) != len(expected):
                    diffs.append(f"chunk has {len(got)} records, expected {len(expected)}")
                for n, (e, a) in enumerate(zip(expected, got)):
                    compare(e, a, [n], diffs)
                shared = shared_storages(got)
                for n, a in enumerate(got):
                    check_compact_tensors(a, [n], diffs, set(), shared)
                have = storage_bytes(tensors_of(got, [], set()))
                allowed = storage_bytes(tensors_of(expected, [], set()))
                if have > allowed:
                    diffs.append(f"chunk tensors hold {have} storage bytes, more than the {allowed}"
                                 " of the source storages its records view")
        for d in diffs:
            found.setdefault(d, []).append(label)

    lines = list(problems)
    for d, labels in found.items():
        lines.append(d if len(labels) == len(loaders) else f"{d}   [{'; '.join(labels)}]")
    if not lines:
        print(f"OK {len(expected)} records")
        return 0
    for line in lines[:MAX_PRINTED]:
        print(line)
    if len(lines) > MAX_PRINTED:
        print(f"... and {len(lines) - MAX_PRINTED} more differences")
    return 1


if __name__ == "__main__":
    sys.exit(main())
