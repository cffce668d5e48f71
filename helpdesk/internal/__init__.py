"""The internal API the Rasa action server calls (shared secret, localhost by default)."""
