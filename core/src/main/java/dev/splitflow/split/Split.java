package dev.splitflow.split;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The three splits, in the fixed order every tie-break uses (train before val before test). {@link
 * #ordinal()} is that order.
 */
public enum Split {
  TRAIN("train"),
  VAL("val"),
  TEST("test");

  private final String jsonName;

  Split(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The name used in the indices file, in chunk file names and in messages; its JSON form. */
  @JsonValue
  public String jsonName() {
    return jsonName;
  }

  /** The split with this {@link #jsonName()}. */
  @JsonCreator
  public static Split fromJsonName(String name) {
    for (Split s : values()) {
      if (s.jsonName.equals(name)) {
        return s;
      }
    }
    throw new SplitException("unknown split '" + name + "': expected train, val or test");
  }
}
