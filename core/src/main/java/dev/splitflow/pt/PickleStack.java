package dev.splitflow.pt;

import java.util.ArrayList;
import java.util.List;

/**
 * The pickle machine's stack and its MARKs, bounded by {@link PtLimits#MAX_STACK}. Kept apart from
 * the opcode dispatch because every opcode that takes items (APPENDS, SETITEMS, TUPLE...) goes
 * through the same checks here: a pop past a MARK or an empty stack is a malformed pickle, named as
 * such, never an index error.
 */
final class PickleStack {
  /** A MARK on the stack. */
  static final Object MARK = new Object();

  private final PickleInput at;
  private final ArrayList<Object> stack = new ArrayList<>();
  private final ArrayList<Integer> marks = new ArrayList<>();

  /** The first value pushed on an empty stack: the top-level value of a well-formed pickle. */
  private Object bottom;

  /**
   * @param at where errors are placed
   */
  PickleStack(PickleInput at) {
    this.at = at;
  }

  void clear() {
    stack.clear();
    marks.clear();
    bottom = null;
  }

  /** The first value pushed on an empty stack, or null. */
  Object bottom() {
    return bottom;
  }

  int size() {
    return stack.size();
  }

  boolean hasMarks() {
    return !marks.isEmpty();
  }

  /** The item at the bottom of the stack. */
  Object first() {
    return stack.get(0);
  }

  /** Pushes a MARK. */
  void mark() {
    marks.add(stack.size());
    push(MARK);
  }

  void push(Object o) {
    if (bottom == null && stack.isEmpty()) {
      bottom = o;
    }
    if (stack.size() >= PtLimits.MAX_STACK) {
      throw at.error(
          "more than "
              + PtLimits.MAX_STACK
              + " values on the pickle stack at once"
              + PtLimits.raise("splitflow.pt.maxStack", PtLimits.MAX_STACK));
    }
    stack.add(o);
  }

  Object peek() {
    if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
      throw at.error("expected a value on the stack, found " + (stack.isEmpty() ? "none" : "MARK"));
    }
    return stack.get(stack.size() - 1);
  }

  Object pop() {
    Object o = peek();
    stack.remove(stack.size() - 1);
    return o;
  }

  /** The top {@code n} values, bottom first, which must all be above the last MARK. */
  List<Object> popN(int n) {
    int from = stack.size() - n;
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1) + 1;
    if (from < floor) {
      throw at.error("expected " + n + " values on the stack, found " + (stack.size() - floor));
    }
    return cut(from, from);
  }

  /** The values above the last MARK, bottom first, and the MARK itself off the stack. */
  List<Object> popMark() {
    if (marks.isEmpty()) {
      throw at.error("expected a MARK on the stack, found none");
    }
    int m = marks.remove(marks.size() - 1);
    return cut(m, m + 1);
  }

  /**
   * Returns the stack's items from {@code from}, then shortens it to {@code to}: one copy and one
   * list per call, since every container and tuple of every record goes through here.
   */
  private List<Object> cut(int to, int from) {
    int size = stack.size();
    List<Object> items = new ArrayList<>(size - from);
    for (int i = from; i < size; i++) {
      items.add(stack.get(i));
    }
    for (int i = size - 1; i >= to; i--) {
      stack.remove(i);
    }
    return items;
  }
}
