#!/usr/bin/env python3
"""Writes a client crate's model files from its field list.

    python3 codegen/models.py crates/lightspeed-ecom && cargo fmt

reads `<crate>/codegen/models.txt` and writes `<crate>/src/model/<file>_gen.rs` for each
`file <name> <doc>` line of it. The generated files are committed; edit the field lists, not
the output. The kinds (and the serde helpers each one uses, in `lightspeed_core::fields` and
`lightspeed_core::lenient`) are documented at the top of each field list.
"""
import os
import sys

SKIP = 'skip_serializing_if = "Option::is_none"'

MODEL_KINDS = {
    'str': ('Option<String>', 'default, with = "lightspeed_core::fields::text", ' + SKIP),
    'fstr': ('Option<String>', 'default, with = "lightspeed_core::fields::falsy_text"'),
    'dec': ('Option<Decimal>', 'default, with = "lightspeed_core::lenient::option_decimal", ' + SKIP),
    'dectext': ('Option<Decimal>', 'default, with = "lightspeed_core::fields::decimal_text", ' + SKIP),
    'int': ('Option<i64>', 'default, with = "lightspeed_core::lenient::option_i64", ' + SKIP),
    'fint': ('Option<i64>', 'default, with = "lightspeed_core::fields::falsy_int"'),
    'bool': ('Option<bool>', 'default, with = "lightspeed_core::lenient::option_bool", ' + SKIP),
    'ts': ('Option<DateTime<FixedOffset>>', 'default, with = "lightspeed_core::fields::time", ' + SKIP),
    'fdate': ('Option<NaiveDate>', 'default, with = "lightspeed_core::fields::falsy_date"'),
    'list': ('Option<ListLink>', 'default, with = "lightspeed_core::fields::falsy"'),
    'json': ('Option<Value>', 'default, ' + SKIP),
    'secret': ('Option<SecretText>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
    'stime': ('Option<DateTime<Utc>>', 'default, with = "lightspeed_core::fields::space_time", ' + SKIP),
}
MODEL_GENERIC = {
    'link': ('Option<Link<{}>>', 'default, with = "lightspeed_core::fields::falsy"'),
    'enum': ('Option<{}>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
    'obj': ('Option<{}>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
    'fobj': ('Option<{}>', 'default, with = "lightspeed_core::fields::falsy"'),
    'vec': ('Option<Vec<{}>>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
}
INPUT_KINDS = {
    'str': ('Option<String>', 'default, with = "lightspeed_core::fields::text", ' + SKIP),
    'dec': ('Option<Decimal>', 'default, with = "lightspeed_core::lenient::option_decimal", ' + SKIP),
    'dectext': ('Option<Decimal>', 'default, with = "lightspeed_core::fields::decimal_text", ' + SKIP),
    'int': ('Option<i64>', 'default, with = "lightspeed_core::lenient::option_i64", ' + SKIP),
    'bool': ('Option<bool>', 'default, with = "lightspeed_core::lenient::option_bool", ' + SKIP),
    'stime': ('Option<DateTime<Utc>>', 'default, with = "lightspeed_core::fields::space_time", ' + SKIP),
    'json': ('Option<Value>', 'default, ' + SKIP),
}
INPUT_GENERIC = {
    'enum': ('Option<{}>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
    'val': ('Option<{}>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
    'obj': ('Option<{}>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
    'vec': ('Option<Vec<{}>>', 'default, with = "lightspeed_core::fields::opt", ' + SKIP),
}



def camel(name):
    head, *rest = name.split('_')
    return head + ''.join(p[:1].upper() + p[1:] for p in rest)


def parse(path):
    blocks = []
    files = {}
    groups = {}
    naming = camel
    target = None  # the field list lines go to: a block's, or a group's
    for raw in open(path, encoding='utf-8'):
        line = raw.rstrip('\n')
        if line.startswith('#'):
            continue
        if not line.strip():
            if target is not None and target is not (blocks[-1]['fields'] if blocks else None):
                target = None  # a group ends at a blank line
            continue
        if line.startswith('naming '):
            naming = {'camel': camel, 'snake': lambda n: n}[line.split()[1]]
            continue
        if line.startswith('file '):
            _, name, doc = line.split(' ', 2)
            files[name] = doc
            continue
        if line.startswith('group '):
            target = groups.setdefault(line.split()[1], [])
            continue
        if line.startswith('use '):
            target.extend(groups[line.split()[1]])
            continue
        if line.startswith('model ') or line.startswith('input '):
            role, name, file, doc = line.split(' ', 3)
            blocks.append({'role': role, 'name': name, 'file': file, 'doc': doc, 'fields': []})
            target = blocks[-1]['fields']
            continue
        body, _, doc = line.partition(' # ')
        parts = body.split()
        name, kind = parts[0], parts[1]
        json_name = parts[2] if len(parts) > 2 else naming(name)
        target.append((name, kind, json_name, doc.strip()))
    return files, blocks


def field(role, name, kind, json_name, doc):
    if kind.startswith('id:'):
        return f'    /// {doc}\n    #[serde(rename = "{json_name}")]\n    pub {name}: {kind[3:]},\n'
    simple = MODEL_KINDS if role == 'model' else INPUT_KINDS
    generic = MODEL_GENERIC if role == 'model' else INPUT_GENERIC
    if kind in simple:
        ty, attrs = simple[kind]
    else:
        base, _, arg = kind.partition(':')
        ty, attrs = generic[base]
        ty = ty.format(arg)
    return f'    /// {doc}\n    #[serde(rename = "{json_name}", {attrs})]\n    pub {name}: {ty},\n'


def render(blocks, file, doc):
    out = [f'//! {doc}\n//!\n//! Generated by `codegen/models.py` (workspace root) from `codegen/models.txt` of this crate;\n//! edit the field lists there.\n\n',
           '#![allow(unused_imports)]\n\n',
           'use chrono::{DateTime, FixedOffset, NaiveDate, Utc};\n',
           'use rust_decimal::Decimal;\n',
           'use serde::{Deserialize, Serialize};\n',
           'use serde_json::{Map, Value};\n\n',
           'use lightspeed_core::fields::SecretText;\n',
           'use super::*;\n\n']
    for b in blocks:
        if b['file'] != file:
            continue
        out.append(f"/// {b['doc']}\n")
        out.append('#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]\n')
        if b['role'] == 'model':
            out.append('#[non_exhaustive]\n')
        out.append(f"pub struct {b['name']} {{\n")
        for f in b['fields']:
            out.append(field(b['role'], *f))
        if b['role'] == 'model':
            out.append('    /// Fields this crate does not model, kept as received so that they encode back.\n')
        else:
            out.append('    /// Fields to send that this crate does not model yet (written as given).\n')
        out.append('    #[serde(flatten)]\n    pub extra: Map<String, Value>,\n}\n\n')
    return ''.join(out)


crate = sys.argv[1] if len(sys.argv) > 1 else '.'
files, blocks = parse(os.path.join(crate, 'codegen', 'models.txt'))
for file, doc in files.items():
    with open(os.path.join(crate, 'src', 'model', f'{file}_gen.rs'), 'w', encoding='utf-8') as fh:
        fh.write(render(blocks, file, doc))
