# Rules that relate two or more variables (variable validations may only look at their own
# variable before Terraform 1.9). They fail the plan with the message below. The same rules are
# checked again by the functions at start-up (LaunchConfig / Layout).

locals {
  # "1", "0.583" or "1000m" as a number of vCPUs.
  launcher_vcpus = endswith(var.launcher_cpu, "m") ? tonumber(trimsuffix(var.launcher_cpu, "m")) / 1000 : tonumber(var.launcher_cpu)
  verifier_vcpus = endswith(var.verifier_cpu, "m") ? tonumber(trimsuffix(var.verifier_cpu, "m")) / 1000 : tonumber(var.verifier_cpu)
}

resource "terraform_data" "settings" {
  input = {
    trigger         = var.trigger
    datasets_prefix = var.datasets_prefix
    dataset_folders = var.dataset_folders
    state_prefix    = var.state_prefix
    concurrency     = local.request_concurrency
  }

  lifecycle {
    precondition {
      condition     = var.trigger != "notification" || length(var.dataset_folders) > 0
      error_message = "trigger = \"notification\" needs at least one entry in dataset_folders: a bucket notification filters on a fixed prefix, <folder><marker_name>. List the batch folders markers will be dropped into, or use trigger = \"eventarc_direct\"."
    }

    precondition {
      condition     = alltrue([for f in var.dataset_folders : startswith(f, var.datasets_prefix)])
      error_message = "Every entry of dataset_folders must lie under datasets_prefix ('${var.datasets_prefix}'): the launcher rejects markers elsewhere."
    }

    precondition {
      condition     = alltrue([for f in var.dataset_folders : !startswith(f, var.state_prefix) && !startswith(var.state_prefix, f)])
      error_message = "dataset_folders must not overlap state_prefix ('${var.state_prefix}'): run-state objects must never sit in a watched folder."
    }

    precondition {
      condition     = local.request_concurrency == 1 || (local.launcher_vcpus >= 1 && local.verifier_vcpus >= 1)
      error_message = "trigger = \"eventarc_direct\" with direct_trigger_concurrency > 1 needs launcher_cpu and verifier_cpu of at least 1 (Cloud Run serves one request at a time below 1 vCPU); raise them or set direct_trigger_concurrency = 1."
    }

    precondition {
      condition     = var.datasets_prefix == "" || !startswith(var.state_prefix, var.datasets_prefix)
      error_message = "state_prefix ('${var.state_prefix}') must lie outside datasets_prefix ('${var.datasets_prefix}')."
    }
  }
}

check "data_bucket_public_access" {
  assert {
    condition     = var.create_data_bucket || try(data.google_storage_bucket.existing_data[0].public_access_prevention, "") == "enforced"
    error_message = "The existing data bucket does not enforce public access prevention; consider: gcloud storage buckets update gs://${var.data_bucket_name} --public-access-prevention"
  }
}

# Workers and the launcher VM without public IPs reach Cloud Storage and Artifact Registry only
# through Private Google Access. The module does not own the subnetwork, so it warns (a check
# block never fails the apply) at the end of every plan and apply until the subnetwork has it.
# On the very first apply the Compute Engine API is only being enabled and this reads nothing;
# the warning then says so, and docs/deploy.md's network step follows the apply.
check "workers_private_google_access" {
  data "google_compute_subnetwork" "workers" {
    # A Shared VPC subnetwork is given by its full URL, in the host project.
    self_link = startswith(var.subnetwork, "https://") ? var.subnetwork : null
    project   = var.project_id
    region    = var.region
    name      = var.subnetwork == "" ? "default" : reverse(split("/", var.subnetwork))[0]
  }

  assert {
    condition     = !var.private_ips || data.google_compute_subnetwork.workers.private_ip_google_access
    error_message = "private_ips = true, but the workers' subnetwork ${data.google_compute_subnetwork.workers.name} in ${var.region} has no Private Google Access: the first job could not pull its image or reach Cloud Storage. Run: gcloud compute networks subnets update ${data.google_compute_subnetwork.workers.name} --region ${var.region} --project ${var.project_id} --enable-private-ip-google-access (or set private_ips = false)."
  }
}
