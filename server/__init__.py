"""coview server. ``server.platform`` is the ground floor every capability builds on;
the modules here (``app``, ``cli``, ``seed``, ``health``, ``api_docs``) are the
composition root that wires the capabilities together; ``admin`` and ``privacy`` are the
server-wide capabilities (settings, audit, consents, data requests)."""
