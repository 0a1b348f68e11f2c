# The data bucket (batch folders, markers, outputs, run state) and the pipeline bucket (Flex
# Template spec, Dataflow staging and temp files, function source, build logs). Both private:
# uniform bucket-level access (the IAM conditions in iam.tf need it) and public access prevention.
#
# Soft delete: Cloud Storage keeps (and bills) every deleted or overwritten object for 7 days by
# default. The pipeline bucket holds only temporaries and rebuildable files, so it keeps none. The
# data bucket keeps data_soft_delete_retention_days (7 by default): it protects the batch files,
# and the pipeline writes chunks straight to their final names on gs://, so the only objects it
# soft-deletes there are the chunks and manifest a re-run replaces.

resource "google_storage_bucket" "data" {
  count = var.create_data_bucket ? 1 : 0

  project                     = var.project_id
  name                        = var.data_bucket_name
  location                    = var.data_bucket_location != "" ? upper(var.data_bucket_location) : upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = var.labels

  soft_delete_policy {
    retention_duration_seconds = var.data_soft_delete_retention_days * 86400
  }

  depends_on = [google_project_service.apis]
}

data "google_storage_bucket" "existing_data" {
  count = var.create_data_bucket ? 0 : 1

  name = var.data_bucket_name

  lifecycle {
    postcondition {
      condition     = self.uniform_bucket_level_access == true
      error_message = "The existing data bucket must have uniform bucket-level access: the launcher's, verifier's and workers' write access is limited with IAM conditions, which need it (gcloud storage buckets update gs://BUCKET --uniform-bucket-level-access)."
    }
  }
}

resource "google_storage_bucket" "pipeline" {
  project                     = var.project_id
  name                        = var.pipeline_bucket_name != "" ? var.pipeline_bucket_name : "${var.project_id}-${var.name_prefix}-pipeline"
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = var.labels

  # Temp, staging and build-log objects are deleted by Dataflow, Beam and the rules below; none of
  # them is worth paying 7 more days for.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  lifecycle_rule {
    condition {
      age            = var.temp_retention_days
      matches_prefix = ["temp/"]
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age            = var.staging_retention_days
      matches_prefix = ["staging/", local.build_logs_folder]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}
