"""How the pages print money, dates and rates: the statements' rules (₩12,345,000, 2026-12-06, 2.00%), so that a
page and the PDF an auditor downloads never disagree on a figure's look."""

from statements.templatetags.statement_format import percent, signed_won, won, ymd

__all__ = ["percent", "signed_won", "won", "ymd"]
