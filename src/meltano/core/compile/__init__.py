"""`meltano compile`: JSON manifests of the project, one per environment."""
