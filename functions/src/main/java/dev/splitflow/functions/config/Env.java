package dev.splitflow.functions.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads settings from an environment map, collecting every problem instead of stopping at the
 * first, so a bad deployment is fixed in one go. Empty values count as unset (Terraform sets
 * optional variables to "" rather than leaving them out).
 */
final class Env {
  private final Map<String, String> env;
  private final List<String> problems = new ArrayList<>();

  Env(Map<String, String> env) {
    this.env = env;
  }

  List<String> problems() {
    return problems;
  }

  String optional(String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  String required(String name, String what) {
    String v = optional(name, null);
    if (v == null) {
      problems.add(name + " is not set (" + what + ")");
    }
    return v;
  }

  /** A {@code gs://bucket/...} URI. */
  String gcsUri(String name, String what, boolean required) {
    String v = required ? required(name, what) : optional(name, null);
    if (v != null && !v.matches("gs://[a-z0-9][-_.a-z0-9]{1,221}[a-z0-9](/.*)?")) {
      problems.add(name + " must be a gs://bucket/path URI (" + what + "), got '" + v + "'");
    }
    return v;
  }

  /** A bucket name, without {@code gs://}. */
  String bucket(String name) {
    String v = required(name, "the bucket holding the batch folders, without gs://");
    if (v != null && !v.matches("[a-z0-9][-_.a-z0-9]{1,221}[a-z0-9]")) {
      problems.add(name + " must be a bucket name such as my-data (no gs://), got '" + v + "'");
    }
    return v;
  }

  /** An object prefix: empty, or ending in '/', never starting with one. */
  String prefix(String name, String fallback) {
    String v = optional(name, fallback);
    if (v.startsWith("/") || (!v.isEmpty() && !v.endsWith("/"))) {
      problems.add(
          name + " must be empty or a folder ending in '/' (no leading '/'), got '" + v + "'");
    }
    return v;
  }

  /** An object name inside a folder: no '/'. */
  String objectName(String name, String fallback) {
    String v = optional(name, fallback);
    if (v.contains("/")) {
      problems.add(name + " must be a plain object name without '/', got '" + v + "'");
    }
    return v;
  }

  int integer(String name, int fallback, int min, int max) {
    return parsed(name, fallback, Integer::parseInt, min, max, "an integer");
  }

  Duration seconds(String name, long fallback, long min, long max) {
    long s = parsed(name, fallback, Long::parseLong, min, max, "a number of seconds");
    return Duration.ofSeconds(s);
  }

  boolean bool(String name, boolean fallback) {
    String v = optional(name, null);
    if (v == null) {
      return fallback;
    }
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    problems.add(name + " must be true or false, got '" + v + "'");
    return fallback;
  }

  /** {@code projects/P/topics/T}. */
  String topic(String name) {
    String v = required(name, "the Pub/Sub topic summaries go to, projects/PROJECT/topics/TOPIC");
    // Pub/Sub's rule for topic ids: a letter, then 2 to 254 of these characters.
    if (v != null && !v.matches("projects/[^/\\s]+/topics/[A-Za-z][-A-Za-z0-9._~%+]{2,254}")) {
      problems.add(name + " must look like projects/PROJECT/topics/TOPIC, got '" + v + "'");
    }
    return v;
  }

  String url(String name, String fallback) {
    String v = optional(name, fallback);
    if (v == null) {
      return null;
    }
    try {
      URI u = new URI(v);
      if (u.getScheme() == null || !u.getScheme().startsWith("http") || u.getHost() == null) {
        problems.add(name + " must be an http(s) URL, got '" + v + "'");
      }
    } catch (URISyntaxException e) {
      problems.add(name + " must be an http(s) URL, got '" + v + "'");
    }
    return v;
  }

  private <T extends Comparable<T>> T parsed(
      String name, T fallback, Function<String, T> parse, T min, T max, String what) {
    String v = optional(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      T t = parse.apply(v);
      if (t.compareTo(min) < 0 || t.compareTo(max) > 0) {
        problems.add(name + " must be between " + min + " and " + max + ", got " + v);
        return fallback;
      }
      return t;
    } catch (NumberFormatException e) {
      problems.add(name + " must be " + what + ", got '" + v + "'");
      return fallback;
    }
  }
}
