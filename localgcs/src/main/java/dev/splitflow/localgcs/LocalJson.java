package dev.splitflow.localgcs;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The local service's one Jackson mapper. It stands in for Google's servers, not for splitflow, so
 * it does not use splitflow's strict core mapper (this module does not depend on core): it reads
 * request bodies as a plain mapper does, as leniently as before.
 */
public final class LocalJson {
  /** Shared; configured once, never changed. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private LocalJson() {}
}
