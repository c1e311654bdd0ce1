"""Reaching guests in bulk: saved segments (who), and the campaigns sent to them (later in #26)."""
