"""Makes pickle and torch-archive bytes by hand: a tiny protocol 2 assembler
(uni, glob, integer, tup, tensor, record...) and hand_archive for the zip."""

from __future__ import annotations

import io
import struct
import zipfile

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # torch writes zero timestamps; so do we


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
