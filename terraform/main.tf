# splitflow: marker object -> LaunchSplitFunction -> Dataflow Flex Template job -> manifest ->
# VerifySplitFunction -> summary on Pub/Sub.
#
#   main.tf       names, layout, the functions' environments, APIs
#   storage.tf    the data bucket and the pipeline bucket (templates/, staging/, temp/, functions/)
#   pubsub.tf     notification topics, summary topic + schema, dead-letter topic, example subscription
#   triggers.tf   bucket notifications (or Eventarc direct triggers) and the Dataflow job-status trigger
#   functions.tf  the two Cloud Functions (2nd gen) from the shaded jar
#   iam.tf        service accounts and every role they hold
#   artifacts.tf  the Artifact Registry repository of the Flex Template image
#   checks.tf     rules across variables

locals {
  # File names the code fixes (dev.splitflow.output.ChunkNames / functions' Layout); the wiring
  # test checks they match.
  manifest_name = "_SPLIT_MANIFEST.json"
  indices_name  = "stratification_indices.json"

  notification = var.trigger == "notification"
  direct       = var.trigger == "eventarc_direct"

  data_bucket     = var.create_data_bucket ? google_storage_bucket.data[0].name : data.google_storage_bucket.existing_data[0].name
  pipeline_bucket = google_storage_bucket.pipeline.name

  # Direct Cloud Storage triggers must live in the bucket's location (lower case: europe-west4, eu).
  data_bucket_location = lower(var.create_data_bucket ? google_storage_bucket.data[0].location : data.google_storage_bucket.existing_data[0].location)

  # Layout of the pipeline bucket.
  template_spec_object = "templates/splitflow.json"
  template_spec        = "gs://${local.pipeline_bucket}/${local.template_spec_object}"
  temp_location        = "gs://${local.pipeline_bucket}/temp/"
  staging_location     = "gs://${local.pipeline_bucket}/staging/"

  summary_topic = google_pubsub_topic.summary.id # projects/P/topics/T

  # Cloud Build logs of tools/flex-template/build (its --gcs-log-dir), in the pipeline bucket.
  build_logs_folder = "build-logs/"
  build_logs_dir    = "gs://${local.pipeline_bucket}/${local.build_logs_folder}"

  # The Functions API returns service_config.service as projects/P/locations/L/services/NAME;
  # Eventarc's destination.cloud_run_service.service wants NAME alone. The last path segment is
  # the name whichever form the provider hands over.
  verify_service_name = regex("[^/]+$", google_cloudfunctions2_function.verify.service_config[0].service)

  # The functions' JVM heap, made explicit: without JAVA_TOOL_OPTIONS the JVM takes 25 % of the
  # memory it sees (the Java buildpack's launcher raises it to 70 % only when the platform passes
  # it a memory hint, and leaves JAVA_TOOL_OPTIONS alone when it is set). MaxRAM is the function's
  # memory in MiB, so the heap is 70 % of what Terraform configures, whatever the sandbox reports.
  launcher_memory_mib = endswith(var.launcher_memory, "Gi") ? tonumber(trimsuffix(var.launcher_memory, "Gi")) * 1024 : tonumber(trimsuffix(var.launcher_memory, "Mi"))
  verifier_memory_mib = endswith(var.verifier_memory, "Gi") ? tonumber(trimsuffix(var.verifier_memory, "Gi")) * 1024 : tonumber(trimsuffix(var.verifier_memory, "Mi"))
  heap_percent        = 70
  launch_jvm_environment = {
    JAVA_TOOL_OPTIONS = "-XX:MaxRAM=${local.launcher_memory_mib}m -XX:MaxRAMPercentage=${local.heap_percent}"
  }
  verify_jvm_environment = {
    JAVA_TOOL_OPTIONS = "-XX:MaxRAM=${local.verifier_memory_mib}m -XX:MaxRAMPercentage=${local.heap_percent}"
  }

  # With trigger = "eventarc_direct" every object finalized in the bucket invokes both functions;
  # almost all of those invocations return after one log line, so one instance takes several at
  # once instead of one instance (and one cold start) per chunk.
  request_concurrency = local.direct ? var.direct_trigger_concurrency : 1

  # Run options: unset keys are left out, so the code's defaults apply ("" = none at all).
  default_options      = { for k, v in var.default_options : k => v if v != null }
  default_options_json = length(local.default_options) == 0 ? "" : jsonencode(local.default_options)

  # Exactly LaunchConfig.DEPLOYED_VARIABLES (the wiring test compares the keys). Optional settings
  # are "" when unused: the code treats "" as unset.
  launch_environment = {
    SPLITFLOW_PROJECT                 = var.project_id
    SPLITFLOW_REGION                  = var.region
    SPLITFLOW_BUCKET                  = local.data_bucket
    SPLITFLOW_DATASETS_PREFIX         = var.datasets_prefix
    SPLITFLOW_MARKER_NAME             = var.marker_name
    SPLITFLOW_OUTPUT_FOLDER           = var.output_folder
    SPLITFLOW_STATE_PREFIX            = var.state_prefix
    SPLITFLOW_SUMMARY_TOPIC           = local.summary_topic
    SPLITFLOW_MAX_EVENT_AGE_SECONDS   = tostring(var.max_event_age_seconds)
    SPLITFLOW_INDICES_MAX_BATCH_FILES = tostring(var.indices_max_batch_files)
    SPLITFLOW_DEFAULT_OPTIONS         = local.default_options_json
    SPLITFLOW_LAUNCHER                = "dataflow"
    SPLITFLOW_TEMPLATE_SPEC           = local.template_spec
    SPLITFLOW_TEMP_LOCATION           = local.temp_location
    SPLITFLOW_STAGING_LOCATION        = local.staging_location
    SPLITFLOW_WORKER_SERVICE_ACCOUNT  = google_service_account.worker.email
    SPLITFLOW_MAX_WORKERS             = tostring(var.max_workers)
    SPLITFLOW_MACHINE_TYPE            = var.machine_type
    SPLITFLOW_LAUNCHER_MACHINE_TYPE   = var.launcher_machine_type
    SPLITFLOW_PRIVATE_IPS             = tostring(var.private_ips)
    SPLITFLOW_SUBNETWORK              = var.subnetwork
  }

  # Exactly VerifyConfig.DEPLOYED_VARIABLES.
  verify_environment = {
    SPLITFLOW_PROJECT               = var.project_id
    SPLITFLOW_REGION                = var.region
    SPLITFLOW_BUCKET                = local.data_bucket
    SPLITFLOW_DATASETS_PREFIX       = var.datasets_prefix
    SPLITFLOW_MARKER_NAME           = var.marker_name
    SPLITFLOW_OUTPUT_FOLDER         = var.output_folder
    SPLITFLOW_STATE_PREFIX          = var.state_prefix
    SPLITFLOW_SUMMARY_TOPIC         = local.summary_topic
    SPLITFLOW_MAX_EVENT_AGE_SECONDS = tostring(var.max_event_age_seconds)
    SPLITFLOW_SAMPLE_CHUNKS         = tostring(var.sample_chunks)
    SPLITFLOW_DEEP_CHECK_CHUNKS     = tostring(var.deep_check_chunks)
    SPLITFLOW_DEEP_CHECK_SECONDS    = tostring(var.deep_check_seconds)
  }

  apis = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "dataflow.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "storage.googleapis.com",
  ]
}

resource "google_project_service" "apis" {
  for_each = var.enable_apis ? toset(local.apis) : toset([])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
