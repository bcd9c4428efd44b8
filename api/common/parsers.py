"""The JSON the API accepts: DRF's parser, with what PostgreSQL and Python cannot take refused where it enters.

Every request body goes through ``JSONParser`` (the only parser of the API), which answers 400 instead of letting
these reach a view, a serializer, the idempotency store or the database:

- nesting deeper than ``MAX_DEPTH`` (a thousand levels made Python's parser raise RecursionError, a 500, even on
  the unauthenticated login);
- a NUL character in any string or key (PostgreSQL's text and jsonb cannot hold it);
- a lone surrogate (``"\\ud800"`` is valid JSON but not Unicode text: it cannot be written as UTF-8).

The 400 names the offending member by its path (``approval_tiers[0].above_amount``), as field errors do.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

MAX_DEPTH = 32  # the deepest body of this API is three levels deep


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return _("must not contain the NUL character (\\u0000)")
    if any("\ud800" <= char <= "\udfff" for char in text):
        return _("must be valid Unicode text (no lone surrogate such as \\ud800)")
    return None


def check_json(data: Any) -> None:
    """Raise ValidationError naming the first member that is nested too deeply or holds text the database cannot
    store. Walks the parsed value without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            raise ParseError(_("JSON nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH})
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                problem = _text_problem(key)
                if problem:
                    raise ValidationError({path or "non_field_errors": [_("a key %(problem)s") % {"problem": problem}]})
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                raise ValidationError({path or "non_field_errors": [problem]})


class JSONParser(parsers.JSONParser):
    """``application/json`` bodies, checked by ``check_json``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH}) from None
        check_json(data)
        return data
