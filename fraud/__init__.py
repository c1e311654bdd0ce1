"""Abuse and fraud flags (issue #27): rules that flag guests and staff, the review queue, freezes and alerts."""
