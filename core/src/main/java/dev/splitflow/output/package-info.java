/**
 * An output folder and its checks: chunk and manifest names, the manifest ({@code
 * _SPLIT_MANIFEST.json}, written last), checksums computed while bytes pass, and the verifier that
 * compares a folder with its manifest and indices through the small {@code ObjectStore} interface.
 *
 * <p>In the flow marker → launch → pipeline → chunks + manifest → verify → summary this is
 * <b>chunks + manifest</b> (what the pipeline writes) and <b>verify</b> (the same checks run
 * locally by {@code ./splitflow verify} and in the cloud by the verify function).
 */
package dev.splitflow.output;
