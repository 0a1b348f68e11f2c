package dev.splitflow.split;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * {@code stratification_indices.json}: a plan and the batch files it was made from.
 *
 * <p>Top level {@code {"train": [...], "val": [...], "test": [...], "metadata": {...}}}: the three
 * lists are global indices in chunk order, so tools that only read train/val/test keep working;
 * {@code metadata} holds the configuration, the achieved split and the sources (docs/split.md).
 * {@link #toJson()} is deterministic: fixed key order, no timestamps, each index list on one line.
 */
public final class IndicesFile {
  public static final String FILE_NAME = "stratification_indices.json";
  public static final String FORMAT = "splitflow-indices";
  public static final int VERSION = 1;

  /** How this version ranks and orders records; a file made another way differs here. */
  public static final String RANK_FUNCTION =
      SplitHash.SCHEME
          + ": u64 = first 8 bytes, big-endian unsigned, of SHA-256(UTF-8 \"splitflow-v1|\" +"
          + " purpose + \"|\" + seed + \"|\" + name); purpose rank or order with name ="
          + " identity (<batch basename>#<position>), group with name = group id; ties by"
          + " global index";

  private final Plan plan;
  private final List<SourceFile> sources;
  private final String rankFunction;
  private final IdHashes ids;
  private final Lineage lineage;

  IndicesFile(Plan plan, List<SourceFile> sources, String rankFunction) {
    this(plan, sources, rankFunction, null, null);
  }

  private IndicesFile(
      Plan plan, List<SourceFile> sources, String rankFunction, IdHashes ids, Lineage lineage) {
    this.plan = plan;
    this.sources = List.copyOf(sources);
    this.rankFunction = rankFunction;
    this.ids = ids;
    this.lineage = lineage;
  }

  /**
   * Keyed hashes of an id field ({@link RecordIds}), one per global index from 0: how the next
   * dataset version recognises these records.
   */
  public record IdHashes(String field, long[] hashes) {
    public IdHashes {
      Objects.requireNonNull(field, "field");
      hashes = hashes.clone();
    }

    @Override
    public long[] hashes() {
      return hashes.clone();
    }
  }

  /** This file with the records' id hashes, by global index (which must run from 0 to N-1). */
  public IndicesFile withIds(IdHashes ids) {
    if (ids != null) {
      long first = sources.isEmpty() ? 0 : sources.get(0).firstIndex();
      if (first != 0 || ids.hashes.length != plan.recordCount() || !contiguous()) {
        throw new SplitException(
            "id hashes need global indices 0.." + (plan.recordCount() - 1) + " without gaps");
      }
    }
    return new IndicesFile(plan, sources, rankFunction, ids, lineage);
  }

  /** This file with the lineage of an extension ({@code --previousIndices}). */
  public IndicesFile withLineage(Lineage lineage) {
    return new IndicesFile(plan, sources, rankFunction, ids, lineage);
  }

  /** The id hashes, or null when the file was made without an id field. */
  public IdHashes ids() {
    return ids;
  }

  /** The lineage, or null when this is not an extension of a previous version. */
  public Lineage lineage() {
    return lineage;
  }

  /** {@code sha256:<hex>} of an indices file's bytes, as lineage records the previous file. */
  public static String digest(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      StringBuilder sb = new StringBuilder("sha256:");
      for (byte b : d) {
        sb.append(String.format("%02x", b & 0xFF));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private boolean contiguous() {
    long next = 0;
    for (SourceFile s : sources) {
      if (s.firstIndex() != next) {
        return false;
      }
      next += s.records();
    }
    return true;
  }

  /**
   * The indices file for {@code plan} made from {@code sources}. Sources are stored sorted by first
   * index; together they must cover exactly the plan's global indices.
   */
  public static IndicesFile of(Plan plan, List<SourceFile> sources) {
    List<SourceFile> sorted = new ArrayList<>(sources);
    sorted.sort(Comparator.comparingLong(SourceFile::firstIndex));
    for (SourceFile s : sorted) {
      if (s.records() == SourceFile.UNKNOWN_RECORDS) {
        throw new SplitException(s.file() + ": the record count must be known to write indices");
      }
    }
    String problem = coverage(plan, sorted);
    if (problem != null) {
      throw new SplitException("the sources do not match the plan: " + problem);
    }
    return new IndicesFile(plan, sorted, RANK_FUNCTION);
  }

  public Plan plan() {
    return plan;
  }

  public SplitConfig config() {
    return plan.config();
  }

  public int chunkSize() {
    return plan.config().chunkSize();
  }

  /** The split's global indices in chunk order (a copy; use {@link #totals()} for counts). */
  public long[] indices(Split split) {
    return plan.indices(split);
  }

  public SplitCounts totals() {
    return plan.totals();
  }

  /** The batch files, by first index. */
  public List<SourceFile> sources() {
    return sources;
  }

  /** The rank function text stored in the file ({@link #RANK_FUNCTION} for files made now). */
  public String rankFunction() {
    return rankFunction;
  }

  // ---------------------------------------------------------------- writing

  /** The file's text: UTF-8 when encoded, ending in a newline. */
  public String toJson() {
    return IndicesJson.write(this);
  }

  /** {@link #toJson()} as UTF-8 bytes. */
  public byte[] toJsonBytes() {
    return toJson().getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- reading

  /**
   * Reads an indices file.
   *
   * @param where the file's name or path, which starts every error message
   * @throws SplitException if it is not JSON, lacks a field, has a value of the wrong type, or is
   *     inconsistent (totals that do not match the lists, an index listed twice or outside every
   *     source)
   */
  public static IndicesFile parse(String json, String where) {
    return IndicesJson.parse(json, where);
  }

  /**
   * Null if the sources' ranges do not overlap, hold as many records as the plan and contain every
   * planned index exactly once; else what is wrong.
   */
  static String coverage(Plan plan, List<SourceFile> byFirstIndex) {
    long records = 0;
    for (int i = 0; i < byFirstIndex.size(); i++) {
      SourceFile s = byFirstIndex.get(i);
      records += s.records();
      if (i > 0) {
        SourceFile p = byFirstIndex.get(i - 1);
        if (p.firstIndex() + p.records() > s.firstIndex()) {
          return p.file()
              + " (indices "
              + p.firstIndex()
              + ".."
              + (p.firstIndex() + p.records() - 1)
              + ") overlaps "
              + s.file()
              + " (from "
              + s.firstIndex()
              + ")";
        }
      }
    }
    if (records != plan.recordCount()) {
      return "the sources hold " + records + " records, the lists " + plan.recordCount();
    }
    long[] all = new long[(int) plan.recordCount()];
    int p = 0;
    for (Split s : Split.values()) {
      long[] list = plan.rawIndices(s);
      System.arraycopy(list, 0, all, p, list.length);
      p += list.length;
    }
    Arrays.sort(all);
    int src = 0;
    for (int i = 0; i < all.length; i++) {
      if (i > 0 && all[i] == all[i - 1]) {
        return "index " + all[i] + " is listed twice";
      }
      while (src < byFirstIndex.size()
          && byFirstIndex.get(src).firstIndex() + byFirstIndex.get(src).records() <= all[i]) {
        src++;
      }
      if (src == byFirstIndex.size() || byFirstIndex.get(src).firstIndex() > all[i]) {
        return "index " + all[i] + " is in no source file's range";
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- comparing

  /**
   * What differs between the run this file was made for and the run described by {@code current}
   * and {@code cfg}, in plain words; empty when the indices still apply. Config values come first
   * ({@code "seed: indices have 7, run asks for 42"}), then files by basename: added, missing, or
   * with a different record count, size or generation. Paths are not compared (a moved folder is
   * the same input); a record count of {@link SourceFile#UNKNOWN_RECORDS} is not compared.
   */
  public List<String> differences(List<SourceFile> current, SplitConfig cfg) {
    return IndicesDiff.differences(this, current, cfg);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IndicesFile f && f.toJson().equals(toJson());
  }

  @Override
  public int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public String toString() {
    return "IndicesFile[" + plan + ", sources=" + sources.size() + "]";
  }
}
