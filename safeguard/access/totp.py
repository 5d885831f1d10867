"""Time-based one-time passwords (RFC 6238): 30-second steps, 6 digits, HMAC-SHA-1, the step
before and after accepted for clock drift (RFC 6238 §5.2), as every common authenticator app
expects. pyotp does the HMAC arithmetic and the otpauth:// URI; which step matched (so a code is
never accepted twice) and the QR image are ours."""

from __future__ import annotations

import hashlib
import hmac
import re

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
ISSUER = "Safeguard"

_CODE = re.compile(rf"^\d{{{DIGITS}}}$")


def new_secret() -> str:
    """160 random bits in base32 (RFC 4226 §4 asks for at least 128, recommends 160)."""
    return pyotp.random_base32(32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, digest=hashlib.sha1, interval=STEP_SECONDS)


def step_at(timestamp: float) -> int:
    return int(timestamp // STEP_SECONDS)


def code_at(secret: str, timestamp: float) -> str:
    """The code an authenticator shows at `timestamp` (seconds since the epoch)."""
    return _totp(secret).generate_otp(step_at(timestamp))


def normalise(code: str) -> str:
    """People type codes as shown, often "123 456": spaces and hyphens are not part of the code."""
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str, *, at: float) -> int | None:
    """The step (within the drift window around `at`) whose code this is, or None. Every step is
    compared in constant time, so the time taken says nothing about which digits were right."""
    code = normalise(code)
    if not _CODE.match(code):
        return None
    now = step_at(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(_totp(secret).generate_otp(step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, *, account: str) -> str:
    """The otpauth:// URI (Google Authenticator's Key URI Format) that an app scans or imports."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code: drawn on the server, no script, no style attribute and
    nothing fetched, so the strict Content-Security-Policy allows it."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", border=4)
