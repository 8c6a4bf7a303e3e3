#!/usr/bin/env python3
"""Counts the public items at the root of a crate from its lib.rs: every name
a `pub use` brings (not `#[doc(hidden)]`), every `pub fn`/`pub static`/`pub
const`/`pub struct`..., and separately the public modules."""
import re, sys
text = sys.stdin.read()
text = re.sub(r'//[^\n]*', '', text)
items, modules = [], []
hidden = False
for m in re.finditer(r'(#\[doc\(hidden\)\]\s*)?(?:#\[(?:cfg|path)[^\]]*\]\s*)*pub (use|mod|fn|static|const|struct|enum|trait|type) ([^;{(]*)', text):
    if m.group(1):
        continue
    kind, rest = m.group(2), m.group(3).strip()
    if kind == 'mod':
        modules.append(rest.split()[0])
    elif kind == 'use':
        body = text[m.start(3):text.index(';', m.start(3))]
        if '{' in body:
            inner = body[body.index('{') + 1:body.rindex('}')]
            names = [n.strip().split(' as ')[-1].split('::')[-1] for n in re.split(r',(?![^{]*\})', inner) if n.strip()]
        else:
            names = [body.strip().split(' as ')[-1].split('::')[-1]]
        items += names
    else:
        items.append(rest.split()[0].split('<')[0])
print(f"{len(items)} items at the root: {', '.join(sorted(set(items)))}")
print(f"{len(modules)} public modules: {', '.join(modules)}")
