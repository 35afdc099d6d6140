"""The container tests' own footing: the engine runs the locally built plugin image."""

from __future__ import annotations

import asyncio

from tests.services.docker import docker_engine, plugin_image  # noqa: F401 - fixtures used by name


async def _run(image: str, argv: list[str], env: list[str]) -> tuple[int, str]:
    import aiodocker

    async with aiodocker.Docker() as docker:
        config = {"Image": image, "Cmd": argv, "Env": env, "Labels": {"org.meltano.test": "1"}}
        container = await docker.containers.create(config)
        try:
            await container.start()
            status = await asyncio.wait_for(container.wait(), 60)
            output = "".join(await container.log(stdout=True))
        finally:
            await container.delete(force=True)
    return int(status["StatusCode"]), output


def test_plugin_image_runs_the_stdlib_tap(plugin_image: str) -> None:
    code, output = asyncio.run(_run(plugin_image, ["tap-counter"], ["TAP_COUNTER_RECORDS=3"]))
    assert code == 0
    assert output.count('"type":"RECORD"') == 3


def test_plugin_image_exit_code_is_the_scripts(plugin_image: str) -> None:
    env = ["TAP_COUNTER_RECORDS=3", "TAP_COUNTER_EXIT_AT=2", "TAP_COUNTER_EXIT_CODE=9"]
    code, _ = asyncio.run(_run(plugin_image, ["tap-counter"], env))
    assert code == 9
