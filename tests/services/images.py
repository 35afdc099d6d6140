"""Docker images for the container tests, built on this machine: CI reaches no image registry.

- base: a minimal Debian root filesystem with python3 from Debian's packages, assembled by
  `mmdebstrap` and added onto an empty image (`FROM scratch` + `ADD rootfs.tar /`, which is
  what `docker import` does, through the API).
- plugins: the base plus the stdlib Singer scripts of tests/plugins as `tap-counter`,
  `target-jsonl` and `mapper-upper` on PATH.

Each is tagged by a hash of what it is built from, so a machine builds it once and every later
test run reuses it; editing a script gives the plugin image a new tag (those of other scripts
are removed a day after they were built).
The base takes ~15 s and a Debian mirror; the plugin image about a second.

`python -m tests.services.images` builds both and prints the plugin image's tag
(`.ci/services.sh` runs it so that the tests do not pay for the first build).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import IO, Any

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
SUITE = "bookworm"
#: Extracted, not installed: no maintainer script runs, so no dpkg or apt in the image.
PACKAGES = ("python3-minimal", "libpython3.11-stdlib", "coreutils", "dash")
EXCLUDED = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*")
BASE_REPOSITORY = "meltano-test-base"
PLUGIN_REPOSITORY = "meltano-test-plugins"
SCRIPTS = {
    "tap_counter.py": "tap-counter",
    "target_jsonl.py": "target-jsonl",
    "mapper_upper.py": "mapper-upper",
}
LABEL = "org.meltano.test-image"
BUILD_TIMEOUT = 600.0
#: Age after which a plugin image of other scripts is removed.
PRUNE_AFTER_SECONDS = 86_400


class ImageUnavailableError(RuntimeError):
    """The test images cannot be built here; the message says why."""


def base_tag() -> str:
    recipe = "\n".join([SUITE, *PACKAGES, *EXCLUDED])
    return f"{BASE_REPOSITORY}:{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def plugin_dockerfile(base: str) -> str:
    lines = [f"FROM {base}"]
    lines += [f"COPY {script} /usr/local/bin/{name}" for script, name in SCRIPTS.items()]
    lines.append(f'LABEL {LABEL}="plugins"')
    return "\n".join(lines) + "\n"


def plugin_tag(base_id: str) -> str:
    digest = hashlib.sha256(base_id.encode())
    digest.update(plugin_dockerfile(base_id).encode())
    for script in SCRIPTS:
        digest.update((PLUGINS / script).read_bytes())
    return f"{PLUGIN_REPOSITORY}:{digest.hexdigest()[:12]}"


def _write_context(archive: IO[bytes], files: dict[str, tuple[bytes | Path, int]]) -> None:
    """A build context: an uncompressed tar of `name -> (content or file, mode)`."""
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name, (content, mode) in files.items():
            if isinstance(content, Path):
                info = tar.gettarinfo(str(content), arcname=name)
                info.mode = mode
                with content.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(content), mode
                tar.addfile(info, io.BytesIO(content))
    archive.seek(0)


async def _image_id(docker: Any, tag: str) -> str | None:
    from aiodocker.exceptions import DockerError

    try:
        return str((await docker.images.inspect(tag))["Id"])
    except DockerError as error:
        if error.status == 404:
            return None
        raise


async def _build(docker: Any, tag: str, files: dict[str, tuple[bytes | Path, int]]) -> str:
    with tempfile.TemporaryFile() as context:
        _write_context(context, files)
        await docker.images.build(
            fileobj=context, encoding="identity", tag=tag, rm=True, forcerm=True
        )
    image_id = await _image_id(docker, tag)
    if image_id is None:
        raise ImageUnavailableError(f"docker build finished without an image tagged {tag}")
    return image_id


def _rootfs(directory: Path) -> Path:
    """A Debian root filesystem tarball with python3, from the Debian mirror."""
    if shutil.which("mmdebstrap") is None:
        raise ImageUnavailableError(
            "mmdebstrap is not installed, so the base test image cannot be built "
            "(`apt-get install mmdebstrap`, or run .ci/services.sh)"
        )
    target = directory / "rootfs.tar"
    argv = [
        "mmdebstrap",
        "--quiet",
        "--variant=extract",
        f"--include={','.join(PACKAGES)}",
        *(f"--dpkgopt=path-exclude={pattern}" for pattern in EXCLUDED),
        SUITE,
        str(target),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if done.returncode != 0:
        raise ImageUnavailableError(f"mmdebstrap failed ({done.returncode}): {done.stderr[-2000:]}")
    return target


async def _base(docker: Any) -> str:
    tag = base_tag()
    existing = await _image_id(docker, tag)
    if existing is not None:
        return existing
    with tempfile.TemporaryDirectory(prefix="meltano-rootfs-") as directory:
        rootfs = await asyncio.to_thread(_rootfs, Path(directory))
        dockerfile = f'FROM scratch\nADD rootfs.tar /\nLABEL {LABEL}="base"\nCMD ["python3"]\n'
        return await _build(
            docker, tag, {"Dockerfile": (dockerfile.encode(), 0o644), "rootfs.tar": (rootfs, 0o644)}
        )


async def _plugins(docker: Any, base_id: str) -> str:
    tag = plugin_tag(base_id)
    if await _image_id(docker, tag) is None:
        files: dict[str, tuple[bytes | Path, int]] = {
            "Dockerfile": (plugin_dockerfile(base_id).encode(), 0o644)
        }
        files.update({script: (PLUGINS / script, 0o755) for script in SCRIPTS})
        await _build(docker, tag, files)
        await _remove_older(docker, tag)
    return tag


async def _remove_older(docker: Any, keep: str) -> None:
    """Drop plugin images of earlier script versions built over a day ago.

    Recent ones stay: another checkout on this machine (a branch with other scripts) may be
    about to run a test with its own tag. They share the base layer, so each costs only the
    few kilobytes of its scripts.
    """
    from aiodocker.exceptions import DockerError

    cutoff = time.time() - PRUNE_AFTER_SECONDS
    for image in await docker.images.list(filters={"reference": [PLUGIN_REPOSITORY]}):
        if int(image.get("Created") or 0) > cutoff:
            continue
        for tag in image.get("RepoTags") or ():
            if tag != keep:
                with contextlib.suppress(DockerError):  # in use, or removed concurrently
                    await docker.images.delete(tag)


async def build_images() -> str:
    """Build (or reuse) the base and plugin images; return the plugin image's tag."""
    import aiodocker

    async with aiodocker.Docker() as docker:
        return await _plugins(docker, await _base(docker))


def main() -> int:
    try:
        print(asyncio.run(build_images()))
    except ImageUnavailableError as error:
        print(f"cannot build the container test images: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
