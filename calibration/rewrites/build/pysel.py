# Picks negatives/unrelated/: 120 sections of the Python 3.11 documentation
# (reST sources), in a folder where python3.11-doc 3.11.2-6+deb12u9 is
# unpacked into py/; writes into $OUT (default ./calib).
import glob, re, os, textwrap, random
B='py/usr/share/doc/python3.11/html/_sources/'
files = sorted(glob.glob(B+'library/*.rst.txt')+glob.glob(B+'tutorial/*.rst.txt')+glob.glob(B+'howto/*.rst.txt')+glob.glob(B+'faq/*.rst.txt'))
def paras(p):
    out=[]
    for block in re.split(r'\n\s*\n', open(p,encoding='utf-8').read()):
        if block.startswith((' ', '\t', '..', ':', '=', '-', '*', '>>>', '#', '+', '|')): continue
        t=' '.join(block.split())
        t=re.sub(r':[a-z:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`', r'\1', t).replace('``','')
        if len(t.split())>=25 and not t.endswith('::'): out.append(t)
    return out
random.seed(25)
random.shuffle(files)
n=0
os.makedirs(os.path.join(os.environ.get('OUT', 'calib'), 'negatives/unrelated'), exist_ok=True)
for f in files:
    ps=paras(f)
    sec=[];w=0
    for p in ps:
        if w>=200: break
        sec.append(p); w+=len(p.split())
    if w<150: continue
    name=f[len(B):].replace('/','-').replace('.rst.txt','')
    open(os.path.join(os.environ.get('OUT', 'calib'), f'negatives/unrelated/python-{name}.txt'),'w').write('\n\n'.join(textwrap.fill(p,78) for p in sec)+'\n')
    n+=1
    if n==120: break
print(n)
