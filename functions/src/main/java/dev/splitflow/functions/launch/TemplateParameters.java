package dev.splitflow.functions.launch;

import dev.splitflow.split.SplitConfig;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Flex Template parameters the launcher passes, named as in the pipeline's {@code
 * metadata.json} ({@code SplitOptions}); a wiring test checks every name exists there.
 */
public final class TemplateParameters {
  private TemplateParameters() {}

  public static final String INPUT = "input";
  public static final String OUTPUT = "output";
  public static final String RUN_ID = "runId";
  public static final String RECOMPUTE_INDICES = "recomputeIndices";
  public static final String PREVIOUS_INDICES = "previousIndices";
  public static final String ID_FIELD = "idField";

  /** Every parameter name the launcher may pass. */
  public static final List<String> NAMES =
      List.of(
          INPUT,
          OUTPUT,
          RUN_ID,
          RECOMPUTE_INDICES,
          PREVIOUS_INDICES,
          ID_FIELD,
          "trainRatio",
          "valRatio",
          "testRatio",
          "seed",
          "chunkSize",
          "strataFields",
          "groupBy");

  /** The parameters of one run: the batch folder, the output folder and the split options. */
  public static Map<String, String> of(
      String inputFolderUri, String outputFolderUri, String runId, SplitConfig c) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(INPUT, inputFolderUri);
    p.put(OUTPUT, outputFolderUri);
    p.put(RUN_ID, runId);
    p.put("trainRatio", decimal(c.ratios().train()));
    p.put("valRatio", decimal(c.ratios().val()));
    p.put("testRatio", decimal(c.ratios().test()));
    p.put("seed", Long.toString(c.seed()));
    p.put("chunkSize", Integer.toString(c.chunkSize()));
    p.put("strataFields", String.join(",", c.strataFields()));
    if (c.groupBy() != null) {
      p.put("groupBy", c.groupBy());
    }
    return p;
  }

  /** Plain decimal notation: metadata.json's pattern (and a person) reject 1.0E-4. */
  static String decimal(double share) {
    return BigDecimal.valueOf(share).stripTrailingZeros().toPlainString();
  }
}
