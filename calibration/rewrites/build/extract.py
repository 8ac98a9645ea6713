# Prose paragraphs of an SQLite documentation page (HTML): <p> text, tags
# stripped, code, tables and quotes left out. Used by select.py.
import sys, re, html, os, glob
def paras(path):
    s = open(path, encoding='utf-8', errors='replace').read()
    s = re.sub(r'(?is)<(script|style)[^>]*>.*?</\1>', ' ', s)
    s = re.sub(r'(?is)<(pre|table|blockquote)[^>]*>.*?</\1>', ' ', s)
    out = []
    for m in re.finditer(r'(?is)<p[^>]*>(.*?)(?=<p[ >]|</p>|<h\d|<ul|<ol|<div|<table|<pre|<blockquote)', s):
        t = re.sub(r'<[^>]+>', ' ', m.group(1))
        t = ' '.join(html.unescape(t).split())
        t = re.sub(r'\s+([.,;:!?)])', r'\1', t); t = re.sub(r'\(\s+', '(', t)
        # Syntax diagrams come out as runs of upper-case keywords: not prose.
        upper = len(re.findall(r'\b[A-Z]{2,}\b', t)) / max(1, len(t.split()))
        if len(t.split()) >= 25 and t.count('(') < 6 and upper <= 0.4:
            out.append(t)
    return out
if __name__ == '__main__':
    pass
