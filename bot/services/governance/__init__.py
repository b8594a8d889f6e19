"""Who may do what, the record of what was done, and doing it once only."""
