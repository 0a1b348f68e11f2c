package dev.splitflow.localgcs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Fault injection for tests: rules that make matching requests fail with a given status, drop the
 * connection part-way through a download, or answer slowly.
 *
 * <p>A rule matches on any of: HTTP method, the operation ({@code get}, {@code media}, {@code
 * list}, {@code insert}, {@code delete}, {@code copy}, {@code compose}, {@code patch}), a regex on
 * the decoded request path, and a regex on the object name the request is about (for uploads the
 * name being written; for lists the prefix). A rule with {@code statuses} answers the next status
 * of its list to each matching request, then is spent; {@code times} repeats the list (-1: for
 * ever).
 */
public final class Faults {
  /** One rule; null fields match anything. */
  public static final class Rule {
    final String method;
    final String op;
    final Pattern path;
    final Pattern object;
    final List<Integer> statuses;
    final long dropAfterBytes;
    final long delayMillis;
    private int remaining;
    private int next;

    public Rule(
        String method,
        String op,
        String pathRegex,
        String objectRegex,
        List<Integer> statuses,
        int times,
        long dropAfterBytes,
        long delayMillis) {
      this.method = method;
      this.op = op;
      this.path = pathRegex == null ? null : Pattern.compile(pathRegex);
      this.object = objectRegex == null ? null : Pattern.compile(objectRegex);
      this.statuses = statuses == null ? List.of() : List.copyOf(statuses);
      this.remaining = times == 0 ? 1 : times;
      this.dropAfterBytes = dropAfterBytes;
      this.delayMillis = delayMillis;
    }

    /** {@code statuses} answered in order to requests for objects matching {@code objectRegex}. */
    public static Rule statuses(String op, String objectRegex, Integer... statuses) {
      return new Rule(null, op, null, objectRegex, List.of(statuses), 1, -1, 0);
    }

    static Rule fromJson(JsonNode n) {
      List<Integer> statuses = new ArrayList<>();
      n.path("statuses").forEach(s -> statuses.add(s.asInt()));
      return new Rule(
          text(n, "method"),
          text(n, "op"),
          text(n, "path"),
          text(n, "object"),
          statuses,
          n.path("times").asInt(1),
          n.path("dropAfterBytes").asLong(-1),
          n.path("delayMillis").asLong(0));
    }

    private static String text(JsonNode n, String f) {
      return n.hasNonNull(f) ? n.get(f).asText() : null;
    }

    boolean matches(String m, String o, String p, String name) {
      return (method == null || method.equalsIgnoreCase(m))
          && (op == null || op.equals(o))
          && (path == null || path.matcher(p).matches())
          && (object == null || (name != null && object.matcher(name).matches()));
    }
  }

  /** What to do to one request. */
  record Action(int status, long dropAfterBytes, long delayMillis) {}

  private final List<Rule> rules = new CopyOnWriteArrayList<>();

  public void add(Rule r) {
    rules.add(r);
  }

  public void clear() {
    rules.clear();
  }

  /** The first live matching rule's action for this request, consuming one use; or null. */
  synchronized Action take(String method, String op, String path, String name) {
    for (Rule r : rules) {
      if (r.remaining == 0 || !r.matches(method, op, path, name)) {
        continue;
      }
      int status = 0;
      if (!r.statuses.isEmpty()) {
        status = r.statuses.get(r.next++);
        if (r.next == r.statuses.size()) {
          r.next = 0;
          if (r.remaining > 0) {
            r.remaining--;
          }
        }
      } else if (r.remaining > 0) {
        r.remaining--;
      }
      return new Action(status, r.dropAfterBytes, r.delayMillis);
    }
    return null;
  }

  static GcsError error(int status) {
    return switch (status) {
      case 429 -> new GcsError(429, "rateLimitExceeded", "injected: rate limit exceeded");
      case 403 -> new GcsError(403, "forbidden", "injected: permission denied");
      case 404 -> new GcsError(404, "notFound", "injected: not found");
      case 500 -> new GcsError(500, "internalError", "injected: internal error");
      case 502 -> new GcsError(502, "badGateway", "injected: bad gateway");
      case 503 -> new GcsError(503, "backendError", "injected: backend error");
      default -> new GcsError(status, "injected", "injected: HTTP " + status);
    };
  }
}
