"""Pages of the accounts app: sign-in and hand-off (auth.py), staff management (staff.py)."""
