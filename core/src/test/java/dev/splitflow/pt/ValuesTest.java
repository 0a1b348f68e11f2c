package dev.splitflow.pt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splitflow.pt.PtValue.IntValue;
import dev.splitflow.pt.PtValue.ListValue;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class ValuesTest {

  @Test
  void aRefusedCycleLeavesNothingHalfSealed() {
    ListValue inner = new ListValue(new ArrayList<>());
    ListValue outer = new ListValue(new ArrayList<>(List.of(inner)));
    inner.mutableItems().add(outer);
    Values.ShapeException e = assertThrows(Values.ShapeException.class, () -> Values.seal(outer));
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());

    // Break the cycle: the same containers now seal, with their expanded sizes.
    inner.mutableItems().clear();
    inner.mutableItems().add(IntValue.of(7));
    Values.seal(outer);
    assertEquals(3, outer.expandedNodes());
    assertEquals(2, inner.expandedNodes());
  }

  @Test
  void sharedContainersCountOncePerReference() {
    ListValue shared = new ListValue(new ArrayList<>(List.of(IntValue.of(1), IntValue.of(2))));
    PtValue.DictValue d = new PtValue.DictValue(PtValue.DictValue.Kind.DICT);
    d.put(PtValue.StrValue.of("a"), shared);
    d.put(PtValue.StrValue.of("b"), shared);
    Values.seal(d);
    // The dict, two keys, and the three-node list twice.
    assertEquals(1 + 2 + 2 * 3, d.expandedNodes());
  }

  @Test
  void smallIntsAreSharedAndEqualToFreshOnes() {
    for (long v : new long[] {-129, -128, -1, 0, 1, 255, 1024, 1025, Long.MIN_VALUE}) {
      assertEquals(new IntValue(BigInteger.valueOf(v)), IntValue.of(v), "value " + v);
      assertEquals(BigInteger.valueOf(v), IntValue.of(v).value());
    }
    assertTrue(IntValue.of(5) == IntValue.of(5));
  }

  @Test
  void utf8CheckAgreesWithTheDecoder() {
    List<byte[]> cases = new ArrayList<>();
    for (String s : new String[] {"", "PA", "é", "€", "😀", "a\u0000b"}) {
      cases.add(s.getBytes(StandardCharsets.UTF_8));
    }
    cases.add(Utf8.encodeSurrogatePass("\ud800")); // a lone surrogate, as Python's surrogatepass
    cases.add(new byte[] {(byte) 0xC0, (byte) 0x80}); // overlong NUL
    cases.add(new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}); // overlong
    cases.add(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}); // past U+10FFFF
    cases.add(new byte[] {(byte) 0xE2, (byte) 0x82}); // cut short
    cases.add(new byte[] {(byte) 0x80}); // a lone continuation byte
    Random rnd = new Random(42);
    for (int k = 0; k < 20_000; k++) {
      byte[] b = new byte[rnd.nextInt(6)];
      for (int i = 0; i < b.length; i++) {
        // Mostly bytes that start or continue multi-byte sequences.
        b[i] = (byte) (rnd.nextBoolean() ? 0x80 + rnd.nextInt(0x80) : rnd.nextInt(256));
      }
      cases.add(b);
    }
    for (byte[] b : cases) {
      assertEquals(
          Utf8.decodeSurrogatePassOrNull(b) != null,
          Utf8.isValid(b),
          () -> HexFormat.of().formatHex(b));
    }
  }

  @Test
  void stringsSurviveEncodingWhetherAsciiOrNot() {
    Random rnd = new Random(7);
    String alphabet = "aZ0_ /\u0000\u007f\u0080é€\ud83d\ude00";
    for (int k = 0; k < 5_000; k++) {
      StringBuilder sb = new StringBuilder();
      for (int i = rnd.nextInt(12); i > 0; i--) {
        sb.append(alphabet.charAt(rnd.nextInt(k % 2 == 0 ? 6 : alphabet.length())));
      }
      String s = sb.toString();
      byte[] utf8 = Utf8.encodeSurrogatePass(s);
      assertEquals(s, Utf8.decodeSurrogatePass(utf8), s);
      // Without lone surrogates it is plain UTF-8, as Python writes it.
      if (!s.matches("(?s).*[\\ud800-\\udfff].*")) {
        assertEquals(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), s);
        Assertions.assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), utf8, s);
      }
    }
    // A lone surrogate keeps its three bytes (surrogatepass) and comes back as itself.
    assertEquals("\ud800x", Utf8.decodeSurrogatePass(Utf8.encodeSurrogatePass("\ud800x")));
  }

  @Test
  void dictKeysAreFoundAsPythonFindsThemBelowAndAboveTheScanLimit() {
    for (int size = 1; size <= 20; size++) {
      PtValue.DictValue d = new PtValue.DictValue(PtValue.DictValue.Kind.DICT);
      for (int i = 0; i < size; i++) {
        d.put(PtValue.StrValue.of("k" + i), IntValue.of(i));
      }
      d.put(IntValue.of(1), PtValue.StrValue.of("one"));
      // True and 1.0 are the key 1, as in Python: they replace its value and keep its place.
      d.put(PtValue.BoolValue.TRUE, PtValue.StrValue.of("true"));
      d.put(new PtValue.FloatValue(1.0), PtValue.StrValue.of("float"));
      d.put(PtValue.StrValue.of("k0"), IntValue.of(-1));
      // NaN is never equal to itself: each NaN key is a key of its own.
      d.put(new PtValue.FloatValue(Double.NaN), IntValue.of(0));
      d.put(new PtValue.FloatValue(Double.NaN), IntValue.of(0));

      assertEquals(size + 3, d.size(), "size " + size);
      assertEquals(IntValue.of(-1), d.get("k0"));
      if (size > 1) {
        assertEquals(IntValue.of(size - 1), d.get("k" + (size - 1)));
      }
      assertEquals(null, d.get("k" + size));
      assertEquals(PtValue.StrValue.of("float"), d.get(IntValue.of(1)));
      assertEquals(IntValue.of(1), d.keyAt(size), "the int key keeps its first form and place");
      assertEquals(null, d.get(new PtValue.FloatValue(Double.NaN)));
    }
  }

  @Test
  void tupleKeysCompareByContentAndCollidingJavaHashesStayDistinct() {
    PtValue.DictValue d = new PtValue.DictValue(PtValue.DictValue.Kind.DICT);
    // "Aa" and "BB" share String.hashCode; (a, -31a) share List.hashCode: all distinct keys.
    for (int a = 0; a < 200; a++) {
      d.put(PtValue.TupleValue.of(List.of(IntValue.of(a), IntValue.of(-31L * a))), IntValue.of(a));
      d.put(PtValue.StrValue.of(a % 2 == 0 ? "Aa".repeat(a) : "BB".repeat(a)), IntValue.of(a));
    }
    assertEquals(400, d.size());
    // A tuple made afresh finds the entry of an equal one; (1, 1.0, True) equals (1, 1, 1).
    PtValue again = PtValue.TupleValue.of(List.of(IntValue.of(7), IntValue.of(-217)));
    assertEquals(IntValue.of(7), d.get(again));
    PtValue mixed =
        PtValue.TupleValue.of(
            List.of(IntValue.of(1), new PtValue.FloatValue(1.0), PtValue.BoolValue.TRUE));
    PtValue ints = PtValue.TupleValue.of(List.of(IntValue.of(1), IntValue.of(1), IntValue.of(1)));
    assertEquals(Values.hashKey(mixed), Values.hashKey(ints));
    assertNotEquals(
        Values.hashKey(PtValue.TupleValue.of(List.of(PtValue.StrValue.of("a")))),
        Values.hashKey(
            PtValue.TupleValue.of(List.of(new PtValue.BytesValue(new byte[] {'a'}, false)))));
    // A tensor inside a tuple key compares by identity.
    TensorValue t = TensorValue.of(DType.INT8, new long[] {1}, new byte[] {1});
    TensorValue u = TensorValue.of(DType.INT8, new long[] {1}, new byte[] {1});
    assertEquals(
        Values.hashKey(PtValue.TupleValue.of(List.of(t))),
        Values.hashKey(PtValue.TupleValue.of(List.of(t))));
    assertNotEquals(
        Values.hashKey(PtValue.TupleValue.of(List.of(t))),
        Values.hashKey(PtValue.TupleValue.of(List.of(u))));
  }

  @Test
  void aTupleTooDeepIsRefusedWhenMadeNotWhenHashed() {
    PtValue v = PtValue.TupleValue.of(List.of());
    for (int i = 1; i < Values.MAX_DEPTH; i++) {
      v = new PtValue.TupleValue(List.of(v), false);
    }
    Values.hashKey(v); // 1000 levels: hashed without trouble
    PtValue deepest = v;
    Values.ShapeException e =
        Assertions.assertThrows(
            Values.ShapeException.class, () -> new PtValue.TupleValue(List.of(deepest), false));
    assertTrue(e.getMessage().contains("nested deeper than 1000"), e.getMessage());
  }
}
