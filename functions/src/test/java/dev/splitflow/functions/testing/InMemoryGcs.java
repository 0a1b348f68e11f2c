package dev.splitflow.functions.testing;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.contrib.nio.testing.GcsSemanticsRpc;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;

/**
 * The real Cloud Storage client over Google's in-memory storage (google-cloud-nio's
 * LocalStorageHelper), extended with generations, preconditions and checksums ({@link
 * GcsSemanticsRpc}); no Cloud Storage server can run here. Each call gives a fresh, empty store.
 */
public final class InMemoryGcs {
  private InMemoryGcs() {}

  public static Storage create() {
    return create(new GcsSemanticsRpc());
  }

  /** Over a given store, e.g. one told to {@link GcsSemanticsRpc#denyWrites deny writes}. */
  public static Storage create(GcsSemanticsRpc rpc) {
    return StorageOptions.newBuilder()
        .setProjectId("splitflow-test")
        .setCredentials(NoCredentials.getInstance())
        .setServiceRpcFactory(new LocalStorageHelper.FakeStorageRpcFactory(rpc))
        .build()
        .getService();
  }
}
