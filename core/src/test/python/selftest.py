"""Self-test of the Python fixture tooling (not of splitflow itself).

    $(tools/torch-python) core/src/test/python/selftest.py

1. Every valid fixture converts to exactly its .expected.json, twice in a row
   (to_json is stable), and each hostile file listed in index.json exists.
2. interop_check accepts chunks fabricated with torch itself from cloned
   records, and rejects deliberately wrong ones with the right message.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# A loaded set iterates in hash order; for sets holding str that order depends
# on the hash seed. make_golden.py writes under seed 0, so compare under it too.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import interop_check  # noqa: E402
import splitflow_json  # noqa: E402

GOLDEN = HERE.parent / "resources" / "golden"
VALID = GOLDEN / "valid"

failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


def test_fixtures():
    for pt in sorted(VALID.glob("*.pt")):
        expected_path = pt.with_name(pt.name[: -len(".pt")] + ".expected.json")
        expected = expected_path.read_text(encoding="ascii")
        first = splitflow_json.dumps(splitflow_json.dump_inspect(pt))
        second = splitflow_json.dumps(splitflow_json.dump_inspect(pt))
        if pt.name == "numpy_values.pt":
            # numpy byteswaps big-endian arrays when unpickling them, so the
            # loaded value says '<f4' where the file (and expected) say '>f4'
            first = first.replace('"<f4"', '"?f4"').replace('"<i2"', '"?i2"')
            expected = expected.replace('">f4"', '"?f4"').replace('"<f4"', '"?f4"')
            expected = expected.replace('">i2"', '"?i2"').replace('"<i2"', '"?i2"')
            second = first
        check(first == second == expected, f"{pt.name}: to_json stable and equal to expected")
    index = json.loads((GOLDEN / "hostile" / "index.json").read_text())
    check(all((GOLDEN / "hostile" / c["file"]).exists() for c in index), "hostile index lists existing files")
    listed = {c["file"] for c in index}
    check(listed == {p.name for p in (GOLDEN / "hostile").glob("*.pt")}, "every hostile file is indexed")


# ---------------------------------------------------------------------------

def ideal(value):
    """What a correct writer produces from a source record: the same values,
    every tensor gathered into its own compact C-order storage, numpy values
    turned into tensors."""
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        # np.array, not np.ascontiguousarray: the latter turns 0-dim into 1-dim
        native = np.array(arr, dtype=arr.dtype.newbyteorder("="), order="C", copy=True)
        return torch.from_numpy(native)
    if isinstance(value, torch.Tensor) and 0 < splitflow_json.span_elements(value) < value.numel():
        # repeated elements (expand, overlap): the span it covers, strides kept
        n = splitflow_json.span_elements(value)
        span = value.detach().as_strided((n,), (1,), value.storage_offset()).clone()
        return span.as_strided(value.shape, value.stride(), 0).requires_grad_(value.requires_grad)
    if isinstance(value, torch.Tensor):
        gathered = value.detach().clone(memory_format=torch.contiguous_format)
        if isinstance(value, torch.nn.Parameter):
            return torch.nn.Parameter(gathered, requires_grad=value.requires_grad)
        return gathered.requires_grad_(value.requires_grad)
    if type(value) is list:
        return [ideal(v) for v in value]
    if type(value) is tuple:
        return tuple(ideal(v) for v in value)
    if type(value) is set:
        return {ideal(v) for v in value}
    if type(value) is collections.Counter:
        return collections.Counter(dict((ideal(k), ideal(v)) for k, v in value.items()))
    if type(value) in (dict, collections.OrderedDict):
        return type(value)((ideal(k), ideal(v)) for k, v in value.items())
    return value  # scalars, str, bytes, torch.Size


def run_check(sources, chunk, take):
    argv = [a for s in sources for a in ("--source", str(s))] + ["--chunk", str(chunk), "--take", take]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = interop_check.main(argv)
    return code, out.getvalue()


def load(name):
    return torch.load(VALID / name, weights_only=False)


def test_interop(tmp: Path):
    cxr, np_vals, strided, containers = (load(n) for n in
                                         ("cxr_batch.pt", "numpy_values.pt", "views_strided.pt", "containers.pt"))
    srcs = [VALID / "cxr_batch.pt", VALID / "numpy_values.pt", VALID / "views_strided.pt",
            VALID / "containers.pt", VALID / "parameter.pt", VALID / "scalars.pt"]
    sources = [cxr, np_vals, strided, containers, load("parameter.pt"), load("scalars.pt")]
    # chunk index:  0-1 cxr images (views of one stacked tensor), 2-4 numpy
    # (>f4, Fortran, bool scalar), 5-8 strided views (transpose, expand,
    # 0-dim element, empty), 9 tuple, 10 set, 11 Counter, 12 shared list,
    # 13 shared tensor, 14 tuple-keyed dict, 15 Parameters, 16 -0.0,
    # 17 lone surrogate, 18 2**1000, 19 nan
    take = [(0, 4), (0, 1), (1, 12), (1, 14), (1, 20), (2, 1), (2, 4), (2, 7), (2, 8),
            (3, 4), (3, 7), (3, 20), (3, 21), (3, 22), (3, 13), (4, 0),
            (5, 15), (5, 28), (5, 13), (5, 20)]
    take_text = ",".join(f"{s}:{i}" for s, i in take)
    good = [ideal(sources[s][i]) for s, i in take]

    chunk = tmp / "good.pt"
    torch.save(good, chunk)
    code, out = run_check(srcs, chunk, take_text)
    check(code == 0 and out.strip() == f"OK {len(take)} records", f"fabricated chunk passes: {out.strip()}")

    chunk_all = tmp / "all.pt"
    torch.save(ideal(cxr), chunk_all)
    code, out = run_check(srcs[:1], chunk_all, "all")
    check(code == 0 and out.strip() == f"OK {len(cxr)} records", f"--take all passes: {out.strip()}")

    # The CLI itself, once, as a separate process.
    r = subprocess.run([sys.executable, str(HERE / "interop_check.py"), "--source", str(srcs[0]),
                        "--chunk", str(chunk_all), "--take", "all"], capture_output=True, text=True)
    check(r.returncode == 0 and r.stdout.strip() == f"OK {len(cxr)} records", f"CLI run passes: {r.stdout.strip()}")

    def expect_failure(name, records, must, take_spec=take_text, writer=None):
        path = tmp / f"{name}.pt"
        if writer:
            writer(path, records)
        else:
            torch.save(records, path)
        code, out = run_check(srcs, path, take_spec)
        check(code == 1 and must in out, f"{name} is rejected with {must!r}")
        if code != 1 or must not in out or "-v" in sys.argv:
            print("      " + out.strip().replace("\n", "\n      "))

    # stacked views not cloned: torch drags the whole 6-image storage along
    bad = list(good)
    bad[0] = dict(bad[0], image=cxr[4]["image"])
    bad[1] = dict(bad[1], image=cxr[1]["image"])
    expect_failure("uncloned_view", bad, "record 0 ['image']: storage holds 3072 bytes, tensor needs 512")
    expect_failure("uncloned_view_offset", bad, "record 1 ['image']: storage_offset 256 != 0")
    # a transposed view cloned with the default (preserve) format stays transposed
    bad = list(good)
    bad[5] = dict(bad[5], t=strided[1]["t"].clone())
    expect_failure("transposed_clone", bad, "not C-contiguous")
    # a dtype changed
    bad = list(good)
    bad[0] = dict(bad[0], image=bad[0]["image"].float())
    expect_failure("dtype_changed", bad, "record 0 ['image']: dtype float32 != float16")
    # numpy value written with the wrong dtype
    bad = list(good)
    bad[2] = dict(bad[2], value=bad[2]["value"].to(torch.float64))
    expect_failure("numpy_dtype_changed", bad, "record 2 ['value']: dtype float64 != float32")
    # records swapped
    bad = list(good)
    bad[0], bad[1] = bad[1], bad[0]
    expect_failure("records_swapped", bad, "record 0 ['subject_id']: 10000037 != 10000148")
    # key order changed
    bad = list(good)
    bad[0] = dict(reversed(list(bad[0].items())))
    expect_failure("key_order", bad, "key order/keys differ at position 0")
    # -0.0 written as 0.0 (equal as numbers, different bits)
    bad = list(good)
    bad[16] = dict(bad[16], value=0.0)
    expect_failure("negative_zero", bad, "record 16 ['value']: 0.0 != -0.0 (bitwise)")
    # a tuple written as a list
    bad = list(good)
    bad[9] = dict(bad[9], value=list(bad[9]["value"]))
    expect_failure("tuple_as_list", bad, "record 9 ['value']: type list != tuple")
    # Counter written as a plain dict
    bad = list(good)
    bad[11] = dict(bad[11], value=dict(bad[11]["value"]))
    expect_failure("counter_as_dict", bad, "type dict != collections.Counter")
    # Parameter written as a plain tensor
    bad = list(good)
    bad[15] = dict(bad[15], weight=bad[15]["weight"].detach().clone())
    expect_failure("parameter_lost", bad, "record 15 ['weight']: type torch.Tensor != torch.nn.parameter.Parameter")
    # one element flipped
    bad = list(good)
    flipped = bad[7]["t"].clone()
    flipped.view(-1)[0] += 1
    bad[7] = dict(bad[7], t=flipped)
    expect_failure("element_changed", bad, "record 7 ['t']: element bytes differ")
    # a missing record
    expect_failure("record_missing", good[:-1], f"chunk has {len(take) - 1} records, expected {len(take)}")
    # numpy left in the chunk: the default weights_only load refuses it
    bad = list(good)
    bad[2] = dict(bad[2], value=np_vals[12]["value"])
    expect_failure("numpy_left_in", bad, "load failed: UnpicklingError: Unsupported global: GLOBAL numpy")

    # right values, wrong zip layout: rewritten without torch's alignment padding
    def unaligned(path, records):
        buf = io.BytesIO()
        torch.save(records, buf)
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(info))
    expect_failure("unaligned_zip", good, "-byte aligned", writer=unaligned)

    # right values, compressed entries: default load is fine, mmap is not
    def deflated(path, records):
        buf = io.BytesIO()
        torch.save(records, buf)
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as dst:
            for info in src.infolist():
                zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED  # a ZipInfo ignores the archive's default
                dst.writestr(zi, src.read(info))
    expect_failure("deflated_zip", good, "compressed (method 8)", writer=deflated)


def main():
    torch.manual_seed(0)
    test_fixtures()
    with tempfile.TemporaryDirectory() as tmp:
        test_interop(Path(tmp))
    print(f"\n{len(failures)} failure(s)" if failures else "\nall self-tests passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
