#!/usr/bin/python3
"""Fails if a file of the sans-I/O core (model/core/) includes ns-3 or an OS header.

The core is linked by the ns-3 model, the Linux daemons and the tests alike; an ns-3 or OS
include would tie it to one driver. Only the C++ standard library and other core headers
may be included. Also fails if a core header's basename is also used elsewhere in the tree
(ns-3 copies every module header flat into ns3/).
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), '..', '..'))
CORE = os.path.join(ROOT, 'model', 'core')
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# Standard C++ headers only; C headers under <c...> names are fine too.
FORBIDDEN = [
    (re.compile(r'^ns3/'), 'ns-3 header'),
    (re.compile(r'^(sys|netinet|arpa|linux|net|asm|bits)/'), 'OS header'),
    (re.compile(r'^(unistd|fcntl|poll|errno|signal|pthread|dlfcn|ifaddrs|netdb|termios|'
                r'stdio|stdlib|string|time|sched|syslog|pwd|grp)\.h$'), 'OS/C header'),
    (re.compile(r'^boost/'), 'third-party header'),
]


def core_files():
    for name in sorted(os.listdir(CORE)):
        if name.endswith(('.h', '.cc')):
            yield os.path.join(CORE, name)


def main():
    problems = []
    core_names = set()
    for path in core_files():
        core_names.add(os.path.basename(path))
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                quote, target = m.groups()
                for pattern, what in FORBIDDEN:
                    if pattern.search(target):
                        problems.append('%s:%d: %s <%s> in the sans-I/O core' %
                                        (os.path.relpath(path, ROOT), lineno, what, target))
                if quote == '"' and not os.path.exists(os.path.join(CORE, target)):
                    problems.append('%s:%d: "%s" is not a core header' %
                                    (os.path.relpath(path, ROOT), lineno, target))
    for folder in ('model', 'helper'):
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            if os.path.abspath(dirpath) == CORE:
                continue
            for name in files:
                if name.endswith('.h') and name in core_names:
                    problems.append('%s: header basename clashes with model/core/%s' %
                                    (os.path.relpath(os.path.join(dirpath, name), ROOT), name))
    checked = len(list(core_files()))
    for p in problems:
        print(p)
    print('core purity: %d files checked, %d problems' % (checked, len(problems)))
    return 1 if problems or checked == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
