"""Complaints and representations: models."""
