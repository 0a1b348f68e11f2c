package dev.splitflow.localgcs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** Requests and bytes per operation, for measuring what clients cost (docs/performance.md). */
public final class Stats {
  private final Map<String, AtomicLong[]> byOp = new TreeMap<>();

  synchronized void count(String op, long bytesIn, long bytesOut) {
    AtomicLong[] c =
        byOp.computeIfAbsent(
            op, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong(), new AtomicLong()});
    c[0].incrementAndGet();
    c[1].addAndGet(bytesIn);
    c[2].addAndGet(bytesOut);
  }

  public synchronized long requests(String op) {
    AtomicLong[] c = byOp.get(op);
    return c == null ? 0 : c[0].get();
  }

  public synchronized long bytesOut(String op) {
    AtomicLong[] c = byOp.get(op);
    return c == null ? 0 : c[2].get();
  }

  public synchronized void reset() {
    byOp.clear();
  }

  synchronized ObjectNode toJson() {
    ObjectNode o = LocalJson.MAPPER.createObjectNode();
    byOp.forEach(
        (op, c) -> {
          ObjectNode n = o.putObject(op);
          n.put("requests", c[0].get());
          n.put("bytesIn", c[1].get());
          n.put("bytesOut", c[2].get());
        });
    return o;
  }
}
