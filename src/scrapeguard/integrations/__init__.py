"""Inline protection: ASGI and WSGI middleware, Django and Flask adapters, client addresses."""
