"""Supervision of pollution sources beyond monitoring: rules that act (dust spraying …)."""
