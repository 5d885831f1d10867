"""The web tests' small council, shared."""

from safeguard.web.tests.conftest import client_for, world  # noqa: F401
