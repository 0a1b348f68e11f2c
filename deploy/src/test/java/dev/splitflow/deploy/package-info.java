/**
 * Tests of the deployment against the code: the Terraform module parsed by a real HCL parser and
 * checked against the providers' schemas and the functions' settings, and docs/deploy.md as a
 * newcomer runs it.
 *
 * <p>They check the wiring that carries each arrow of the flow marker → launch → pipeline → chunks
 * + manifest → verify → summary in the cloud (notifications, triggers, topics).
 */
package dev.splitflow.deploy;
