"""Assessment: indicator values against targets, statuses, key-project and task progress."""
