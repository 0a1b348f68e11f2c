package dev.splitflow.split;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Python's {@code repr(float)} in Java: the shortest decimal string that reads back as the same
 * double, laid out as Python lays it out ({@code 0.1}, {@code 1.0}, {@code 1e-05}, {@code 1e+16}).
 *
 * <p>Used instead of {@link Double#toString} because that method's digits changed between JDK
 * versions (JDK 19 made it shortest), and stratum keys, ratios and the indices file must be the
 * same bytes on every JDK and reproducible from Python.
 */
final class PyFloat {
  private PyFloat() {}

  static String repr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return Double.doubleToRawLongBits(d) < 0 ? "-0.0" : "0.0";
    }
    BigDecimal shortest = shortest(d).stripTrailingZeros();
    String digits = shortest.unscaledValue().abs().toString();
    int decpt = digits.length() - shortest.scale(); // value = 0.DIGITS * 10^decpt
    StringBuilder sb = new StringBuilder(24);
    if (d < 0) {
      sb.append('-');
    }
    if (decpt <= -4 || decpt > 16) { // the bounds of CPython's format_float_short for 'r'
      sb.append(digits.charAt(0));
      if (digits.length() > 1) {
        sb.append('.').append(digits, 1, digits.length());
      }
      int exp = decpt - 1;
      sb.append('e').append(exp < 0 ? '-' : '+');
      int abs = Math.abs(exp);
      if (abs < 10) {
        sb.append('0');
      }
      sb.append(abs);
    } else if (decpt <= 0) {
      sb.append("0.");
      sb.append("0".repeat(-decpt)).append(digits);
    } else if (decpt >= digits.length()) {
      sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
    } else {
      sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
    }
    return sb.toString();
  }

  /**
   * The decimal with the fewest significant digits that rounds back to {@code d}; among those, the
   * one closest to {@code d}. Nearest rounding at each precision finds it except next to a power of
   * two (where the rounding interval is lopsided), so the two neighbours are tried as well.
   */
  private static BigDecimal shortest(double d) {
    // Fast path for values with at most 6 decimals below 1e9 (typical field values): there the
    // spacing 10^-s exceeds the double's rounding interval, so the first s whose decimal reads
    // back as d gives the only, hence shortest, candidate with that many decimals.
    double abs = Math.abs(d);
    if (abs < 1e9 && abs >= 1e-3) {
      double pow = 1;
      for (int s = 0; s <= 6; s++, pow *= 10) {
        long m = Math.round(d * pow);
        if (m / pow == d) {
          return BigDecimal.valueOf(m, s);
        }
      }
    }
    BigDecimal exact = new BigDecimal(d);
    for (int p = 1; p <= 17; p++) {
      BigDecimal nearest = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
      if (Double.parseDouble(nearest.toString()) == d) {
        return nearest;
      }
      BigDecimal ulp = nearest.ulp();
      BigDecimal best = null;
      for (BigDecimal c : new BigDecimal[] {nearest.subtract(ulp), nearest.add(ulp)}) {
        if (c.signum() != 0
            && Double.parseDouble(c.toString()) == d
            && (best == null
                || c.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
          best = c;
        }
      }
      if (best != null) {
        return best;
      }
    }
    return exact.round(MathContext.DECIMAL64); // 16 digits; not reached: 17 always round-trip
  }
}
