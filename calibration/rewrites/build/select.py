# Picks the SQLite sections of the calibration set: sources/ (the indexed
# documents that the positives rewrite), index-extra/ (more indexed documents)
# and negatives/same-topic/ (texts on the same topics, not indexed). Run in a
# folder where sqlite3-doc 3.40.1-2+deb12u2 is unpacked into x/
# (apt-get download sqlite3-doc && dpkg-deb -x sqlite3-doc_*.deb x); writes
# into $OUT (default ./calib).
import os, re, glob, html, textwrap
from extract import paras
SRC = "wal atomiccommit queryplanner fts5 testing howtocorrupt whentouse datatype3 malloc isolation json1 rtree sessionintro vtab foreignkeys whyc limits windowfunctions security mmap backup quirks arch autoinc tempfiles loadext partialindex sharedcache uri floatingpoint rowvalue lang_upsert cpu amalgamation asyncvfs stricttables".split()
PARTNER = "walformat lockingv3 optoverview fts3 th3 appfileformat flextypegood queryplanner-ng geopoly session swarmvtab lang_createtable datatypes cves howitworks withoutrowid lang_returning lang_insert useovernet privatebranch zipfile dbstat errlog compile custombuild imposter unlock_notify cintro vfs appfunc".split()
assert len(SRC) == 36 and len(set(SRC) & set(PARTNER)) == 0, len(SRC)
D = 'x/usr/share/doc/sqlite3/'
def section(ps, start, lo, hi):
    out, n = [], 0
    for p in ps[start:]:
        if n >= lo: break
        w = len(p.split())
        if n + w > hi and n > 0: break
        out.append(p); n += w
    return out, n
def wrap(ps): return '\n\n'.join(textwrap.fill(p, 78) for p in ps) + '\n'
out = os.environ.get('OUT', 'calib')
for d in ['sources', 'index-extra', 'negatives/same-topic', 'negatives/unrelated']:
    os.makedirs(f'{out}/{d}', exist_ok=True)
used = set()
for i, name in enumerate(SRC, 1):
    ps = paras(D + name + '.html')
    sec, n = section(ps, 0, 320, 600)
    assert n >= 250, (name, n)
    open(f'{out}/sources/{i:02d}-{name}.txt', 'w').write(wrap(sec))
    # a later part of the same page: another text on the same topic
    rest = ps[len(sec):]
    skip = len(rest) // 3
    later, m = section(rest, skip, 250, 500)
    if m >= 200:
        open(f'{out}/negatives/same-topic/{name}-later.txt', 'w').write(wrap(later))
    used.add(name)
for name in PARTNER:
    ps = paras(D + name + '.html')
    sec, n = section(ps, 0, 320, 600)
    if n >= 200:
        open(f'{out}/negatives/same-topic/{name}.txt', 'w').write(wrap(sec))
    used.add(name)
skip = {'requirements', 'capi3ref', 'fileformat', 'consortium_agreement-20071201', 'syntaxdiagrams', 'opcode', 'rescode', 'changes', 'c_interface'}
cands = []
for p in sorted(glob.glob(D + '*.html')):
    name = os.path.basename(p)[:-5]
    if name in used or name in skip: continue
    ps = paras(p)
    sec, n = section(ps, 0, 320, 600)
    if n >= 250: cands.append((name, sec))
for name, sec in cands[:64]:
    open(f'{out}/index-extra/{name}.txt', 'w').write(wrap(sec))
print(len(cands))
