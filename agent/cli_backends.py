"""`sound2sight backends`: every role's kinds, built in or from a plugin, and what each needs.

Nothing heavy is imported: the listing reads the registry's tables and the installed plugins'
entry points, and checks whether an extra's packages are installed without importing them.
"""

import argparse
import json

from tools.registry import (
    BACKENDS,
    DEFAULTS,
    KIND_EXTRAS,
    PLUGIN_GROUP,
    extra_installed,
    plugins,
    role_methods,
)
from tools.types import ROLES


def add_backends_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backends", help="list every role's backends (built in and plugins) and what each needs"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(command=cmd_backends)


def backend_table() -> dict:
    """{"roles": [{"role", "methods", "default", "kinds": [{"kind", "target", "source",
    "extra", "installed"}]}], "ignored": [{"entry_point", "distribution", "problem"}]}."""
    roles = []
    for role in ROLES:
        rows = [_row(kind, target, "built-in") for kind, target in BACKENDS.get(role, {}).items()]
        rows += [
            _row(p.kind, p.target, f"plugin {p.distribution}")
            for p in plugins()
            if p.role == role and p.problem is None
        ]
        roles.append(
            {
                "role": role,
                "methods": role_methods(role),
                "default": DEFAULTS.get(role),
                "kinds": rows,
            }
        )
    ignored = [
        {"entry_point": f"{p.role}.{p.kind}", "distribution": p.distribution, "problem": p.problem}
        for p in plugins()
        if p.problem is not None
    ]
    return {"roles": roles, "ignored": ignored}


def _row(kind: str, target: str, source: str) -> dict:
    extra = KIND_EXTRAS.get(kind) if source == "built-in" else None
    return {
        "kind": kind,
        "target": target,
        "source": source,
        "extra": extra,
        "installed": extra_installed(extra) if extra else True,
    }


def cmd_backends(args: argparse.Namespace) -> int:
    table = backend_table()
    if args.json:
        print(json.dumps(table))
        return 0
    for role in table["roles"]:
        print(f"{role['role']} (has {', '.join(role['methods'])})")
        for row in role["kinds"]:
            mark = "*" if row["kind"] == role["default"] else " "
            if row["extra"]:
                state = "installed" if row["installed"] else "not installed"
                needs = f"needs sound2sight[{row['extra']}] ({state})"
            else:
                needs = "no extra"
            print(f"  {mark}{row['kind']:<13} {row['source']:<20} {needs}")
    for item in table["ignored"]:
        print(f"ignored {item['entry_point']} from {item['distribution']}: {item['problem']}")
    print(f"* the default. Plugins: entry points in the group {PLUGIN_GROUP!r}, named ROLE.KIND.")
    return 0
