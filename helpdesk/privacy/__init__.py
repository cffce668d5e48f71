"""Data protection (DSGVO): contact encryption, notice, erasure, retention, export."""
