"""Points ledger, levels, rules and promos."""
