"""Helpers shared by the test suites: npm peers, Prism, process cleanup."""
