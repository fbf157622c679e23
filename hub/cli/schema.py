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
    """Write the JSON Schemas of the canonical documents (DIRECTORY/canonical/) and of mapping files
    (DIRECTORY/mapping.schema.json). DIRECTORY defaults to the published schemas/ folder."""
    from hub.canonical.schema import export_schemas, schema_dir
    from hub.mapping.loader import render_mapping_schema

    root = directory or schema_dir().parent
    for path in export_schemas(root / "canonical"):
        click.echo(str(path))
    mapping_schema = root / "mapping.schema.json"
    mapping_schema.write_text(render_mapping_schema(), encoding="utf-8")
    click.echo(str(mapping_schema))
