package dev.splitflow.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.splitflow.json.Json;
import dev.splitflow.output.ChunkInfo;
import dev.splitflow.output.ChunkNames;
import dev.splitflow.output.Manifest;
import dev.splitflow.split.Split;
import dev.splitflow.split.SplitCounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The last stage: once every chunk is written, checks that exactly the planned chunks exist,
 * deletes chunk files an earlier run left that this plan does not make, and writes {@code
 * _SPLIT_MANIFEST.json}, whose appearance tells the verifier the output is complete.
 */
final class WriteManifest
    extends PTransform<PCollection<KV<String, List<ChunkInfo>>>, PCollection<String>> {
  private final String output;
  private final String indices;
  private final List<String> expectedChunks;
  private final String runId;
  private final OutputClaim claim;
  private final Set<String> kept;

  /**
   * @param claim the run's claim on the output folder: the manifest is written only while the run
   *     still holds it, and the claim is released once the manifest is there (null: no claim, for
   *     tests of the graph alone)
   * @param kept for an extension, the chunks it left as they were (non-null adds the manifest's
   *     lineage, listing the chunks that are new or changed since the previous version); null
   *     otherwise
   */
  WriteManifest(
      String output,
      String indices,
      List<String> expectedChunks,
      String runId,
      OutputClaim claim,
      Set<String> kept) {
    this.output = output;
    this.indices = indices;
    this.expectedChunks = new ArrayList<>(expectedChunks);
    this.runId = runId;
    this.claim = claim;
    this.kept = kept == null ? null : new TreeSet<>(kept);
  }

  @Override
  public PCollection<String> expand(PCollection<KV<String, List<ChunkInfo>>> chunks) {
    // A plain GroupByKey, not Combine.globally: the combine's per-bundle partial combining and its
    // default-value side input each cost the DirectRunner fixed work per chunk and per run.
    return chunks
        .apply("CollectChunks", GroupByKey.create())
        .apply(
            "WriteManifestFile",
            ParDo.of(new FinishFn(output, indices, expectedChunks, runId, claim, kept)));
  }

  /**
   * The indices file's {@code metadata} object, read past the three index lists without building
   * them (a million numbers for a million records).
   */
  static JsonNode metadataOf(byte[] indices) throws IOException {
    ObjectMapper mapper = Json.MAPPER;
    try (JsonParser p = mapper.createParser(indices)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          p.nextToken();
          if (field.equals("metadata")) {
            // One member of the indices object, read mid-stream: the rest of the object follows
            // it, so trailing tokens are expected here (the indices were read strictly before).
            return mapper
                .reader()
                .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .readTree(p);
          }
          p.skipChildren();
        }
      }
    }
    return MissingNode.getInstance();
  }

  /**
   * The manifest's {@code lineage}: the previous version's indices digest, the extension's
   * kept/added/removed record counts, and which chunks are new or changed since the previous
   * version (from the indices' lineage, so a re-run writes the same manifest).
   */
  static Manifest.Lineage lineageOf(JsonNode lineage, Set<String> planned) {
    Set<String> changed = new TreeSet<>();
    for (Split split : Split.values()) {
      for (JsonNode n : lineage.path("rewritten_chunks").path(split.jsonName())) {
        changed.add(ChunkNames.chunk(split, n.asInt()));
      }
    }
    changed.retainAll(planned);
    return new Manifest.Lineage(
        lineage.path("previous_digest").asText(),
        counts(lineage.path("kept")),
        counts(lineage.path("added")),
        counts(lineage.path("removed")),
        planned.size() - changed.size(),
        List.copyOf(changed));
  }

  private static SplitCounts counts(JsonNode n) {
    return new SplitCounts(
        n.path(Split.TRAIN.jsonName()).asLong(),
        n.path(Split.VAL.jsonName()).asLong(),
        n.path(Split.TEST.jsonName()).asLong());
  }

  private static final class FinishFn extends DoFn<KV<String, Iterable<List<ChunkInfo>>>, String> {
    private final String output;
    private final String indices;
    private final List<String> expected;
    private final String runId;
    private final OutputClaim claim;
    private final Set<String> kept;

    FinishFn(
        String output,
        String indices,
        List<String> expected,
        String runId,
        OutputClaim claim,
        Set<String> kept) {
      this.output = output;
      this.indices = indices;
      this.expected = expected;
      this.runId = runId;
      this.claim = claim;
      this.kept = kept;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<List<ChunkInfo>>> collected,
        OutputReceiver<String> out,
        PipelineOptions options)
        throws Exception {
      if (claim != null && !claim.isHeld(options)) {
        throw new IllegalStateException(
            "another run took over "
                + output
                + " while this one was writing ("
                + claim.path()
                + " is no longer this run's); no manifest is written, so the folder does not"
                + " verify until a run completes there");
      }
      List<ChunkInfo> chunks = new ArrayList<>();
      collected.getValue().forEach(chunks::addAll);
      Set<String> written = new TreeSet<>();
      for (ChunkInfo c : chunks) {
        written.add(c.name());
      }
      Set<String> planned = new TreeSet<>(expected);
      if (!written.equals(planned)) {
        Set<String> missing = new TreeSet<>(planned);
        missing.removeAll(written);
        throw new IllegalStateException(
            "chunks missing after writing: " + missing + "; the manifest is not written");
      }

      // Chunks of an earlier run over other inputs must not stay next to this run's.
      List<ResourceId> stale = new ArrayList<>();
      Set<String> keep = new HashSet<>(planned);
      for (MatchResult.Metadata m : BeamFiles.match(BeamFiles.folder(output) + "*_chunk_*.pt")) {
        String name = m.resourceId().getFilename();
        if (ChunkNames.parse(name).isPresent() && !keep.contains(name)) {
          stale.add(m.resourceId());
        }
      }
      BeamFiles.delete(stale);

      ResourceId indicesFile = BeamFiles.resolveFile(indices);
      byte[] indexBytes = BeamFiles.readAll(indicesFile);
      JsonNode metadata = metadataOf(indexBytes);
      ObjectNode config = Json.MAPPER.createObjectNode();
      for (String field :
          List.of("seed", "ratios", "strata_fields", "group_by", "chunk_size", "rank_function")) {
        config.set(field, metadata.path(field));
      }
      Manifest manifest =
          Manifest.of(
              config,
              indicesFile.getFilename(),
              HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(indexBytes)),
              indexBytes.length,
              metadata.path("strata"),
              chunks,
              runId);
      if (kept != null) {
        manifest = manifest.withLineage(lineageOf(metadata.path("lineage"), planned));
      }
      String json = manifest.toJson();
      ResourceId target = BeamFiles.resolve(output, ChunkNames.MANIFEST);
      BeamFiles.writeAtomically(target, json.getBytes(StandardCharsets.UTF_8));
      BeamFiles.deleteTempFolder(output);
      if (claim != null) {
        claim.release(options);
      }
      out.output(target.toString());
    }
  }
}
