# Inputs of the splitflow module. Every one is listed, with its default, in
# examples/basic/terraform.tfvars.example. Variables with a default are `nullable = false`, so a
# caller may pass null to mean "the default" (the example root does).
#
# Validations here only look at their own variable; rules that relate two variables (a dataset
# folder must lie under datasets_prefix, ...) are preconditions in checks.tf.

# --- Where ------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "The Google Cloud project everything is created in (and where Dataflow jobs run)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 lowercase letters, digits and '-', starting with a letter), not a project name or number."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, the Dataflow jobs (SPLITFLOW_REGION), the Artifact Registry repository and, by default, the buckets, e.g. europe-west4."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west4 or us-central1 (not a zone such as europe-west4-a)."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (service accounts, functions, topics, triggers). 3-15 characters so '<prefix>-status-trigger' fits the 30-character service account limit."
  default     = "splitflow"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,13}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-15 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to the buckets, topics, subscriptions, functions and the Artifact Registry repository."
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for k, v in var.labels :
      can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))
    ])
    error_message = "labels: keys must be 1-63 lowercase letters, digits, '_' or '-' starting with a letter; values 0-63 of the same characters."
  }
}

variable "enable_apis" {
  type        = bool
  description = "Enable the APIs the system needs (Dataflow, Cloud Functions, Cloud Run, Eventarc, Pub/Sub, Cloud Storage, Artifact Registry, Cloud Build, IAM, Compute Engine, Logging, Resource Manager). Set false when a platform team manages them; they are never disabled on destroy."
  default     = true
  nullable    = false
}

# --- Buckets ----------------------------------------------------------------------------------

variable "create_data_bucket" {
  type        = bool
  description = "true: create the data bucket named data_bucket_name. false: use an existing bucket of that name (it must have uniform bucket-level access, which the IAM conditions need)."
  default     = true
  nullable    = false
}

variable "data_bucket_name" {
  type        = string
  description = "The bucket holding the batch folders, markers, outputs and run state (SPLITFLOW_BUCKET), without gs://."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$", var.data_bucket_name)) && !startswith(var.data_bucket_name, "goog")
    error_message = "data_bucket_name must be a bucket name (3-63 lowercase letters, digits, '-', '_' and '.', no gs://, not starting with 'goog')."
  }
}

variable "data_bucket_location" {
  type        = string
  description = "Location of a created data bucket (a region such as EUROPE-WEST4, or a multi-region such as EU). Empty: the region. Ignored for an existing bucket."
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^([A-Za-z0-9-]+)?$", var.data_bucket_location))
    error_message = "data_bucket_location must be empty or a bucket location such as EUROPE-WEST4, EU or US."
  }
}

variable "pipeline_bucket_name" {
  type        = string
  description = "The bucket for the Flex Template spec (templates/), Dataflow staging (staging/) and temp (temp/) files and the function source (functions/). Empty: '<project_id>-<name_prefix>-pipeline'. Always created, in the region."
  default     = ""
  nullable    = false

  validation {
    condition     = var.pipeline_bucket_name == "" || (can(regex("^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$", var.pipeline_bucket_name)) && !startswith(var.pipeline_bucket_name, "goog"))
    error_message = "pipeline_bucket_name must be empty or a bucket name (3-63 lowercase letters, digits, '-', '_' and '.', no gs://)."
  }
}

variable "temp_retention_days" {
  type        = number
  description = "Objects under temp/ in the pipeline bucket are deleted after this many days."
  default     = 7
  nullable    = false

  validation {
    condition     = var.temp_retention_days >= 1 && var.temp_retention_days <= 365 && floor(var.temp_retention_days) == var.temp_retention_days
    error_message = "temp_retention_days must be a whole number of days between 1 and 365."
  }
}

variable "staging_retention_days" {
  type        = number
  description = "Objects under staging/ in the pipeline bucket (staged jars, Flex Template launcher logs) are deleted after this many days."
  default     = 30
  nullable    = false

  validation {
    condition     = var.staging_retention_days >= 1 && var.staging_retention_days <= 3650 && floor(var.staging_retention_days) == var.staging_retention_days
    error_message = "staging_retention_days must be a whole number of days between 1 and 3650."
  }
}

variable "data_soft_delete_retention_days" {
  type        = number
  description = "Days a created data bucket keeps deleted and overwritten objects recoverable (and billed): 0 turns soft delete off, otherwise 7 to 90 (Cloud Storage's own default is 7). Re-runs replace chunks, so the replaced ones count here. The pipeline bucket keeps none. Ignored for an existing bucket."
  default     = 7
  nullable    = false

  validation {
    condition     = var.data_soft_delete_retention_days == 0 || (var.data_soft_delete_retention_days >= 7 && var.data_soft_delete_retention_days <= 90 && floor(var.data_soft_delete_retention_days) == var.data_soft_delete_retention_days)
    error_message = "data_soft_delete_retention_days must be 0 (off) or a whole number of days between 7 and 90."
  }
}

variable "iam_propagation_wait" {
  type        = string
  description = "How long the first apply waits after granting roles before it builds the functions and creates notifications and triggers (IAM changes take a while to reach every service), e.g. 90s. Later applies do not wait."
  default     = "90s"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+s$", var.iam_propagation_wait)) && tonumber(trimsuffix(var.iam_propagation_wait, "s")) <= 600
    error_message = "iam_propagation_wait must be a number of seconds between 0s and 600s, e.g. 90s."
  }
}

variable "force_destroy_buckets" {
  type        = bool
  description = "Let `terraform destroy` delete buckets that still hold objects (the created data bucket too). Leave false outside experiments."
  default     = false
  nullable    = false
}

# --- Layout of the data bucket (must match the functions' SPLITFLOW_* settings) --------------

variable "datasets_prefix" {
  type        = string
  description = "Only batch folders under this prefix are split (SPLITFLOW_DATASETS_PREFIX). Empty: the whole bucket. Otherwise a folder ending in '/', without a leading '/'."
  default     = ""
  nullable    = false

  validation {
    condition     = var.datasets_prefix == "" || can(regex("^[^/\"\\\\][^\"\\\\]*/$", var.datasets_prefix))
    error_message = "datasets_prefix must be empty or a folder ending in '/' without a leading '/', e.g. datasets/."
  }
}

variable "dataset_folders" {
  type        = list(string)
  description = "The batch folders markers are dropped into, e.g. [\"datasets/cxr-2024/\"]; each must lie under datasets_prefix. With trigger = \"notification\" each folder gets two bucket notifications (marker and manifest), so at most 5 (Cloud Storage allows 10 notification configurations per event type on a bucket). With trigger = \"eventarc_direct\" it may be empty (every folder under datasets_prefix is accepted); when set, the workers may only write these folders' outputs."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for f in var.dataset_folders : can(regex("^[^/\"\\\\][^\"\\\\]*/$", f))])
    error_message = "dataset_folders: each folder must end in '/' and must not start with '/', e.g. datasets/cxr-2024/."
  }

  validation {
    condition     = length(var.dataset_folders) <= 5
    error_message = "dataset_folders: at most 5 folders (2 notification configurations each, and Cloud Storage allows 10 per event type on a bucket). Use trigger = \"eventarc_direct\" for more."
  }

  validation {
    condition     = length(distinct(var.dataset_folders)) == length(var.dataset_folders)
    error_message = "dataset_folders: a folder is listed twice."
  }
}

variable "marker_name" {
  type        = string
  description = "Name of the marker object inside a batch folder (SPLITFLOW_MARKER_NAME). Writing <folder><marker_name> starts a split."
  default     = "_BATCHES_COMPLETE"
  nullable    = false

  validation {
    condition     = length(var.marker_name) > 0 && length(var.marker_name) <= 200 && can(regex("^[^/\"\\\\]+$", var.marker_name))
    error_message = "marker_name must be a plain object name (1-200 characters) without '/', '\"' or '\\'."
  }
}

variable "output_folder" {
  type        = string
  description = "Output folder relative to the batch folder (SPLITFLOW_OUTPUT_FOLDER): chunks, stratification_indices.json and _SPLIT_MANIFEST.json go to <folder><output_folder>."
  default     = "split/"
  nullable    = false

  validation {
    condition     = can(regex("^[^/\"\\\\][^\"\\\\]*/$", var.output_folder))
    error_message = "output_folder must be a non-empty folder ending in '/' without a leading '/' (chunks beside the batch files would be read as input)."
  }
}

variable "state_prefix" {
  type        = string
  description = "Where run-state objects live (SPLITFLOW_STATE_PREFIX); must lie outside datasets_prefix so no trigger ever sees them."
  default     = "_splitflow/runs/"
  nullable    = false

  validation {
    condition     = can(regex("^[^/\"\\\\][^\"\\\\]*/$", var.state_prefix))
    error_message = "state_prefix must be a non-empty folder ending in '/' without a leading '/', e.g. _splitflow/runs/."
  }
}

# --- Triggers ---------------------------------------------------------------------------------

variable "trigger" {
  type        = string
  description = "How finalized objects reach the functions. \"notification\" (default): bucket Pub/Sub notifications filtered at the source by object-name prefix (<folder><marker_name> and <folder><output_folder>_SPLIT_MANIFEST.json), so batch and chunk objects invoke nothing. \"eventarc_direct\": Eventarc Cloud Storage triggers on the whole bucket (no prefix filter exists for them); every finalized object invokes both functions, which ignore all but markers and manifests."
  default     = "notification"
  nullable    = false

  validation {
    condition     = contains(["notification", "eventarc_direct"], var.trigger)
    error_message = "trigger must be \"notification\" or \"eventarc_direct\"."
  }
}

variable "direct_trigger_concurrency" {
  type        = number
  description = "With trigger = \"eventarc_direct\" only: how many events one instance of each function takes at once (every finalized object invokes both functions, and almost all return at once). Cloud Run needs at least 1 vCPU per instance above 1. With trigger = \"notification\" the functions take one event at a time."
  default     = 8
  nullable    = false

  validation {
    condition     = var.direct_trigger_concurrency >= 1 && var.direct_trigger_concurrency <= 100 && floor(var.direct_trigger_concurrency) == var.direct_trigger_concurrency
    error_message = "direct_trigger_concurrency must be a whole number between 1 and 100."
  }
}

variable "max_event_age_seconds" {
  type        = number
  description = "Both functions drop events older than this (SPLITFLOW_MAX_EVENT_AGE_SECONDS), so a poisoned event is not retried for a day."
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_event_age_seconds >= 60 && var.max_event_age_seconds <= 604800 && floor(var.max_event_age_seconds) == var.max_event_age_seconds
    error_message = "max_event_age_seconds must be a whole number between 60 and 604800 (7 days)."
  }
}

# --- Functions --------------------------------------------------------------------------------

variable "functions_jar" {
  type        = string
  description = "Path of the functions' shaded jar (functions/target/splitflow-functions-<version>-all.jar, made by `mvn package`). Empty: the single such jar in the functions/target folder beside this module."
  default     = ""
  nullable    = false

  validation {
    condition     = var.functions_jar == "" || endswith(var.functions_jar, ".jar")
    error_message = "functions_jar must be empty or the path of a .jar file."
  }
}

variable "launcher_memory" {
  type        = string
  description = "Memory of the launch function (it may compute stratification_indices.json for up to indices_max_batch_files batch files)."
  default     = "2Gi"
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9]*(Mi|Gi)$", var.launcher_memory))
    error_message = "launcher_memory must look like 512Mi or 2Gi."
  }
}

variable "launcher_cpu" {
  type        = string
  description = "vCPUs of the launch function (Cloud Run functions: '1' up to 4Gi of memory, '2' up to 8Gi, ...)."
  default     = "1"
  nullable    = false

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?|[0-9]+m)$", var.launcher_cpu))
    error_message = "launcher_cpu must be a number of vCPUs such as 1, 2 or 0.583."
  }
}

variable "launcher_timeout_seconds" {
  type        = number
  description = "Timeout of the launch function; 540 s is the limit for event-driven functions."
  default     = 540
  nullable    = false

  validation {
    condition     = var.launcher_timeout_seconds >= 60 && var.launcher_timeout_seconds <= 540 && floor(var.launcher_timeout_seconds) == var.launcher_timeout_seconds
    error_message = "launcher_timeout_seconds must be a whole number between 60 and 540 (the event-driven limit)."
  }
}

variable "launcher_max_instances" {
  type        = number
  description = "Most instances of the launch function at once."
  default     = 10
  nullable    = false

  validation {
    condition     = var.launcher_max_instances >= 1 && var.launcher_max_instances <= 1000 && floor(var.launcher_max_instances) == var.launcher_max_instances
    error_message = "launcher_max_instances must be a whole number between 1 and 1000."
  }
}

variable "verifier_memory" {
  type        = string
  description = "Memory of the verify function."
  default     = "1Gi"
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9]*(Mi|Gi)$", var.verifier_memory))
    error_message = "verifier_memory must look like 512Mi or 1Gi."
  }
}

variable "verifier_cpu" {
  type        = string
  description = "vCPUs of the verify function."
  default     = "1"
  nullable    = false

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?|[0-9]+m)$", var.verifier_cpu))
    error_message = "verifier_cpu must be a number of vCPUs such as 1, 2 or 0.583."
  }
}

variable "verifier_timeout_seconds" {
  type        = number
  description = "Timeout of the verify function (at most 540 s, the event-driven limit)."
  default     = 540
  nullable    = false

  validation {
    condition     = var.verifier_timeout_seconds >= 60 && var.verifier_timeout_seconds <= 540 && floor(var.verifier_timeout_seconds) == var.verifier_timeout_seconds
    error_message = "verifier_timeout_seconds must be a whole number between 60 and 540 (the event-driven limit)."
  }
}

variable "verifier_max_instances" {
  type        = number
  description = "Most instances of the verify function at once."
  default     = 10
  nullable    = false

  validation {
    condition     = var.verifier_max_instances >= 1 && var.verifier_max_instances <= 1000 && floor(var.verifier_max_instances) == var.verifier_max_instances
    error_message = "verifier_max_instances must be a whole number between 1 and 1000."
  }
}

variable "indices_max_batch_files" {
  type        = number
  description = "Above this many batch files the launch function leaves stratification_indices.json to the pipeline instead of computing it itself (SPLITFLOW_INDICES_MAX_BATCH_FILES)."
  default     = 2000
  nullable    = false

  validation {
    condition     = var.indices_max_batch_files >= 0 && var.indices_max_batch_files <= 1000000 && floor(var.indices_max_batch_files) == var.indices_max_batch_files
    error_message = "indices_max_batch_files must be a whole number between 0 and 1000000."
  }
}

variable "sample_chunks" {
  type        = number
  description = "How many chunks the verifier opens (by ranged reads) to confirm their record counts; 0: metadata checks only (SPLITFLOW_SAMPLE_CHUNKS)."
  default     = 2
  nullable    = false

  validation {
    condition     = var.sample_chunks >= 0 && var.sample_chunks <= 10000 && floor(var.sample_chunks) == var.sample_chunks
    error_message = "sample_chunks must be a whole number between 0 and 10000."
  }
}

variable "deep_check_chunks" {
  type        = number
  description = "How many chunks the verifier makes again from the batch files and compares by SHA-256 with the manifest (a sample seeded by the run id; at least the chunk count: every chunk); 0: no deep check (SPLITFLOW_DEEP_CHECK_CHUNKS). Reads those chunks' records from the batch files; see docs/operations.md."
  default     = 0
  nullable    = false

  validation {
    condition     = var.deep_check_chunks >= 0 && var.deep_check_chunks <= 1000000 && floor(var.deep_check_chunks) == var.deep_check_chunks
    error_message = "deep_check_chunks must be a whole number between 0 and 1000000."
  }
}

variable "deep_check_seconds" {
  type        = number
  description = "The verifier starts no further deep-checked chunk after this many seconds of a delivery, so it ends inside verifier_timeout_seconds (the event-driven limit is 540 s); keep it at least 60 s below verifier_timeout_seconds (SPLITFLOW_DEEP_CHECK_SECONDS)."
  default     = 300
  nullable    = false

  validation {
    condition     = var.deep_check_seconds >= 10 && var.deep_check_seconds <= 480 && floor(var.deep_check_seconds) == var.deep_check_seconds
    error_message = "deep_check_seconds must be a whole number between 10 and 480."
  }
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
  description = "The deployment's run options (SPLITFLOW_DEFAULT_OPTIONS); a marker's JSON overrides them key by key. Keys as in a marker. Unset keys fall back to the built-in defaults (0.7/0.15/0.15, seed 42, chunkSize 50, strataFields [\"view_position\", \"has:clinical_features\"], no groupBy)."
  default     = {}
  nullable    = false

  # Terraform evaluates both sides of && and || (and of ?:), so nulls are replaced before any
  # arithmetic.
  validation {
    condition = alltrue([
      for r in [var.default_options.trainRatio, var.default_options.valRatio, var.default_options.testRatio] :
      coalesce(r, 0) >= 0 && coalesce(r, 0) <= 1
    ])
    error_message = "default_options: trainRatio, valRatio and testRatio must be between 0 and 1."
  }

  validation {
    condition = (
      length(compact([for r in [var.default_options.trainRatio, var.default_options.valRatio, var.default_options.testRatio] : r == null ? "" : "set"])) == 0 ||
      (
        length(compact([for r in [var.default_options.trainRatio, var.default_options.valRatio, var.default_options.testRatio] : r == null ? "" : "set"])) == 3 &&
        abs(sum([for r in [var.default_options.trainRatio, var.default_options.valRatio, var.default_options.testRatio] : coalesce(r, 0)]) - 1) < 0.000001
      )
    )
    error_message = "default_options: give trainRatio, valRatio and testRatio together, summing to 1."
  }

  validation {
    condition     = coalesce(var.default_options.chunkSize, 1) >= 1 && coalesce(var.default_options.chunkSize, 1) <= 1000000 && floor(coalesce(var.default_options.chunkSize, 1)) == coalesce(var.default_options.chunkSize, 1)
    error_message = "default_options: chunkSize must be a whole number between 1 and 1000000."
  }

  validation {
    condition     = floor(coalesce(var.default_options.seed, 0)) == coalesce(var.default_options.seed, 0)
    error_message = "default_options: seed must be a whole number."
  }

  validation {
    condition = alltrue([
      for f in(var.default_options.strataFields == null ? ["unset"] : var.default_options.strataFields) : length(trimspace(f)) > 0
    ]) && length(var.default_options.strataFields == null ? ["unset"] : var.default_options.strataFields) > 0
    error_message = "default_options: strataFields must hold at least one non-empty field name."
  }
}

# --- Dataflow ---------------------------------------------------------------------------------

variable "max_workers" {
  type        = number
  description = "Upper bound of Dataflow autoscaling per job (SPLITFLOW_MAX_WORKERS)."
  default     = 10
  nullable    = false

  validation {
    condition     = var.max_workers >= 1 && var.max_workers <= 1000 && floor(var.max_workers) == var.max_workers
    error_message = "max_workers must be a whole number between 1 and 1000."
  }
}

variable "machine_type" {
  type        = string
  description = "Dataflow worker machine type (SPLITFLOW_MACHINE_TYPE)."
  default     = "n2-standard-4"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-[a-z0-9-]+$", var.machine_type))
    error_message = "machine_type must be a Compute Engine machine type such as n2-standard-4."
  }
}

variable "launcher_machine_type" {
  type        = string
  description = "Machine type of the Flex Template launcher VM of each job (SPLITFLOW_LAUNCHER_MACHINE_TYPE, the launch request's launcherMachineType). Above indices_max_batch_files the indices are computed there, with a heap of 70 % of its memory; Dataflow's default, n1-standard-1, is slow for that and its launch can fail with \"Timeout in polling result file\". Empty: Dataflow's default."
  default     = "n2-standard-4"
  nullable    = false

  validation {
    condition     = var.launcher_machine_type == "" || can(regex("^[a-z][a-z0-9]*-[a-z0-9-]+$", var.launcher_machine_type))
    error_message = "launcher_machine_type must be empty or a Compute Engine machine type such as n2-standard-4."
  }
}

variable "private_ips" {
  type        = bool
  description = "Dataflow workers without public IPs (SPLITFLOW_PRIVATE_IPS). The workers' subnetwork then needs Private Google Access."
  default     = true
  nullable    = false
}

variable "subnetwork" {
  type        = string
  description = "The workers' subnetwork (SPLITFLOW_SUBNETWORK): regions/REGION/subnetworks/NAME, or the full https://www.googleapis.com/compute/v1/projects/... URL for Shared VPC. Empty: the default network."
  default     = ""
  nullable    = false

  validation {
    condition     = var.subnetwork == "" || can(regex("^(regions/[a-z0-9-]+/subnetworks/[a-z0-9-]+|https://www\\.googleapis\\.com/compute/v1/projects/[^/]+/regions/[a-z0-9-]+/subnetworks/[a-z0-9-]+)$", var.subnetwork))
    error_message = "subnetwork must be empty, regions/REGION/subnetworks/NAME, or https://www.googleapis.com/compute/v1/projects/PROJECT/regions/REGION/subnetworks/NAME."
  }
}

# --- Summaries --------------------------------------------------------------------------------

variable "enforce_summary_schema" {
  type        = bool
  description = "Attach the Avro schema (schemas/summary.avsc, JSON encoding) to the summary topic, so Pub/Sub rejects a summary that does not match it."
  default     = true
  nullable    = false
}

variable "summary_retention_duration" {
  type        = string
  description = "How long the summary topic keeps messages (so a subscription created later can seek back), e.g. 604800s."
  default     = "604800s"
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9]*s$", var.summary_retention_duration))
    error_message = "summary_retention_duration must be a number of seconds such as 604800s."
  }
}

variable "create_example_subscription" {
  type        = bool
  description = "Create the example pull subscription on the summary topic (with a dead-letter topic) that `gcloud pubsub subscriptions pull` reads."
  default     = true
  nullable    = false
}

variable "dead_letter_max_delivery_attempts" {
  type        = number
  description = "Deliveries of a summary to the example subscription before it goes to the dead-letter topic."
  default     = 5
  nullable    = false

  validation {
    condition     = var.dead_letter_max_delivery_attempts >= 5 && var.dead_letter_max_delivery_attempts <= 100 && floor(var.dead_letter_max_delivery_attempts) == var.dead_letter_max_delivery_attempts
    error_message = "dead_letter_max_delivery_attempts must be a whole number between 5 and 100 (Pub/Sub's limits)."
  }
}
