package com.google.cloud.storage.contrib.nio.testing;

import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.testing.http.MockHttpTransport;
import com.google.api.client.util.DateTime;
import com.google.api.services.storage.model.StorageObject;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.spi.v1.StorageRpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * LocalStorageHelper's in-memory Cloud Storage ({@link FakeStorageRpc}) with the semantics the
 * functions rely on and it lacks: every write gets a new generation; {@code ifGenerationMatch} (0 =
 * create-if-absent) and {@code ifGenerationNotMatch} are enforced atomically with HTTP 412; reads
 * and gets of a generation that is no longer live answer 404; objects carry CRC32C and MD5 (base64,
 * as Cloud Storage reports them). It lives in FakeStorageRpc's package to extend it.
 */
public final class GcsSemanticsRpc extends FakeStorageRpc {
  private final AtomicLong generations = new AtomicLong(1_764_115_200_000_000L);

  /** The generation this class last assigned per key, to spot writes made by the HTTP path. */
  private final Map<String, Long> assigned = new HashMap<>();

  /** Object-name prefixes writes to which are refused with 403, as a missing IAM grant would. */
  private final java.util.Set<String> denied = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public GcsSemanticsRpc() {
    super(false);
  }

  public void denyWrites(String objectPrefix) {
    denied.add(objectPrefix);
  }

  private static String key(String bucket, String name) {
    return String.format("http://localhost:65555/b/%s/o/%s", bucket, name);
  }

  private static String key(StorageObject o) {
    return key(o.getBucket(), o.getName());
  }

  @Override
  public synchronized StorageObject create(
      StorageObject object, InputStream content, Map<StorageRpc.Option, ?> options) {
    fixUp();
    for (String prefix : denied) {
      if (object.getName().startsWith(prefix)) {
        throw new StorageException(
            403,
            "splitflow-launch@p.iam.gserviceaccount.com does not have storage.objects.create"
                + " access to the Google Cloud Storage object. Permission 'storage.objects.create'"
                + " denied on resource (or it may not exist).");
      }
    }
    String k = key(object);
    check(k, options);
    byte[] bytes;
    try {
      bytes = content.readAllBytes();
    } catch (IOException e) {
      throw new StorageException(e);
    }
    StorageObject stored = object.clone();
    contents.put(k, bytes);
    stamp(k, stored, bytes);
    metadata.put(k, stored);
    return stored.clone();
  }

  @Override
  public synchronized StorageObject get(StorageObject object, Map<StorageRpc.Option, ?> options) {
    fixUp();
    StorageObject s = metadata.get(key(object));
    if (s == null || contents.get(key(object)) == null) {
      return null;
    }
    if (object.getGeneration() != null && !object.getGeneration().equals(s.getGeneration())) {
      return null;
    }
    Long match = (Long) options.get(StorageRpc.Option.IF_GENERATION_MATCH);
    if (match != null && !match.equals(s.getGeneration())) {
      throw new StorageException(412, "conditionNotMet");
    }
    return s.clone();
  }

  @Override
  public synchronized byte[] load(StorageObject object, Map<StorageRpc.Option, ?> options) {
    fixUp();
    StorageObject s = metadata.get(key(object));
    if (s == null
        || (object.getGeneration() != null && !object.getGeneration().equals(s.getGeneration()))) {
      throw new StorageException(
          404, "No such object: " + object.getBucket() + "/" + object.getName());
    }
    return contents.get(key(object)).clone();
  }

  @Override
  public synchronized boolean delete(StorageObject object, Map<StorageRpc.Option, ?> options) {
    fixUp();
    String k = key(object);
    if (metadata.containsKey(k)) {
      check(k, options);
    }
    assigned.remove(k);
    return super.delete(object, options);
  }

  @Override
  public synchronized com.google.cloud.Tuple<String, Iterable<StorageObject>> list(
      String bucket, Map<StorageRpc.Option, ?> options) {
    fixUp();
    return super.list(bucket, options);
  }

  @Override
  public com.google.api.services.storage.Storage getStorage() {
    // Resumable uploads and media downloads go through the HTTP client; after each request, stamp
    // objects that the upload path finished.
    MockHttpTransport inner =
        (MockHttpTransport) super.getStorage().getRequestFactory().getTransport();
    MockHttpTransport outer =
        new MockHttpTransport() {
          @Override
          public LowLevelHttpRequest buildRequest(String method, String url) throws IOException {
            LowLevelHttpRequest delegate = inner.buildRequest(method, url);
            return new LowLevelHttpRequest() {
              private final Map<String, String> headers = new HashMap<>();

              @Override
              public void addHeader(String name, String value) {
                headers.put(name, value);
              }

              @Override
              public LowLevelHttpResponse execute() throws IOException {
                headers.forEach(
                    (n, v) -> {
                      try {
                        delegate.addHeader(n, v);
                      } catch (IOException e) {
                        throw new IllegalStateException(e);
                      }
                    });
                if (getStreamingContent() != null) {
                  ByteArrayOutputStream b = new ByteArrayOutputStream();
                  getStreamingContent().writeTo(b);
                  byte[] body = b.toByteArray();
                  delegate.setStreamingContent(out -> out.write(body));
                  delegate.setContentLength(body.length);
                }
                delegate.setContentType(getContentType());
                delegate.setContentEncoding(getContentEncoding());
                LowLevelHttpResponse r;
                synchronized (GcsSemanticsRpc.this) {
                  r = delegate.execute();
                  fixUp();
                }
                return r;
              }
            };
          }
        };
    return new com.google.api.services.storage.Storage(outer, new GsonFactory(), request -> {});
  }

  /** Objects finished by the upload path get a generation and checksums like any other. */
  private synchronized void fixUp() {
    for (Map.Entry<String, StorageObject> e : metadata.entrySet()) {
      byte[] bytes = contents.get(e.getKey());
      Long mine = assigned.get(e.getKey());
      if (bytes != null && (mine == null || !mine.equals(e.getValue().getGeneration()))) {
        StorageObject s = e.getValue();
        stamp(e.getKey(), s, bytes);
      }
    }
  }

  private void stamp(String k, StorageObject s, byte[] bytes) {
    long g = generations.incrementAndGet();
    s.setGeneration(g);
    s.setMetageneration(1L);
    s.setSize(BigInteger.valueOf(bytes.length));
    s.setCrc32c(crc32c(bytes));
    s.setMd5Hash(md5(bytes));
    DateTime now = new DateTime(System.currentTimeMillis());
    s.setTimeCreated(now);
    s.setUpdated(now);
    assigned.put(k, g);
  }

  private void check(String k, Map<StorageRpc.Option, ?> options) {
    StorageObject live = contents.containsKey(k) ? metadata.get(k) : null;
    Long current = live == null ? null : live.getGeneration();
    Object match = options.get(StorageRpc.Option.IF_GENERATION_MATCH);
    if (match != null) {
      long m = ((Number) match).longValue();
      boolean ok = m == 0 ? current == null : current != null && current == m;
      if (!ok) {
        throw new StorageException(412, "conditionNotMet: ifGenerationMatch=" + m);
      }
    }
    Object notMatch = options.get(StorageRpc.Option.IF_GENERATION_NOT_MATCH);
    if (notMatch != null && current != null && current == ((Number) notMatch).longValue()) {
      throw new StorageException(412, "conditionNotMet: ifGenerationNotMatch=" + notMatch);
    }
  }

  static String crc32c(byte[] bytes) {
    CRC32C c = new CRC32C();
    c.update(bytes);
    return Base64.getEncoder()
        .encodeToString(ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
  }

  private static String md5(byte[] bytes) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
