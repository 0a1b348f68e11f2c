# Topics: the two notification topics (trigger = "notification"), the summary topic with its
# schema, the dead-letter topic; the example subscription and one on the dead-letter topic so
# dead letters are kept for inspection.

# The Pub/Sub service agent (service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com): moves
# undeliverable messages to the dead-letter topic and signs push requests to the functions.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "markers" {
  count = local.notification ? 1 : 0

  project = var.project_id
  name    = "${var.name_prefix}-markers"
  labels  = var.labels

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "manifests" {
  count = local.notification ? 1 : 0

  project = var.project_id
  name    = "${var.name_prefix}-manifests"
  labels  = var.labels

  depends_on = [google_project_service.apis]
}

# The summary message: JSON body as Summary#toJson writes it, attributes status, run_id, dataset.
# Avro with JSON encoding; the schema has no unions, so a plain JSON object validates (Avro's JSON
# encoding would want {"string": "x"} for a nullable string); absent values are "", 0 or [].
resource "google_pubsub_schema" "summary" {
  count = var.enforce_summary_schema ? 1 : 0

  project    = var.project_id
  name       = "${var.name_prefix}-summary"
  type       = "AVRO"
  definition = file("${path.module}/schemas/summary.avsc")

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "summary" {
  project                    = var.project_id
  name                       = "${var.name_prefix}-summaries"
  message_retention_duration = var.summary_retention_duration
  labels                     = var.labels

  dynamic "schema_settings" {
    for_each = var.enforce_summary_schema ? [google_pubsub_schema.summary[0].id] : []
    content {
      schema   = schema_settings.value
      encoding = "JSON"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  project = var.project_id
  name    = "${var.name_prefix}-summaries-dead-letter"
  labels  = var.labels

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "summary_example" {
  count = var.create_example_subscription ? 1 : 0

  project                    = var.project_id
  name                       = "${var.name_prefix}-summaries-example"
  topic                      = google_pubsub_topic.summary.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = var.labels

  expiration_policy {
    ttl = "" # never expires
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.dead_letter_max_delivery_attempts
  }

  depends_on = [google_pubsub_topic_iam_member.dead_letter_publisher]
}

resource "google_pubsub_subscription" "dead_letter" {
  project                    = var.project_id
  name                       = "${var.name_prefix}-summaries-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = var.labels

  expiration_policy {
    ttl = ""
  }
}
