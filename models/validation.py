"""Checks on what an applicant writes, with the Chinese message a clerk can read out."""

import re
from datetime import date

from models.errors import ValidationFailed

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_valid(number: str) -> bool:
    """GB 11643-1999: 17 digits, a valid birth date, and the ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    """GB 32100-2015: 18 characters from the code set, the last a MOD 31 check character."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def check_phone(phone: str, *, field: str = "phone") -> str:
    phone = phone.strip().replace(" ", "")
    if phone and not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise ValidationFailed(
            f"联系电话「{phone}」格式不正确（手机11位，固话如 0539-8123456）。", f"bad phone {phone!r}", field=field
        )
    return phone


def check_email(email: str, *, field: str = "email") -> str:
    email = email.strip()
    if email and not _EMAIL.fullmatch(email):
        raise ValidationFailed(f"电子邮箱「{email}」格式不正确。", f"bad e-mail {email!r}", field=field)
    return email


def check_resident_id(number: str, *, field: str = "id_number") -> str:
    number = number.strip().upper()
    if not resident_id_valid(number):
        raise ValidationFailed(
            f"居民身份证号码「{number}」无效（应为18位，出生日期和校验码须正确）。", f"bad resident ID {number!r}",
            field=field,
        )
    return number


def check_credit_code(code: str, *, field: str = "id_number") -> str:
    code = code.strip().upper()
    if not credit_code_valid(code):
        raise ValidationFailed(
            f"统一社会信用代码「{code}」无效（应为18位，校验码须正确）。", f"bad credit code {code!r}", field=field
        )
    return code


def check_not_future(day: date, *, today: date, what: str, field: str) -> date:
    if day > today:
        raise ValidationFailed(f"{what}（{day}）不能晚于今天（{today}）。", f"{field} {day} is in the future", field=field)
    return day


def check_required(value: str | None, *, what: str, field: str) -> str:
    if value is None or not str(value).strip():
        raise ValidationFailed(f"请填写{what}。", f"{field} is required", field=field)
    return str(value).strip()
