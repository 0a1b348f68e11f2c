/**
 * Test support shared by every module's tests: {@code Component}, the one way a test may skip for a
 * missing part of the machine, and the test of the build's skipped-groups report.
 *
 * <p>Not part of the flow marker → launch → pipeline → chunks + manifest → verify → summary: it
 * decides which of the tests of its steps can run here.
 */
package dev.splitflow.testing;
