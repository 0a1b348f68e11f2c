package dev.splitflow.localgcs;

import java.nio.charset.StandardCharsets;

/** Bucket and object names this service accepts; objects become files, so no path tricks. */
final class Names {
  private Names() {}

  static boolean isBucket(String b) {
    return b != null && b.matches("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");
  }

  static void checkBucket(String b) throws GcsError {
    if (!isBucket(b)) {
      throw GcsError.invalid("Invalid bucket name: '" + b + "'");
    }
  }

  /** Whether {@code name} could be stored; reads of names that cannot are simply not found. */
  static boolean isStorable(String name) {
    try {
      checkObject(name);
      return true;
    } catch (GcsError e) {
      return false;
    }
  }

  static void checkObject(String name) throws GcsError {
    if (name == null || name.isEmpty()) {
      throw GcsError.invalid("Object name is required");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > 1024) {
      throw GcsError.invalid("The object name is longer than 1024 bytes");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '\r' || c == '\n' || c == 0 || c == '\\') {
        throw GcsError.invalid("Invalid object name: '" + name + "'");
      }
    }
    if (name.endsWith("/") || name.startsWith("/")) {
      throw GcsError.invalid(
          "the local storage service keeps objects as files and cannot store a name that starts"
              + " or ends with '/': '"
              + name
              + "'");
    }
    for (String seg : name.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
        throw GcsError.invalid(
            "the local storage service keeps objects as files and cannot store a name with an"
                + " empty, '.' or '..' segment: '"
                + name
                + "'");
      }
    }
  }
}
