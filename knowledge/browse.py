"""Browse the knowledge base read-only in Datasette, with the shipped ``knowledge/metadata.json``.

Datasette names a database after its file (``medlens.db`` -> ``medlens``), and the metadata's table rules
(users hidden and denied, no custom SQL) apply only under that name; so the metadata is rewritten for the
file actually served. Datasette only reads the file, and custom SQL is switched off.

>>> metadata_for("data/my-library.db")["databases"].keys()
dict_keys(['my-library'])
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

METADATA_PATH = Path(__file__).resolve().parent / "metadata.json"


def metadata_for(db_path: str | os.PathLike) -> dict:
    """The shipped metadata with its one database entry named after ``db_path``'s file."""
    meta = json.loads(METADATA_PATH.read_text(encoding="utf-8"))
    (spec,) = meta["databases"].values()
    meta["databases"] = {Path(db_path).stem: spec}
    return meta


def datasette_command(db_path: str | os.PathLike, metadata_file: str | os.PathLike, *, port: int = 8001,
                      host: str = "127.0.0.1") -> list[str]:
    """The ``datasette serve`` command line for the knowledge base (custom SQL off in two places)."""
    if not 0 < int(port) < 65536:
        raise ValueError(f"Port {port} is not a port number: use 1-65535, e.g. 8001.")
    return [sys.executable, "-m", "datasette", "serve", str(db_path), "--metadata", str(metadata_file),
            "--host", host, "--port", str(int(port)), "--setting", "default_allow_sql", "off"]
