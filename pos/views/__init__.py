"""Pages of the pos app: the till (till.py) and the restaurants with their POS connections (restaurants.py)."""
