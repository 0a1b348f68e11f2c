package dev.splitflow.split;

import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.NoneValue;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hashes of an id field ({@code --idField}, e.g. {@code dicom_id}): how a later dataset
 * version recognises a record that moved to another batch file. The indices file stores only these
 * hashes, never the values: HMAC-SHA-256 of the value's text (the stratum-value rules of {@link
 * RecordInfos}), keyed by {@code "splitflow-v1|id|" + seed}, first 8 bytes big-endian.
 *
 * <p>The key is not secret (the seed is in the file), so the hashes keep ids out of plain sight but
 * do not stop someone who can list candidate ids from testing them. Not thread-safe.
 */
public final class RecordIds {
  /** How the hashes are made; stored in the indices file beside them. */
  public static final String HASH_FUNCTION =
      "HMAC-SHA-256, key UTF-8 \"splitflow-v1|id|\" + seed, of the UTF-8 id value text; first 8"
          + " bytes, big-endian, as 16 hex digits";

  private final Mac mac;
  private final String field;

  public RecordIds(String field, long seed) {
    if (field == null || field.isBlank()) {
      throw new SplitException("id field must be a field name, got '" + field + "'");
    }
    this.field = field;
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(
              (SplitHash.SCHEME + "|id|" + seed).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  public String field() {
    return field;
  }

  /** The keyed hash of an id value's text. */
  public long hash(String valueText) {
    byte[] d = mac.doFinal(valueText.getBytes(StandardCharsets.UTF_8));
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xFF);
    }
    return h;
  }

  /**
   * The keyed hash of {@code record}'s id field.
   *
   * @throws SplitException naming the record when the field is missing, None or not a str, int,
   *     bool, float or numpy integer scalar
   */
  public long of(PtValue record, String identity) {
    if (!(record instanceof DictValue dict) || !dict.hasOnlyStringKeys()) {
      throw new SplitException(
          identity + ": record is a " + record.typeName() + ", expected a dict with str keys");
    }
    PtValue v = dict.get(field);
    if (v == null) {
      List<String> have = new ArrayList<>();
      for (PtValue k : dict.keys()) {
        have.add(((PtValue.StrValue) k).value());
      }
      throw new SplitException(
          identity
              + ": id field '"
              + field
              + "' is missing; the record has "
              + (have.isEmpty() ? "no fields" : "fields " + String.join(", ", have)));
    }
    if (v == NoneValue.NONE) {
      throw new SplitException(
          identity + ": id field '" + field + "' is None; every record needs an id to be tracked");
    }
    String text = RecordInfos.valueString(v, field, "record id", identity);
    return hash(text);
  }

  static String hex(long h) {
    String s = Long.toHexString(h);
    return "0".repeat(16 - s.length()) + s;
  }
}
