package dev.splitflow.functions.summary;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.splitflow.json.Json;
import dev.splitflow.output.Manifest;
import dev.splitflow.output.OutputVerifier;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitCounts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one message a run ends with, on the summary topic ({@code docs/summary.schema.json}). It
 * carries counts, names and reasons, never record content: strata are the configured categories
 * (e.g. {@code view_position=PA}), and reasons come from checks and errors that name files, records
 * by position and fields, not values. Absent text is "" and absent numbers 0, so the body also
 * validates against the topic's Avro schema (JSON encoding, no unions).
 *
 * @param runId the run
 * @param dataset {@code gs://} URI of the batch folder
 * @param output {@code gs://} URI of the output folder
 * @param status {@code SUCCEEDED} or {@code FAILED}
 * @param stage for FAILED: marker, indices, launch, job or verify; "" otherwise
 * @param reason for FAILED: what went wrong and what to do; "" otherwise
 * @param jobId the Dataflow (or local) job id, "" before a launch
 * @param jobName the job name, "" before a claim
 * @param where where to look: a console URL or a log file, "" when nothing ran
 * @param splits per split: records, chunks, bytes (empty when no output was checked)
 * @param strata per stratum and split: target and achieved (empty when no output was checked)
 * @param lineage what an extension kept, added and removed ({@link Lineage#NONE} for a run that
 *     extends no previous version, or when no output was checked)
 * @param failedChecks the verifier's failed checks
 * @param timings when things happened
 */
@JsonPropertyOrder({
  "schema_version",
  "run_id",
  "dataset",
  "output",
  "status",
  "stage",
  "reason",
  "job_id",
  "job_name",
  "where",
  "splits",
  "total_records",
  "total_bytes",
  "strata",
  "lineage",
  "failed_checks",
  "timings"
})
public record Summary(
    @JsonProperty("run_id") String runId,
    String dataset,
    String output,
    String status,
    String stage,
    String reason,
    @JsonProperty("job_id") String jobId,
    @JsonProperty("job_name") String jobName,
    String where,
    List<SplitCount> splits,
    List<StratumCount> strata,
    Lineage lineage,
    @JsonProperty("failed_checks") List<OutputVerifier.Failure> failedChecks,
    Timings timings) {

  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";
  public static final int SCHEMA_VERSION = 1;

  /** One split's totals as the manifest states them; the summary's {@code splits} rows. */
  @JsonPropertyOrder({"split", "records", "chunks", "bytes"})
  public record SplitCount(Split split, long records, int chunks, long bytes) {}

  /** One stratum's target and achieved count in one split; the summary's {@code strata} rows. */
  @JsonPropertyOrder({"stratum", "split", "target", "achieved"})
  public record StratumCount(String stratum, Split split, double target, long achieved) {}

  /** Records per split and their total. */
  @JsonPropertyOrder({"train", "val", "test", "total"})
  public record Counts(long train, long val, long test) {
    static Counts of(SplitCounts c) {
      return new Counts(c.train(), c.val(), c.test());
    }

    @JsonProperty("total")
    public long total() {
      return train + val + test;
    }
  }

  /**
   * How the verified output relates to the version it extends ({@code previousIndices}), from the
   * manifest's lineage, which the verifier checks against the indices'. A run that extends nothing
   * has {@link #NONE}: {@code extension} false, {@code previousIndices} "" and zeros, so the Avro
   * schema needs no union and subscribers test one boolean.
   *
   * @param extension whether this output extends a previous version
   * @param previousIndices {@code sha256:<hex>} of the previous version's indices file; ""
   * @param kept per split, records of the previous version, each still in its split
   * @param added per split, records new in this version
   * @param removed per split, records of the previous version no longer in the input
   * @param unchangedChunks chunks with the previous version's records, not written again
   * @param newOrChangedChunks chunks written by this run (their names are in the manifest)
   */
  @JsonPropertyOrder({
    "extension",
    "previous_indices",
    "kept",
    "added",
    "removed",
    "unchanged_chunks",
    "new_or_changed_chunks"
  })
  public record Lineage(
      boolean extension,
      @JsonProperty("previous_indices") String previousIndices,
      Counts kept,
      Counts added,
      Counts removed,
      @JsonProperty("unchanged_chunks") int unchangedChunks,
      @JsonProperty("new_or_changed_chunks") int newOrChangedChunks) {
    private static final Counts ZERO = new Counts(0, 0, 0);
    public static final Lineage NONE = new Lineage(false, "", ZERO, ZERO, ZERO, 0, 0);

    /** The manifest's lineage, or {@link #NONE} when it has none. */
    public static Lineage of(Manifest.Lineage l) {
      return l == null
          ? NONE
          : new Lineage(
              true,
              l.previousIndices(),
              Counts.of(l.kept()),
              Counts.of(l.added()),
              Counts.of(l.removed()),
              l.unchangedChunks(),
              l.newOrChangedChunks().size());
    }
  }

  /**
   * ISO-8601 instants ("" when unknown) and the seconds from marker to this summary.
   *
   * @param marker when the run started: its marker was claimed (seconds after it was written)
   * @param launched when the job was launched
   * @param finished when this summary was made
   */
  @JsonPropertyOrder({"marker", "launched", "finished", "seconds"})
  public record Timings(String marker, String launched, String finished, double seconds) {
    public static Timings of(Instant marker, Instant launched, Instant finished) {
      return new Timings(
          marker == null ? "" : marker.toString(),
          launched == null ? "" : launched.toString(),
          finished.toString(),
          marker == null ? 0 : Duration.between(marker, finished).toMillis() / 1000.0);
    }
  }

  public Summary {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(timings, "timings");
    dataset = nz(dataset);
    output = nz(output);
    stage = nz(stage);
    reason = nz(reason);
    jobId = nz(jobId);
    jobName = nz(jobName);
    where = nz(where);
    splits = List.copyOf(splits);
    strata = List.copyOf(strata);
    lineage = lineage == null ? Lineage.NONE : lineage;
    failedChecks = List.copyOf(failedChecks);
  }

  /** A FAILED summary with nothing but where and why, its fields named one by one. */
  public static FailedBuilder failedBuilder() {
    return new FailedBuilder();
  }

  /** A summary of a verified output: SUCCEEDED when every check passed. */
  public static Summary verified(
      String runId,
      String dataset,
      String output,
      Manifest manifest,
      OutputVerifier.Report report,
      String jobId,
      String jobName,
      String where,
      Timings timings) {
    List<SplitCount> splits = new ArrayList<>();
    manifest
        .splits()
        .forEach((s, t) -> splits.add(new SplitCount(s, t.records(), t.chunks(), t.bytes())));
    List<StratumCount> strata = new ArrayList<>();
    for (JsonNode st : manifest.strata()) {
      for (Split s : Split.values()) {
        strata.add(
            new StratumCount(
                st.path("key").asText(),
                s,
                st.path("target").path(s.jsonName()).asDouble(),
                st.path("achieved").path(s.jsonName()).asLong()));
      }
    }
    boolean ok = report.ok();
    return new Summary(
        runId,
        dataset,
        output,
        ok ? SUCCEEDED : FAILED,
        ok ? "" : "verify",
        ok
            ? ""
            : report.failures().size()
                + (report.failures().size() == 1
                    ? " output check failed: "
                    : " output checks failed: ")
                + first(report.failures()),
        nz(jobId),
        nz(jobName),
        nz(where),
        splits,
        strata,
        Lineage.of(manifest.lineage()),
        report.failures(),
        timings);
  }

  /**
   * Builds a FAILED summary by field name, so that nine strings, most of them optional, cannot
   * change places; unset text is "".
   */
  public static final class FailedBuilder {
    private String runId;
    private String dataset;
    private String output;
    private String stage;
    private String reason;
    private String jobId;
    private String jobName;
    private String where;
    private Timings timings;

    private FailedBuilder() {}

    public FailedBuilder runId(String v) {
      runId = v;
      return this;
    }

    /** The {@code gs://} URI of the batch folder. */
    public FailedBuilder dataset(String v) {
      dataset = v;
      return this;
    }

    /** The {@code gs://} URI of the output folder. */
    public FailedBuilder output(String v) {
      output = v;
      return this;
    }

    /** Where the run failed: marker, indices, launch, job or verify. */
    public FailedBuilder stage(String v) {
      stage = v;
      return this;
    }

    /** What went wrong and what to do. */
    public FailedBuilder reason(String v) {
      reason = v;
      return this;
    }

    /** The job (null parts for none yet) and where to look for its logs. */
    public FailedBuilder job(String id, String name, String where) {
      this.jobId = id;
      this.jobName = name;
      this.where = where;
      return this;
    }

    public FailedBuilder timings(Timings v) {
      timings = v;
      return this;
    }

    public Summary build() {
      return new Summary(
          runId,
          dataset,
          output,
          FAILED,
          stage,
          reason,
          jobId,
          jobName,
          where,
          List.of(),
          List.of(),
          Lineage.NONE,
          List.of(),
          timings);
    }
  }

  private static String first(List<OutputVerifier.Failure> failures) {
    return failures.isEmpty()
        ? ""
        : failures.get(0).toString() + (failures.size() > 1 ? "; ..." : "");
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  /** Attributes subscribers filter on ({@code attributes.status = "FAILED"}). */
  @JsonIgnore
  public Map<String, String> attributes() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("status", status);
    a.put("run_id", runId);
    a.put("dataset", dataset);
    return a;
  }

  /** The summary's schema version, the message's first field. */
  @JsonProperty("schema_version")
  public int schemaVersion() {
    return SCHEMA_VERSION;
  }

  /** Records over all splits. */
  @JsonProperty("total_records")
  public long totalRecords() {
    return splits.stream().mapToLong(SplitCount::records).sum();
  }

  /** Chunk bytes over all splits. */
  @JsonProperty("total_bytes")
  public long totalBytes() {
    return splits.stream().mapToLong(SplitCount::bytes).sum();
  }

  /** The message body: compact JSON, UTF-8, fields in the order of the schema. */
  public byte[] toJson() {
    return Json.write(this).getBytes(StandardCharsets.UTF_8);
  }
}
