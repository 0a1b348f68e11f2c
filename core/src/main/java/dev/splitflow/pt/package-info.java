/**
 * The PyTorch {@code .pt} format, read and written without Python: the zip directory, an
 * allowlist-only pickle machine, tensor views and their bytes, the streaming chunk writer and the
 * {@code RecordCodec} that lets a record travel as references into its batch file.
 *
 * <p>In the flow marker → launch → pipeline → chunks + manifest → verify → summary this is the
 * format under the <b>launch</b> (opening batch files for the indices scan), the <b>pipeline</b>
 * (reading records, writing chunks) and the deep <b>verify</b>; it knows nothing of Beam or the
 * cloud.
 */
package dev.splitflow.pt;
