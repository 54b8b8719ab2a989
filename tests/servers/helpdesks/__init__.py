"""Contract servers for the SaaS helpdesks: in-memory tickets on 127.0.0.1 that accept only the
requests each vendor documents for what we use (tests/integration/helpdesks)."""
