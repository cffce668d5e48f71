"""E-mail notifications to staff: urgent tickets and passed first-response deadlines."""
