# The Docker repository of the Flex Template image (tools/flex-template/build pushes
# splitflow-pipeline:TAG here and writes the template spec to gs://PIPELINE_BUCKET/templates/).
# The functions' own images go to the gcf-artifacts repository Cloud Functions manages.

resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = "${var.name_prefix}-images"
  format        = "DOCKER"
  description   = "splitflow Flex Template images"
  labels        = var.labels

  depends_on = [google_project_service.apis]
}
