"""Writing and checking what comes out: frames and folders, validation, comparison, panels, reports, publication."""
