"""Server-rendered pages, static files and HTTP-level guards."""
