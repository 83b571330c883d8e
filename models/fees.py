"""The information processing fee of 国办函〔2020〕109号: per-application or per-page bands, never both."""

from dataclasses import dataclass
from enum import StrEnum

from models.errors import ValidationFailed

FEE_RULES_DOC = "国办函〔2020〕109号"


class FeeMethod(StrEnum):
    """Art 3: an agency picks one method per application."""

    per_application = "per_application"  # 按件计收, Art 4
    per_page = "per_page"  # 按量计收, Art 5

    @property
    def label(self) -> str:
        return {"per_application": "按件计收", "per_page": "按量计收"}[self.value]


class FeeRuleError(ValidationFailed, ValueError):
    """A fee asked for with inputs the rules do not allow; message_zh is shown to the clerk (a domain error, so the
    desk and the CLI refuse it like any other)."""

    def __init__(self, message_zh: str, message: str):
        super().__init__(message_zh, message, field="pages")


@dataclass(frozen=True)
class FeeBand:
    """One band of an excess-progressive (超额累进) computation, for the notice's 计算方式."""

    first: int
    last: int
    rate: int  # 元 per application or per page

    @property
    def units(self) -> int:
        return self.last - self.first + 1

    @property
    def subtotal(self) -> int:
        return self.units * self.rate


# Art 5 as published in the local schedules: 1–30 free, 31–100 10元, 101–200 20元, 201+ 40元 a page.
PAGE_BANDS: tuple[tuple[int, int | None, int], ...] = ((1, 30, 0), (31, 100, 10), (101, 200, 20), (201, None, 40))


def application_rate(k: int) -> int:
    """Art 4: the price of the k-th application of one applicant in one calendar month."""
    if k <= 10:
        return 0
    if k <= 30:
        return 100
    return 100 * (2 + (k - 31) // 10)  # Art 4(3): each further band of 10 costs 100元 more


MAX_COUNT = 10**7  # applications a month or pages: far beyond any real request


def _positive(value: int | None, *, name_zh: str, name: str) -> int:
    if value is None:
        raise FeeRuleError(f"请填写{name_zh}", f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FeeRuleError(f"{name_zh}须为正整数，当前为“{value}”", f"{name} must be a positive integer, got {value!r}")
    if value > MAX_COUNT:  # a typing error, and an amount no database column holds
        raise FeeRuleError(f"{name_zh}“{value}”超出合理范围（至多{MAX_COUNT}），请核对", f"{name} {value} too large")
    return value


def fee_bands(method: FeeMethod, *, monthly_count: int | None = None, pages: int | None = None) -> tuple[FeeBand, ...]:
    """The bands a fee is made of; the notice prints them so the applicant can check the sum."""
    if monthly_count is not None and pages is not None:
        raise FeeRuleError(
            f"按件计收与按量计收不得同时适用（{FEE_RULES_DOC}第三条）",
            "a fee is per application or per page, never both (Art 3)",
        )
    if method is FeeMethod.per_application:
        k = _positive(monthly_count, name_zh="本自然月内累计申请件数", name="monthly_count")
        return (FeeBand(k, k, application_rate(k)),)
    if method is FeeMethod.per_page:
        n = _positive(pages, name_zh="页数", name="pages")
        return tuple(
            FeeBand(first, min(n, last or n), rate) for first, last, rate in PAGE_BANDS if n >= first
        )
    raise FeeRuleError(f"不支持的计费方式“{method}”", f"unknown fee method {method!r}")


def fee_amount(method: FeeMethod, *, monthly_count: int | None = None, pages: int | None = None) -> int:
    """The fee in 元 for one application (Arts 3–5)."""
    return sum(b.subtotal for b in fee_bands(method, monthly_count=monthly_count, pages=pages))
