"""The revolving fund's services refuse in the default language, Korean, outside any request too, and in English
when it is active. The same refusals over HTTP (Accept-Language) are tests/api/funds/test_messages_in_korean.py."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import LimitExceeded
from funds import services
from funds.models import LoanApplication

from .factories import make_application, make_fund, make_loan, make_product


@pytest.fixture
def over_the_limit(db, member) -> LoanApplication:
    """A fund lending each enterprise at most 50,000,000 won; the member's enterprise already has an approved
    40,000,000 won loan, so 15,000,000 more is too much."""
    product = make_product(make_fund(exposure_limit=50_000_000))
    make_loan(product, member=member, amount=40_000_000)
    return make_application(product, member=member, amount=15_000_000)


def test_outside_a_request_the_service_refuses_in_the_default_language_korean(member, over_the_limit):
    with pytest.raises(LimitExceeded) as refused:
        services.application_submit(actor=member, application_id=over_the_limit.pk)

    assert refused.value.code == "limit_exceeded"
    assert "최대 10,000,000원" in refused.value.message
    assert refused.value.fields == {"amount": ["남은 대출 한도 10,000,000원을 초과합니다."]}

    with translation.override("en"), pytest.raises(LimitExceeded) as refused_in_english:
        services.application_submit(actor=member, application_id=over_the_limit.pk)
    assert "may borrow at most 10,000,000원 more" in refused_in_english.value.message
