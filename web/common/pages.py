"""The base views every page is made of. Each names its instrument's access table and the action it is, as the
API's views do, so that the table decides who may open a page and which buttons it shows:

    class LoanPage(ObjectPage):
        access = funds.access.ACCESS
        action = "loan.read"
        buttons = ("loan.disburse", "repayment.make")   # -> {{ can.loan_disburse }} in the template

- ``Page``: signed in (else the login page), a role the table allows, in an area open to the user (the console to
  staff, the portal to enterprise members; else 403).
- ``ObjectPage``: a page about one object, looked up in what the user may see (``visible``, a selector): another
  enterprise's object is 404, exactly like one that does not exist.
- ``ActionPage``: one action on one object: GET shows its form, POST calls one service. Success goes back to the
  object's page with a message (303); a refusal shows the form again with the service's message, each field's rule
  beside the field, and the status the error stands for (400, 403, 404, 409, 422). A role the table refuses gets
  403 before any form is read, so a forged POST is refused exactly like a shown button would have been.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils import timezone
from django.views.generic import TemplateView

from core.errors import DomainError
from enterprises.access import Access
from enterprises.models import User

from . import menu
from .access import ACCESS as AREAS
from .errors import status_of

AREA_ACTION = {menu.CONSOLE: "console.open", menu.PORTAL: "portal.open", menu.BANK: "bank.open",
               menu.JUDGE: "judge.open", menu.BACKER: "backer.open", menu.EVALUATOR: "evaluator.open",
               menu.INVESTOR: "investor.open"}


def allowed(access: Access, user: Any, actions: tuple[str, ...]) -> dict[str, bool]:
    """``{"loan_disburse": True, ...}``: may ``user`` do each action (dots become underscores for templates)."""
    return {action.replace(".", "_"): access.allows(user, action) for action in actions}


class Page(LoginRequiredMixin, TemplateView):
    """A signed-in page whose role the access table allows."""

    access: ClassVar[Access]
    action: ClassVar[str]
    buttons: ClassVar[tuple[str, ...]] = ()  # the actions whose buttons the page may show
    title: Any = ""
    section: ClassVar[str] = ""  # the menu entry to mark as current
    area: ClassVar[str] = menu.CONSOLE  # the console (staff) or the portal ("my": enterprise members)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not isinstance(getattr(self, "access", None), Access) or not getattr(self, "action", ""):
            raise ImproperlyConfigured(f"{type(self).__name__} must name its access table and action")
        if not (AREAS.allows(request.user, AREA_ACTION[self.area]) and self.access.allows(request.user, self.action)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def today(self) -> date:
        return timezone.localdate()

    @property
    def actor(self) -> User:
        """The signed-in user (``dispatch`` admits no one else)."""
        return cast(User, self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.title)
        context["section"] = self.section
        context["can"] = allowed(self.access, self.request.user, self.buttons)
        return context


class ObjectPage(Page):
    """A page about one object among those the user may see (``visible``); anything else is 404."""

    lookup_kwarg: ClassVar[str] = "pk"
    context_object_name: ClassVar[str] = "object"

    def visible(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_object(self) -> Model:
        if not hasattr(self, "_object"):
            try:
                self._object = self.visible().get(pk=self.kwargs[self.lookup_kwarg])
            except (ValueError, self.visible().model.DoesNotExist):
                raise Http404 from None
        return self._object

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault(self.context_object_name, self.get_object())
        kwargs.setdefault("object", self.get_object())
        return super().get_context_data(**kwargs)


class ActionPage(ObjectPage):
    """One action on one object: GET shows its form, POST calls ``perform`` (one service)."""

    template_name = "web/action.html"
    form_class: ClassVar[type[forms.Form]]
    submit_label: Any = ""
    danger: ClassVar[bool] = False  # a red button: the action cannot be undone
    intro: Any = ""  # a sentence above the form: what the action does

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"initial": self.initial()}

    def initial(self) -> dict[str, Any]:
        return {}

    def get_form(self, data: Mapping[str, Any] | None = None) -> forms.Form:
        return self.form_class(data, **self.get_form_kwargs())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", self.get_form())
        context = super().get_context_data(**kwargs)
        context.update(submit_label=self.submit_label, danger=self.danger, intro=self.intro,
                       back_url=self.success_url())
        return context

    def perform(self, form: forms.Form) -> Any:
        """Call the one service this action is; raise what it raises."""
        raise NotImplementedError

    def success_url(self) -> str:
        return str(self.get_object().get_absolute_url())  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        return str(self.submit_label)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_object()  # 404 before reading the form
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            result = self.perform(form)
        except DomainError as exc:
            for name, rules in exc.fields.items():
                for rule in rules:
                    form.add_error(name if name in form.fields else None, rule)
            if not exc.fields or exc.message not in form.non_field_errors():
                form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=status_of(exc))
        messages.success(request, self.success_message(result))
        return HttpResponseRedirect(self.success_url(), status=303)
