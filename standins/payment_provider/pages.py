"""The payment page (결제창) the buyer's browser is sent to: HTML, Korean, one column for a phone, no external
assets."""

from __future__ import annotations

from html import escape
from typing import Any

from .cards import TEST_CARDS

# The parameters the merchant puts on the page's URL, carried through the form as hidden fields.
PARAMS = ("client_key", "mode", "amount", "order_id", "order_name", "customer_key", "success_url", "fail_url")

_STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"Apple SD Gothic Neo","Noto Sans KR",sans-serif;background:#f2f4f6;
color:#191f28}main{max-width:28rem;margin:0 auto;padding:1.25rem}h1{font-size:1.25rem;margin:.5rem 0 1rem}
.box{background:#fff;border-radius:.75rem;padding:1rem 1.25rem;margin-bottom:1rem}
.amount{font-size:1.5rem;font-weight:700}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{box-sizing:border-box;width:100%;font-size:1.1rem;padding:.7rem;border:1px solid #b0b8c1;border-radius:.5rem}
button{width:100%;font-size:1.1rem;padding:.8rem;border:0;border-radius:.5rem;margin-top:1rem;cursor:pointer}
.pay{background:#1b64da;color:#fff}.cancel{background:#e5e8eb;color:#333d4b}
.error{background:#ffeeee;color:#a00;border-radius:.5rem;padding:.75rem}small{color:#4e5968}
table{width:100%;border-collapse:collapse;font-size:.9rem}td{padding:.25rem 0}
"""


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    ).encode()


def form(params: dict[str, str], *, error: str = "", card: dict[str, Any] | None = None) -> bytes:
    card = card or {}
    billing = params.get("mode") == "billing"
    title = "카드 등록 (자동결제)" if billing else "카드 결제"
    hidden = "".join(f'<input type="hidden" name="{name}" value="{escape(params.get(name, ""))}">'
                     for name in PARAMS)
    summary = (
        "<p>후원 성공 시 결제될 카드를 등록합니다. 지금은 결제되지 않습니다.</p>" if billing else
        f"<p>{escape(params.get('order_name', ''))}</p>"
        f"<p class=\"amount\">{int(params.get('amount') or 0):,}원</p>"
    )
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    test_cards = "".join(f"<tr><td><code>{c.number}</code></td><td>{escape(c.label)}</td></tr>" for c in TEST_CARDS)
    body = f"""
<h1>{title}</h1>
<div class="box">{summary}</div>
{error_html}
<form method="post" action="/checkout" class="box">
{hidden}
<label for="card_number">카드 번호</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number"
 value="{escape(str(card.get('cardNumber', '')))}" required>
<label for="card_expiry">유효기간 (MM/YY)</label>
<input id="card_expiry" name="card_expiry" inputmode="numeric" autocomplete="cc-exp" placeholder="12/29"
 value="{escape(str(card.get('cardExpiry', '')))}" required>
<label for="birth_date">생년월일 6자리 (법인카드는 사업자등록번호 10자리)</label>
<input id="birth_date" name="birth_date" inputmode="numeric" placeholder="900101"
 value="{escape(str(card.get('birthDate', '')))}" required>
<button class="pay" type="submit" name="action" value="pay">{"카드 등록" if billing else "결제하기"}</button>
<button class="cancel" type="submit" name="action" value="cancel" formnovalidate>취소</button>
</form>
<details class="box"><summary>테스트 카드</summary><table>{test_cards}</table>
<small>유효기간은 지나지 않은 아무 날짜, 생년월일은 아무 6자리나 입력하세요.</small></details>
"""
    return _page(title, body)


def error_page(message: str) -> bytes:
    return _page("결제 오류", f'<h1>결제를 진행할 수 없습니다</h1><p class="error" role="alert">{escape(message)}</p>')
