"""coview server: application factory, configuration, auth and HTTP plumbing."""
