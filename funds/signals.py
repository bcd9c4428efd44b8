"""Signals of the revolving funds, for the apps built on them (which this app does not import)."""

from django.dispatch import Signal

# Sent inside the transaction that records a new repayment (not a replay): ``actor``, ``repayment``. A receiver's
# exception rolls the repayment back, so receivers only add to the transaction (a row, an outbox message).
repayment_made = Signal()
