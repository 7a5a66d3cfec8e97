"""AWS plumbing shared by every part of django_ses: clients, endpoints, error codes."""
