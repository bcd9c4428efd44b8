"""Tables as Korean public-sector staff know them: filters, sorting, paging, and a CSV or XLSX download of every
table, built on django-tables2 (columns, sorting, export) and django-filter (the filter form).

A list page declares its table, its filter and its rows::

    class LoanTable(Table):
        principal = WonColumn(verbose_name=_("Principal"))
        disbursed_on = DateColumn(verbose_name=_("Disbursed on"))

    class LoanList(ListPage):
        access, action = ACCESS, "loan.read"
        table_class, filterset_class = LoanTable, LoanFilter
        export_name = "loans"
        def rows(self): return selectors.loans_visible_to(self.request.user)

On screen an amount reads ₩12,345,000 and a date 2026-12-06; in the download an amount is a number (so that a
spreadsheet adds it up) and a date a date. The download holds every row the filters select, not just the page on
screen, and is recorded in the audit trail (who exported which table, with which filters, how many rows). The
filter form, the sorting links and the pager update the table in place with htmx, and work without it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import django_tables2 as tables
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet
from django_tables2.export import TableExport

from core.audit import audit_record
from core.sheets import as_text
from web.actions import TABLE_EXPORT

from .format import won, ymd
from .pages import Page

FORMATS = ("csv", "xlsx")


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(getattr(value, "amount", value))


class WonColumn(tables.Column):
    """An amount: ₩12,345,000 on screen, right-aligned; the number of won in a download."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return won(value)

    def value(self, value: Any) -> Any:
        amount = _amount(value)
        return int(amount) if amount is not None else ""


class DateColumn(tables.Column):
    """A date as 2026-12-06 (a time as 2026-12-06 14:05, KST)."""

    def render(self, value: Any) -> str:
        return ymd(value)

    def value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return timezone.localtime(value).replace(tzinfo=None)
        return value if isinstance(value, date) else ""


class PercentColumn(tables.Column):
    """A rate held as a fraction (0.02): 2.00% on screen, the fraction in a download."""

    def __init__(self, *args: Any, places: int = 2, **kwargs: Any) -> None:
        self.places = places
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return f"{Decimal(value) * 100:.{self.places}f}%"

    def value(self, value: Any) -> Any:
        return Decimal(value)


class StateColumn(tables.Column):
    """A state (or any choice): its translated label in a badge coloured by its code on screen; the label in a
    download."""

    def render(self, value: Any, record: Any, bound_column: Any) -> str:
        code = bound_column.accessor.resolve(record)  # django-tables2 hands choices over as their labels
        return format_html('<span class="badge state-{}">{}</span>', code, value)

    def value(self, value: Any) -> Any:
        return value


class LinkColumn(tables.Column):
    """The column that opens the row's own page: ``url(record)``; the cell reads ``text(value)`` (the value itself
    by default), on screen and in a download."""

    def __init__(self, *args: Any, url: Callable[[Any], str], text: Callable[[Any], Any] = str,
                 **kwargs: Any) -> None:
        self.url, self.text = url, text
        super().__init__(*args, **kwargs)

    def render(self, value: Any, record: Any) -> str:
        return format_html('<a href="{}">{}</a>', self.url(record), self.text(value))

    def value(self, value: Any) -> Any:
        return self.text(value)


class Table(tables.Table):
    """The base table: the project's template and no "—" guesswork for empty cells."""

    class Meta:
        template_name = "web/components/table.html"
        attrs: ClassVar[dict[str, str]] = {"class": "data"}
        empty_text = _("Nothing to show.")
        default = ""


def _inert(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (an enterprise named "=HYPERLINK(...)", a reason typed
    as "+1...") is written as text, as the journal exports write it (``statements.exports.as_text``); numbers and
    dates stay what they are."""
    return as_text(value) if isinstance(value, str) else value


class CsvExport(TableExport):
    """The download of a table. CSV has a byte-order mark, so that Excel (what a 구청 opens it with) reads the
    Hangul as UTF-8; text that would be a formula is made inert in CSV and XLSX alike (openpyxl would otherwise write
    a cell starting with "=" as a formula)."""

    def table_to_dataset(self, table: Any, exclude_columns: Any, dataset_kwargs: Any = None) -> Any:
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        headers, rows = dataset.headers, [tuple(_inert(value) for value in row) for row in dataset]
        dataset.wipe()
        dataset.headers = headers
        for row in rows:
            dataset.append(row)
        return dataset

    def export(self) -> Any:
        data = super().export()
        if self.format == self.CSV:
            return "\ufeff" + data
        return data


class ListPage(tables.SingleTableMixin, Page):
    """A table of rows with filters, sorting, paging, and its download (``?_export=csv`` or ``xlsx``)."""

    template_name = "web/list.html"
    table_class: ClassVar[type[Table]]
    filterset_class: ClassVar[type[FilterSet] | None] = None
    export_name: ClassVar[str] = "table"
    table_pagination: ClassVar[dict[str, Any]] = {"per_page": settings.WEB_PAGE_SIZE}
    intro: Any = ""  # a sentence under the title

    def rows(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_filterset(self) -> FilterSet | None:
        if self.filterset_class is None:
            return None
        if not hasattr(self, "_filterset"):
            self._filterset = self.filterset_class(self.request.GET or None, queryset=self.rows(), request=self.request)
        return self._filterset

    def get_table_data(self) -> Any:
        filterset = self.get_filterset()
        if filterset is None:
            return self.rows()
        # An invalid filter (a date that is not one) shows its rule beside the field and no rows, never a 500.
        return filterset.qs if self.filter_ok() else self.rows().none()

    def filter_ok(self) -> bool:
        """No filter given, or filters that are valid."""
        filterset = self.get_filterset()
        return filterset is None or not filterset.is_bound or filterset.is_valid()

    def get_template_names(self) -> list[str]:
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:  # the filters, the sorting links, the pager, a tab: the table alone
            return ["web/components/table_block.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.get_filterset()
        context["intro"] = self.intro
        context["export_formats"] = FORMATS
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        export_format = self.request.GET.get("_export")
        if not self.filter_ok():
            kwargs.setdefault("status", 400)  # the rule is shown beside the filter; no download of a wrong filter
        elif export_format in FORMATS:
            return self.export(export_format)
        return super().render_to_response(context, **kwargs)

    def export(self, export_format: str) -> HttpResponse:
        table = self.get_table(**self.get_table_kwargs())
        exporter = CsvExport(export_format, table=table, dataset_kwargs={"title": str(self.title)[:31]})
        filename = f"{self.export_name}-{timezone.localdate().isoformat()}.{export_format}"
        response = exporter.response(filename=filename)
        query = {key: value for key, value in self.request.GET.items() if key != "_export"}
        audit_record(actor=self.request.user, action=TABLE_EXPORT,
                     after={"table": self.export_name, "format": export_format, "filters": query,
                            "rows": len(exporter.dataset)})
        return response


def export_links(request: HttpRequest) -> dict[str, str]:
    """The download links of the table on screen, with its filters and sorting."""
    query = request.GET.copy()
    query.pop("page", None)
    links = {}
    for export_format in FORMATS:
        query["_export"] = export_format
        links[export_format] = f"?{query.urlencode()}"
    return links
