"""The platform every capability builds on: configuration, errors, validation, JSON,
typed app keys, auth, outbound HTTP policy, middleware, rate limits, i18n and the OpenAPI
helpers. It imports no capability (escalation, cobrowse, media, signaling, web)."""
