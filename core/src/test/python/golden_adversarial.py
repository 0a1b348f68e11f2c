"""Adversarial golden cases (issue 14): files built to cost a reader time,
memory or output out of proportion to their bytes, and files torch reads in a
way a reader could get wrong. make_golden.py calls these; every valid case is
checked against torch.load here, every hostile case gets torch's verdict in
hostile/index.json.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile

import torch

import make_golden as g


def deflated_archive(pkl: bytes, data: dict, folder="archive") -> bytes:
    """hand_archive with a DEFLATED data.pkl: a small file whose pickle is big."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        zi = zipfile.ZipInfo(f"{folder}/data.pkl", date_time=g.ZIP_EPOCH)
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, pkl, compresslevel=9)
        for name, payload in [("byteorder", b"little"), *[(f"data/{k}", v) for k, v in data.items()],
                              ("version", b"3\n")]:
            z.writestr(zipfile.ZipInfo(f"{folder}/{name}", date_time=g.ZIP_EPOCH), payload)
    return out.getvalue()


def raw_zip(entries) -> bytes:
    """A STORED zip of (name, payload) in this order, repeated names allowed."""
    import warnings
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            for name, payload in entries:
                z.writestr(zipfile.ZipInfo(name, date_time=g.ZIP_EPOCH), payload)
    return out.getvalue()


def colliding_strings(n_pairs: int):
    """2**n_pairs strings of "Aa"/"BB" blocks: all share one Java String.hashCode."""
    for combo in itertools.product(("Aa", "BB"), repeat=n_pairs):
        yield "".join(combo)


def long_binput(k: int) -> bytes:
    return b"r" + struct.pack("<I", k)


def long_binget(k: int) -> bytes:
    return b"j" + struct.pack("<I", k)


def none_list(n: int) -> bytes:
    """A list of n Nones in APPENDS batches of 1000, as Python's pickler writes one."""
    assert n % 1000 == 0
    return g.EMPTY_LIST + (g.MARK + g.NONE * 1000 + g.APPENDS) * (n // 1000)


def deep_tuple(depth: int) -> bytes:
    return g.EMPTY_TUPLE + g.TUPLE1 * depth


# ---------------------------------------------------------------------------
# valid: torch.load reads them, and so must splitflow, in bounded time
# ---------------------------------------------------------------------------

def make_valid():
    # torch.save of x.expand(...) stores the 4 KB base with stride 0: the
    # 1 GiB view must stay 4 KB through inspect and split.
    row = (torch.arange(4096) % 251).to(torch.uint8)
    records = [{"image": row.expand(2 ** 18, 4096), "view_position": "PA", "subject_id": "p0"}]
    path = g.VALID / "adv_stride0_expand.pt"
    torch.save(records, path)
    g.write_expected(path)

    # 2**40 elements over a 16-byte storage (4 TiB logical), made by torch too
    base = torch.tensor([1.0, 2.0, 3.0, 4.0])
    records = [{"t": base.expand(2 ** 40, 4)}]
    path = g.VALID / "adv_stride0_2e40.pt"
    torch.save(records, path)
    g.write_expected(path)

    # a size-1 dimension may carry any int64 stride; an empty tensor any offset
    four = g.f32(1, 2, 3, 4)
    path = g.VALID / "adv_size1_huge_stride.pt"
    path.write_bytes(g.one_value_archive(g.tensor("0", "FloatStorage", 4, 0, (1, 4), (2 ** 62, 1)),
                                         {"0": four}))
    torch.load(path)
    g.write_expected(path)
    path = g.VALID / "adv_empty_far_offset.pt"
    path.write_bytes(g.one_value_archive(g.tensor("0", "FloatStorage", 4, 2 ** 40, (0, 3), (3, 1)),
                                         {"0": four}))
    torch.load(path)
    g.write_expected(path)

    # 32,768 str keys sharing one Java hashCode (and no view_position field:
    # the split's "field is missing" message must not list them all)
    keys = list(colliding_strings(15))
    record = {k: i for i, k in enumerate(keys)}
    path = g.VALID / "adv_flood_str_keys.pt"
    path.write_bytes(g.rezip(g.torch_zip_bytes([record]), zipfile.ZIP_DEFLATED))
    torch.load(path)
    g.write_expected(path, [record])

    # OrderedDict keyed by tuples (a, -31a): List.hashCode is 31*(31+a)+(-31a) = 961
    od = __import__("collections").OrderedDict(((a, -31 * a), a) for a in range(16384))
    path = g.VALID / "adv_flood_tuple_keys.pt"
    path.write_bytes(g.rezip(g.torch_zip_bytes([{"od": od}]), zipfile.ZIP_DEFLATED))
    torch.load(path)
    g.write_expected(path, [{"od": od}])

    make_shared_storage()


def make_shared_storage():
    """Records viewing one storage between them, as torch.save writes them: a
    split that writes each record's views on its own puts up to a chunk's
    worth of copies of a storage into one chunk (issue 14). 120 records, so the
    default chunk size of 50 gives chunks of many records."""
    row = (torch.arange(4096) % 251).to(torch.uint8)       # 4 KB, viewed by every record
    signal = torch.arange(2 * 120 + 1024, dtype=torch.float32)  # overlapping windows
    mean = torch.linspace(-1, 1, 64)                        # one tensor in every record
    records = []
    for i in range(120):
        records.append({
            "image": row.expand(16, 4096),                  # stride (0, 1): its own view object
            "window": signal[2 * i: 2 * i + 1024],          # offset 2i, shares 1022 elements
            "mean": mean,
            "view_position": ("PA", "AP", "LATERAL")[i % 3],
            "clinical_features": None if i % 4 == 0 else [float(i)],
            "subject_id": f"p{i:04d}",
        })
    path = g.VALID / "adv_shared_storage.pt"
    torch.save(records, path)
    # torch.load (weights_only) gives one storage per key back, shared by every view
    back = torch.load(path)
    assert back[0]["image"].untyped_storage().data_ptr() == back[119]["image"].untyped_storage().data_ptr()
    assert back[1]["window"].storage_offset() == 2
    g.write_expected(path, records)


# ---------------------------------------------------------------------------
# hostile: refused, each in one line naming the file
# ---------------------------------------------------------------------------

def add_hostile(add):
    four = g.f32(1, 2, 3, 4)
    good_t = g.tensor("0", "FloatStorage", 4, 0, (4,), (1,))

    add("adv_deep_tuple_dict_key.pt",
        g.one_value_archive(g.EMPTY_DICT + deep_tuple(100_000) + g.NONE + b"s", {}),
        "nest", "a tuple nested 100,000 deep used as a dict key: hashing it recursively overflows a stack")
    add("adv_deep_tuple_set_item.pt",
        g.one_value_archive(g.glob("builtins", "set") + g.EMPTY_LIST + deep_tuple(100_000) + b"a"
                            + g.TUPLE1 + g.REDUCE, {}),
        "nest", "a tuple nested 100,000 deep as a set item")
    add("adv_empty_list_bomb.pt",
        deflated_archive(g.PROTO2 + g.EMPTY_LIST * 50_000_000 + g.STOP, {}),
        "values", "deflated data.pkl of 50 million EMPTY_LIST opcodes (about 50 KB on disk): GBs of objects")
    add("adv_list_items_bomb.pt",
        deflated_archive(g.PROTO2 + g.EMPTY_LIST + g.EMPTY_LIST
                         + (g.MARK + g.EMPTY_LIST * 1000 + g.APPENDS) * 20_000 + b"a" + g.STOP, {}),
        "values", "one record: a list given 20 million empty lists in APPENDS batches of 1000")
    big = 300 << 20
    add("adv_big_string.pt",
        deflated_archive(g.PROTO2 + g.EMPTY_LIST + b"X" + struct.pack("<I", big) + b"a" * big + b"a" + g.STOP,
                         {}),
        "maxStringBytes", "one 300 MiB str in a deflated data.pkl of about 300 KB")
    long4 = b"\x8b" + struct.pack("<i", 300) + b"\x01" * 300
    add("adv_long4.pt", g.one_value_archive(long4, {}),
        "LONG4", "a 300-byte LONG4 int (2400 bits), which torch's weights_only unpickler refuses")
    add("adv_duplicate_storage_entry.pt",
        raw_zip([("archive/data.pkl", g.records_pickle([g.record([("t", good_t)])])),
                 ("archive/byteorder", b"little"), ("archive/data/0", four),
                 ("archive/data/0", g.f32(5, 6, 7, 8)), ("archive/version", b"3\n")]),
        "twice", "two archive/data/0 entries with different bytes: which one is the tensor?")
    evil = g.one_value_archive(g.glob("os", "system") + g.uni(g.HARMLESS) + g.TUPLE1 + g.REDUCE, {})
    evil_pkl = zipfile.ZipFile(io.BytesIO(evil)).read("archive/data.pkl")
    add("adv_duplicate_data_pkl.pt",
        raw_zip([("archive/data.pkl", g.records_pickle([g.record([("t", g.integer(1))])])),
                 ("archive/data.pkl", evil_pkl),
                 ("archive/byteorder", b"little"), ("archive/version", b"3\n")]),
        "twice", "two data.pkl entries, the first benign and the second running os.system")
    add("adv_second_folder.pt",
        raw_zip([("archive/data.pkl", g.records_pickle([g.record([("t", good_t)])])),
                 ("archive/byteorder", b"little"), ("archive/data/0", four), ("archive/version", b"3\n"),
                 ("other/data/0", g.f32(5, 6, 7, 8))]),
        "folder", "an entry outside the archive folder (other/data/0)")
    enc = bytearray(g.one_value_archive(good_t, {"0": four}))
    at = 0
    while (at := enc.find(b"PK\x01\x02", at + 1)) >= 0:
        name_len = struct.unpack_from("<H", enc, at + 28)[0]
        if enc[at + 46: at + 46 + name_len] == b"archive/data/0":
            enc[at + 8] |= 1
            local = struct.unpack_from("<I", enc, at + 42)[0]
            enc[local + 6] |= 1
    add("adv_encrypted_entry.pt", bytes(enc),
        "encrypted", "archive/data/0 flagged as encrypted (general purpose flag bit 0)")
    legacy = bytearray(g.legacy_base())
    assert legacy[15:18] == b"\x80\x02M" and legacy[18:20] == struct.pack("<H", 1001)
    proto = 2 ** 64 + 1001
    legacy[15:21] = b"\x80\x02" + g.integer(proto) + b"."
    add("adv_legacy_protocol_overflow.pt", bytes(legacy),
        "protocol", "legacy protocol version 2**64 + 1001 (1001 once cut to 64 bits)")
    add("adv_stride_beyond_int64.pt",
        g.one_value_archive(g.tensor("0", "FloatStorage", 4, 0, (1, 4), (2 ** 63, 1)), {"0": four}),
        "2^63", "a size-1 dimension with stride 2**63, which does not fit torch's int64")
    # Item 2 of issue 14: what the memo keeps across records. Each record is a
    # list of a million Nones the memo keeps (the last record reads them all
    # back): 2 million values per record, under the per-record bound, but the
    # memory grows record by record (about 700 MB after 120).
    kept = b"".join(none_list(1_000_000) + long_binput(k) + b"a" for k in range(120))
    add("adv_memo_kept_lists.pt",
        deflated_archive(g.PROTO2 + g.EMPTY_LIST + kept + g.EMPTY_LIST + g.MARK
                         + b"".join(long_binget(k) for k in range(120)) + g.APPENDS + b"a" + g.STOP, {}),
        "values", "120 records of a million Nones each, every one kept by the memo for a last record"
        " that reads them all back: memory grows across records")
    # One record holding a list of 3 million Nones, then 100,000 records that
    # are that same dict again (BINGET): 5 bytes a record, 3 million values each
    # time it is encoded, printed or shuffled.
    shared = (g.EMPTY_DICT + long_binput(0) + g.MARK + g.uni("view_position") + g.uni("PA")
              + g.uni("big") + none_list(3_000_000) + g.SETITEMS)
    add("adv_shared_record_expansion.pt",
        deflated_archive(g.PROTO2 + g.EMPTY_LIST + g.MARK + shared + g.APPENDS
                         + (g.MARK + long_binget(0) * 1000 + g.APPENDS) * 100 + g.STOP, {}),
        "expand", "a record of 3 million values repeated 100,000 times by memo reference:"
        " 3e11 values to encode for a 3 MB pickle")

    # One record holding a 32 MiB str (about 32 KB deflated), then 100,000
    # records that read it back (LONG_BINGET): a few values and 30 bytes of
    # pickle a record, but each record would be encoded and written with its
    # own 32 MiB copy (3 TB in all); torch.load shares the one str.
    note = g.uni("x" * (32 << 20)) + long_binput(0)
    label = g.uni("view_position") + long_binput(1) + g.uni("PA") + long_binput(2)
    again = g.EMPTY_DICT + g.MARK + long_binget(1) + long_binget(2) + g.uni("note") + long_binget(0) + g.SETITEMS
    add("adv_shared_string_expansion.pt",
        deflated_archive(g.PROTO2 + g.EMPTY_LIST + g.MARK + g.EMPTY_DICT + g.MARK + label + g.uni("note")
                         + note + g.SETITEMS + g.APPENDS + (g.MARK + again * 1000 + g.APPENDS) * 100 + g.STOP,
                         {}),
        "bytes of str", "a 32 MiB str memoized once and read back by 100,000 records:"
        " 3 TB to encode and write for a 35 MB pickle")

    long_key = "k" * 65536
    add("adv_long_storage_key.pt",
        g.one_value_archive(g.tensor(long_key, "FloatStorage", 4, 0, (4,), (1,)), {"0": four}),
        "more characters", "a 64 KiB storage key with no entry: the error must not echo it whole")
