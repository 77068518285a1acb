"""Operating a workspace on a server: service files (``deploy``), backup and restore."""
