package dev.splitflow.functions.gcs;

import java.util.concurrent.atomic.AtomicLong;

/** Requests made and bytes fetched by ranged reads; the 540 s event budget is spent on these. */
public final class ReadStats {
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  void add(long fetched) {
    requests.incrementAndGet();
    bytes.addAndGet(fetched);
  }

  public long requests() {
    return requests.get();
  }

  public long bytes() {
    return bytes.get();
  }
}
