"""The web tests' small council (two teams, staff in every role), and a complaints manager."""

import pytest

from safeguard.web.tests.conftest import client_for, world  # noqa: F401


@pytest.fixture
def manager(world):  # noqa: F811
    """The complaints manager."""
    from safeguard.workforce.models import User

    return User.objects.create_user(username="complaints", password="correct horse battery",
                                    role="complaints_manager", local_authority=world.la,
                                    first_name="Casey", last_name="Complaints")
