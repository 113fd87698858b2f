"""Consent registry core: scope matching, validity, replicas."""
