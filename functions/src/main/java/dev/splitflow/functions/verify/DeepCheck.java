package dev.splitflow.functions.verify;

import com.google.cloud.storage.Storage;
import dev.splitflow.functions.gcs.GcsObjectStore;
import dev.splitflow.functions.gcs.ReadStats;
import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.ChunkRecompute;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.IndicesFile;
import dev.splitflow.split.IndicesScan;
import dev.splitflow.split.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The verify function's deep check ({@code SPLITFLOW_DEEP_CHECK_CHUNKS}): makes a seeded sample of
 * the manifest's chunks again from the batch files and the indices ({@link ChunkRecompute}, no
 * runner, nothing written) and compares each one's records, size, CRC32C and SHA-256 with the
 * manifest. It catches what metadata cannot (chunks swapped with the manifest updated, a chunk and
 * its manifest entry changed together), for the chunks it reaches before its time limit.
 */
public final class DeepCheck {
  private DeepCheck() {}

  /**
   * What was deep-checked: {@code checked} of the {@code chosen} chunks (of {@code total}); fewer
   * than chosen when the time limit came first.
   */
  public record Result(
      List<OutputVerifier.Failure> failures,
      int checked,
      int chosen,
      int total,
      long millis,
      long reads,
      long bytesRead) {
    /** One line for the log: what was checked, and what was not. */
    public String describe() {
      String what =
          checked == total
              ? "every chunk (" + total + ")"
              : checked + " of " + total + " chunks (a sample seeded by the run id)";
      return "deep check recomputed "
          + what
          + " from the batch files in "
          + millis
          + " ms, "
          + reads
          + " ranged reads, "
          + bytesRead
          + " bytes"
          + (checked < chosen
              ? "; stopped at the time limit before the other " + (chosen - checked)
              : "")
          + (failures.isEmpty() ? ": all match" : ": " + failures.size() + " differ");
    }
  }

  /** The chunks to recompute: {@code count} of the manifest's, in an order seeded by the run. */
  static List<String> choose(Manifest manifest, int count, String seed) {
    List<String> names = new ArrayList<>();
    for (ChunkInfo c : manifest.chunks()) {
      names.add(c.name());
    }
    if (count >= names.size()) {
      return names;
    }
    Collections.shuffle(names, new Random(seed == null ? 0 : seed.hashCode()));
    return new ArrayList<>(names.subList(0, count));
  }

  /**
   * Deep-checks the output at {@code outputPrefix} of the batch folder {@code datasetFolder}.
   *
   * @param deadlineNanos {@link System#nanoTime()} past which no further chunk is started
   */
  public static Result run(
      Storage storage,
      String bucket,
      String datasetFolder,
      String outputPrefix,
      Manifest manifest,
      int count,
      String seed,
      long deadlineNanos)
      throws IOException {
    long t0 = System.nanoTime();
    ReadStats stats = new ReadStats();
    GcsObjectStore output = new GcsObjectStore(storage, bucket, outputPrefix, stats);
    List<OutputVerifier.Failure> failures = new ArrayList<>();
    List<String> chosen = choose(manifest, count, seed);
    int total = manifest.chunks().size();
    if (!ChunkNames.isPlainName(manifest.indicesFile())) {
      return new Result(failures, 0, chosen.size(), total, 0, 0, 0); // the shallow check says why
    }
    String indicesUri = output.location() + manifest.indicesFile();
    IndicesFile indices =
        IndicesFile.parse(
            new String(output.read(manifest.indicesFile()), StandardCharsets.UTF_8), indicesUri);
    Map<String, IndicesScan.Batch> batches = new HashMap<>();
    for (IndicesScan.Batch b : GcsObjectStore.batches(storage, bucket, datasetFolder)) {
      batches.put(b.file(), b);
    }
    for (SourceFile s : indices.sources()) {
      IndicesScan.Batch b = batches.get(s.file());
      String where = "gs://" + bucket + "/" + datasetFolder + s.file();
      if (b == null) {
        failures.add(
            new OutputVerifier.Failure(
                "input", where + " is in the indices but no longer in the batch folder"));
      } else if (b.bytes() != s.bytes()) {
        failures.add(
            new OutputVerifier.Failure(
                "input",
                where + " is " + b.bytes() + " bytes; the indices were made from " + s.bytes()));
      }
    }
    if (!failures.isEmpty()) {
      // Chunks made from batch files that changed would only repeat the difference.
      return new Result(failures, 0, chosen.size(), total, ms(t0), 0, 0);
    }
    GcsObjectStore data = new GcsObjectStore(storage, bucket, "", stats);
    IndicesScan.Opener opener = data.batchOpener();
    List<ChunkInfo> made =
        ChunkRecompute.recompute(
            indices, chosen, s -> opener.open(batches.get(s.file())), deadlineNanos);
    failures.addAll(ChunkRecompute.compare(manifest, made));
    return new Result(
        failures, made.size(), chosen.size(), total, ms(t0), stats.requests(), stats.bytes());
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }
}
