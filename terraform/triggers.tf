# How objects reach the functions.
#
# trigger = "notification" (default): for each dataset folder two bucket notifications, filtered
# by object-name prefix at the source, so the thousands of batch and chunk objects invoke nothing:
#   <folder><marker_name>                        -> markers topic   -> LaunchSplitFunction
#   <folder><output_folder>_SPLIT_MANIFEST.json  -> manifests topic -> VerifySplitFunction
# (A prefix also matches longer names, e.g. _BATCHES_COMPLETE.bak; the functions check the exact
# name.)
#
# trigger = "eventarc_direct": the functions' event triggers are Eventarc Cloud Storage triggers
# (google.cloud.storage.object.v1.finalized, filter bucket); Eventarc has no object-name filter for
# them, so every object finalized in the bucket invokes both functions, which log one line and
# return for anything but their marker or manifest. See functions.tf.
#
# Always: the Dataflow job-status trigger, so a FAILED or CANCELLED job yields a FAILED summary.

data "google_storage_project_service_account" "gcs" {
  project = var.project_id

  depends_on = [google_project_service.apis]
}

resource "google_storage_notification" "marker" {
  for_each = local.notification ? toset(var.dataset_folders) : toset([])

  bucket             = local.data_bucket
  topic              = google_pubsub_topic.markers[0].id
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = "${each.value}${var.marker_name}"
  custom_attributes = {
    splitflow-kind = "marker"
  }

  depends_on = [time_sleep.iam_propagation]
}

resource "google_storage_notification" "manifest" {
  for_each = local.notification ? toset(var.dataset_folders) : toset([])

  bucket             = local.data_bucket
  topic              = google_pubsub_topic.manifests[0].id
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = "${each.value}${var.output_folder}${local.manifest_name}"
  custom_attributes = {
    splitflow-kind = "manifest"
  }

  depends_on = [time_sleep.iam_propagation]
}

# Dataflow job-status events of every job in the region go to the verifier, which ignores jobs
# without the splitflow_run label. Its own service account: eventarc.eventReceiver on the project,
# run.invoker on the verifier's Cloud Run service (iam.tf).
resource "google_eventarc_trigger" "dataflow_status" {
  project                 = var.project_id
  location                = var.region
  name                    = "${var.name_prefix}-dataflow-status"
  service_account         = google_service_account.status_trigger.email
  event_data_content_type = "application/json"
  labels                  = var.labels

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.dataflow.job.v1beta3.statusChanged"
  }

  # Eventarc wants the bare Cloud Run service name here; the Functions API returns
  # service_config.service as projects/P/locations/L/services/NAME (see local.verify_service_name).
  destination {
    cloud_run_service {
      service = local.verify_service_name
      region  = var.region
    }
  }

  depends_on = [
    google_project_service.apis,
    time_sleep.iam_propagation,
    time_sleep.invoker_propagation,
  ]
}
