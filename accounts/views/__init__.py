"""Pages of the accounts app: sign-in and hand-off (auth.py), staff management (staff.py), the layout's chain and
restaurant switchers (switchers.py)."""
