"""The web tests' small council (two teams, staff in every role, children in each relationship)."""

from safeguard.web.tests.conftest import world  # noqa: F401
