# Every module output (tools/flex-template/build reads project_id, flex_template_image,
# template_spec_gcs_path, builder_service_account and build_logs_dir from here).

output "project_id" {
  description = "The project everything runs in."
  value       = module.splitflow.project_id
}

output "region" {
  description = "Region of the functions and the Dataflow jobs."
  value       = module.splitflow.region
}

output "data_bucket" {
  description = "The data bucket (batch folders, markers, outputs, run state)."
  value       = module.splitflow.data_bucket
}

output "pipeline_bucket" {
  description = "The bucket of the Flex Template spec, Dataflow staging and temp files and the function source."
  value       = module.splitflow.pipeline_bucket
}

output "marker_paths" {
  description = "Where to drop the marker (empty, or JSON run options) once a folder's batch files are complete: one per dataset folder."
  value       = module.splitflow.marker_paths
}

output "marker_path_pattern" {
  description = "The marker path of any batch folder."
  value       = module.splitflow.marker_path_pattern
}

output "manifest_paths" {
  description = "Where each dataset folder's manifest appears when its split is complete."
  value       = module.splitflow.manifest_paths
}

output "summary_topic" {
  description = "The Pub/Sub topic summaries are published to (projects/P/topics/T)."
  value       = module.splitflow.summary_topic
}

output "summary_subscription" {
  description = "The example pull subscription on the summary topic (gcloud pubsub subscriptions pull NAME --auto-ack), or null."
  value       = module.splitflow.summary_subscription
}

output "dead_letter_topic" {
  description = "Summaries the example subscription failed to deliver end up here."
  value       = module.splitflow.dead_letter_topic
}

output "dead_letter_subscription" {
  description = "Subscription that keeps the dead letters for inspection."
  value       = module.splitflow.dead_letter_subscription
}

output "markers_topic" {
  description = "Topic the marker notifications go to (trigger = \"notification\"), or null."
  value       = module.splitflow.markers_topic
}

output "manifests_topic" {
  description = "Topic the manifest notifications go to (trigger = \"notification\"), or null."
  value       = module.splitflow.manifests_topic
}

output "launch_function" {
  description = "Name of the launch function (gcloud functions logs read NAME --region REGION)."
  value       = module.splitflow.launch_function
}

output "verify_function" {
  description = "Name of the verify function."
  value       = module.splitflow.verify_function
}

output "dataflow_status_trigger" {
  description = "The Eventarc trigger of Dataflow job-status events."
  value       = module.splitflow.dataflow_status_trigger
}

output "template_spec_gcs_path" {
  description = "Where tools/flex-template/build writes the Flex Template spec; the launcher launches it (SPLITFLOW_TEMPLATE_SPEC)."
  value       = module.splitflow.template_spec_gcs_path
}

output "flex_template_image" {
  description = "Image of the Flex Template, without tag (tools/flex-template/build pushes NAME:TAG)."
  value       = module.splitflow.flex_template_image
}

output "artifact_registry_repository" {
  description = "The Artifact Registry repository of the Flex Template image."
  value       = module.splitflow.artifact_registry_repository
}

output "temp_location" {
  description = "Dataflow temp location of the jobs."
  value       = module.splitflow.temp_location
}

output "staging_location" {
  description = "Dataflow staging location (a failed launch's console_logs are under template_launches/ here)."
  value       = module.splitflow.staging_location
}

output "service_accounts" {
  description = "E-mails of the service accounts the module creates."
  value       = module.splitflow.service_accounts
}

output "builder_service_account" {
  description = "The account the builds run as, as Cloud Build wants it (projects/P/serviceAccounts/EMAIL): the functions' builds, and tools/flex-template/build's --cloud-build-service-account. Whoever runs that script needs roles/iam.serviceAccountUser on it."
  value       = module.splitflow.builder_service_account
}

output "build_logs_dir" {
  description = "Where tools/flex-template/build keeps its Cloud Build logs (--gcs-log-dir): a build with a user-chosen account must name a logs bucket."
  value       = module.splitflow.build_logs_dir
}
