"""Channel adapters (web chat now; Telegram and SMS later), the Rasa client and delivery."""
