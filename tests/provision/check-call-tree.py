#!/usr/bin/env python3
# The job engine's files call one way (src/provision/onb-run-private.h):
# a file may call (or take the address of) functions of files below it,
# never of a file that calls it back. Prints each file with the files it
# uses and fails on a cycle.
#
# usage: check-call-tree.py SRC_PROVISION_DIR

import pathlib
import re
import sys

# Functions other files can call: not static, the name at the start of a
# line (the project's style).
DEFINITION = re.compile(r'^(?!static\b)(?:const\s+)?[A-Za-z_][\w \*]*\n([a-z_][a-z0-9_]*) \(', re.M)
IDENTIFIER = re.compile(r'\b([a-z_][a-z0-9_]*)\b')
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def main():
    root = pathlib.Path(sys.argv[1])
    texts = {p.name: STRING.sub('""', COMMENT.sub(' ', p.read_text())) for p in sorted(root.glob('*.c'))}
    defined = {name: set(DEFINITION.findall(text)) for name, text in texts.items()}
    owner = {}
    for name, functions in defined.items():
        for function in functions:
            owner.setdefault(function, set()).add(name)

    uses = {}
    for name, text in texts.items():
        used = set()
        for identifier in IDENTIFIER.findall(text):
            for other in owner.get(identifier, ()):
                if other != name:
                    used.add(other)
        uses[name] = used

    for name in sorted(uses):
        print(f'{name} -> {", ".join(sorted(uses[name])) or "(nothing)"}')

    # Depth-first search for a cycle.
    state = {}
    path = []

    def visit(name):
        state[name] = 'open'
        path.append(name)
        for other in sorted(uses[name]):
            if state.get(other) == 'open':
                cycle = path[path.index(other):] + [other]
                sys.exit('call cycle: ' + ' -> '.join(cycle))
            if other not in state:
                visit(other)
        path.pop()
        state[name] = 'done'

    for name in sorted(uses):
        if name not in state:
            visit(name)
    print('no call cycle')


if __name__ == '__main__':
    main()
