"""Backup and restore of a whole DiODo system: the app database, Rasa's tracker store and
a reference to the keys (``diodo backup`` / ``diodo restore``, docs/operations.md)."""
