"""Local stand-ins for the outside parties the system talks to (DESIGN.md, "Outside parties").

Each is its own small program with no Django and no import of the project: it behaves like the real party (its
protocol, its refusals, its delays, its signed callbacks) so that the demo, the tests and ``make e2e`` meet the same
behaviour production meets, and a real party plugs in by settings.
"""
