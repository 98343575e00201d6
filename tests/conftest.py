pytest_plugins = ["r9s.testing.pytest_plugin"]
