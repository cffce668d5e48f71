"""Pseudonymous demand events and the organisers' view of demand against supply."""
