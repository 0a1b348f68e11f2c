package dev.splitflow.pt;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The storages of a file read record by record. {@link PtFile#open} keeps every storage, since it
 * lists them; here one is held only while something refers to it (a record not yet handed out, a
 * value the pickle shares between records, a record the caller kept), so memory does not grow with
 * the records a file holds. Keeping them all cost about 260 bytes per storage (the reference, where
 * its bytes are, its key, a map entry) for as long as the file was read: 5 MB more at record 20,000
 * than at record 1,000 of a 25,600-record batch with a storage per record.
 *
 * <p>While anything holds a storage, the pickle naming its key again gets the same object, as with
 * {@link PtFile#open}; once nothing does, no one can tell, and a new one is made. What each key was
 * first declared as is kept in a byte per archive entry, so a later declaration that disagrees is
 * refused with {@link PtFile#open}'s message however long ago the first was. Untyped storages are
 * held for the whole file: their element type is learnt from the tensors that view them.
 */
final class StreamedStorages {
  private final ZipPickle zip;

  /** Per archive entry: 0 while undeclared, else the first declaration's {@code DType} + 1. */
  private final byte[] firstDtype;

  private final Held[] held;
  private final ReferenceQueue<StorageRef> dropped = new ReferenceQueue<>();
  private final Map<String, StorageRef> untyped = new HashMap<>();

  /** A storage still in use, or a slot to clear once it is not. */
  private static final class Held extends WeakReference<StorageRef> {
    final int entry;

    Held(StorageRef ref, int entry, ReferenceQueue<StorageRef> queue) {
      super(ref, queue);
      this.entry = entry;
    }
  }

  StreamedStorages(ZipPickle zip) {
    this.zip = zip;
    this.firstDtype = new byte[zip.dir().size()];
    this.held = new Held[zip.dir().size()];
  }

  StorageRef load(List<Object> pid, String where) {
    for (Reference<? extends StorageRef> r; (r = dropped.poll()) != null; ) {
      Held h = (Held) r;
      if (held[h.entry] == h) {
        held[h.entry] = null;
      }
    }
    PersistentIds.Declared d = PersistentIds.declared(pid, 5, zip.src(), where);
    StorageRef kept = untyped.get(d.key());
    if (kept != null) {
      PersistentIds.checkSame(kept.key(), kept.dtype(), kept.byteLength(), d, zip.src(), where);
      return kept;
    }
    ZipDirectory.Entry e = zip.entry(d.key());
    int i = e.index();
    if (firstDtype[i] != 0) {
      // PersistentIds.Declared before, and its size then checked against the entry's.
      DType first = DType.values()[firstDtype[i] - 1];
      PersistentIds.checkSame(d.key(), first, e.size, d, zip.src(), where);
      StorageRef live = held[i] == null ? null : held[i].get();
      return live != null ? live : hold(new StorageRef(d.key(), first, e.size), e);
    }
    StorageRef ref = new StorageRef(d.key(), d.dtype(), d.byteLength());
    if (d.dtype() == null) {
      zip.bind(ref, e);
      untyped.put(d.key(), ref);
      return ref;
    }
    hold(ref, e);
    firstDtype[i] = (byte) (d.dtype().ordinal() + 1);
    return ref;
  }

  private StorageRef hold(StorageRef ref, ZipDirectory.Entry e) {
    zip.bind(ref, e);
    held[e.index()] = new Held(ref, e.index(), dropped);
    return ref;
  }
}
