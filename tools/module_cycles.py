#!/usr/bin/env python3
"""Prints the imports between the top-level modules of a crate's `src/`
(every `crate::<module>` path in a module's files, comments left out) and
every cycle among them. Exits 1 when there is a cycle.

    python3 tools/module_cycles.py events-protocol/src
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "events-protocol/src")
# names the crate root re-exports (`pub use module::{A, B}`), by module, so
# that `crate::A` counts as an import of `module`
reexported = {}
lib = re.sub(r"//[^\n]*", "", (root / "lib.rs").read_text())
for module, names in re.findall(r"pub use ([a-z_][a-z0-9_]*)::(\{[^}]*\}|\w+);", lib):
    for name in re.findall(r"\w+", names):
        reexported[name] = module
modules = {}
for path in sorted(root.rglob("*.rs")):
    relative = path.relative_to(root)
    module = relative.parts[0].removesuffix(".rs")
    if module in ("lib", "main"):
        continue
    text = re.sub(r"//[^\n]*", "", path.read_text())
    named = set(re.findall(r"\bcrate::(\w+)", text))
    # `crate::{a, b::c, D}` groups
    for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
        named |= set(re.findall(r"(?:^|,)\s*(\w+)", group))
    used = {reexported.get(name, name) for name in named}
    modules.setdefault(module, set()).update(used)
known = set(modules)
edges = {m: sorted(u & known - {m}) for m, u in modules.items()}

def reaches(start, goal, seen=None):
    seen = seen or set()
    for next_module in edges[start]:
        if next_module == goal:
            return True
        if next_module not in seen:
            seen.add(next_module)
            if reaches(next_module, goal, seen):
                return True
    return False

for module in sorted(edges):
    print(f"{module} -> {', '.join(edges[module]) or '(nothing)'}")
cycles = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if reaches(b, a)})
print(f"{len(cycles)} imports inside a cycle among {len(edges)} modules")
for a, b in cycles:
    print(f"  {a} <-> {b}")
sys.exit(1 if cycles else 0)
