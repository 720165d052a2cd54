"""Lists submitted by parties (persons held, persons sought) and their reconciliation."""
