"""A local stand-in for a Korean card payment gateway (shaped like Toss Payments' API): see README.md.

No Django and no import of the project: it is an outside party, run as its own process
(``python -m standins.payment_provider``) or, in the tests, in a thread (``server.RunningProvider``).
"""
