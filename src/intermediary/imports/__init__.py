"""Imports of person lists into the registry (CSV, XLSX), their jobs and the person exports."""
