package dev.splitflow.split;

import dev.splitflow.pt.DType;
import dev.splitflow.pt.Echo;
import dev.splitflow.pt.NdArrayValue;
import dev.splitflow.pt.PtValue;
import dev.splitflow.pt.PtValue.BoolValue;
import dev.splitflow.pt.PtValue.BytesValue;
import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.FloatValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import dev.splitflow.pt.PtValue.NoneValue;
import dev.splitflow.pt.PtValue.SetValue;
import dev.splitflow.pt.PtValue.StrValue;
import dev.splitflow.pt.PtValue.TupleValue;
import dev.splitflow.pt.TensorValue;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Turns a record read from a batch file into the {@link RecordInfo} the planner needs. */
public final class RecordInfos {
  private RecordInfos() {}

  /**
   * The stratum and group of {@code record} under {@code cfg}.
   *
   * @param record one record of a batch file: a dict with str keys
   * @param identity {@code "<batch file basename>#<position in file>"}; named in every error
   * @throws SplitException if the record is not a dict with str keys, a value strata field or the
   *     group-by field is missing (the message lists the fields the record has), or such a field
   *     holds a value that is not a str, int, bool, float, None or numpy integer scalar
   */
  public static RecordInfo extract(
      PtValue record, SplitConfig cfg, long globalIndex, String identity) {
    if (!(record instanceof DictValue dict) || !dict.hasOnlyStringKeys()) {
      throw new SplitException(
          identity
              + ": record is a "
              + record.typeName()
              + (record instanceof DictValue ? " with non-str keys" : "")
              + ", expected a dict with str keys");
    }
    List<String> fields = cfg.strataFields();
    List<String> values = new ArrayList<>(fields.size());
    for (String f : fields) {
      if (f.startsWith(SplitConfig.HAS_PREFIX)) {
        PtValue v = dict.get(f.substring(SplitConfig.HAS_PREFIX.length()));
        values.add(v != null && isAvailable(v) ? "true" : "false");
      } else {
        values.add(valueString(required(dict, f, "stratum", identity), f, "stratum", identity));
      }
    }
    String group = null;
    if (cfg.groupBy() != null) {
      PtValue g = required(dict, cfg.groupBy(), "group-by", identity);
      if (g != NoneValue.NONE) {
        group = valueString(g, cfg.groupBy(), "group-by", identity);
      }
    }
    return new RecordInfo(globalIndex, identity, Stratum.of(fields, values), group);
  }

  private static PtValue required(DictValue dict, String field, String role, String identity) {
    PtValue v = dict.get(field);
    if (v == null) {
      List<String> have = new ArrayList<>();
      for (PtValue k : dict.keys()) {
        have.add(((StrValue) k).value());
      }
      throw new SplitException(
          identity
              + ": "
              + role
              + " field '"
              + Echo.cut(field)
              + "' is missing; the record has "
              + (have.isEmpty() ? "no fields" : "fields " + Echo.list(have))
              + (role.equals("stratum") ? " (use has:" + field + " to stratify on presence)" : ""));
    }
    return v;
  }

  /**
   * Whether a {@code has:} field counts as available: anything but None and empty containers. Empty
   * means a str, bytes, bytearray, list, tuple, dict or set of length 0, or a tensor or numpy array
   * with 0 elements. Numbers and booleans are always available, including 0 and False: availability
   * asks whether the data is there, not whether it is truthy.
   */
  public static boolean isAvailable(PtValue v) {
    if (v instanceof NoneValue) {
      return false;
    } else if (v instanceof StrValue s) {
      return !s.value().isEmpty();
    } else if (v instanceof BytesValue b) {
      return b.length() > 0;
    } else if (v instanceof ListValue l) {
      return !l.items().isEmpty();
    } else if (v instanceof TupleValue t) {
      return !t.items().isEmpty();
    } else if (v instanceof DictValue d) {
      return d.size() > 0;
    } else if (v instanceof SetValue s) {
      return !s.items().isEmpty();
    } else if (v instanceof TensorValue t) {
      return t.numel() > 0;
    } else if (v instanceof NdArrayValue a) {
      return a.numel() > 0;
    }
    return true;
  }

  /**
   * A stratum or group value as text: a str as is, an int in decimal, a bool as {@code true} or
   * {@code false}, None as {@code None}, a float as Python's {@code repr} ({@code 0.5}, {@code
   * 1e-05}, {@code nan}).
   */
  private static boolean integral(DType t) {
    return switch (t) {
      case BOOL, UINT8, INT8, INT16, INT32, INT64, UINT16, UINT32, UINT64 -> true;
      default -> false;
    };
  }

  static String valueString(PtValue v, String field, String role, String identity) {
    if (v instanceof StrValue s) {
      return s.value();
    } else if (v instanceof IntValue i) {
      return i.value().toString();
    } else if (v instanceof BoolValue b) {
      return b.value() ? "true" : "false";
    } else if (v instanceof NoneValue) {
      return "None";
    } else if (v instanceof FloatValue f) {
      return PyFloat.repr(f.value());
    } else if (v instanceof NdArrayValue a && a.shape().length == 0 && integral(a.dtype())) {
      // A numpy integer or bool scalar (pandas-made ids are np.int64): the same text as the
      // Python int or bool, so np.int64(5) and 5 are one group.
      byte[] le = a.littleEndianCOrder();
      byte[] be = new byte[le.length + 1];
      for (int i = 0; i < le.length; i++) {
        be[be.length - 1 - i] = le[i];
      }
      boolean unsigned = a.dtype().torchName().startsWith("uint") || a.dtype() == DType.BOOL;
      be[0] = !unsigned && (le[le.length - 1] & 0x80) != 0 ? (byte) 0xFF : 0;
      BigInteger n = new BigInteger(be);
      return a.dtype() == DType.BOOL ? (n.signum() != 0 ? "true" : "false") : n.toString();
    }
    String hint =
        role.equals("stratum") ? "; to stratify on whether it is present use has:" + field : "";
    throw new SplitException(
        identity
            + ": "
            + role
            + " field '"
            + field
            + "' holds a "
            + v.typeName()
            + ", but a "
            + role
            + " value must be a str, int, bool, float, None or a numpy integer scalar"
            + hint);
  }
}
