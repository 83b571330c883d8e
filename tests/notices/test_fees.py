import pytest

from models.fees import FeeMethod, FeeRuleError, fee_amount, fee_bands


@pytest.mark.parametrize(
    ("monthly_count", "fee"),
    [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300), (50, 300), (51, 400)],
    ids=["first", "tenth-free", "eleventh", "thirtieth", "31st-band-2", "40th", "41st-band-3", "50th", "51st-band-4"],
)
def test_per_application_bands(monthly_count, fee):
    assert fee_amount(FeeMethod.per_application, monthly_count=monthly_count) == fee


@pytest.mark.parametrize(
    ("pages", "fee"),
    [(1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (2219, 83460)],
    ids=["one-page", "30-free", "31st", "100", "101st", "200", "201st", "xian-case-2219"],
)
def test_per_page_bands(pages, fee):
    assert fee_amount(FeeMethod.per_page, pages=pages) == fee


def test_bands_add_up_to_the_amount():
    bands = fee_bands(FeeMethod.per_page, pages=2219)
    assert [(b.first, b.last, b.rate) for b in bands] == [(1, 30, 0), (31, 100, 10), (101, 200, 20), (201, 2219, 40)]
    assert sum(b.subtotal for b in bands) == 83460


@pytest.mark.parametrize(
    ("method", "kwargs", "message"),
    [
        (FeeMethod.per_page, {"pages": 40, "monthly_count": 12}, "不得同时适用"),
        (FeeMethod.per_application, {"pages": 40}, "请填写本自然月内累计申请件数"),
        (FeeMethod.per_page, {}, "请填写页数"),
        (FeeMethod.per_page, {"pages": 0}, "页数须为正整数"),
        (FeeMethod.per_application, {"monthly_count": -3}, "须为正整数"),
        (FeeMethod.per_page, {"pages": 2.5}, "须为正整数"),
    ],
    ids=["both-methods-art3", "wrong-input-for-method", "pages-missing", "zero-pages", "negative-count", "fractional-pages"],
)
def test_bad_input_is_refused_in_chinese(method, kwargs, message):
    with pytest.raises(FeeRuleError) as exc:
        fee_amount(method, **kwargs)
    assert message in exc.value.message_zh
