package dev.splitflow.localgcs;

import java.util.Map;

/**
 * The {@code ifGenerationMatch} family of query parameters, checked against the object as it is
 * when the request takes effect. A null field is a condition the request did not set.
 */
record Preconditions(
    Long generationMatch,
    Long generationNotMatch,
    Long metagenerationMatch,
    Long metagenerationNotMatch) {

  static final Preconditions NONE = new Preconditions(null, null, null, null);

  /** Reads {@code ifGenerationMatch} etc.; {@code prefix} is "" or "ifSource" style for copies. */
  static Preconditions from(Map<String, String> query, String prefix) throws GcsError {
    return new Preconditions(
        number(query, prefix + "GenerationMatch"),
        number(query, prefix + "GenerationNotMatch"),
        number(query, prefix + "MetagenerationMatch"),
        number(query, prefix + "MetagenerationNotMatch"));
  }

  static Preconditions from(Map<String, String> query) throws GcsError {
    return from(query, "if");
  }

  private static Long number(Map<String, String> query, String key) throws GcsError {
    String v = query.get(key);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw GcsError.invalid("Invalid argument for " + key + ": '" + v + "'");
    }
  }

  /**
   * For a write: any failed condition is 412; {@code current} is null when the object is absent.
   */
  void checkWrite(ObjectMeta current) throws GcsError {
    if (generationMatch != null) {
      long have = current == null ? 0 : current.generation();
      if (have != generationMatch) {
        throw GcsError.conditionNotMet();
      }
    }
    if (generationNotMatch != null && current != null) {
      if (current.generation() == generationNotMatch) {
        throw GcsError.conditionNotMet();
      }
    }
    if (metagenerationMatch != null) {
      if (current == null || current.metageneration() != metagenerationMatch) {
        throw GcsError.conditionNotMet();
      }
    }
    if (metagenerationNotMatch != null && current != null) {
      if (current.metageneration() == metagenerationNotMatch) {
        throw GcsError.conditionNotMet();
      }
    }
  }

  /** For a read of an existing object: "not match" conditions that fail answer 304. */
  void checkRead(ObjectMeta current) throws GcsError {
    if (generationMatch != null && current.generation() != generationMatch) {
      throw GcsError.conditionNotMet();
    }
    if (metagenerationMatch != null && current.metageneration() != metagenerationMatch) {
      throw GcsError.conditionNotMet();
    }
    if (generationNotMatch != null && current.generation() == generationNotMatch) {
      throw GcsError.notModified();
    }
    if (metagenerationNotMatch != null && current.metageneration() == metagenerationNotMatch) {
      throw GcsError.notModified();
    }
  }
}
