"""Background jobs of the kernel's users: the backers' verification emails, sent after the commit that asked."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .backers import verification_email_send


@shared_task(name="enterprises.send_verification_email", acks_late=True)
def send_verification_email(user_id: int, site_url: str) -> bool:
    """Send ``user_id``'s verification email with a link issued now. Run twice (a redelivery), it sends a second,
    equally valid link; once the address is verified, it sends nothing."""
    return verification_email_send(user_id=user_id, site_url=site_url, as_of=timezone.now())
