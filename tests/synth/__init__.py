"""Synthetic final-accounts PDFs in every layout of the national format (see generate.py)."""
