"""The demo: synthetic, realistic reports submitted through the real HTTP API."""
