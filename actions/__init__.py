"""Custom Rasa actions. Thin: they translate between the dialogue and the app's internal API."""
