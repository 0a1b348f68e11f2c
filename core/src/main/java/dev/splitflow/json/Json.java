package dev.splitflow.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The configured Jackson mapper. Reading is strict: one JSON value and nothing after it, and no key
 * given twice (which value would a reader take?). Pretty output is Jackson's default pretty printer
 * ({@code "key" : value}, two-space indent), the layout the manifest, run state and claim files
 * have always had; compact output (summary, log lines) has no spaces.
 */
public final class Json {
  /** The strict mapper; immutable configuration, shared. */
  public static final ObjectMapper MAPPER = builder().build();

  private Json() {}

  /**
   * A builder with the strict reading configuration, for a mapper that also needs modules or a
   * naming strategy the shared one has not (run state's {@code java.time} fields).
   */
  public static JsonMapper.Builder builder() {
    return JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** The writer of the pretty files: manifest, run state, claim. */
  public static ObjectWriter pretty() {
    return MAPPER.writerWithDefaultPrettyPrinter();
  }

  /**
   * A reader that takes what a plain Jackson mapper takes (a key given twice: the last wins;
   * content after the value: ignored). Only for input splitflow does not judge: each caller says
   * why.
   */
  public static ObjectReader lenientReader() {
    // Duplicate detection is the parser factory's: a reader cannot switch it off, so this one
    // reads through a plain factory.
    return MAPPER
        .reader()
        .with(new JsonFactory())
        .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** {@code value} as compact JSON text. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /** {@code value} as pretty JSON text (no trailing newline). */
  public static String writePretty(Object value) {
    try {
      return pretty().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /** Reads one JSON value strictly; null for empty input. */
  public static JsonNode readTree(String text) throws JsonProcessingException {
    return MAPPER.readTree(text);
  }
}
