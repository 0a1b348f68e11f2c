# Both functions run from one shaded jar (functions/target/splitflow-functions-<version>-all.jar).
# The Java buildpack uses a lone jar at the source root as the whole classpath when there is no
# pom.xml, so the source is a zip holding only that jar.

locals {
  # In a checkout the jar is built beside this module. A module used from a git or registry source
  # is downloaded into .terraform/modules/, where nothing was built: functions_jar is required.
  remote_source    = strcontains(path.module, ".terraform/modules/")
  functions_target = "${path.module}/../functions/target"
  functions_jars   = var.functions_jar != "" ? [var.functions_jar] : [for f in sort(tolist(fileset(local.functions_target, "splitflow-functions-*-all.jar"))) : "${local.functions_target}/${f}"]

  # The Eventarc trigger of each function: a Pub/Sub topic fed by bucket notifications, or the
  # direct Cloud Storage finalize event (whole bucket; the trigger lives in the bucket's location).
  launch_trigger_topic = local.notification ? google_pubsub_topic.markers[0].id : null
  verify_trigger_topic = local.notification ? google_pubsub_topic.manifests[0].id : null
  trigger_event_type   = local.notification ? "google.cloud.pubsub.topic.v1.messagePublished" : "google.cloud.storage.object.v1.finalized"
  trigger_region       = local.notification ? var.region : local.data_bucket_location
  trigger_bucket       = local.direct ? [local.data_bucket] : []
}

data "archive_file" "functions" {
  type        = "zip"
  source_file = length(local.functions_jars) == 1 ? local.functions_jars[0] : "missing-functions-jar.jar"
  output_path = "${path.root}/.build/splitflow-functions.zip"

  lifecycle {
    precondition {
      condition     = length(local.functions_jars) == 1 && alltrue([for f in local.functions_jars : fileexists(f)])
      error_message = var.functions_jar != "" ? "functions_jar = \"${var.functions_jar}\" is not a file (path relative to the folder terraform runs in, or absolute)." : !local.remote_source ? "Expected exactly one functions/target/splitflow-functions-*-all.jar (found ${length(local.functions_jars)}): run `mvn -B -DskipTests package` in the repository first (after `mvn clean` if there are several versions), or set functions_jar." : "This module is used from a git or registry source, where no functions jar is built: build splitflow (mvn -B -DskipTests package in a checkout) and set functions_jar to the path of its functions/target/splitflow-functions-<version>-all.jar."
    }
  }
}

resource "google_storage_bucket_object" "functions_source" {
  # Named by content, so a new jar is a new object and redeploys both functions.
  name         = "functions/splitflow-functions-${data.archive_file.functions.output_md5}.zip"
  bucket       = google_storage_bucket.pipeline.name
  source       = data.archive_file.functions.output_path
  content_type = "application/zip"
}

resource "google_cloudfunctions2_function" "launch" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-launch"
  description = "splitflow: marker -> stratification indices -> Dataflow Flex Template job"
  labels      = var.labels

  build_config {
    runtime         = "java17"
    entry_point     = "dev.splitflow.functions.LaunchSplitFunction"
    service_account = google_service_account.builder.id

    source {
      storage_source {
        bucket = google_storage_bucket_object.functions_source.bucket
        object = google_storage_bucket_object.functions_source.name
      }
    }
  }

  service_config {
    available_memory                 = var.launcher_memory
    available_cpu                    = var.launcher_cpu
    timeout_seconds                  = var.launcher_timeout_seconds
    max_instance_count               = var.launcher_max_instances
    min_instance_count               = 0
    max_instance_request_concurrency = local.request_concurrency
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.launcher.email
    environment_variables            = merge(local.launch_environment, local.launch_jvm_environment)
  }

  event_trigger {
    trigger_region        = local.trigger_region
    event_type            = local.trigger_event_type
    pubsub_topic          = local.launch_trigger_topic
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.launch_trigger.email

    dynamic "event_filters" {
      for_each = local.trigger_bucket
      content {
        attribute = "bucket"
        value     = event_filters.value
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    time_sleep.iam_propagation,
  ]
}

resource "google_cloudfunctions2_function" "verify" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-verify"
  description = "splitflow: manifest or Dataflow job status -> checks -> summary on Pub/Sub"
  labels      = var.labels

  build_config {
    runtime         = "java17"
    entry_point     = "dev.splitflow.functions.VerifySplitFunction"
    service_account = google_service_account.builder.id

    source {
      storage_source {
        bucket = google_storage_bucket_object.functions_source.bucket
        object = google_storage_bucket_object.functions_source.name
      }
    }
  }

  service_config {
    available_memory                 = var.verifier_memory
    available_cpu                    = var.verifier_cpu
    timeout_seconds                  = var.verifier_timeout_seconds
    max_instance_count               = var.verifier_max_instances
    min_instance_count               = 0
    max_instance_request_concurrency = local.request_concurrency
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.verifier.email
    environment_variables            = merge(local.verify_environment, local.verify_jvm_environment)
  }

  event_trigger {
    trigger_region        = local.trigger_region
    event_type            = local.trigger_event_type
    pubsub_topic          = local.verify_trigger_topic
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.verify_trigger.email

    dynamic "event_filters" {
      for_each = local.trigger_bucket
      content {
        attribute = "bucket"
        value     = event_filters.value
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    time_sleep.iam_propagation,
  ]
}
