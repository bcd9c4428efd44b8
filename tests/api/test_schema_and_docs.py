"""The OpenAPI schema documents the common error body; Swagger UI is served from local static files only."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/Error"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def error_ref(operation: dict, status: str) -> str | None:
    response = operation["responses"].get(status)
    if response is None:
        return None
    return response["content"]["application/json"]["schema"].get("$ref")


def test_the_schema_is_openapi_3_with_the_api_paths(schema):
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/me/",
        "/api/v1/enterprises/",
        "/api/v1/enterprises/{id}/",
        "/api/v1/institutions/",
        "/api/v1/institutions/{id}/",
    } <= set(schema["paths"])


def test_the_yaml_schema_is_served_too(api):
    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_the_error_component_has_code_message_and_fields(schema):
    error = schema["components"]["schemas"]["Error"]

    assert set(error["properties"]) == {"code", "message", "fields"}
    assert set(error["required"]) == {"code", "message", "fields"}
    assert error["properties"]["fields"]["additionalProperties"]["items"]["type"] == "string"


def test_enterprise_retrieve_documents_401_403_and_404_with_the_error_body(schema):
    operation = schema["paths"]["/api/v1/enterprises/{id}/"]["get"]

    for status in ("401", "403", "404"):
        assert error_ref(operation, status) == ERROR_REF, status
        assert operation["responses"][status]["description"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Enterprise")


# What every signed-in user may call, whatever their role (or with none): no 403 is documented there. (Known
# answers; the next test reads the access tables for every operation.)
ANYONE_SIGNED_IN = {
    ("get", "/api/v1/institutions/"), ("get", "/api/v1/institutions/{id}/"), ("get", "/api/v1/me/"),
    ("get", "/api/v1/loan-products/"), ("get", "/api/v1/loan-products/{id}/"),
    ("post", "/api/v1/loan-products/{id}/quote/"),
    ("get", "/api/v1/guarantee-programs/{id}/fee-quote/"),
    ("get", "/api/v1/contests/"), ("get", "/api/v1/contests/{id}/"),
    ("get", "/api/v1/contests/{id}/award-table/"),
}


# Open to anyone, signed in or not (a campaign's public page: ``Allow(public=True)``): neither 401 nor 403.
PUBLIC_READS = {("get", "/api/v1/campaigns/"), ("get", "/api/v1/campaigns/{id}/")}


def test_every_operation_that_needs_a_sign_in_documents_401_and_403_unless_anyone_signed_in_may(schema):
    public = {"/api/v1/auth/token/", "/api/v1/auth/token/refresh/", "/api/v1/auth/signup/",
              "/api/v1/auth/verify-email/", "/api/v1/payments/webhook/"}
    checked = 0
    for path, method, operation in operations(schema):
        if path in public or (method, path) in PUBLIC_READS:
            assert "403" not in operation["responses"], (method, path)
            assert (method, path) not in PUBLIC_READS or "401" not in operation["responses"], (method, path)
            continue
        checked += 1
        assert error_ref(operation, "401") == ERROR_REF, (method, path)
        if (method, path) in ANYONE_SIGNED_IN:
            assert "403" not in operation["responses"], (method, path)
        else:
            assert error_ref(operation, "403") == ERROR_REF, (method, path)
    assert checked >= 50


def _views_by_operation() -> dict[tuple[str, str], tuple[type, str]]:
    """(method, schema path) -> (view class, the view's operation: its viewset action or its lower-case method)."""
    from drf_spectacular.generators import EndpointEnumerator

    views = {}
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        actions = getattr(callback, "actions", None)
        operation = actions[method.lower()] if actions else method.lower()
        views[(method.lower(), path.replace("{pk}", "{id}"))] = (callback.cls, operation)
    return views


def test_a_403_is_documented_exactly_where_the_access_table_may_refuse_a_signed_in_caller(schema):
    from api.common.permissions import AccessControlled

    views = _views_by_operation()
    checked = 0
    for path, method, operation in operations(schema):
        view, name = views[(method, path)]
        if not issubclass(view, AccessControlled):
            assert "403" not in operation["responses"], (method, path)  # sign-in: anyone may try
            continue
        checked += 1
        may_refuse = not view.access.anyone_signed_in(view.access_actions[name])
        assert ("403" in operation["responses"]) == may_refuse, (method, path, view.access_actions[name])
    assert checked >= 50


def test_every_write_documents_400_and_every_detail_documents_404(schema):
    for path, method, operation in operations(schema):
        if method in ("post", "put", "patch"):
            assert error_ref(operation, "400") == ERROR_REF, (method, path)
        if "{" in path:
            assert error_ref(operation, "404") == ERROR_REF, (method, path)


def test_every_throttled_auth_endpoint_documents_429(schema):
    for path in ("/api/v1/auth/token/", "/api/v1/auth/token/refresh/"):
        assert error_ref(schema["paths"][path]["post"], "429") == ERROR_REF, path


def test_the_token_endpoint_documents_401_for_wrong_credentials(schema):
    assert error_ref(schema["paths"]["/api/v1/auth/token/"]["post"], "401") == ERROR_REF


def test_no_delete_operation_is_documented_for_enterprises(schema):
    assert "delete" not in schema["paths"]["/api/v1/enterprises/{id}/"]


def test_jwt_and_session_are_documented_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["jwtAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert "cookieAuth" in schemes
    assert {"jwtAuth": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]


def test_business_number_is_documented_as_text_with_dashes_allowed(schema):
    field = schema["components"]["schemas"]["EnterpriseRequest"]["properties"]["business_number"]

    assert field["type"] == "string"
    assert "123-45-67890" in field["description"]


# --- Swagger UI -------------------------------------------------------------------------------------------------


@pytest.fixture
def docs_html(api) -> str:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def referenced_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


def test_swagger_ui_loads_its_files_from_our_static_files(docs_html):
    urls = referenced_urls(docs_html)
    scripts = [url for url in urls if url.endswith(".js")]

    assert any(url.endswith("swagger-ui-bundle.js") for url in scripts)
    assert any(url.endswith("swagger-ui.css") for url in urls)
    for url in urls:
        assert url.startswith(settings.STATIC_URL + "drf_spectacular_sidecar/"), url


def test_swagger_ui_references_no_cdn(docs_html):
    assert not re.search(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", docs_html)
    assert "cdn.jsdelivr" not in docs_html
    assert "unpkg.com" not in docs_html
    assert not re.search(r"https?://", docs_html)


def test_every_static_file_swagger_ui_references_exists(docs_html):
    urls = referenced_urls(docs_html)
    assert urls
    for url in urls:
        relative = url.removeprefix(settings.STATIC_URL)
        assert finders.find(relative), f"{relative} is not found by the static files finders"


def test_swagger_ui_points_at_our_schema(docs_html):
    assert 'url: "/api/schema/"' in docs_html


# --- what each operation documents ------------------------------------------------------------------------------

MONEY_CALLS = {
    ("post", "/api/v1/funds/{id}/contributions/"), ("post", "/api/v1/loans/{id}/disburse/"),
    ("post", "/api/v1/loans/{id}/repayments/"), ("post", "/api/v1/loans/{id}/recoveries/"),
    ("post", "/api/v1/guarantee-programs/{id}/contributions/"),
    ("post", "/api/v1/guarantee-programs/{id}/subsidy-budget/"), ("post", "/api/v1/subsidy-runs/{id}/approve/"),
    ("post", "/api/v1/guarantee-claims/{id}/approve/"), ("post", "/api/v1/guarantee-claims/{id}/recoveries/"),
    ("post", "/api/v1/guarantees/{id}/execute/"), ("post", "/api/v1/guarantees/{id}/balances/"),
    ("post", "/api/v1/guarantees/{id}/repay/"), ("post", "/api/v1/guarantees/{id}/default/"),
    ("post", "/api/v1/fee-bills/{id}/pay/"), ("post", "/api/v1/guarantee-programs/{id}/city-fee-payments/"),
    ("post", "/api/v1/contests/{id}/contributions/"),
    ("post", "/api/v1/contest-awards/{id}/approve/"), ("post", "/api/v1/award-tranches/{id}/pay/"),
    ("post", "/api/v1/award-tranches/{id}/return/"),
    ("post", "/api/v1/campaigns/{id}/pledges/"), ("post", "/api/v1/matching-pools/{id}/fundings/"),
    ("post", "/api/v1/campaign-settlements/{id}/payout/"), ("post", "/api/v1/pool-returns/{id}/payout/"),
    ("post", "/api/v1/bonds/{id}/capital-calls/"), ("post", "/api/v1/bonds/{id}/capital-call-lines/{line_id}/pay/"),
    ("post", "/api/v1/bonds/{id}/disbursements/"), ("post", "/api/v1/bond-payments/{id}/approve/"),
    ("post", "/api/v1/bond-distributions/"),
}
PLAIN_LISTS = [
    "/api/v1/loans/{id}/schedule/", "/api/v1/loans/{id}/transactions/", "/api/v1/loans/{id}/repayments/",
    "/api/v1/loans/{id}/recoveries/", "/api/v1/funds/{id}/contributions/",
    "/api/v1/guarantee-programs/{id}/contributions/", "/api/v1/guarantee-claims/{id}/recoveries/",
    "/api/v1/guarantees/{id}/balances/", "/api/v1/award-tranches/{id}/spending/",
    "/api/v1/guarantee-programs/{id}/city-fee-payments/",
    "/api/v1/contests/{id}/partners/", "/api/v1/contests/{id}/contributions/",
    "/api/v1/bonds/{id}/investments/", "/api/v1/bonds/{id}/points/", "/api/v1/bonds/{id}/capital-calls/",
    "/api/v1/bonds/{id}/disbursements/",
]


def test_every_operation_has_exactly_one_tag_and_it_is_described_in_the_settings(schema):
    described = [tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]]

    assert [tag["name"] for tag in schema["tags"]] == described
    for path, method, operation in operations(schema):
        assert len(operation["tags"]) == 1, (method, path)
        assert operation["tags"][0] in described, (method, path, operation["tags"])
    tags = {path: operation["tags"][0] for path, _method, operation in operations(schema)}
    assert tags["/api/v1/loans/{id}/disburse/"] == "Revolving fund (사회적경제활성화기금)"
    assert tags["/api/v1/funds/{id}/journal-export/"] == "Statements and exports"
    assert tags["/api/v1/auth/token/"] == tags["/api/v1/me/"] == "Sign-in and me"


def test_exactly_the_calls_that_move_money_document_a_required_idempotency_key(schema):
    with_key = set()
    for path, method, operation in operations(schema):
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        if not headers:
            continue
        with_key.add((method, path))
        assert [h["name"] for h in headers] == ["Idempotency-Key"], (method, path)
        assert headers[0]["required"] is True
        assert headers[0]["schema"] == {"type": "string", "minLength": 1, "maxLength": 200,
                                        "pattern": r"^[ -~]{1,200}$"}
        for status in ("400", "409", "422"):
            assert error_ref(operation, status) == ERROR_REF, (method, path, status)
        success = [code for code in operation["responses"] if code.startswith("2")]
        for code in success:
            replayed = operation["responses"][code]["headers"]["Idempotent-Replayed"]
            assert replayed["schema"] == {"type": "string", "enum": ["true"]}
            assert replayed["required"] is False
    assert with_key == MONEY_CALLS


def test_every_operation_documents_503_with_retry_after_and_every_write_documents_409(schema):
    for path, method, operation in operations(schema):
        unavailable = operation["responses"]["503"]
        assert error_ref(operation, "503") == ERROR_REF
        assert unavailable["headers"]["Retry-After"]["required"] is True, (method, path)
        assert "nothing was changed" in unavailable["description"]
        if method != "get":
            conflict = operation["responses"]["409"]
            assert conflict["headers"]["Retry-After"]["required"] is False, (method, path)
            assert "concurrent_update" in conflict["description"]


# The uploads: multipart/form-data, the one media type they take (a spending line with its evidence file, a bond's
# result with its evidence file).
UPLOADS = {("post", "/api/v1/award-tranches/{id}/spending/"), ("post", "/api/v1/bond-results/")}


def test_415_is_documented_exactly_on_the_operations_with_a_request_body(schema):
    for path, method, operation in operations(schema):
        assert ("415" in operation["responses"]) == ("requestBody" in operation), (method, path)
        if "requestBody" in operation:
            media = {"multipart/form-data"} if (method, path) in UPLOADS else {"application/json"}
            assert set(operation["requestBody"]["content"]) == media, (method, path)


def test_the_short_lists_of_a_loan_or_a_fund_are_documented_as_plain_arrays_without_a_page(schema):
    for path in PLAIN_LISTS:
        operation = schema["paths"][path]["get"]
        assert "page" not in [p["name"] for p in operation.get("parameters", [])], path
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array", path


def test_money_is_documented_as_what_the_api_accepts_and_what_it_answers(schema):
    components = schema["components"]["schemas"]
    amount = components["RepaymentRequestRequest"]["properties"]["amount"]
    text, number, won_object = amount["oneOf"]

    assert text == {"type": "string", "pattern": "^[1-9][0-9]{0,17}$", "example": "12000000"}
    assert number == {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999}
    assert won_object["required"] == ["amount", "currency"]
    assert won_object["properties"]["currency"]["enum"] == ["KRW"]
    assert won_object["additionalProperties"] is False
    assert components["Repayment"]["properties"]["amount"]["pattern"] == "^[1-9][0-9]{0,17}$"
    assert components["Payoff"]["properties"]["payoff"]["pattern"] == "^(0|[1-9][0-9]{0,17})$"
    product = components["LoanProductRequest"]["properties"]
    assert product["annual_rate"]["pattern"] == r"^0(\.([01][0-9]{0,4}|20{0,4}))?$"
    assert product["term_months"]["minimum"] == 1
