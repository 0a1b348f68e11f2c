# Service accounts and every role they hold (README.md has the table; the wiring test holds the
# same table and fails on any difference). Non-authoritative *_iam_member resources only, no
# primitive roles, no storage.admin. The grants below that carry IAM conditions on object names
# (resource.name = projects/_/buckets/BUCKET/objects/NAME, which need uniform bucket-level access)
# limit what these grants add, not what an account can do in all: roles/dataflow.worker carries
# storage.objects.get and storage.objects.create on every bucket of the project, so the worker
# account (workers and Flex Template launcher VM) can read any object and create new objects
# anywhere; the conditions only keep it from overwriting or deleting outside its outputs.
# README.md "What the worker account can do" says what that means and how to narrow it. Reads that
# list objects are granted on the whole bucket: listing is checked against the bucket, where an
# object-name condition is false.

locals {
  data_objects     = "projects/_/buckets/${local.data_bucket}/objects/"
  pipeline_objects = "projects/_/buckets/${local.pipeline_bucket}/objects/"

  # Output folders the workers may write: those of the listed dataset folders, else everything
  # under datasets_prefix (trigger = "eventarc_direct" without folders).
  output_prefixes = length(var.dataset_folders) > 0 ? [for f in var.dataset_folders : "${f}${var.output_folder}"] : [var.datasets_prefix]

  # The launcher writes run state and the indices file of a batch folder, nothing else.
  launcher_write_condition = join(" || ", concat(
    ["resource.name.startsWith(\"${local.data_objects}${var.state_prefix}\")"],
    length(var.dataset_folders) > 0
    ? [for f in var.dataset_folders : "resource.name == \"${local.data_objects}${f}${var.output_folder}${local.indices_name}\""]
    : ["(resource.name.startsWith(\"${local.data_objects}${var.datasets_prefix}\") && resource.name.endsWith(\"${var.output_folder}${local.indices_name}\"))"],
  ))
  verifier_write_condition = "resource.name.startsWith(\"${local.data_objects}${var.state_prefix}\")"
  worker_write_condition   = join(" || ", [for p in local.output_prefixes : "resource.name.startsWith(\"${local.data_objects}${p}\")"])
}

# --- Service accounts -------------------------------------------------------------------------

resource "google_service_account" "launcher" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-launcher"
  display_name = "splitflow launch function"
  description  = "Runs LaunchSplitFunction: reads the data bucket, writes indices and run state, launches Dataflow jobs as the worker account."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "verifier" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-verifier"
  display_name = "splitflow verify function"
  description  = "Runs VerifySplitFunction: reads the data bucket, writes run state, publishes summaries."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "worker" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-worker"
  display_name = "splitflow Dataflow workers"
  description  = "Dataflow workers and Flex Template launcher VM: read batch files, write outputs, temp and staging."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-builder"
  display_name = "splitflow function builds"
  description  = "Cloud Build account of the two functions' builds (the project's default build account may lack permissions in new projects)."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "launch_trigger" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-launch-trigger"
  display_name = "splitflow launch trigger"
  description  = "Identity of the Eventarc trigger that invokes the launch function."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "verify_trigger" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-verify-trigger"
  display_name = "splitflow manifest trigger"
  description  = "Identity of the Eventarc trigger that invokes the verify function for manifests."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "status_trigger" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-status-trigger"
  display_name = "splitflow Dataflow status trigger"
  description  = "Identity of the Eventarc trigger that sends Dataflow job-status events to the verify function."

  depends_on = [google_project_service.apis]
}

# --- Launcher ---------------------------------------------------------------------------------

resource "google_project_iam_member" "launcher_dataflow_developer" {
  project = var.project_id
  role    = "roles/dataflow.developer"
  member  = google_service_account.launcher.member
}

resource "google_service_account_iam_member" "launcher_acts_as_worker" {
  service_account_id = google_service_account.worker.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.launcher.member
}

resource "google_storage_bucket_iam_member" "launcher_data_read" {
  bucket = local.data_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.launcher.member
}

resource "google_storage_bucket_iam_member" "launcher_data_write" {
  bucket = local.data_bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.launcher.member

  condition {
    title       = "splitflow-launcher-writes"
    description = "Only run-state objects and stratification_indices.json in output folders."
    expression  = local.launcher_write_condition
  }
}

resource "google_storage_bucket_iam_member" "launcher_template_read" {
  bucket = local.pipeline_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.launcher.member

  condition {
    title       = "splitflow-template-spec"
    description = "Only the Flex Template spec under templates/."
    expression  = "resource.name.startsWith(\"${local.pipeline_objects}templates/\")"
  }
}

resource "google_pubsub_topic_iam_member" "launcher_summary_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.summary.name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.launcher.member
}

# --- Verifier ---------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "verifier_data_read" {
  bucket = local.data_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.verifier.member
}

resource "google_storage_bucket_iam_member" "verifier_state_write" {
  bucket = local.data_bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.verifier.member

  condition {
    title       = "splitflow-verifier-writes"
    description = "Only run-state objects."
    expression  = local.verifier_write_condition
  }
}

resource "google_pubsub_topic_iam_member" "verifier_summary_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.summary.name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.verifier.member
}

# --- Dataflow workers (and the Flex Template launcher VM, which runs as the same account) -------

resource "google_project_iam_member" "worker_dataflow_worker" {
  project = var.project_id
  role    = "roles/dataflow.worker"
  member  = google_service_account.worker.member
}

resource "google_storage_bucket_iam_member" "worker_data_read" {
  bucket = local.data_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.worker.member
}

resource "google_storage_bucket_iam_member" "worker_output_write" {
  bucket = local.data_bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.worker.member

  condition {
    title       = "splitflow-worker-outputs"
    description = "Only the output folders of the batch folders."
    expression  = local.worker_write_condition
  }
}

# storage.buckets.get: Beam checks that the temp location's bucket is accessible.
resource "google_storage_bucket_iam_member" "worker_pipeline_bucket_read" {
  bucket = local.pipeline_bucket
  role   = "roles/storage.legacyBucketReader"
  member = google_service_account.worker.member
}

resource "google_storage_bucket_iam_member" "worker_pipeline_write" {
  bucket = local.pipeline_bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.worker.member

  condition {
    title       = "splitflow-worker-temp-staging"
    description = "Only temp/ and staging/."
    expression  = "resource.name.startsWith(\"${local.pipeline_objects}temp/\") || resource.name.startsWith(\"${local.pipeline_objects}staging/\")"
  }
}

resource "google_artifact_registry_repository_iam_member" "worker_image_reader" {
  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.worker.member
}

# --- Builds: the two functions and the Flex Template image --------------------------------------

# Cloud Run Builder: upload/download in Artifact Registry, write build logs to Cloud Logging, read
# the source (storage.objects.get).
resource "google_project_iam_member" "builder_run_builder" {
  project = var.project_id
  role    = "roles/run.builder"
  member  = google_service_account.builder.member
}

# tools/flex-template/build runs its Cloud Build as this account. A build with a user-chosen
# account must keep its logs in a bucket it names (gcloud dataflow flex-template build has only
# --gcs-log-dir for that): gs://PIPELINE_BUCKET/build-logs/.
resource "google_storage_bucket_iam_member" "builder_pipeline_bucket_read" {
  bucket = local.pipeline_bucket
  role   = "roles/storage.legacyBucketReader"
  member = google_service_account.builder.member
}

resource "google_storage_bucket_iam_member" "builder_build_logs" {
  bucket = local.pipeline_bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.builder.member

  condition {
    title       = "splitflow-build-logs"
    description = "Only the build logs under build-logs/."
    expression  = "resource.name.startsWith(\"${local.pipeline_objects}${local.build_logs_folder}\")"
  }
}

# --- Trigger identities -----------------------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "launch_trigger_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.launch.service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.launch_trigger.member
}

resource "google_cloud_run_v2_service_iam_member" "verify_trigger_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.verify.service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.verify_trigger.member
}

resource "google_cloud_run_v2_service_iam_member" "status_trigger_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.verify.service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.status_trigger.member
}

# Direct (non-Pub/Sub) Eventarc events need eventReceiver: always for Dataflow job status, and for
# Cloud Storage with trigger = "eventarc_direct".
resource "google_project_iam_member" "status_trigger_event_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.status_trigger.member
}

resource "google_project_iam_member" "launch_trigger_event_receiver" {
  count = local.direct ? 1 : 0

  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.launch_trigger.member
}

resource "google_project_iam_member" "verify_trigger_event_receiver" {
  count = local.direct ? 1 : 0

  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.verify_trigger.member
}

# --- Google service agents --------------------------------------------------------------------

# Cloud Storage publishes bucket notifications into the two notification topics...
resource "google_pubsub_topic_iam_member" "gcs_agent_markers_publisher" {
  count = local.notification ? 1 : 0

  project = var.project_id
  topic   = google_pubsub_topic.markers[0].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_pubsub_topic_iam_member" "gcs_agent_manifests_publisher" {
  count = local.notification ? 1 : 0

  project = var.project_id
  topic   = google_pubsub_topic.manifests[0].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# ...and, for direct Eventarc Cloud Storage triggers, into Eventarc's own topics (project level,
# as Eventarc requires).
resource "google_project_iam_member" "gcs_agent_publisher_direct" {
  count = local.direct ? 1 : 0

  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# Pub/Sub signs the push requests to the functions with the trigger accounts' identity tokens
# (needed explicitly in projects whose Pub/Sub agent predates April 2021; granted on the three
# trigger accounts only, not the project).
resource "google_service_account_iam_member" "pubsub_agent_launch_trigger_token" {
  service_account_id = google_service_account.launch_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

resource "google_service_account_iam_member" "pubsub_agent_verify_trigger_token" {
  service_account_id = google_service_account.verify_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

resource "google_service_account_iam_member" "pubsub_agent_status_trigger_token" {
  service_account_id = google_service_account.status_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

# Dead-lettering: Pub/Sub forwards from the example subscription to the dead-letter topic.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

resource "google_pubsub_subscription_iam_member" "dead_letter_source_subscriber" {
  count = var.create_example_subscription ? 1 : 0

  project      = var.project_id
  subscription = google_pubsub_subscription.summary_example[0].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

# --- IAM propagation ----------------------------------------------------------------------------

# A new grant can take minutes to reach every Google service, and a first apply otherwise starts
# the function builds, the bucket notifications and the Eventarc triggers right after granting.
# These pauses make the first apply wait once (they do nothing on later applies); if it still
# fails with a permission error, running `terraform apply` again finishes it.
resource "time_sleep" "iam_propagation" {
  create_duration = var.iam_propagation_wait

  depends_on = [
    google_project_iam_member.builder_run_builder,
    google_storage_bucket_iam_member.builder_pipeline_bucket_read,
    google_storage_bucket_iam_member.builder_build_logs,
    google_pubsub_topic_iam_member.gcs_agent_markers_publisher,
    google_pubsub_topic_iam_member.gcs_agent_manifests_publisher,
    google_project_iam_member.gcs_agent_publisher_direct,
    google_project_iam_member.launch_trigger_event_receiver,
    google_project_iam_member.verify_trigger_event_receiver,
    google_project_iam_member.status_trigger_event_receiver,
    google_service_account_iam_member.pubsub_agent_launch_trigger_token,
    google_service_account_iam_member.pubsub_agent_verify_trigger_token,
    google_service_account_iam_member.pubsub_agent_status_trigger_token,
  ]
}

# The invoker grants exist only once the functions do; the Dataflow status trigger waits for them.
resource "time_sleep" "invoker_propagation" {
  create_duration = var.iam_propagation_wait

  depends_on = [
    google_cloud_run_v2_service_iam_member.launch_trigger_invoker,
    google_cloud_run_v2_service_iam_member.verify_trigger_invoker,
    google_cloud_run_v2_service_iam_member.status_trigger_invoker,
  ]
}
