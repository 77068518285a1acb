"""Evaluation reports (annual / mid-term / final) as Word, PDF and an Excel data annex."""
