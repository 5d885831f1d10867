"""Complaints and representations."""
