package dev.splitflow.split;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * The fractions of records that go to train, val and test: each finite and {@code >= 0}, summing to
 * 1 within 1e-9.
 *
 * <p>The planner never multiplies these doubles. It reads each ratio as the decimal Python's {@code
 * repr} prints for it ({@code 0.7}, not 0.6999999999999999555910790149937...) and normalises by
 * their sum, so {@code 0.7,0.15,0.15} means exactly 70/15/15 and three times {@code
 * 0.3333333333333333} means exactly a third each. Shares {@code n * r} are then exact fractions and
 * no floor is ever taken of a value like 69.99999999999999.
 */
public record SplitRatios(double train, double val, double test) {
  /** The default split: 70% train, 15% val, 15% test. */
  public static final SplitRatios DEFAULT = new SplitRatios(0.7, 0.15, 0.15);

  private static final double SUM_TOLERANCE = 1e-9;
  private static final Pattern NUMBER =
      Pattern.compile("[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  public SplitRatios {
    train = check(Split.TRAIN.jsonName(), train);
    val = check(Split.VAL.jsonName(), val);
    test = check(Split.TEST.jsonName(), test);
    double sum = train + val + test;
    if (Math.abs(sum - 1.0) > SUM_TOLERANCE) {
      String hint =
          Math.abs(sum - 100.0) <= 1e-6
              ? " (ratios are fractions, not percentages: did you mean "
                  + PyFloat.repr(train / 100)
                  + ","
                  + PyFloat.repr(val / 100)
                  + ","
                  + PyFloat.repr(test / 100)
                  + "?)"
              : "";
      throw new SplitException(
          "split ratios must sum to 1, got train "
              + PyFloat.repr(train)
              + " + val "
              + PyFloat.repr(val)
              + " + test "
              + PyFloat.repr(test)
              + " = "
              + new BigDecimal(PyFloat.repr(train))
                  .add(new BigDecimal(PyFloat.repr(val)))
                  .add(new BigDecimal(PyFloat.repr(test)))
                  .toPlainString()
              + hint);
    }
  }

  private static double check(String name, double r) {
    if (!Double.isFinite(r) || r < 0) {
      throw new SplitException(
          "split ratio " + name + " must be a finite number >= 0, got " + PyFloat.repr(r));
    }
    return r == 0 ? 0.0 : r; // -0.0 becomes 0.0 so equal ratios print and compare the same
  }

  /**
   * Parses {@code "train,val,test"}, e.g. {@code "0.7,0.15,0.15"}: three plain decimal numbers
   * (exponents allowed) separated by commas; spaces around them are ignored.
   */
  public static SplitRatios parse(String text) {
    String[] parts = text.split(",", -1);
    if (parts.length != 3) {
      throw new SplitException(
          "split ratios '"
              + text
              + "': expected three numbers train,val,test separated by commas, e.g. 0.7,0.15,0.15");
    }
    double[] r = new double[3];
    for (int i = 0; i < 3; i++) {
      String p = parts[i].strip();
      if (!NUMBER.matcher(p).matches()) {
        throw new SplitException(
            "split ratios '"
                + text
                + "': "
                + Split.values()[i].jsonName()
                + " ratio '"
                + p
                + "' is not a decimal number");
      }
      r[i] = Double.parseDouble(p);
    }
    return new SplitRatios(r[0], r[1], r[2]);
  }

  public double get(Split split) {
    return switch (split) {
      case TRAIN -> train;
      case VAL -> val;
      case TEST -> test;
    };
  }

  /** {@code "0.7,0.15,0.15"}: the form {@link #parse} reads, with Python's float repr. */
  @Override
  public String toString() {
    return PyFloat.repr(train) + "," + PyFloat.repr(val) + "," + PyFloat.repr(test);
  }

  /**
   * Integer weights {@code w_train, w_val, w_test} proportional to the ratios' decimal reprs,
   * divided by their greatest common divisor; ratio {@code k} is exactly {@code w_k / sum(w)}.
   */
  BigInteger[] weights() {
    BigDecimal[] dec = {
      new BigDecimal(PyFloat.repr(train)),
      new BigDecimal(PyFloat.repr(val)),
      new BigDecimal(PyFloat.repr(test))
    };
    int scale = 0;
    for (BigDecimal d : dec) {
      scale = Math.max(scale, d.scale());
    }
    BigInteger[] w = new BigInteger[3];
    BigInteger gcd = BigInteger.ZERO;
    for (int k = 0; k < 3; k++) {
      w[k] = dec[k].setScale(scale).unscaledValue();
      gcd = gcd.gcd(w[k]);
    }
    for (int k = 0; k < 3; k++) {
      w[k] = w[k].divide(gcd);
    }
    return w;
  }
}
