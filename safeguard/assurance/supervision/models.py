"""Supervision: models."""
