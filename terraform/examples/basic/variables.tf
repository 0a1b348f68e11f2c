# Every module input, so terraform.tfvars (from terraform.tfvars.example) can set any of them.
# null means "the module's default" (the module's variables are nullable = false).

variable "project_id" {
  type        = string
  description = "The Google Cloud project everything is created in (and where Dataflow jobs run)."
}

variable "region" {
  type        = string
  description = "Region of the functions, the Dataflow jobs (SPLITFLOW_REGION), the Artifact Registry repository and, by default, the buckets, e.g. europe-west4."
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (service accounts, functions, topics, triggers). 3-15 characters so '<prefix>-status-trigger' fits the 30-character service account limit. null: the module's default."
  default     = null
}

variable "labels" {
  type        = map(string)
  description = "Labels added to the buckets, topics, subscriptions, functions and the Artifact Registry repository. null: the module's default."
  default     = null
}

variable "enable_apis" {
  type        = bool
  description = "Enable the APIs the system needs (Dataflow, Cloud Functions, Cloud Run, Eventarc, Pub/Sub, Cloud Storage, Artifact Registry, Cloud Build, IAM, Compute Engine, Logging, Resource Manager). Set false when a platform team manages them; they are never disabled on destroy. null: the module's default."
  default     = null
}

variable "create_data_bucket" {
  type        = bool
  description = "true: create the data bucket named data_bucket_name. false: use an existing bucket of that name (it must have uniform bucket-level access, which the IAM conditions need). null: the module's default."
  default     = null
}

variable "data_bucket_name" {
  type        = string
  description = "The bucket holding the batch folders, markers, outputs and run state (SPLITFLOW_BUCKET), without gs://."
}

variable "data_bucket_location" {
  type        = string
  description = "Location of a created data bucket (a region such as EUROPE-WEST4, or a multi-region such as EU). Empty: the region. Ignored for an existing bucket. null: the module's default."
  default     = null
}

variable "pipeline_bucket_name" {
  type        = string
  description = "The bucket for the Flex Template spec (templates/), Dataflow staging (staging/) and temp (temp/) files and the function source (functions/). Empty: '<project_id>-<name_prefix>-pipeline'. Always created, in the region. null: the module's default."
  default     = null
}

variable "temp_retention_days" {
  type        = number
  description = "Objects under temp/ in the pipeline bucket are deleted after this many days. null: the module's default."
  default     = null
}

variable "staging_retention_days" {
  type        = number
  description = "Objects under staging/ in the pipeline bucket (staged jars, Flex Template launcher logs) are deleted after this many days. null: the module's default."
  default     = null
}

variable "data_soft_delete_retention_days" {
  type        = number
  description = "Days a created data bucket keeps deleted and overwritten objects recoverable (and billed): 0 off, otherwise 7 to 90. null: the module's default."
  default     = null
}

variable "iam_propagation_wait" {
  type        = string
  description = "How long the first apply waits after granting roles before it builds the functions and creates notifications and triggers, e.g. 90s. null: the module's default."
  default     = null
}

variable "force_destroy_buckets" {
  type        = bool
  description = "Let `terraform destroy` delete buckets that still hold objects (the created data bucket too). Leave false outside experiments. null: the module's default."
  default     = null
}

variable "datasets_prefix" {
  type        = string
  description = "Only batch folders under this prefix are split (SPLITFLOW_DATASETS_PREFIX). Empty: the whole bucket. Otherwise a folder ending in '/', without a leading '/'. null: the module's default."
  default     = null
}

variable "dataset_folders" {
  type        = list(string)
  description = "The batch folders markers are dropped into, e.g. [\"datasets/cxr-2024/\"]; each must lie under datasets_prefix. With trigger = \"notification\" each folder gets two bucket notifications (marker and manifest), so at most 5 (Cloud Storage allows 10 notification configurations per event type on a bucket). With trigger = \"eventarc_direct\" it may be empty (every folder under datasets_prefix is accepted); when set, the workers may only write these folders' outputs. null: the module's default."
  default     = null
}

variable "marker_name" {
  type        = string
  description = "Name of the marker object inside a batch folder (SPLITFLOW_MARKER_NAME). Writing <folder><marker_name> starts a split. null: the module's default."
  default     = null
}

variable "output_folder" {
  type        = string
  description = "Output folder relative to the batch folder (SPLITFLOW_OUTPUT_FOLDER): chunks, stratification_indices.json and _SPLIT_MANIFEST.json go to <folder><output_folder>. null: the module's default."
  default     = null
}

variable "state_prefix" {
  type        = string
  description = "Where run-state objects live (SPLITFLOW_STATE_PREFIX); must lie outside datasets_prefix so no trigger ever sees them. null: the module's default."
  default     = null
}

variable "trigger" {
  type        = string
  description = "How finalized objects reach the functions. \"notification\" (default): bucket Pub/Sub notifications filtered at the source by object-name prefix (<folder><marker_name> and <folder><output_folder>_SPLIT_MANIFEST.json), so batch and chunk objects invoke nothing. \"eventarc_direct\": Eventarc Cloud Storage triggers on the whole bucket (no prefix filter exists for them); every finalized object invokes both functions, which ignore all but markers and manifests. null: the module's default."
  default     = null
}

variable "direct_trigger_concurrency" {
  type        = number
  description = "With trigger = \"eventarc_direct\" only: events one instance of each function takes at once. null: the module's default."
  default     = null
}

variable "max_event_age_seconds" {
  type        = number
  description = "Both functions drop events older than this (SPLITFLOW_MAX_EVENT_AGE_SECONDS), so a poisoned event is not retried for a day. null: the module's default."
  default     = null
}

variable "functions_jar" {
  type        = string
  description = "Path of the functions' shaded jar (functions/target/splitflow-functions-<version>-all.jar, made by `mvn package`). Empty: the single such jar in the functions/target folder beside this module. null: the module's default."
  default     = null
}

variable "launcher_memory" {
  type        = string
  description = "Memory of the launch function (it may compute stratification_indices.json for up to indices_max_batch_files batch files). null: the module's default."
  default     = null
}

variable "launcher_cpu" {
  type        = string
  description = "vCPUs of the launch function (Cloud Run functions: '1' up to 4Gi of memory, '2' up to 8Gi, ...). null: the module's default."
  default     = null
}

variable "launcher_timeout_seconds" {
  type        = number
  description = "Timeout of the launch function; 540 s is the limit for event-driven functions. null: the module's default."
  default     = null
}

variable "launcher_max_instances" {
  type        = number
  description = "Most instances of the launch function at once. null: the module's default."
  default     = null
}

variable "verifier_memory" {
  type        = string
  description = "Memory of the verify function. null: the module's default."
  default     = null
}

variable "verifier_cpu" {
  type        = string
  description = "vCPUs of the verify function. null: the module's default."
  default     = null
}

variable "verifier_timeout_seconds" {
  type        = number
  description = "Timeout of the verify function (at most 540 s, the event-driven limit). null: the module's default."
  default     = null
}

variable "verifier_max_instances" {
  type        = number
  description = "Most instances of the verify function at once. null: the module's default."
  default     = null
}

variable "indices_max_batch_files" {
  type        = number
  description = "Above this many batch files the launch function leaves stratification_indices.json to the pipeline instead of computing it itself (SPLITFLOW_INDICES_MAX_BATCH_FILES). null: the module's default."
  default     = null
}

variable "sample_chunks" {
  type        = number
  description = "How many chunks the verifier opens (by ranged reads) to confirm their record counts; 0: metadata checks only (SPLITFLOW_SAMPLE_CHUNKS). null: the module's default."
  default     = null
}

variable "deep_check_chunks" {
  type        = number
  description = "How many chunks the verifier makes again from the batch files and compares by SHA-256 (0: none; at least the chunk count: all) (SPLITFLOW_DEEP_CHECK_CHUNKS). null: the module's default (0)."
  default     = null
}

variable "deep_check_seconds" {
  type        = number
  description = "Seconds of a delivery after which the verifier starts no further deep-checked chunk (SPLITFLOW_DEEP_CHECK_SECONDS). null: the module's default (300)."
  default     = null
}

variable "default_options" {
  type = object({
    trainRatio   = optional(number)
    valRatio     = optional(number)
    testRatio    = optional(number)
    seed         = optional(number)
    chunkSize    = optional(number)
    strataFields = optional(list(string))
    groupBy      = optional(string)
  })
  description = "The deployment's run options (SPLITFLOW_DEFAULT_OPTIONS); a marker's JSON overrides them key by key. Keys as in a marker. Unset keys fall back to the built-in defaults (0.7/0.15/0.15, seed 42, chunkSize 50, strataFields [\"view_position\", \"has:clinical_features\"], no groupBy). null: the module's default."
  default     = null
}

variable "max_workers" {
  type        = number
  description = "Upper bound of Dataflow autoscaling per job (SPLITFLOW_MAX_WORKERS). null: the module's default."
  default     = null
}

variable "machine_type" {
  type        = string
  description = "Dataflow worker machine type (SPLITFLOW_MACHINE_TYPE). null: the module's default."
  default     = null
}

variable "launcher_machine_type" {
  type        = string
  description = "Machine type of the Flex Template launcher VM of each job (launcherMachineType). Empty: Dataflow's default. null: the module's default."
  default     = null
}

variable "private_ips" {
  type        = bool
  description = "Dataflow workers without public IPs (SPLITFLOW_PRIVATE_IPS). The workers' subnetwork then needs Private Google Access. null: the module's default."
  default     = null
}

variable "subnetwork" {
  type        = string
  description = "The workers' subnetwork (SPLITFLOW_SUBNETWORK): regions/REGION/subnetworks/NAME, or the full https://www.googleapis.com/compute/v1/projects/... URL for Shared VPC. Empty: the default network. null: the module's default."
  default     = null
}

variable "enforce_summary_schema" {
  type        = bool
  description = "Attach the Avro schema (schemas/summary.avsc, JSON encoding) to the summary topic, so Pub/Sub rejects a summary that does not match it. null: the module's default."
  default     = null
}

variable "summary_retention_duration" {
  type        = string
  description = "How long the summary topic keeps messages (so a subscription created later can seek back), e.g. 604800s. null: the module's default."
  default     = null
}

variable "create_example_subscription" {
  type        = bool
  description = "Create the example pull subscription on the summary topic (with a dead-letter topic) that `gcloud pubsub subscriptions pull` reads. null: the module's default."
  default     = null
}

variable "dead_letter_max_delivery_attempts" {
  type        = number
  description = "Deliveries of a summary to the example subscription before it goes to the dead-letter topic. null: the module's default."
  default     = null
}
