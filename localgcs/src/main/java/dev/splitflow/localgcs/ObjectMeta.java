package dev.splitflow.localgcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One object generation's metadata, kept on disk beside the object's bytes and served as the JSON
 * API object resource.
 *
 * @param md5 base64 MD5 of the bytes; null for composed objects, as in Cloud Storage
 * @param crc32c base64 of the big-endian CRC32C of the bytes
 * @param componentCount the number of components of a composed object, else null
 */
public record ObjectMeta(
    String bucket,
    String name,
    long generation,
    long metageneration,
    long size,
    String contentType,
    String contentEncoding,
    String crc32c,
    String md5,
    Instant timeCreated,
    Instant updated,
    Map<String, String> metadata,
    Integer componentCount) {

  public ObjectMeta {
    metadata = metadata == null ? Map.of() : Map.copyOf(new TreeMap<>(metadata));
  }

  String etag() {
    return "\"" + Long.toHexString(generation) + "-" + metageneration + "\"";
  }

  ObjectMeta withMetadata(String newContentType, Map<String, String> newMetadata, Instant now) {
    return new ObjectMeta(
        bucket,
        name,
        generation,
        metageneration + 1,
        size,
        newContentType,
        contentEncoding,
        crc32c,
        md5,
        timeCreated,
        now,
        newMetadata,
        componentCount);
  }

  /** The object resource; {@code baseUrl} (scheme and host) fills selfLink and mediaLink. */
  ObjectNode toResource(String baseUrl) {
    ObjectNode o = LocalJson.MAPPER.createObjectNode();
    String encoded = URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    o.put("kind", "storage#object");
    o.put("id", bucket + "/" + name + "/" + generation);
    o.put("selfLink", baseUrl + "/storage/v1/b/" + bucket + "/o/" + encoded);
    o.put(
        "mediaLink",
        baseUrl
            + "/download/storage/v1/b/"
            + bucket
            + "/o/"
            + encoded
            + "?generation="
            + generation
            + "&alt=media");
    o.put("name", name);
    o.put("bucket", bucket);
    o.put("generation", Long.toString(generation));
    o.put("metageneration", Long.toString(metageneration));
    o.put("contentType", contentType);
    if (contentEncoding != null) {
      o.put("contentEncoding", contentEncoding);
    }
    o.put("storageClass", "STANDARD");
    o.put("size", Long.toString(size));
    if (md5 != null) {
      o.put("md5Hash", md5);
    }
    o.put("crc32c", crc32c);
    if (componentCount != null) {
      o.put("componentCount", componentCount);
    }
    o.put("etag", etag().replace("\"", ""));
    o.put("timeCreated", timeCreated.toString());
    o.put("updated", updated.toString());
    o.put("timeStorageClassUpdated", timeCreated.toString());
    if (!metadata.isEmpty()) {
      ObjectNode m = o.putObject("metadata");
      metadata.forEach(m::put);
    }
    return o;
  }

  /** The form kept on disk: the resource without links. */
  ObjectNode toStored() {
    ObjectNode o = toResource("");
    o.remove("selfLink");
    o.remove("mediaLink");
    return o;
  }

  static ObjectMeta fromStored(JsonNode o) {
    Map<String, String> metadata = new TreeMap<>();
    JsonNode m = o.path("metadata");
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      metadata.put(e.getKey(), e.getValue().asText());
    }
    return new ObjectMeta(
        o.path("bucket").asText(),
        o.path("name").asText(),
        Long.parseLong(o.path("generation").asText()),
        Long.parseLong(o.path("metageneration").asText()),
        Long.parseLong(o.path("size").asText()),
        o.path("contentType").asText(),
        o.hasNonNull("contentEncoding") ? o.get("contentEncoding").asText() : null,
        o.path("crc32c").asText(),
        o.hasNonNull("md5Hash") ? o.get("md5Hash").asText() : null,
        Instant.parse(o.path("timeCreated").asText()),
        Instant.parse(o.path("updated").asText()),
        metadata,
        o.hasNonNull("componentCount") ? o.get("componentCount").asInt() : null);
  }
}
