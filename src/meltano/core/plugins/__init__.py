"""Plugins of a project: types, definitions, project entries, lock files and the Hub."""
