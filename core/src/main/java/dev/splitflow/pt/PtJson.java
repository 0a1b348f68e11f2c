package dev.splitflow.pt;

import dev.splitflow.json.JsonStrings;
import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.BytesValue;
import dev.splitflow.pt.PtValue.ComplexValue;
import dev.splitflow.pt.PtValue.Container;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.FloatValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.SetValue;
import dev.splitflow.pt.PtValue.StrValue;
import dev.splitflow.pt.PtValue.TupleValue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lossless JSON form of a .pt file's values that {@code splitflow inspect} prints; the forms
 * are documented in {@code docs/inspect.md}. Tensor digests are computed before anything is
 * printed, so a file whose bytes turn out to be bad produces an error and no partial output.
 */
public final class PtJson {
  /** Values expanding (through shared references) to more JSON nodes than this are refused. */
  public static final long MAX_NODES = 10_000_000;

  /**
   * What the digests of one value or file may hash beyond twice the bytes of the storages it views:
   * views past it print {@code "sha256": null, "digest_skipped": true} instead.
   */
  public static final long DIGEST_BUDGET = 256L << 20;

  /** A view's digest is null once the budget is spent, so the map allows null values. */
  private final Map<PtValue, String> digests = new IdentityHashMap<>();

  private final Appendable out;
  private final boolean layout;
  private final long budgetBase;

  private PtJson(Appendable out, boolean layout, long budgetBase) {
    this.out = out;
    this.layout = layout;
    this.budgetBase = budgetBase;
  }

  /**
   * The JSON form of one value. With {@code layout} false, tensors leave out how they are stored
   * ({@code stride}, {@code storage_offset}, {@code storage}) and keep only what they hold, so a
   * value and its copy through the writer print the same.
   */
  public static String toJson(PtValue value, boolean layout) throws IOException {
    return toJson(value, layout, DIGEST_BUDGET);
  }

  /** {@link #toJson(PtValue, boolean)} with another digest budget, for tests. */
  static String toJson(PtValue value, boolean layout, long budgetBase) throws IOException {
    checkExpansion(value, "value");
    StringBuilder sb = new StringBuilder();
    PtJson json = new PtJson(sb, layout, budgetBase);
    json.digestAll(value);
    json.value(value);
    return sb.toString();
  }

  private static void checkExpansion(PtValue root, String file) {
    if (root instanceof Container c && c.expandedNodes() > MAX_NODES) {
      throw new PtFormatException(
          file,
          "data.pkl",
          "values expand to more than "
              + MAX_NODES
              + " JSON nodes through shared references ("
              + (c.expandedNodes() == Long.MAX_VALUE ? "over 2^63" : c.expandedNodes())
              + "); refusing to print them");
    }
    // A pickle holds at most maxTotalStringBytes of str and bytes; beyond that plus the sharing
    // a streamed read allows, shared payloads would be printed again and again (terabytes).
    long limit = PtLimits.MAX_TOTAL_STRING_BYTES + PtLimits.MAX_SHARED_BYTES;
    if (root instanceof Container c && c.expandedInlineBytes > limit) {
      throw new PtFormatException(
          file,
          "data.pkl",
          "values reach "
              + (c.expandedInlineBytes == Long.MAX_VALUE ? "over 2^63" : c.expandedInlineBytes)
              + " bytes of str, bytes and array data through values they share, more than "
              + limit
              + "; refusing to print them"
              + PtLimits.raise("splitflow.pt.maxSharedBytes", PtLimits.MAX_SHARED_BYTES));
    }
  }

  /** Writes {@code {"format": ..., "records": [...]}} for the file. */
  public static void write(PtFile file, Appendable out) throws IOException {
    PtValue root = file.root();
    checkExpansion(root, file.name());
    PtJson json = new PtJson(out, true, DIGEST_BUDGET);
    json.digestAll(root);
    out.append("{\"format\": \"").append(file.format().jsonName()).append("\", ");
    out.append(root instanceof ListValue ? "\"records\": " : "\"root\": ");
    json.value(root);
    out.append("}\n");
  }

  /**
   * Views whose elements take more bytes than this, and than the storage span they cover (stride 0
   * from {@code expand()}, overlapping windows), are not digested in C order: the JSON says {@code
   * "sha256": null} and gives {@code "span_sha256"}, the digest of the span's bytes, so inspecting
   * any file takes time in proportion to the bytes it stores.
   */
  public static final long DIGEST_LIMIT = 64L << 20;

  /** Whether {@link #sha256} of this tensor is computed, or its span's digest instead. */
  public static boolean digestsElements(TensorValue t) {
    return t.byteSize() <= Math.max(DIGEST_LIMIT, spanBytes(t));
  }

  /** SHA-256 (hex) of the storage span a tensor covers: its bytes as stored. */
  public static String spanSha256(TensorValue t) throws IOException {
    MessageDigest md = sha256();
    TensorBytes.copySpan(t, ByteBuffer.allocate(TensorBytes.BUFFER_SIZE), md::update);
    return HexFormat.of().formatHex(md.digest());
  }

  /** SHA-256 (hex) of a tensor's elements in C order, little-endian. */
  public static String sha256(TensorValue t) throws IOException {
    MessageDigest md = sha256();
    TensorBytes.copy(t, ByteBuffer.allocate(TensorBytes.BUFFER_SIZE), md::update);
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private void digestAll(PtValue root) throws IOException {
    List<TensorValue> tensors = new ArrayList<>();
    Set<StorageRef> storages = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<PtValue> todo = new ArrayDeque<>();
    Set<PtValue> seen = Collections.newSetFromMap(new IdentityHashMap<PtValue, Boolean>());
    todo.push(root);
    while (!todo.isEmpty()) {
      PtValue v = todo.pop();
      if (!seen.add(v)) {
        continue;
      }
      if (v instanceof TensorValue t) {
        tensors.add(t);
        storages.add(t.storage());
      } else if (v instanceof NdArrayValue a) {
        MessageDigest md = sha256();
        md.update(a.littleEndianCOrder());
        digests.put(a, HexFormat.of().formatHex(md.digest()));
      } else if (v instanceof Container c) {
        for (PtValue child : Values.children(c)) {
          todo.push(child);
        }
      }
    }
    // Distinct views of one storage each hash their own bytes, and a pickle names a view in a
    // few bytes: without a budget, many views of one large storage would hash terabytes. Equal
    // views (same storage, dtype, offset, shape and strides) share one digest.
    long stored = 0;
    for (StorageRef s : storages) {
      stored = Math.addExact(stored, s.byteLength());
    }
    long budget =
        stored > (Long.MAX_VALUE - budgetBase) / 2 ? Long.MAX_VALUE : budgetBase + 2 * stored;
    long spent = 0;
    Map<StorageRef, Map<String, String>> byView = new IdentityHashMap<>();
    for (TensorValue t : tensors) {
      String view =
          t.dtype().torchName()
              + '|'
              + t.storageOffset()
              + '|'
              + Arrays.toString(t.shapeUnsafe())
              + '|'
              + Arrays.toString(t.strideUnsafe());
      Map<String, String> done = byView.computeIfAbsent(t.storage(), k -> new HashMap<>());
      if (done.containsKey(view)) {
        digests.put(t, done.get(view));
        continue;
      }
      boolean elements = digestsElements(t);
      long cost = elements ? t.byteSize() : spanBytes(t);
      String digest = null;
      if (cost <= budget - spent) {
        spent += cost;
        digest = elements ? sha256(t) : spanSha256(t);
      }
      done.put(view, digest);
      digests.put(t, digest);
    }
  }

  private static long spanBytes(TensorValue t) {
    return t.numel() == 0
        ? 0
        : Shapes.spanEnd(t.shapeUnsafe(), t.strideUnsafe(), 0) * t.dtype().itemSize();
  }

  private void value(PtValue v) throws IOException {
    if (v == NoneValue.NONE) {
      out.append("null");
    } else if (v instanceof BoolValue b) {
      out.append(b.value() ? "true" : "false");
    } else if (v instanceof IntValue i) {
      out.append(i.value().toString());
    } else if (v instanceof FloatValue f) {
      floatValue(f.value());
    } else if (v instanceof StrValue s) {
      string(s.value());
    } else if (v instanceof BytesValue b) {
      tag(b.mutable() ? "bytearray" : "bytes");
      out.append(", \"base64\": ");
      string(Base64.getEncoder().encodeToString(b.dataUnsafe()));
      out.append('}');
    } else if (v instanceof ComplexValue c) {
      tag("complex");
      out.append(", \"real\": ");
      floatValue(c.real());
      out.append(", \"imag\": ");
      floatValue(c.imag());
      out.append('}');
    } else if (v instanceof ListValue l) {
      array(l.items());
    } else if (v instanceof TupleValue t) {
      items(t.isTorchSize() ? "torch.Size" : "tuple", t.items());
    } else if (v instanceof SetValue s) {
      items("set", s.items());
    } else if (v instanceof DictValue d) {
      dict(d);
    } else if (v instanceof TensorValue t) {
      tensor(t);
    } else if (v instanceof NdArrayValue a) {
      tag(a.isScalar() ? "numpy_scalar" : "ndarray");
      out.append(", \"dtype\": \"").append(a.dtype().torchName()).append('"');
      out.append(", \"numpy_dtype\": \"").append(a.numpyDtype()).append('"');
      out.append(", \"shape\": ");
      longs(a.shape());
      out.append(", \"fortran_order\": ").append(String.valueOf(a.fortranOrder()));
      out.append(", \"sha256\": \"").append(digests.get(a)).append("\"}");
    }
  }

  private void tensor(TensorValue t) throws IOException {
    tag("tensor");
    out.append(", \"dtype\": \"").append(t.dtype().torchName()).append('"');
    out.append(", \"shape\": ");
    longs(t.shapeUnsafe());
    if (layout) {
      out.append(", \"stride\": ");
      longs(t.strideUnsafe());
      out.append(", \"storage_offset\": ").append(Long.toString(t.storageOffset()));
      out.append(", \"storage\": {\"key\": ");
      string(t.storage().key());
      out.append(", \"numel\": ").append(Long.toString(t.storage().numel())).append('}');
    }
    out.append(", \"requires_grad\": ").append(String.valueOf(t.requiresGrad()));
    if (t.isParameter()) {
      out.append(", \"parameter\": true");
    }
    if (digests.get(t) == null) {
      out.append(", \"sha256\": null, \"digest_skipped\": true}");
    } else if (digestsElements(t)) {
      out.append(", \"sha256\": \"").append(digests.get(t)).append("\"}");
    } else {
      out.append(", \"sha256\": null, \"span_sha256\": \"").append(digests.get(t)).append("\"}");
    }
  }

  private void dict(DictValue d) throws IOException {
    boolean plain = d.kind() == DictValue.Kind.DICT && d.hasOnlyStringKeys();
    if (plain) {
      for (PtValue k : d.keys()) {
        if (((StrValue) k).value().equals("$type")) {
          plain = false;
          break;
        }
      }
    }
    if (!plain) {
      tag(d.kind() == DictValue.Kind.DICT ? "dict" : d.kind().pythonName());
      out.append(", \"items\": [");
      for (int i = 0; i < d.size(); i++) {
        out.append(i == 0 ? "[" : ", [");
        value(d.keyAt(i));
        out.append(", ");
        value(d.valueAt(i));
        out.append(']');
      }
      out.append("]}");
      return;
    }
    out.append('{');
    for (int i = 0; i < d.size(); i++) {
      if (i > 0) {
        out.append(", ");
      }
      string(((StrValue) d.keyAt(i)).value());
      out.append(": ");
      value(d.valueAt(i));
    }
    out.append('}');
  }

  private void tag(String type) throws IOException {
    out.append("{\"$type\": \"").append(type).append('"');
  }

  private void items(String type, List<PtValue> items) throws IOException {
    tag(type);
    out.append(", \"items\": ");
    array(items);
    out.append('}');
  }

  private void array(List<PtValue> items) throws IOException {
    out.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.append(", ");
      }
      value(items.get(i));
    }
    out.append(']');
  }

  private void longs(long[] values) throws IOException {
    out.append('[');
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.append(", ");
      }
      out.append(Long.toString(values[i]));
    }
    out.append(']');
  }

  private void floatValue(double d) throws IOException {
    if (Double.isNaN(d)) {
      out.append("{\"$type\": \"float\", \"value\": \"nan\"}");
    } else if (Double.isInfinite(d)) {
      out.append("{\"$type\": \"float\", \"value\": \"").append(d > 0 ? "inf" : "-inf");
      out.append("\"}");
    } else {
      out.append(Double.toString(d)); // always has '.' or 'E'; parses back to the same bits
    }
  }

  private void string(String s) throws IOException {
    out.append(JsonStrings.quote(s, JsonStrings.Escape.PRINTABLE_ASCII));
  }
}
