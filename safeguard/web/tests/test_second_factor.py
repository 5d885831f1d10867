"""An administrator's second factor at sign-in (issue 6): time-based one-time passwords as RFC 6238
defines them (30-second steps, 6 digits, HMAC-SHA-1, one step of drift either way, §5.2: a code
accepted once is never accepted again), and the NCSC's guidance that privileged accounts use
multi-factor authentication ("Secure system administration"; "Multi-factor authentication for
online services"; Cloud Security Principle 10, identity and authentication)."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlparse

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client

from safeguard.access import services as access
from safeguard.access import totp
from safeguard.access.models import SecondFactor
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def enrol(user) -> str:
    """Enrol through the services, with the code of the step before now (so a code for now is
    fresh at sign-in), and return the secret as the authenticator app holds it."""
    factor = access.second_factor_begin(user=user)
    now = time.time()
    access.second_factor_confirm(user=user, code=totp.code_at(factor.secret, now - 30), at=now)
    return factor.secret


def password_step(client: Client, username: str, **extra):
    return client.post("/sign-in/", {"username": username, "password": PASSWORD, **extra})


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def rows(user, reason_part: str = ""):
    qs = AuditEvent.objects.filter(object_type="access.SecondFactor", actor=user)
    return qs.filter(reason__contains=reason_part) if reason_part else qs


# --- the codes themselves -----------------------------------------------------------------------


def test_codes_match_rfc_6238_appendix_b():
    """RFC 6238 Appendix B's SHA-1 test vectors (secret "12345678901234567890"), cut to 6 digits:
    a 6-digit code is the last 6 digits of the 8-digit one (both are the same number mod 10^n)."""
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    vectors = {59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
               1234567890: "89005924", 2000000000: "69279037", 20000000000: "65353130"}
    for t, eight in vectors.items():
        assert totp.code_at(secret, t) == eight[-6:]


def test_one_step_of_drift_either_way_and_no_more(world):
    """RFC 6238 §5.2 and §6: accept the previous and next 30-second step for clock drift, no more."""
    factor = access.second_factor_begin(user=world.admin)
    now = 1_800_000_000.0
    secret = factor.secret
    assert totp.matching_step(secret, totp.code_at(secret, now - 30), at=now) == totp.step_at(now) - 1
    assert totp.matching_step(secret, totp.code_at(secret, now + 30), at=now) == totp.step_at(now) + 1
    assert totp.matching_step(secret, totp.code_at(secret, now - 60), at=now) is None
    assert totp.matching_step(secret, totp.code_at(secret, now + 60), at=now) is None
    code = totp.code_at(secret, now)
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", at=now) == totp.step_at(now)  # typed as shown
    assert totp.matching_step(secret, "12345", at=now) is None
    assert totp.matching_step(secret, "", at=now) is None


def test_a_code_is_accepted_once_and_no_earlier_one_after_it(world):
    """RFC 6238 §5.2: the verifier must not accept a second attempt of an OTP already accepted;
    nor an older one, so a code seen over a shoulder is worthless once used."""
    secret = enrol(world.admin)
    now = time.time()
    code = totp.code_at(secret, now)
    assert access.second_factor_verify(user=world.admin, code=code, at=now)
    assert not access.second_factor_verify(user=world.admin, code=code, at=now)
    assert not access.second_factor_verify(user=world.admin, code=totp.code_at(secret, now - 30), at=now)
    assert access.second_factor_verify(user=world.admin, code=totp.code_at(secret, now + 30), at=now + 30)
    assert list(rows(world.admin, "sign-in code refused").values_list("detail__outcome", flat=True)) == [
        "replayed", "replayed"]


# --- enrolment ---------------------------------------------------------------------------------------


def test_enrolment_shows_the_secret_and_completes_only_with_a_right_code(world, client_for):
    """NCSC: privileged accounts use MFA; enrolment proves the app holds the secret before sign-in
    depends on it. The secret is shown (text, otpauth:// URI, QR) only until then."""
    client = client_for(world.admin)
    page = client.get("/second-factor/set-up/")
    factor = SecondFactor.objects.get(user=world.admin)
    html = page.content.decode()
    assert page.status_code == 200 and factor.confirmed_at is None
    assert " ".join(factor.secret[i:i + 4] for i in range(0, 32, 4)) in html
    assert f"otpauth://totp/Safeguard:admin?secret={factor.secret}&amp;issuer=Safeguard" in html
    assert "<svg" in html and "style=" not in html and "<script>" not in html  # strict CSP holds
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert client.get("/second-factor/set-up/").content.decode().count(factor.secret[:4]) >= 1  # same secret
    assert SecondFactor.objects.filter(user=world.admin).count() == 1

    wrong = client.post("/second-factor/set-up/", {"code": "000000" if totp.code_at(
        factor.secret, time.time()) != "000000" else "111111"})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    factor.refresh_from_db()
    assert factor.confirmed_at is None

    done = client.post("/second-factor/set-up/", {"code": totp.code_at(factor.secret, time.time())})
    assert done.status_code == 302 and done["Location"] == "/second-factor/"
    factor.refresh_from_db()
    assert factor.confirmed_at is not None
    # Never shown again: the set-up page sends you back, the overview does not show it.
    assert client.get("/second-factor/set-up/")["Location"] == "/second-factor/"
    assert factor.secret not in client.get("/second-factor/").content.decode()
    assert [r.reason for r in rows(world.admin).order_by("pk")] == [
        "second factor: set-up begun", "second factor: set-up code refused", "second factor: enrolled"]


def test_only_administrators_enrol(world, client_for):
    assert client_for(world.sw_a).get("/second-factor/set-up/").status_code == 403
    assert client_for(world.tm_a).get("/second-factor/").status_code == 403
    with pytest.raises(RecordInvalid):
        access.second_factor_begin(user=world.analyst)
    assert Client().get("/second-factor/set-up/")["Location"].startswith("/sign-in/")


# --- signing in ---------------------------------------------------------------------------------


def test_sign_in_with_a_right_code(world):
    """NCSC: an administrator's sign-in needs the password and the code; the password alone signs
    no one in."""
    secret = enrol(world.admin)
    client = Client()
    after_password = password_step(client, "admin", next="/performance/")
    assert after_password.status_code == 302 and after_password["Location"] == "/sign-in/code/"
    assert not signed_in(client)
    page = client.get("/sign-in/code/")
    assert page.status_code == 200 and "authenticator app" in page.content.decode()
    done = client.post("/sign-in/code/", {"code": totp.code_at(secret, time.time())})
    assert done.status_code == 302 and done["Location"] == "/performance/"
    assert signed_in(client) and client.get("/performance/").status_code == 200
    assert rows(world.admin, "sign-in code accepted").count() == 1


def test_wrong_and_expired_codes_are_refused_and_audited(world):
    """RFC 6238 §5.2: a code more than one step old is refused; each refusal is an audit row and a
    failed sign-in for the lockout."""
    secret = enrol(world.admin)
    client = Client()
    password_step(client, "admin")
    now = time.time()
    right = totp.code_at(secret, now)
    wrong = next(c for c in ("000000", "111111") if c != right)
    for code in (wrong, totp.code_at(secret, now - 150), "not a code"):
        response = client.post("/sign-in/code/", {"code": code})
        assert response.status_code == 200 and "not right" in response.content.decode()
        assert not signed_in(client)
    assert rows(world.admin, "sign-in code refused").count() == 3
    assert AccessAttempt.objects.get(username="admin").failures_since_start == 3
    # The typed code is masked in axes' record of the attempt, like a password.
    assert wrong not in AccessAttempt.objects.get(username="admin").post_data


def test_a_replayed_code_does_not_sign_in_again(world):
    """RFC 6238 §5.2: one code, one sign-in, even from another browser within its 30 seconds."""
    secret = enrol(world.admin)
    first = Client()
    password_step(first, "admin")
    code = totp.code_at(secret, time.time())
    assert first.post("/sign-in/code/", {"code": code}).status_code == 302 and signed_in(first)
    second = Client()
    password_step(second, "admin")
    replay = second.post("/sign-in/code/", {"code": code})
    assert replay.status_code == 200 and not signed_in(second)
    assert rows(world.admin, "sign-in code refused").get().detail["outcome"] == "replayed"


def test_no_page_opens_between_password_and_code(world):
    """Between the password and the code the session holds no signed-in user: a guessed address
    (a worklist, the audit, the Django admin, the set-up page) leads back to sign-in."""
    enrol(world.admin)
    client = Client()
    password_step(client, "admin")
    for url in ("/", "/performance/", "/audit/", "/my-work/", f"/children/{world.own.pk}/",
                "/second-factor/", "/second-factor/set-up/", "/admin/", "/admin/workforce/user/"):
        response = client.get(url, follow=True)
        assert urlparse(response.redirect_chain[-1][0]).path == "/sign-in/", url
        assert not signed_in(client)
    # The admin's own sign-in form, which would take the password alone, is not there to post to.
    post = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert post.status_code == 302 and post["Location"].startswith("/sign-in/") and not signed_in(client)


def test_the_password_step_expires(world):
    """A right password does not wait for a code for ever: after five minutes, start again."""
    secret = enrol(world.admin)
    client = Client()
    password_step(client, "admin")
    session = client.session
    from safeguard.web.second_factor import PENDING, PENDING_SECONDS

    session[PENDING] = {**session[PENDING], "since": int(time.time()) - PENDING_SECONDS - 1}
    session.save()
    late = client.post("/sign-in/code/", {"code": totp.code_at(secret, time.time())})
    assert late.status_code == 302 and late["Location"] == "/sign-in/" and not signed_in(client)


def test_lockout_after_repeated_wrong_codes(world):
    """Wrong codes count with wrong passwords towards django-axes' lockout (NCSC: throttle guessing),
    so six digits cannot be guessed at leisure once the password is known."""
    secret = enrol(world.admin)
    client = Client()
    password_step(client, "admin")
    wrong = next(c for c in ("000000", "111111") if c != totp.code_at(secret, time.time()))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/sign-in/code/", {"code": wrong}).status_code == 200
    locked = client.post("/sign-in/code/", {"code": wrong})
    assert locked.status_code == 429 and "locked" in locked.content.decode()
    # The pending sign-in is gone, and a right password and code do not get past the lock.
    assert client.get("/sign-in/code/")["Location"] == "/sign-in/"
    again = password_step(client, "admin")
    assert again.status_code == 429 and not signed_in(client)
    assert rows(world.admin, "sign-in code refused").count() == settings.AXES_FAILURE_LIMIT


def test_a_right_code_resets_earlier_failures(world):
    """A full sign-in forgets earlier failures (AXES_RESET_ON_SUCCESS), as a password-only one does."""
    secret = enrol(world.admin)
    client = Client()
    password_step(client, "admin")
    client.post("/sign-in/code/", {"code": next(c for c in ("000000", "111111")
                                                if c != totp.code_at(secret, time.time()))})
    assert AccessAttempt.objects.filter(username="admin").exists()
    client.post("/sign-in/code/", {"code": totp.code_at(secret, time.time())})
    assert signed_in(client) and not AccessAttempt.objects.filter(username="admin").exists()


# --- optional and required ---------------------------------------------------------------------


def test_optional_by_default_so_an_unenrolled_administrator_signs_in_with_the_password(world):
    assert settings.SAFEGUARD_ADMIN_SECOND_FACTOR == "optional"
    client = Client()
    response = password_step(client, "admin")
    assert response.status_code == 302 and response["Location"] != "/sign-in/code/" and signed_in(client)


def test_required_sends_an_unenrolled_administrator_to_set_up_first(world, settings):
    """NCSC: a council may require MFA for every privileged account; the administrator sets it up
    after the password and is signed in only when a code from the new app is right."""
    settings.SAFEGUARD_ADMIN_SECOND_FACTOR = "required"
    client = Client()
    response = password_step(client, "admin", next="/performance/")
    assert response.status_code == 302 and response["Location"] == "/second-factor/set-up/"
    assert not signed_in(client)
    for url in ("/performance/", "/audit/", "/second-factor/", "/sign-in/code/"):
        assert urlparse(client.get(url, follow=True).redirect_chain[-1][0]).path == "/sign-in/", url
    page = client.get("/second-factor/set-up/")
    assert page.status_code == 200 and "requires administrators" in page.content.decode()
    secret = SecondFactor.objects.get(user=world.admin).secret
    assert not signed_in(client)
    done = client.post("/second-factor/set-up/", {"code": totp.code_at(secret, time.time())})
    assert done.status_code == 302 and done["Location"] == "/performance/" and signed_in(client)
    # Other roles are not asked.
    other = Client()
    assert password_step(other, "sw_a")["Location"] == "/my-work/" and signed_in(other)


def test_required_means_an_administrator_cannot_turn_it_off_but_another_may_reset_it(world, settings):
    """A lost phone is reset by another administrator of the same council, and the audit names them."""
    from safeguard.workforce.models import User

    settings.SAFEGUARD_ADMIN_SECOND_FACTOR = "required"
    secret = enrol(world.admin)
    with pytest.raises(RecordInvalid):
        access.second_factor_revoke(by=world.admin, user_id=world.admin.pk,
                                    code=totp.code_at(secret, time.time()))
    with pytest.raises(RecordInvalid):
        access.second_factor_revoke(by=world.tm_a, user_id=world.admin.pk)
    other_admin = User.objects.create_user(username="admin2", password=PASSWORD, role="administrator",
                                           local_authority=world.la)
    factor = access.second_factor_revoke(by=other_admin, user_id=world.admin.pk)
    assert factor.revoked_at is not None and factor.secret == ""
    reset = AuditEvent.objects.get(actor=other_admin, action="delete")
    assert reset.reason == "second factor: reset by admin2" and reset.detail["user"] == world.admin.pk


def test_an_administrator_resets_a_colleagues_app_from_the_page(world, client_for):
    """A lost phone (NCSC multi-factor guidance: a recovery route that is not weaker than the
    factor): the page lists only the same council's enrolled colleagues to an administrator; the
    reset is a POST, audited with the administrator's name; no one else can reset."""
    from safeguard.workforce.models import User

    colleague = User.objects.create_user(username="admin2", password=PASSWORD, role="administrator",
                                         local_authority=world.la)
    elsewhere = User.objects.create_user(username="admin9", password=PASSWORD, role="administrator",
                                         local_authority=world.other_la)
    enrol(colleague)
    enrol(elsewhere)
    page = client_for(world.admin).get("/second-factor/").content.decode()
    assert "admin2" in page and "admin9" not in page
    assert "colleagues-second-factors" not in client_for(colleague).get("/second-factor/").content.decode()

    refused = client_for(world.admin).post(f"/second-factor/reset/{elsewhere.pk}/", follow=True)
    assert "only an administrator of the same council" in refused.content.decode()
    assert SecondFactor.objects.get(user=elsewhere).revoked_at is None
    assert client_for(world.admin).get(f"/second-factor/reset/{colleague.pk}/").status_code == 405

    done = client_for(world.admin).post(f"/second-factor/reset/{colleague.pk}/", follow=True)
    assert "admin2&#x27;s authenticator app is reset" in done.content.decode()
    assert SecondFactor.objects.get(user=colleague).revoked_at is not None
    assert rows(world.admin, "reset by admin").get().detail["user"] == colleague.pk
    fresh = Client()
    assert password_step(fresh, "admin2")["Location"] != "/sign-in/code/" and signed_in(fresh)


def test_turning_it_off_takes_a_current_code(world, client_for):
    secret = enrol(world.admin)
    client = client_for(world.admin)
    assert "Set up on" in client.get("/second-factor/").content.decode()
    wrong = next(c for c in ("000000", "111111") if c != totp.code_at(secret, time.time()))
    refused = client.post("/second-factor/turn-off/", {"code": wrong})
    assert refused.status_code == 400 and SecondFactor.objects.get(user=world.admin).revoked_at is None
    done = client.post("/second-factor/turn-off/", {"code": totp.code_at(secret, time.time())})
    assert done.status_code == 302
    factor = SecondFactor.objects.get(user=world.admin)
    assert factor.revoked_at is not None and factor.secret == ""
    assert rows(world.admin).filter(action="delete").get().reason == "second factor: turned off"
    fresh = Client()
    assert password_step(fresh, "admin")["Location"] != "/sign-in/code/" and signed_in(fresh)


def test_the_secret_is_never_logged_or_audited(world, caplog):
    """The secret is the factor: it appears in no log line and no audit row."""
    caplog.set_level(logging.DEBUG)
    client = Client()
    client.force_login(world.admin)
    client.get("/second-factor/set-up/")
    secret = SecondFactor.objects.get(user=world.admin).secret
    client.post("/second-factor/set-up/", {"code": "000000"})
    client.post("/second-factor/set-up/", {"code": totp.code_at(secret, time.time())})
    client.post("/sign-out/")
    password_step(client, "admin")
    client.post("/sign-in/code/", {"code": "999999"})
    assert rows(world.admin).count() >= 3
    assert secret not in caplog.text
    for row in AuditEvent.objects.all():
        assert secret not in f"{row.reason} {row.detail} {row.object_id}"
    assert secret not in str(SecondFactor.objects.get(user=world.admin))
