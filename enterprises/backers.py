"""Backers (후원자): citizens who sign up by themselves, verify their email address, and then may pledge.

- ``backer_signup`` makes the account (user name: the email address in lower case), puts it in the ``backer``
  group, and asks for the verification email, sent after the commit through the outbox (``enterprises.tasks``).
- The link carries a signed token (``django.core.signing``, salted, with the user's id, its address and when it was
  issued), valid ``VERIFICATION_VALID_FOR`` (3 days). Opening it sets ``email_verified_at``; opening it again changes
  nothing, so it is single-use in effect. A token for an address the user no longer has is refused.
- ``require_verified_email`` is the rule the pledge service calls before a backer's first pledge.

No function here reads the clock: the interfaces pass ``as_of``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.db import transactional
from core.errors import EmailNotVerified, InvalidState, ValidationFailed
from core.outbox import outbox_enqueue

from .actions import BACKER_EMAIL_VERIFY, BACKER_SIGNUP, BACKER_VERIFICATION_RESEND
from .models import User
from .roles import Role

VERIFICATION_VALID_FOR = timedelta(days=3)
TOKEN_SALT = "enterprises.backers.verify-email"
SEND_TASK = "enterprises.send_verification_email"
EMAIL_MAX = 150  # the address is the user name too, and a user name holds at most 150 characters
DISPLAY_NAME_MAX = 100


class VerificationExpired(ValidationFailed):
    """The verification link is older than ``VERIFICATION_VALID_FOR``: a new one must be sent."""

    code = "verification_expired"


def normalize_email(email: str) -> str:
    """The address as stored and compared: surrounding spaces dropped, in lower case (one account per address,
    whatever its case; the user name is this too)."""
    return email.strip().lower()


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("The sign-up breaks a rule."), fields={field: [message]})


def _check_signup(email: str, password: str, display_name: str) -> None:
    errors: dict[str, list[str]] = {}
    if not email:
        errors["email"] = [_("Enter your email address.")]
    elif len(email) > EMAIL_MAX:
        errors["email"] = [_("An email address may have at most %(max)s characters.") % {"max": EMAIL_MAX}]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address, such as name@example.com.")]
    if not display_name.strip():
        errors["display_name"] = [_("Enter the name to show on your pledges.")]
    elif len(display_name.strip()) > DISPLAY_NAME_MAX:
        errors["display_name"] = [_("A name may have at most %(max)s characters.") % {"max": DISPLAY_NAME_MAX}]
    try:
        # The validators of AUTH_PASSWORD_VALIDATORS, against the new user's own address and name too.
        password_validation.validate_password(
            password, User(username=email, email=email, display_name=display_name.strip()))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if "email" not in errors and _email_taken(email):
        errors["email"] = [_("An account with this email address already exists; log in, or use another address.")]
    if errors:
        raise ValidationFailed(_("The sign-up breaks a rule."), fields=errors)


def _email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists()


@transactional
def backer_signup(*, email: str, password: str, display_name: str, as_of: datetime, site_url: str = "",
                  client_address: str = "") -> User:
    """A citizen makes its own backer account (후원자 가입): user name and email the address in lower case, the
    password checked by AUTH_PASSWORD_VALIDATORS, the ``backer`` group and no other role; the email with the link to
    verify the address is sent once this commits. ``site_url`` is where the link points (PUBLIC_BASE_URL wins when
    set); ``client_address`` is recorded in the audit event. Raises ValidationFailed naming ``email`` (malformed,
    too long, already taken, in any case), ``password`` (each validator's rule) or ``display_name``."""
    email = normalize_email(email or "")
    display_name = (display_name or "").strip()
    _check_signup(email, password or "", display_name)
    user = User(username=email, email=email, display_name=display_name)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Another sign-up took the address between the check and the insert.
        if not _email_taken(email):
            raise
        raise _field_error(
            "email", _("An account with this email address already exists; log in, or use another address.")
        ) from None
    user.groups.add(Group.objects.get_or_create(name=Role.BACKER)[0])
    audit_record(actor=user, action=BACKER_SIGNUP, obj=user, occurred_at=as_of,
                 after={"username": user.username, "email": user.email, "display_name": user.display_name,
                        "address": client_address})
    _ask_for_email(user, as_of=as_of, site_url=site_url)
    return user


def _ask_for_email(user: User, *, as_of: datetime, site_url: str) -> None:
    outbox_enqueue(SEND_TASK, user.pk, site_url, key=f"enterprises:verify-email:{user.pk}:{as_of.isoformat()}")


def verification_token(user: User, *, as_of: datetime) -> str:
    """A signed token for ``user``'s current address, issued at ``as_of``."""
    return signing.dumps({"u": user.pk, "e": normalize_email(user.email), "t": int(as_of.timestamp())},
                         salt=TOKEN_SALT)


def verification_link(token: str, *, site_url: str = "") -> str:
    base = (settings.PUBLIC_BASE_URL or site_url or "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("web:verify-email", kwargs={"token": token})


def verification_email_send(*, user_id: int, site_url: str, as_of: datetime) -> bool:
    """Send the verification email (Korean, with the link) to the user's address, unless it is verified already or
    the user is gone. Returns whether a message was sent. Called by the outbox's task, after the commit that asked."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.email_verified_at is not None or not user.email:
        return False
    link = verification_link(verification_token(user, as_of=as_of), site_url=site_url)
    context = {"user": user, "link": link, "valid_days": VERIFICATION_VALID_FOR.days,
               "expires_at": timezone.localtime(as_of + VERIFICATION_VALID_FOR)}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("enterprises/email/verify_email_subject.txt", context).strip()
        body = render_to_string("enterprises/email/verify_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def _read_token(token: str, as_of: datetime) -> dict[str, Any]:
    try:
        payload = signing.loads(token or "", salt=TOKEN_SALT)
    except signing.BadSignature:
        raise _field_error("token", _("This verification link is not valid: open the link from the email as it is, "
                                      "or ask for a new one.")) from None
    if not isinstance(payload, dict) or not {"u", "e", "t"} <= set(payload):
        raise _field_error("token", _("This verification link is not valid."))
    issued_at = datetime.fromtimestamp(int(payload["t"]), tz=timezone.get_current_timezone())
    if as_of - issued_at > VERIFICATION_VALID_FOR:
        raise VerificationExpired(
            _("This verification link has expired: a link is valid for %(days)s days. Log in and ask for a new "
              "one.") % {"days": VERIFICATION_VALID_FOR.days},
            fields={"token": [_("expired: a link is valid for %(days)s days") % {"days": VERIFICATION_VALID_FOR.days}]},
        )
    return payload


@transactional
def backer_verify_email(*, token: str, as_of: datetime) -> User:
    """Mark the address of the token's user verified (이메일 인증) as of ``as_of``. Verifying again changes nothing
    (and records nothing): the first time stands. Raises ValidationFailed on ``token`` when it is tampered with,
    not ours, or for an address the user no longer has; VerificationExpired (a ValidationFailed) when it is older
    than 3 days."""
    payload = _read_token(token, as_of)
    user = User.objects.select_for_update().filter(pk=payload["u"]).first()
    if user is None or normalize_email(user.email) != payload["e"]:
        raise _field_error("token", _("This verification link is for an address this account no longer has."))
    if user.email_verified_at is not None:
        return user
    user.email_verified_at = as_of
    user.save(update_fields=["email_verified_at"])
    audit_record(actor=user, action=BACKER_EMAIL_VERIFY, obj=user, occurred_at=as_of,
                 before={"email_verified_at": None}, after={"email": user.email, "email_verified_at": as_of})
    return user


@transactional
def backer_resend_verification(*, user: User, as_of: datetime, site_url: str = "") -> None:
    """Send the verification email again, with a new link (the earlier ones stay valid until they expire). Raises
    InvalidState when the address is verified already, ValidationFailed on ``email`` when the user has none."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_verified_at is not None:
        raise InvalidState(_("Your email address is verified already (state: verified); there is nothing to send."))
    if not user.email:
        raise _field_error("email", _("This account has no email address to verify."))
    audit_record(actor=user, action=BACKER_VERIFICATION_RESEND, obj=user, occurred_at=as_of,
                 after={"email": user.email})
    _ask_for_email(user, as_of=as_of, site_url=site_url)


def require_verified_email(user: Any) -> None:
    """The rule before a backer's first pledge: its email address must be verified. Raises EmailNotVerified (403)
    saying so, and how."""
    if getattr(user, "email_verified_at", None) is None:
        raise EmailNotVerified(_("Verify your email address before your first pledge: open the link we sent to it, "
                                 "or ask for a new one."))
