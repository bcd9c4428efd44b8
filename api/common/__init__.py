"""What every part of the API shares: the error body, idempotency, fields, parsers, middleware, permissions, the
OpenAPI schema class and the health check. It imports no domain sub-package of the API."""
