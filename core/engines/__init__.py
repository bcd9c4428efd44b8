"""Pure calculation engines: plain ``Decimal``, ``date`` and frozen dataclasses in and out; no Django, no database,
no ledger, no clock (an import-linter contract keeps it so). Services lock rows, load plain values, call an engine,
write back what changed and post its effects. Engines are what the known-answer and property tests aim at."""
