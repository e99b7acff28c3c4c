"""The deployment's environment example, written from the ``Settings`` descriptions.

``python -m importbio.ops.env_example > deploy/importbio.env.example`` writes it;
``--check FILE`` exits 1 when the file is not what the settings say (a test runs that),
so the example names every setting with its current meaning and default.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from importbio.settings import Settings

_WIDTH = 98
_HEADER = """\
# importbio settings, one IMPORTBIO_* variable a line: a systemd EnvironmentFile
# (/etc/importbio/importbio.env) or a docker compose .env file.
# Written by `python -m importbio.ops.env_example` from the settings' own descriptions:
# regenerate it, do not edit it. A commented-out variable takes the default shown.
# Keep the real file readable by root and the importbio user only: it holds passwords.
"""


def _default_text(info: FieldInfo) -> str:
    default = info.default
    if default is PydanticUndefined or default is None:
        return "(unset)"
    if isinstance(default, str) and not default:
        return "(empty)"
    return str(default)


def render() -> str:
    """The environment example for the settings as they are now."""
    parts = [_HEADER]
    for name, info in Settings.model_fields.items():
        description = info.description or ""
        lines = textwrap.wrap(description, width=_WIDTH - 2) or [""]
        block = [f"# {line}" for line in lines]
        default = _default_text(info)
        block.append(f"# default: {default}")
        value = "" if default in ("(unset)", "(empty)") else default
        block.append(f"#IMPORTBIO_{name.upper()}={value}")
        parts.append("\n".join(block) + "\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    """Print the example, or with ``--check FILE`` say whether FILE is up to date."""
    if len(argv) == 2 and argv[0] == "--check":
        path = Path(argv[1])
        if not path.is_file() or path.read_text(encoding="utf-8") != render():
            print(
                f"{path} is not up to date: python -m importbio.ops.env_example > {path}",
                file=sys.stderr,
            )
            return 1
        return 0
    if argv:
        print("usage: python -m importbio.ops.env_example [--check FILE]", file=sys.stderr)
        return 2
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
