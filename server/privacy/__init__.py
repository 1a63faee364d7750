"""Privacy and compliance: consent records, encryption at rest of files about
customers and access to them (see docs/privacy.md). ``routes.setup`` installs it."""
