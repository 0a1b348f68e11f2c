package dev.splitflow.pt;

import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.StrValue;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The legacy {@code .pt} layout ({@code _use_new_zipfile_serialization=False}): four pickles (magic
 * number, protocol, sys_info, the data) then a key list and the raw storages in that order. Kept
 * apart from {@link PtFile} because it shares nothing with the zip layout but the pickle.
 */
final class LegacyFormat {
  private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
  private static final int LEGACY_PROTOCOL = 1001;

  private LegacyFormat() {}

  /** Reads a legacy file's pickles and binds each storage to its bytes after them. */
  static PtFile open(Source src, boolean owns) throws IOException {
    InputStream in = src.region(0, src.size, "the legacy pickles");
    long[] pos = {0};
    Map<String, StorageRef> byKey = new LinkedHashMap<>();
    Unpickler.PersistentLoader loader =
        (pid, where) ->
            PersistentIds.storageFor(PersistentIds.declared(pid, 6, src, where), byKey, src, where);

    checkHeader(in, src, pos, loader);
    long recordsAt = pos[0];
    Unpickler main = new Unpickler(in, src, "legacy data pickle", recordsAt, -1, loader);
    PtValue root = PtFile.rootValue(main, main.load());
    pos[0] += main.position();
    Object keys = pickle(in, src, pos, "legacy storage key list", loader);
    if (!(keys instanceof ListValue keyList)) {
      throw src.error(
          "legacy storage key list", "expected a list of keys, found " + Unpickler.describe(keys));
    }
    List<StorageRef> ordered = bindStorages(src, keyList, byKey, pos[0]);
    return new PtFile(src, PtFile.Format.LEGACY, root, Collections.unmodifiableList(ordered), owns);
  }

  /** The magic number, protocol version and sys_info pickles that precede the data. */
  private static void checkHeader(
      InputStream in, Source src, long[] pos, Unpickler.PersistentLoader loader)
      throws IOException {
    Object magic = pickle(in, src, pos, "legacy magic number", loader);
    if (!(magic instanceof IntValue m) || !m.value().equals(LEGACY_MAGIC)) {
      throw src.error(
          Source.at(0),
          "expected the legacy torch magic number 0x1950a86a20f9469cfc6c, found a "
              + Unpickler.describe(magic));
    }
    Object protocol = pickle(in, src, pos, "legacy protocol version", loader);
    if (!(protocol instanceof IntValue p)
        || !p.value().equals(BigInteger.valueOf(LEGACY_PROTOCOL))) {
      throw src.error(
          "legacy protocol version",
          "expected protocol " + LEGACY_PROTOCOL + ", found " + Unpickler.describe(protocol));
    }
    Object sysInfo = pickle(in, src, pos, "legacy sys_info", loader);
    if (!(sysInfo instanceof DictValue info)
        || !(info.get("little_endian") instanceof BoolValue le)
        || !le.value()) {
      throw src.error(
          "legacy sys_info", "expected a little-endian file ({'little_endian': True, ...})");
    }
  }

  /**
   * Binds each storage the key list names to its bytes (an 8-byte count, then the data) from {@code
   * at} on, in list order; every storage the data uses must be listed once and the last must end
   * the file.
   */
  private static List<StorageRef> bindStorages(
      Source src, ListValue keyList, Map<String, StorageRef> byKey, long at) throws IOException {
    List<StorageRef> ordered = new ArrayList<>();
    for (PtValue k : keyList.items()) {
      String key = k instanceof StrValue s ? s.value() : null;
      StorageRef ref = key == null ? null : byKey.get(key);
      if (ref != null && ordered.contains(ref)) {
        throw src.error(
            "legacy storage key list", "storage key '" + Echo.cut(key) + "' is listed twice");
      }
      if (ref == null) {
        throw src.error(
            Source.at(at),
            "expected storage keys that the data pickle uses, found "
                + (key == null ? "a " + k.typeName() : "unused key '" + Echo.cut(key) + "'"));
      }
      if (at > src.size - 8 || ref.byteLength() > src.size - at - 8) {
        throw src.error(
            Source.at(at),
            "expected storage '"
                + key
                + "' of "
                + ref.byteLength()
                + " bytes plus an 8-byte count, found only "
                + Math.max(0, src.size - at)
                + " bytes before the end of the file");
      }
      ref.bind(
          StorageData.open(
              src,
              ref,
              new StorageData.Location(StorageData.Kind.LEGACY, at, 8 + ref.byteLength()),
              "storage '" + Echo.cut(key) + "'"));
      ordered.add(ref);
      at += 8 + ref.byteLength();
    }
    if (ordered.size() != byKey.size()) {
      throw src.error(
          "legacy storage key list",
          "expected all " + byKey.size() + " storages the data uses, found " + ordered.size());
    }
    if (at != src.size) {
      throw src.error(
          Source.at(at),
          "expected the file to end after the last storage, found "
              + (src.size - at)
              + " more bytes");
    }
    return ordered;
  }

  private static Object pickle(
      InputStream in, Source src, long[] pos, String what, Unpickler.PersistentLoader loader)
      throws IOException {
    Unpickler u = new Unpickler(in, src, what, pos[0], -1, loader);
    Object v = u.load();
    pos[0] += u.position();
    return v;
  }
}
