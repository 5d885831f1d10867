"""Case file audits: models."""
