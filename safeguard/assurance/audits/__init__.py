"""Case file audits."""
