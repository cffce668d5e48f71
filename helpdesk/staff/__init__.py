"""Staff accounts, roles, sessions and the audit log (issue "Help desk")."""
