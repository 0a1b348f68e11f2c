"""Makes the hostile/NAME.pt fixtures and hostile/index.json, each file with
the verdict of default torch.load on it."""

from __future__ import annotations

import concurrent.futures
import io
import json
import os
import pickle
import random
import struct
import subprocess
import sys
from pathlib import Path

import torch

from golden_io import HOSTILE, torch_zip_bytes
from golden_legacy import rename_legacy_keys
from pickle_bytes import (APPENDS, EMPTY_LIST, MARK, PROTO2, REDUCE, STOP, TUPLE1, f32, glob, hand_archive,
                          integer, one_value_archive, record, records_pickle, short_uni, tensor, tup, uni)


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

