package dev.splitflow.pt;

import java.util.Map;

/** Names of pickle opcodes, for error messages. */
final class Opcodes {
  private Opcodes() {}

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry((int) 'I', "INT"),
          Map.entry((int) 'L', "LONG"),
          Map.entry((int) 'F', "FLOAT"),
          Map.entry((int) 'S', "STRING"),
          Map.entry((int) 'V', "UNICODE"),
          Map.entry((int) 'P', "PERSID"),
          Map.entry((int) 'i', "INST"),
          Map.entry((int) 'o', "OBJ"),
          Map.entry((int) 'p', "PUT"),
          Map.entry((int) 'g', "GET"),
          Map.entry(0x81, "NEWOBJ"),
          Map.entry(0x82, "EXT1"),
          Map.entry(0x83, "EXT2"),
          Map.entry(0x84, "EXT4"),
          Map.entry(0x91, "FROZENSET"),
          Map.entry(0x92, "NEWOBJ_EX"),
          Map.entry(0x97, "NEXT_BUFFER"),
          Map.entry(0x98, "READONLY_BUFFER"));

  static String describe(int op) {
    String name = NAMES.get(op);
    String hex = String.format("0x%02x", op);
    if (name == null) {
      return hex + " (not a pickle opcode)";
    }
    return name + " (" + hex + ")";
  }
}
