"""The backers' own pages (후원자): sign up, "check your email", the verification link's landing page, and asking for
the email again. Sign-up and the link need no sign-in; asking again does (the signed-up backer is signed in)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from rest_framework.throttling import SimpleRateThrottle

from core.errors import DomainError
from enterprises import backers, login_guard
from enterprises.access import ACCESS as KERNEL
from enterprises.models import User
from web.common.errors import status_of

BACKEND = "enterprises.login_guard.ThrottledModelBackend"


class _SignupRate(SimpleRateThrottle):
    """The API's ``signup`` rate (SIGNUP_THROTTLE_RATE) per client address, in the same cache keys as the API's
    sign-up: the page and the API share one budget."""

    scope = "signup"

    def get_rate(self) -> str | None:
        rates = cast(dict[str, str | None], settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}))
        return rates.get(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": login_guard.client_address(request)}


class _ResendRate(_SignupRate):
    """The API's ``resend_verification`` rate per user, in the API's cache keys (DRF's ScopedRateThrottle)."""

    scope = "resend_verification"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class SignupForm(forms.Form):
    email = forms.CharField(label=_("Email address"), max_length=254,
                            help_text=_("You log in with it; we send a link to it to verify it."),
                            widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}))
    display_name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Shown on your pledges."),
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(label=_("Password"), max_length=128, strip=False,
                               help_text=_("At least 8 characters, not all digits, not a common password."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


class Signup(TemplateView):
    """A citizen makes its backer account; signed in at once, it is told to check its email."""

    template_name = "web/kernel/signup.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            from .views import start_page

            return HttpResponseRedirect(start_page(request.user) or reverse("web:landing"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", SignupForm())
        context = super().get_context_data(**kwargs)
        context["title"] = _("Sign up as a backer")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SignupForm(request.POST)
        if not _SignupRate().allow_request(request, self):  # type: ignore[arg-type]
            form.is_valid()
            form.errors.clear()
            form.add_error(None, gettext("Too many sign-ups from this address; try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            user = backers.backer_signup(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"], as_of=timezone.now(), site_url=_site_url(request),
                client_address=login_guard.client_address(request))
        except DomainError as exc:
            for name, rules in exc.fields.items():
                for rule in rules:
                    form.add_error(name if name in form.fields else None, rule)
            if not exc.fields:
                form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=status_of(exc))
        login(request, user, backend=BACKEND)
        return HttpResponseRedirect(reverse("web:signup-sent"), status=303)


class SignupSent(TemplateView):
    """"Check your email": where the link went, and (signed in, not verified yet) a button to send it again."""

    template_name = "web/kernel/signup_sent.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Check your email")
        context["valid_days"] = backers.VERIFICATION_VALID_FOR.days
        context.update(_resend_context(self.request))
        return context


def _resend_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    may_resend = KERNEL.allows(user, "email.resend_verification") and user.email_verified_at is None  # type: ignore[union-attr]
    return {"may_resend": may_resend, "verified": bool(getattr(user, "email_verified_at", None))}


class VerifyEmail(TemplateView):
    """The link's landing page: the address verified (or verified already), or why not: an expired link offers a
    new one to a signed-in backer."""

    template_name = "web/kernel/verify_email.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        status, error, expired, verified_user = 200, "", False, None
        try:
            verified_user = backers.backer_verify_email(token=kwargs["token"], as_of=timezone.now())
        except backers.VerificationExpired as exc:
            status, error, expired = 400, exc.message, True
        except DomainError as exc:
            status, error = status_of(exc), exc.message
        context = self.get_context_data(error=error, expired=expired, verified_user=verified_user,
                                        title=_("Email verified") if verified_user else _("Email not verified"),
                                        **_resend_context(request))
        context["start"] = _start(request.user if request.user.is_authenticated else verified_user)
        return self.render_to_response(context, status=status)


def _start(user: User | Any) -> str | None:
    from .views import start_page

    return start_page(user) if getattr(user, "is_authenticated", False) else None


class ResendVerification(LoginRequiredMixin, View):
    """POST only: send the verification email again (a backer whose address is not verified yet)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not KERNEL.allows(request.user, "email.resend_verification"):
            raise PermissionDenied
        user = cast(User, request.user)
        if not _ResendRate().allow_request(request, self):  # type: ignore[arg-type]
            messages.error(request, gettext("Too many requests for a new link; try again later."))
            return HttpResponseRedirect(reverse("web:signup-sent"), status=303)
        try:
            backers.backer_resend_verification(user=user, as_of=timezone.now(), site_url=_site_url(request))
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("web:signup-sent"), status=303)
        messages.success(request, gettext("A new link was sent to %(email)s.") % {"email": user.email})
        return HttpResponseRedirect(reverse("web:signup-sent"), status=303)
