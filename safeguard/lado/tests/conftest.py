"""LADO staff and a helper that records allegations through the services."""

import datetime as dt

import pytest


@pytest.fixture
def lado_team(la):
    from safeguard.workforce.models import Team

    return Team.objects.create(local_authority=la, name="Quality Assurance", service="Safeguarding")


@pytest.fixture
def lado(la, lado_team):
    from safeguard.workforce.models import User

    return User.objects.create_user(username="lado1", password="x", first_name="Lee", last_name="Dent",
                                    role=User.Role.LADO, team=lado_team, local_authority=la)


@pytest.fixture
def lado_manager(la, lado_team, lado):
    from safeguard.workforce.models import User

    user = User.objects.create_user(username="qam1", password="x", role=User.Role.TEAM_MANAGER,
                                    team=lado_team, local_authority=la)
    lado_team.manager = user
    lado_team.save()
    return user


@pytest.fixture
def administrator(la):
    from safeguard.workforce.models import User

    return User.objects.create_user(username="admin1", password="x", role=User.Role.ADMINISTRATOR,
                                    local_authority=la)


@pytest.fixture
def make_allegation(la, lado):
    """Record an allegation through the services: respond, meet, close as the keywords say."""
    from safeguard.lado import services

    counter = {"n": 0}

    def _make(referral=dt.date(2016, 5, 10), *, response="threshold_met", meeting=None, closure=None,
              outcome="", employer_action="", reviews=(), **fields):
        counter["n"] += 1
        fields.setdefault("referring_agency", "education")
        a = services.allegation_record(by=lado, local_authority=la, reference=f"T{counter['n']:04d}",
                                       referral_date=referral, **fields)
        if response:
            a = services.allegation_record_response(by=lado, allegation_id=a.pk, expected_version=None,
                                                    response=response, response_date=referral)
        if meeting:
            services.strategy_meeting_record(by=lado, allegation_id=a.pk, expected_version=None,
                                             held_on=meeting)
        for r in reviews:
            services.review_record(by=lado, allegation_id=a.pk, expected_version=None, held_on=r)
        if closure:
            if response == "threshold_met" and not outcome:
                outcome = "unsubstantiated"
            services.allegation_close(by=lado, allegation_id=a.pk, expected_version=None,
                                      closure_date=closure, outcome=outcome,
                                      employer_action=employer_action)
        a.refresh_from_db()
        return a

    return _make
