"""`--lint`: check a project and its manifest against the meltano.yml JSON Schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meltano.core.project.validate import schema


def problems(document: Mapping[str, Any]) -> list[str]:
    """Schema violations in `document`, each as `path: message` (empty when it is valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    found = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        location = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        found.append(f"{location}: {error.message}")
    return found
