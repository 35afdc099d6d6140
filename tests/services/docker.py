"""Fixtures for tests that need a Docker Engine and the locally built test images.

`.ci/services.sh` starts the engine (Debian's `docker.io`) and builds the images once per
machine (tests/services/images.py); here they are only checked, or the plugin image rebuilt
when a script of tests/plugins changed. Without an engine the tests skip with the reason,
except under CI, where they fail.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.services.images import ImageUnavailableError, base_tag, build_images
from tests.services.servers import unavailable


async def _engine_version() -> str:
    import aiodocker

    async with aiodocker.Docker() as docker:
        version = await docker.version()
    return f"{version.get('Version')} (API {version.get('ApiVersion')})"


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The Docker Engine that DOCKER_HOST (or the default socket) names; its version."""
    try:
        return asyncio.run(_engine_version())
    except Exception as error:  # aiodocker raises several types for "nothing listens there"
        unavailable(f"no Docker Engine is reachable: {error}")


@pytest.fixture(scope="session")
def plugin_image(docker_engine: str) -> str:
    """The tag of an image with tap-counter, target-jsonl and mapper-upper on PATH."""
    try:
        return asyncio.run(build_images())
    except ImageUnavailableError as error:
        unavailable(f"the container test images ({base_tag()} and its plugin layer): {error}")
