"""Check digits of the national identifiers a child carries."""

import re

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # I, O and S are never used
_UPN_SHAPE = re.compile(rf"^[{UPN_LETTERS}]\d{{11}}[0-9{UPN_LETTERS}]$")


def upn_check_letter(body: str) -> str:
    """The check letter for characters 2-13 of a UPN (DfE UPN guidance: weights 2..13, mod 23).
    A temporary UPN's last character is a letter, which counts as its position in the alphabet."""
    total = 0
    for weight, ch in enumerate(body, start=2):
        total += weight * (int(ch) if ch.isdigit() else UPN_LETTERS.index(ch))
    return UPN_LETTERS[total % 23]


def upn_problem(upn: str) -> str | None:
    """Why a UPN is not valid, or None if it is (903 rule 168)."""
    if not _UPN_SHAPE.match(upn):
        return (
            "must be 13 characters: a letter (not I, O or S), 11 digits and a digit or letter"
        )
    if upn_check_letter(upn[1:]) != upn[0]:
        return f"check letter should be {upn_check_letter(upn[1:])}, not {upn[0]}"
    return None


def nhs_number_problem(nhs: str) -> str | None:
    """Why an NHS number is not valid, or None (NHS Data Dictionary: modulus 11 check digit)."""
    if not re.fullmatch(r"\d{10}", nhs):
        return "must be 10 digits"
    total = sum(int(d) * w for d, w in zip(nhs[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return "is not a valid NHS number (no check digit possible)"
    if check != int(nhs[9]):
        return f"check digit should be {check}, not {nhs[9]}"
    return None
