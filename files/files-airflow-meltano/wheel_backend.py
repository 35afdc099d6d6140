"""A PEP 517 build backend with no dependencies: packs `bundle/` into a pure-Python wheel."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

NAME, VERSION = "files_airflow_meltano", "1.0.0"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
HERE = Path(__file__).parent


def _files() -> dict[str, bytes]:
    files = {
        path.relative_to(HERE).as_posix(): path.read_bytes()
        for path in sorted((HERE / "bundle").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    files[f"{DIST_INFO}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: files-airflow-meltano\nVersion: {VERSION}\n"
    ).encode()
    files[f"{DIST_INFO}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: wheel_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    return files


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(
    wheel_directory: str, config_settings: object = None, metadata_directory: object = None
) -> str:
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = _files()
    record = [_record_line(path, data) for path, data in files.items()]
    record.append(f"{DIST_INFO}/RECORD,,")
    with zipfile.ZipFile(Path(wheel_directory) / filename, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
        wheel.writestr(f"{DIST_INFO}/RECORD", "\n".join(record) + "\n")
    return filename


def get_requires_for_build_wheel(config_settings: object = None) -> list[str]:
    return []


build_editable = build_wheel
