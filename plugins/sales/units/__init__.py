"""Units and sales control (SAL-12–15, SAL-29): the state machine, its log, the board, prices."""
