#!/usr/bin/env python3
"""Replaces inline fully-qualified type names with imports, touching only those lines and the
import block: `java.util.List<String> x` becomes `List<String> x` plus `import java.util.List;`.
A name that would clash (another import, a same-package type, a nested type, a java.lang name) is
left inline and listed. Run on source folders, then `mvn -q spotless:apply`; the Checkstyle rule
`inlineFullyQualifiedName` (tools/checkstyle/checkstyle.xml) lists whatever is left.

  python3 tools/checkstyle/import-inline-names.py core/src pipeline/src functions/src localgcs/src bench/src
"""
import re, sys, os, bisect
ROOTS = r'(?:java|javax|jdk|sun|com|org|net|io|dev)'
FQN = re.compile(r'(?<![\w.$])(' + ROOTS + r'(?:\.[a-z_][a-z0-9_]*)+)\.([A-Z]\w*)')
JAVA_LANG = set('''Object String Integer Long Math System Thread Runtime Process ProcessBuilder Exception Error
Record Override Deprecated Iterable Class Module Package Void Boolean Byte Short Character Float Double Number
Enum Throwable StringBuilder Comparable Runnable AutoCloseable CharSequence ClassLoader InterruptedException
IllegalArgumentException IllegalStateException RuntimeException SuppressWarnings FunctionalInterface SafeVarargs
ArithmeticException IndexOutOfBoundsException NullPointerException UnsupportedOperationException StrictMath
SecurityException Appendable Readable Cloneable StackOverflowError OutOfMemoryError AssertionError ThreadLocal
InheritableThreadLocal StackTraceElement ProcessHandle StringBuffer ClassCastException NumberFormatException'''.split())

def code_mask(t):
    n = len(t); m = bytearray(n); i = 0
    while i < n:
        c = t[i]
        if t.startswith('//', i):
            j = t.find('\n', i); j = n if j < 0 else j; i = j; continue
        if t.startswith('/*', i):
            j = t.find('*/', i + 2); j = n if j < 0 else j + 2; i = j; continue
        if t.startswith('"""', i):
            j = t.find('"""', i + 3)
            while j > 0 and t[j-1] == '\\': j = t.find('"""', j + 1)
            i = n if j < 0 else j + 3; continue
        if c == '"' or c == "'":
            j = i + 1
            while j < n and t[j] != c:
                j += 2 if t[j] == '\\' else 1
            i = j + 1; continue
        m[i] = 1; i += 1
    return m

def fix(path, report):
    t = open(path, encoding='utf-8').read()
    pkg = re.search(r'^package\s+([\w.]+);', t, re.M).group(1)
    imports = {}
    for mm in re.finditer(r'^import\s+([\w.]+)\.(\w+);', t, re.M):
        imports[mm.group(2)] = mm.group(1) + '.' + mm.group(2)
    here = os.path.dirname(path)
    same = {f[:-5] for f in os.listdir(here) if f.endswith('.java')}
    declared = set(re.findall(r'\b(?:class|interface|enum|record)\s+(\w+)', t))
    mask = code_mask(t)
    chosen = {}  # simple -> fqn
    edits = []
    for mm in FQN.finditer(t):
        s, e = mm.start(), mm.end()
        if not all(mask[s:e]): continue
        ls = t.rfind('\n', 0, s) + 1
        line = t[ls:t.find('\n', s)]
        if re.match(r'\s*(import|package)\s', line): continue
        p, simple = mm.group(1), mm.group(2)
        fq = p + '.' + simple
        ok = True
        if p == 'java.lang': pass
        elif simple in chosen and chosen[simple] != fq: ok = False
        elif simple in imports and imports[simple] != fq: ok = False
        elif p != pkg and (simple in same or simple in declared or simple in JAVA_LANG): ok = False
        if not ok:
            report.append(f'{path}:{t.count(chr(10),0,s)+1}: kept {fq} (name clash)'); continue
        chosen[simple] = fq
        edits.append((mm.start(1), mm.end(1) + 1))  # remove 'pkg.'
    if not edits: return 0
    for s, e in reversed(edits): t = t[:s] + t[e:]
    new = sorted({fq for simple, fq in chosen.items()
                  if fq.rsplit('.', 1)[0] not in ('java.lang', pkg) and imports.get(simple) != fq})
    lines = t.split('\n')
    for fq in new:
        stmt = f'import {fq};'
        idx = [i for i, l in enumerate(lines) if re.match(r'import\s+(?!static)[\w.]+;', l)]
        if idx:
            names = [lines[i][7:-1] for i in idx]
            k = bisect.bisect(names, fq)
            at = idx[k] if k < len(idx) else idx[-1] + 1
            lines.insert(at, stmt)
        else:
            st = [i for i, l in enumerate(lines) if l.startswith('import static ')]
            if st:
                lines[st[-1] + 1:st[-1] + 1] = ['', stmt]
            else:
                pi = next(i for i, l in enumerate(lines) if l.startswith('package '))
                lines[pi + 1:pi + 1] = ['', stmt]
    open(path, 'w', encoding='utf-8').write('\n'.join(lines))
    return len(edits)

report = []; total = 0
for root in sys.argv[1:]:
    for d, _, fs in os.walk(root):
        if '/target' in d: continue
        for f in fs:
            if f.endswith('.java'): total += fix(os.path.join(d, f), report)
print('replaced', total); print('\n'.join(report))
