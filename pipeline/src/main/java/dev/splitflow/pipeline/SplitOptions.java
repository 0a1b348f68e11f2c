package dev.splitflow.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the split pipeline. They mirror the original tool's flags (docs/pipeline.md maps each
 * snake_case flag to its option here) and are the Flex Template's parameters
 * (src/main/resources/flex-template/metadata.json, checked against this interface by a test).
 */
public interface SplitOptions extends PipelineOptions {

  @Description(
      "Batch files to split: a glob such as gs://bucket/data/batch_*.pt, or a folder or prefix"
          + " ending in '/' (then every batch_*.pt directly in it). Local paths work too.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description(
      "Folder or prefix (ending in '/') the chunk files, stratification_indices.json and"
          + " _SPLIT_MANIFEST.json are written to.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("Share of records for train; train, val and test must sum to 1.")
  @Default.Double(0.7)
  Double getTrainRatio();

  void setTrainRatio(Double value);

  @Description("Share of records for val.")
  @Default.Double(0.15)
  Double getValRatio();

  void setValRatio(Double value);

  @Description("Share of records for test.")
  @Default.Double(0.15)
  Double getTestRatio();

  void setTestRatio(Double value);

  @Description("Seed of the assignment and of the order inside each split.")
  @Default.Long(42)
  Long getSeed();

  void setSeed(Long value);

  @Description("Records per chunk file.")
  @Default.Integer(50)
  Integer getChunkSize();

  void setChunkSize(Integer value);

  @Description(
      "Comma-separated record fields that define the strata: a name stratifies on the field's"
          + " value, has:NAME on whether the field is present, not None and not empty.")
  @Default.String("view_position,has:clinical_features")
  String getStrataFields();

  void setStrataFields(String value);

  @Description(
      "Record field whose value keeps records together (e.g. subject_id): no group ever spans two"
          + " splits. Empty for none.")
  @Default.String("")
  String getGroupBy();

  void setGroupBy(String value);

  @Description(
      "Indices file to use or create. Empty for stratification_indices.json in the output.")
  @Default.String("")
  String getIndices();

  void setIndices(String value);

  @Description(
      "Recompute the indices when the batch files or options no longer match the existing"
          + " indices file, instead of stopping with the list of differences.")
  @Default.Boolean(false)
  Boolean getRecomputeIndices();

  void setRecomputeIndices(Boolean value);

  @Description("Only compute (or check) the indices file; write no chunks.")
  @Default.Boolean(false)
  Boolean getComputeIndicesOnly();

  void setComputeIndicesOnly(Boolean value);

  @Description(
      "Indices file of the dataset version to extend (local path or gs:// URI): every record it"
          + " lists keeps its split and place, new records are added. Empty for a fresh split.")
  @Default.String("")
  String getPreviousIndices();

  void setPreviousIndices(String value);

  @Description(
      "Record field that identifies a record across dataset versions (e.g. dicom_id); the indices"
          + " store only keyed hashes of it. Empty to know records by batch file and position.")
  @Default.String("")
  String getIdField();

  void setIdField(String value);

  @Description(
      "Run id of the launch function's run, written to the manifest as run_id so the verifier can"
          + " tie the output to the run. Empty for runs started by hand.")
  @Default.String("")
  String getRunId();

  void setRunId(String value);
}
