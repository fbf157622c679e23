"""Package discovery that pyproject.toml alone cannot express: the top-level data folders schemas/ and
mappings/ are shipped as subpackages of hub.resources (see [tool.setuptools.package-dir])."""

from pathlib import Path

from setuptools import find_namespace_packages, setup


def data_packages(folder: str, prefix: str) -> list[str]:
    found = find_namespace_packages(where=str(Path(__file__).parent / folder), exclude=["*__pycache__"])
    return [prefix] + [f"{prefix}.{name}" for name in found]


setup(
    # namespace discovery: data-only folders such as hub/db/migrations carry no __init__.py
    packages=find_namespace_packages(include=["hub", "hub.*", "connectors", "connectors.*"], exclude=["*.__pycache__"])
    + data_packages("schemas", "hub.resources.schemas")
    + data_packages("mappings", "hub.resources.mappings"),
)
