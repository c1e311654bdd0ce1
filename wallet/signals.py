"""Wallet follows the loyalty events: cards whose balance or level changed are updated (see wallet.services)."""
