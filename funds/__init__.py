"""Revolving funds (사회적경제활성화기금): funds, loan products, applications, loans, schedules, repayments."""
