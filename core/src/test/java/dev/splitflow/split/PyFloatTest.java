package dev.splitflow.split;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PyFloatTest {

  /** Expected strings are Python 3's repr() of the same doubles. */
  @Test
  void matchesPythonRepr() {
    assertEquals("0.1", PyFloat.repr(0.1));
    assertEquals("0.7", PyFloat.repr(0.7));
    assertEquals("1.0", PyFloat.repr(1.0));
    assertEquals("-2.5", PyFloat.repr(-2.5));
    assertEquals("0.0", PyFloat.repr(0.0));
    assertEquals("-0.0", PyFloat.repr(-0.0));
    assertEquals("100.0", PyFloat.repr(100.0));
    assertEquals("0.3333333333333333", PyFloat.repr(1.0 / 3));
    assertEquals("0.30000000000000004", PyFloat.repr(0.1 + 0.2));
    assertEquals("0.0001", PyFloat.repr(1e-4));
    assertEquals("1e-05", PyFloat.repr(1e-5));
    assertEquals("1.5e-07", PyFloat.repr(1.5e-7));
    assertEquals("1234567890123456.0", PyFloat.repr(1234567890123456.0));
    assertEquals("1e+16", PyFloat.repr(1e16));
    assertEquals("1.2345e+20", PyFloat.repr(1.2345e20));
    assertEquals("1e+100", PyFloat.repr(1e100));
    assertEquals("5e-324", PyFloat.repr(Double.MIN_VALUE));
    assertEquals("1.7976931348623157e+308", PyFloat.repr(Double.MAX_VALUE));
    assertEquals("2.2250738585072014e-308", PyFloat.repr(Double.MIN_NORMAL));
    assertEquals("0.002", PyFloat.repr(2e-3));
    assertEquals("9007199254740992.0", PyFloat.repr(9007199254740992.0));
    // JDK 17's Double.toString prints 9.999999999999999E22, 1.9999999999999998E23 and
    // 8.409999999999999E21 for these: not the shortest digits, and different on JDK 19+.
    assertEquals("1e+23", PyFloat.repr(1e23));
    assertEquals("2e+23", PyFloat.repr(2e23));
    assertEquals("8.41e+21", PyFloat.repr(8.41e21));
    assertEquals("nan", PyFloat.repr(Double.NaN));
    assertEquals("inf", PyFloat.repr(Double.POSITIVE_INFINITY));
    assertEquals("-inf", PyFloat.repr(Double.NEGATIVE_INFINITY));
  }
}
