"""The one name for JSON-shaped data: documents as parsed, decisions and reports as stored.

Any here is the boundary itself: such data comes from YAML/JSON parsing or goes to
`json.dumps` / canonical JSON, and its shape is checked there (pydantic validation of
documents, the documented output formats), not by mypy. A recursive alias would make every
read of a nested value a cast, so the values stay Any and the dicts are named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

JsonObject: TypeAlias = dict[str, Any]  # Any: JSON values (see the module docstring)
JsonMapping: TypeAlias = Mapping[str, Any]  # read-only view of the same
# A fact or literal value as CEL sees it: whatever JSON holds (object, array, string, number,
# bool, null). Any: such values are checked against the fact schema, not by mypy.
JsonValue: TypeAlias = Any
