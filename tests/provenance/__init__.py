"""Tests for media provenance: inspection, classification, dev CA and signing."""
