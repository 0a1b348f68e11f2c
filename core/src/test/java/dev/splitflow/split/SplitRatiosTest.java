package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class SplitRatiosTest {

  @Test
  void defaultIs70_15_15() {
    assertEquals(new SplitRatios(0.7, 0.15, 0.15), SplitRatios.DEFAULT);
    assertEquals(SplitRatios.DEFAULT, SplitConfig.defaults().ratios());
  }

  @Test
  void parsesThreeNumbers() {
    assertEquals(new SplitRatios(0.7, 0.15, 0.15), SplitRatios.parse("0.7,0.15,0.15"));
    assertEquals(new SplitRatios(0.8, 0.1, 0.1), SplitRatios.parse(" 0.8 , .1,1e-1 "));
    assertEquals(new SplitRatios(1, 0, 0), SplitRatios.parse("1,0,0"));
    SplitRatios third =
        SplitRatios.parse("0.3333333333333333,0.3333333333333333,0.3333333333333333");
    assertEquals(1.0 / 3, third.val());
  }

  @Test
  void toStringIsWhatParseReads() {
    for (SplitRatios r :
        new SplitRatios[] {
          SplitRatios.DEFAULT, new SplitRatios(1, 0, 0), new SplitRatios(1.0 / 3, 1.0 / 3, 1.0 / 3)
        }) {
      assertEquals(r, SplitRatios.parse(r.toString()));
    }
    assertEquals("0.7,0.15,0.15", SplitRatios.DEFAULT.toString());
  }

  @Test
  void parseErrorsSayWhatIsWrong() {
    assertMessage("expected three numbers train,val,test", () -> SplitRatios.parse("0.7,0.3"));
    assertMessage(
        "val ratio 'abc' is not a decimal number", () -> SplitRatios.parse("0.7,abc,0.3"));
    // Java's parser would take these; a user typing them meant something else.
    assertMessage("'0.15f' is not a decimal number", () -> SplitRatios.parse("0.7,0.15f,0.15"));
    assertMessage("'NaN' is not a decimal number", () -> SplitRatios.parse("NaN,0.5,0.5"));
    assertMessage("'-0.1' is not a decimal number", () -> SplitRatios.parse("-0.1,0.6,0.5"));
  }

  @Test
  void eachRatioMustBeFiniteAndNonNegative() {
    assertMessage(
        "split ratio val must be a finite number >= 0, got -0.1",
        () -> new SplitRatios(0.6, -0.1, 0.5));
    assertMessage(
        "split ratio train must be a finite number >= 0, got nan",
        () -> new SplitRatios(Double.NaN, 0.5, 0.5));
    assertMessage(
        "split ratio test must be a finite number >= 0, got inf",
        () -> new SplitRatios(0, 0, Double.POSITIVE_INFINITY));
  }

  @Test
  void ratiosMustSumToOne() {
    assertMessage(
        "split ratios must sum to 1, got train 0.7 + val 0.2 + test 0.15 = 1.05",
        () -> new SplitRatios(0.7, 0.2, 0.15));
    assertMessage("= 0.0", () -> new SplitRatios(0, 0, 0));
    assertMessage("did you mean 0.7,0.15,0.15?", () -> SplitRatios.parse("70,15,15"));
    // Within 1e-9 is accepted (three thirds sum to 0.9999999999999999).
    new SplitRatios(0.7 + 5e-10, 0.15, 0.15);
    assertThrows(SplitException.class, () -> new SplitRatios(0.7 + 2e-9, 0.15, 0.15));
  }

  @Test
  void negativeZeroBecomesZero() {
    SplitRatios r = new SplitRatios(1, -0.0, 0);
    assertEquals(new SplitRatios(1, 0, 0), r);
    assertEquals("1.0,0.0,0.0", r.toString());
  }

  @Test
  void weightsAreTheDecimalsNormalised() {
    assertArrayEquals(big(14, 3, 3), SplitRatios.DEFAULT.weights());
    assertArrayEquals(big(8, 1, 1), new SplitRatios(0.8, 0.1, 0.1).weights());
    assertArrayEquals(big(1, 0, 0), new SplitRatios(1, 0, 0).weights());
    assertArrayEquals(big(1, 1, 0), new SplitRatios(0.5, 0.5, 0).weights());
    assertArrayEquals(big(1, 1, 1), new SplitRatios(1.0 / 3, 1.0 / 3, 1.0 / 3).weights());
    assertArrayEquals(
        big(999999, 1, 0), new SplitRatios(0.999999, 1e-06, 0).weights()); // repr 1e-06
  }

  private static BigInteger[] big(long a, long b, long c) {
    return new BigInteger[] {BigInteger.valueOf(a), BigInteger.valueOf(b), BigInteger.valueOf(c)};
  }

  static void assertMessage(String part, Runnable r) {
    SplitException e = assertThrows(SplitException.class, r::run);
    assertTrue(e.getMessage().contains(part), () -> "message: " + e.getMessage());
  }
}
