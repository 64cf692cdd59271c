"""Admin of the price list (paid services)."""
