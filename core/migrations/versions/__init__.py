"""The core's revisions (branch ``core``)."""
