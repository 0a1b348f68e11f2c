package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.PtValue.DictValue;
import dev.splitflow.pt.PtValue.FloatValue;
import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The structural comparison the codec round trip relies on catches differences that {@link
 * PtJson}'s text hides: each case prints the same JSON on both sides and still fails.
 */
class PtValueAssertTest {

  private static void hiddenFromJsonButCaught(PtValue a, PtValue b, String expectedMessagePart)
      throws IOException {
    assertEquals(PtJson.toJson(a, true), PtJson.toJson(b, true), "PtJson should not see it");
    AssertionError e =
        assertThrows(AssertionError.class, () -> PtValueAssert.assertSameValue(a, b, "v"));
    assertTrue(e.getMessage().contains(expectedMessagePart), e.getMessage());
  }

  @Test
  void equalTreesPass() {
    TensorValue t = TensorValue.of(DType.INT16, new long[] {2}, new byte[] {1, 0, 2, 0});
    ListValue shared = ListValue.of(List.of(IntValue.of(1)));
    PtValueAssert.assertSameValue(
        DictValue.of(Map.of("a", shared, "b", shared, "t", t)),
        DictValue.of(Map.of("a", shared, "b", shared, "t", t)),
        "v");
  }

  @Test
  void nanPayloadIsCaught() throws IOException {
    hiddenFromJsonButCaught(
        new FloatValue(Double.NaN),
        new FloatValue(Double.longBitsToDouble(0x7ff8000000000001L)),
        "float bits");
  }

  @Test
  void storageBytesOutsideTheViewAreCaught() throws IOException {
    StorageRef one = StorageRef.ofBytes(DType.INT16, new byte[] {1, 0, 2, 0, 3, 0});
    StorageRef other = StorageRef.ofBytes(DType.INT16, new byte[] {1, 0, 2, 0, 9, 0});
    long[] shape = {2};
    long[] stride = {1};
    hiddenFromJsonButCaught(
        TensorValue.view(one, shape, stride, 0),
        TensorValue.view(other, shape, stride, 0),
        "storage byte 4");
  }

  @Test
  void lostSharingIsCaught() throws IOException {
    ListValue shared = ListValue.of(List.of(IntValue.of(1)));
    Map<String, PtValue> once = new LinkedHashMap<>();
    once.put("a", shared);
    once.put("b", shared);
    Map<String, PtValue> twice = new LinkedHashMap<>();
    twice.put("a", ListValue.of(List.of(IntValue.of(1))));
    twice.put("b", ListValue.of(List.of(IntValue.of(1))));
    hiddenFromJsonButCaught(DictValue.of(once), DictValue.of(twice), "sharing");
    hiddenFromJsonButCaught(DictValue.of(twice), DictValue.of(once), "sharing");
  }

  @Test
  void dictKeyOrderIsCaught() {
    Map<String, PtValue> ab = new LinkedHashMap<>();
    ab.put("a", IntValue.of(1));
    ab.put("b", IntValue.of(2));
    Map<String, PtValue> ba = new LinkedHashMap<>();
    ba.put("b", IntValue.of(2));
    ba.put("a", IntValue.of(1));
    assertThrows(
        AssertionError.class,
        () -> PtValueAssert.assertSameValue(DictValue.of(ab), DictValue.of(ba), "v"));
  }
}
