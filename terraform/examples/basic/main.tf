# The smallest root that deploys splitflow: the providers and the module, with every setting
# passed through from terraform.tfvars (copy terraform.tfvars.example and fill it in).

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

module "splitflow" {
  source = "../.."

  project_id                        = var.project_id
  region                            = var.region
  name_prefix                       = var.name_prefix
  labels                            = var.labels
  enable_apis                       = var.enable_apis
  create_data_bucket                = var.create_data_bucket
  data_bucket_name                  = var.data_bucket_name
  data_bucket_location              = var.data_bucket_location
  pipeline_bucket_name              = var.pipeline_bucket_name
  temp_retention_days               = var.temp_retention_days
  staging_retention_days            = var.staging_retention_days
  data_soft_delete_retention_days   = var.data_soft_delete_retention_days
  iam_propagation_wait              = var.iam_propagation_wait
  force_destroy_buckets             = var.force_destroy_buckets
  datasets_prefix                   = var.datasets_prefix
  dataset_folders                   = var.dataset_folders
  marker_name                       = var.marker_name
  output_folder                     = var.output_folder
  state_prefix                      = var.state_prefix
  trigger                           = var.trigger
  direct_trigger_concurrency        = var.direct_trigger_concurrency
  max_event_age_seconds             = var.max_event_age_seconds
  functions_jar                     = var.functions_jar
  launcher_memory                   = var.launcher_memory
  launcher_cpu                      = var.launcher_cpu
  launcher_timeout_seconds          = var.launcher_timeout_seconds
  launcher_max_instances            = var.launcher_max_instances
  verifier_memory                   = var.verifier_memory
  verifier_cpu                      = var.verifier_cpu
  verifier_timeout_seconds          = var.verifier_timeout_seconds
  verifier_max_instances            = var.verifier_max_instances
  indices_max_batch_files           = var.indices_max_batch_files
  sample_chunks                     = var.sample_chunks
  deep_check_chunks                 = var.deep_check_chunks
  deep_check_seconds                = var.deep_check_seconds
  default_options                   = var.default_options
  max_workers                       = var.max_workers
  machine_type                      = var.machine_type
  launcher_machine_type             = var.launcher_machine_type
  private_ips                       = var.private_ips
  subnetwork                        = var.subnetwork
  enforce_summary_schema            = var.enforce_summary_schema
  summary_retention_duration        = var.summary_retention_duration
  create_example_subscription       = var.create_example_subscription
  dead_letter_max_delivery_attempts = var.dead_letter_max_delivery_attempts
}
