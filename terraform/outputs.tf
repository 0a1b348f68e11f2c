# tools/flex-template/build reads project_id, flex_template_image, template_spec_gcs_path,
# builder_service_account and build_logs_dir.

output "project_id" {
  description = "The project everything runs in."
  value       = var.project_id
}

output "region" {
  description = "Region of the functions and the Dataflow jobs."
  value       = var.region
}

output "data_bucket" {
  description = "The data bucket (batch folders, markers, outputs, run state)."
  value       = local.data_bucket
}

output "pipeline_bucket" {
  description = "The bucket of the Flex Template spec, Dataflow staging and temp files and the function source."
  value       = local.pipeline_bucket
}

output "marker_paths" {
  description = "Where to drop the marker (empty, or JSON run options) once a folder's batch files are complete: one per dataset folder."
  value       = [for f in var.dataset_folders : "gs://${local.data_bucket}/${f}${var.marker_name}"]
}

output "marker_path_pattern" {
  description = "The marker path of any batch folder."
  value       = "gs://${local.data_bucket}/${var.datasets_prefix}<batch folder>/${var.marker_name}"
}

output "manifest_paths" {
  description = "Where each dataset folder's manifest appears when its split is complete."
  value       = [for f in var.dataset_folders : "gs://${local.data_bucket}/${f}${var.output_folder}${local.manifest_name}"]
}

output "summary_topic" {
  description = "The Pub/Sub topic summaries are published to (projects/P/topics/T)."
  value       = google_pubsub_topic.summary.id
}

output "summary_subscription" {
  description = "The example pull subscription on the summary topic (gcloud pubsub subscriptions pull NAME --auto-ack), or null."
  value       = var.create_example_subscription ? google_pubsub_subscription.summary_example[0].name : null
}

output "dead_letter_topic" {
  description = "Summaries the example subscription failed to deliver end up here."
  value       = google_pubsub_topic.dead_letter.id
}

output "dead_letter_subscription" {
  description = "Subscription that keeps the dead letters for inspection."
  value       = google_pubsub_subscription.dead_letter.name
}

output "markers_topic" {
  description = "Topic the marker notifications go to (trigger = \"notification\"), or null."
  value       = local.notification ? google_pubsub_topic.markers[0].id : null
}

output "manifests_topic" {
  description = "Topic the manifest notifications go to (trigger = \"notification\"), or null."
  value       = local.notification ? google_pubsub_topic.manifests[0].id : null
}

output "launch_function" {
  description = "Name of the launch function (gcloud functions logs read NAME --region REGION)."
  value       = google_cloudfunctions2_function.launch.name
}

output "verify_function" {
  description = "Name of the verify function."
  value       = google_cloudfunctions2_function.verify.name
}

output "dataflow_status_trigger" {
  description = "The Eventarc trigger of Dataflow job-status events."
  value       = google_eventarc_trigger.dataflow_status.name
}

output "template_spec_gcs_path" {
  description = "Where tools/flex-template/build writes the Flex Template spec; the launcher launches it (SPLITFLOW_TEMPLATE_SPEC)."
  value       = local.template_spec
}

output "flex_template_image" {
  description = "Image of the Flex Template, without tag (tools/flex-template/build pushes NAME:TAG)."
  value       = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}/splitflow-pipeline"
}

output "artifact_registry_repository" {
  description = "The Artifact Registry repository of the Flex Template image."
  value       = google_artifact_registry_repository.images.id
}

output "temp_location" {
  description = "Dataflow temp location of the jobs."
  value       = local.temp_location
}

output "staging_location" {
  description = "Dataflow staging location (a failed launch's console_logs are under template_launches/ here)."
  value       = local.staging_location
}

output "service_accounts" {
  description = "E-mails of the service accounts the module creates."
  value = {
    launcher       = google_service_account.launcher.email
    verifier       = google_service_account.verifier.email
    worker         = google_service_account.worker.email
    builder        = google_service_account.builder.email
    launch_trigger = google_service_account.launch_trigger.email
    verify_trigger = google_service_account.verify_trigger.email
    status_trigger = google_service_account.status_trigger.email
  }
}

output "builder_service_account" {
  description = "The account the builds run as, as Cloud Build wants it (projects/P/serviceAccounts/EMAIL): the functions' builds, and tools/flex-template/build's --cloud-build-service-account. Whoever runs that script needs roles/iam.serviceAccountUser on it."
  value       = google_service_account.builder.id
}

output "build_logs_dir" {
  description = "Where tools/flex-template/build keeps its Cloud Build logs (--gcs-log-dir): a build with a user-chosen account must name a logs bucket."
  value       = local.build_logs_dir
}
