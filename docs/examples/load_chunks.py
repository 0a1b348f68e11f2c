#!/usr/bin/env python3
"""Read a splitflow output folder in a training job.

Reads _SPLIT_MANIFEST.json, checks each chunk's size and SHA-256 against it, loads chunks with
torch.load(weights_only=True), and yields records from a torch IterableDataset, one chunk in
memory per worker. docs/loading-chunks.md explains it.

As a command, it checks a folder and counts the records of each split:

    python docs/examples/load_chunks.py OUTPUT_DIR [--split train|val|test|all]
        [--check-only] [--workers N] [--mmap]

It prints one line per split and exits 0, or prints `load_chunks.py: <reason>` on standard
error and exits 1 when a chunk is missing, damaged or holds the wrong number of records.

Needs torch (and, for gs:// folders, fsspec with gcsfs). Nothing else.
"""

import argparse
import hashlib
import io
import json
import os
import random
import sys

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

MANIFEST = "_SPLIT_MANIFEST.json"
SPLITS = ("train", "val", "test")


class ChunkCheckError(Exception):
    """A chunk that does not match the manifest: missing, wrong size, wrong SHA-256, wrong count."""


def _is_remote(folder):
    return "://" in folder


def _join(folder, name):
    return folder.rstrip("/") + "/" + name if _is_remote(folder) else os.path.join(folder, name)


def _open(folder, name):
    """Opens a file of the folder for reading bytes; gs:// and other URLs through fsspec."""
    path = _join(folder, name)
    if _is_remote(folder):
        import fsspec  # only needed for remote folders (pip install gcsfs for gs://)

        return fsspec.open(path, "rb").open()
    return open(path, "rb")


def read_manifest(folder):
    """The folder's manifest as a dict; a folder without one is not (or not yet) complete."""
    try:
        with _open(folder, MANIFEST) as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise ChunkCheckError(
            f"no {MANIFEST} in {folder}: the split has not finished, or it failed"
        ) from None
    if manifest.get("format") != "splitflow-manifest" or manifest.get("version") != 1:
        raise ChunkCheckError(f"{_join(folder, MANIFEST)}: not a splitflow manifest (version 1)")
    return manifest


def chunk_entries(manifest, split):
    """The manifest's entries of one split's chunks, in order (chunk 0 first)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    entries = [c for c in manifest["chunks"] if c["split"] == split]
    return sorted(entries, key=lambda c: c["number"])


def _check(entry, size, sha256):
    name = entry["name"]
    if size != entry["bytes"]:
        raise ChunkCheckError(
            f"{name}: {size} bytes, the manifest says {entry['bytes']} "
            "(the file changed after the split, or is damaged)"
        )
    if sha256 != entry["sha256"]:
        raise ChunkCheckError(
            f"{name}: SHA-256 {sha256}, the manifest says {entry['sha256']} "
            "(the file changed after the split, or is damaged)"
        )


def verify_chunk(folder, entry):
    """Checks one chunk's size and SHA-256 against its manifest entry, reading it in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    try:
        with _open(folder, entry["name"]) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    except FileNotFoundError:
        raise ChunkCheckError(f"{entry['name']}: listed in the manifest but missing") from None
    _check(entry, size, digest.hexdigest())


def load_chunk(folder, entry, verify=True, mmap=False):
    """One chunk's records: a list of dicts, as torch.load returns them.

    With verify, the bytes are checked against the manifest before torch sees them. With mmap
    (local folders only), tensors are mapped from the file instead of read into memory.
    """
    name = entry["name"]
    if mmap:
        if _is_remote(folder):
            raise ValueError("mmap needs a local folder")
        if verify:
            verify_chunk(folder, entry)
        records = torch.load(_join(folder, name), weights_only=True, mmap=True)
    else:
        try:
            with _open(folder, name) as f:
                data = f.read()
        except FileNotFoundError:
            raise ChunkCheckError(f"{name}: listed in the manifest but missing") from None
        if verify:
            _check(entry, len(data), hashlib.sha256(data).hexdigest())
        records = torch.load(io.BytesIO(data), weights_only=True)
    if not isinstance(records, list) or len(records) != entry["records"]:
        found = len(records) if isinstance(records, list) else type(records).__name__
        raise ChunkCheckError(f"{name}: holds {found} records, the manifest says {entry['records']}")
    return records


class ChunkDataset(IterableDataset):
    """The records of one split, chunk by chunk.

    Chunks are shared out over DataLoader workers and, with rank/world_size, over distributed
    processes: chunk i goes to shard i % (world_size * num_workers). Each worker holds one chunk
    at a time. The records of a split are already in a seeded random order (docs/split.md);
    shuffle_chunks additionally permutes the chunk order per epoch (call set_epoch).
    """

    def __init__(self, folder, split, verify=True, mmap=False, shuffle_chunks=False, seed=0,
                 rank=0, world_size=1):
        super().__init__()
        self.folder = folder
        self.split = split
        self.entries = chunk_entries(read_manifest(folder), split)
        self.verify = verify
        self.mmap = mmap
        self.shuffle_chunks = shuffle_chunks
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return sum(c["records"] for c in self.entries)

    def __iter__(self):
        entries = list(self.entries)
        if self.shuffle_chunks:
            random.Random(self.seed * 1_000_003 + self.epoch).shuffle(entries)
        info = get_worker_info()
        workers, worker = (info.num_workers, info.id) if info else (1, 0)
        shards = self.world_size * workers
        shard = self.rank * workers + worker
        for entry in entries[shard::shards]:
            yield from load_chunk(self.folder, entry, verify=self.verify, mmap=self.mmap)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="load_chunks.py",
        description="Check a splitflow output folder against its manifest and count its records.",
    )
    parser.add_argument("folder", help="the output folder (holding _SPLIT_MANIFEST.json)")
    parser.add_argument("--split", default="all", choices=SPLITS + ("all",))
    parser.add_argument("--check-only", action="store_true",
                        help="check sizes and SHA-256 only; do not load the records")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument("--mmap", action="store_true", help="torch.load(mmap=True)")
    args = parser.parse_args(argv)

    try:
        manifest = read_manifest(args.folder)
        run = manifest.get("run_id") or "started by hand"
        print(f"manifest: {_join(args.folder, MANIFEST)} (run {run})")
        splits = SPLITS if args.split == "all" else (args.split,)
        for split in splits:
            entries = chunk_entries(manifest, split)
            expected = manifest["splits"][split]["records"]
            for entry in entries:
                verify_chunk(args.folder, entry)
            print(f"{split}: {expected} records in {len(entries)} chunks, sha256 ok")
            if args.check_only:
                continue
            # The chunks were just checked; the dataset need not hash them again.
            dataset = ChunkDataset(args.folder, split, verify=False, mmap=args.mmap)
            loader = DataLoader(dataset, batch_size=None, num_workers=args.workers)
            loaded = 0
            for record in loader:
                if not isinstance(record, dict):
                    raise ChunkCheckError(f"{split}: a record is a {type(record).__name__}, not a dict")
                loaded += 1
            if loaded != expected:
                raise ChunkCheckError(f"{split}: loaded {loaded} records, the manifest says {expected}")
            print(f"{split}: loaded {loaded} records")
    except (ChunkCheckError, OSError, ValueError) as e:
        print(f"load_chunks.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
