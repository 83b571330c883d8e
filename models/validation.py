"""Checks on what an applicant writes, with the Chinese message a clerk can read out.

Also the boundary checks of hostile or careless input (a registration file, an import line, a command-line
argument): text free of control characters, dates strictly YYYY-MM-DD, yes/no only as a real yes or no.
"""

import re
import unicodedata
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


# Control characters (NUL, ESC of ANSI escape sequences, DEL, the C1 range) and the bidirectional overrides
# that make a name display other than it is stored; lone surrogates are what invalid UTF-8 becomes in argv.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\t\n\r")


def _bad_char(ch: str, *, multiline: bool) -> bool:
    if multiline and ch in _LINE_BREAKS:
        return False
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI


def visible(text: str) -> str:
    """The text with every control character, bidi override and lone surrogate shown as an escape (\\x1b):
    what is printed or quoted in a message, never the raw bytes."""
    if not any(_bad_char(c, multiline=True) for c in text):
        return text
    return "".join(_escape(c) if _bad_char(c, multiline=True) else c for c in text)


def _escape(ch: str) -> str:
    return ch.encode("unicode_escape", "backslashreplace").decode("ascii")


def check_clean(value: str, *, what: str, field: str, multiline: bool = False) -> str:
    """Refuse text holding control characters or invalid UTF-8; multi-line text may keep tabs and line breaks."""
    if any(unicodedata.category(c) == "Cs" for c in value):
        raise ValidationFailed(f"{what}含有无效字符（不是有效的 UTF-8 编码），请重新输入。",
                               f"{field} holds invalid UTF-8", field=field)
    bad = sorted({c for c in value if _bad_char(c, multiline=multiline)})
    if bad:
        shown = "、".join(_escape(c) for c in bad)
        raise ValidationFailed(f"{what}含有控制字符（{shown}），请删除后重新填写。",
                               f"{field} holds control characters {bad!r}", field=field)
    return value


def text_value(value, *, what: str, field: str, multiline: bool = False, required: bool = False) -> str:
    """A text field of a record (a registration file, an import line): a string or nothing, never a number,
    a list or an object; clean of control characters. Returns it stripped ("" when absent)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{what}应为文字，不能是{_json_kind(value)}。", f"{field} is {type(value).__name__}",
                               field=field)
    check_clean(value, what=what, field=field, multiline=multiline)
    if required:
        return check_required(value, what=what, field=field)
    return value.strip()


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "是/否（true/false）"
    if isinstance(value, (int, float)):
        return f"数字（{value}）"
    if isinstance(value, list):
        return "数组（列表）"
    if isinstance(value, dict):
        return "对象"
    return type(value).__name__


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_value(value, *, what: str, field: str) -> date | None:
    """A date of a record: a string YYYY-MM-DD that names a real day, or None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{what}应为 YYYY-MM-DD 格式的日期文字，不能是{_json_kind(value)}。",
                               f"{field} is {type(value).__name__}", field=field)
    try:
        if not _ISO_DAY.fullmatch(value.strip()):
            raise ValueError(value)
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{what}「{visible(value)}」不是 YYYY-MM-DD 格式的有效日期。", f"{field} bad date",
                               field=field) from None


YES, NO = "是", "否"


def yes_no(value, *, what: str, field: str) -> bool:
    """A yes/no field: true/false or 是/否, absent is no; "no", 1 or "false" are refused, never read as yes."""
    if value is None or value is False or value == NO:
        return False
    if value is True or value == YES:
        return True
    shown = visible(value) if isinstance(value, str) else _json_kind(value)
    raise ValidationFailed(f"{what}应为 true 或 false（或「是」「否」），填写的是「{shown}」。",
                           f"{field} is not a boolean: {value!r}", field=field)


def enum_value(enum_cls, value, *, what: str, field: str, default=None):
    """An enumerated field by its value; the allowed values in the message."""
    if (value is None or value == "") and default is not None:
        return default
    if isinstance(value, str):
        try:
            return enum_cls(value.strip())
        except ValueError:
            pass
    shown = visible(value) if isinstance(value, str) else _json_kind(value)
    allowed = "、".join(m.value for m in enum_cls)
    raise ValidationFailed(f"{what}「{shown}」无效，应为：{allowed}。", f"{field} bad value {value!r}", field=field)


FIRST_YEAR, LAST_YEAR = 2008, 2100  # the first Regulation (Decree 492) took effect on 2008-05-01
MAX_ROW_ID = 2**63 - 1  # the largest id a database row can have (SQLite and PostgreSQL BIGINT)


def check_year(year: int, *, what: str = "年度", field: str = "year") -> int:
    """A year the Regulation can have been in force in: nothing earlier than 2008, nothing absurdly late."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(f"{what}应在{FIRST_YEAR}年至{LAST_YEAR}年之间，填写的是{year}。", f"{field} {year} out of range",
                               field=field)
    return year


def check_phone(phone: str, *, field: str = "phone") -> str:
    phone = phone.strip().replace(" ", "")
    if phone and not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise ValidationFailed(
            f"联系电话「{visible(phone)}」格式不正确（手机11位，固话如 0539-8123456）。", f"bad phone {phone!r}", field=field
        )
    return phone


def check_email(email: str, *, field: str = "email") -> str:
    email = email.strip()
    if email and not _EMAIL.fullmatch(email):
        raise ValidationFailed(f"电子邮箱「{visible(email)}」格式不正确。", f"bad e-mail {email!r}", field=field)
    return email


def check_resident_id(number: str, *, field: str = "id_number") -> str:
    number = number.strip().upper()
    if not resident_id_valid(number):
        raise ValidationFailed(
            f"居民身份证号码「{visible(number)}」无效（应为18位，出生日期和校验码须正确）。", f"bad resident ID {number!r}",
            field=field,
        )
    return number


def check_credit_code(code: str, *, field: str = "id_number") -> str:
    code = code.strip().upper()
    if not credit_code_valid(code):
        raise ValidationFailed(
            f"统一社会信用代码「{visible(code)}」无效（应为18位，校验码须正确）。", f"bad credit code {code!r}", field=field
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
