"""The closed loop 高效处置一件事 as the console takes part in it: the lifecycle's rules, SLA clocks,
commands (journal first, then sent), auto-escalation, operators and roles, the audit trail, the
operators' history and the handover report. Qt-free."""
