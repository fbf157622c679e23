"""``orderhub schema``: the published JSON Schemas of the canonical model."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("schema")
def group() -> None:
    """JSON Schemas of the canonical model."""


@group.command("export")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path | None) -> None:
    """Write every canonical document's JSON Schema to DIRECTORY (default: the published schemas/canonical)."""
    from hub.canonical.schema import export_schemas, schema_dir

    for path in export_schemas(directory or schema_dir()):
        click.echo(str(path))
