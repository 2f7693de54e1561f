import csv, math, statistics as st, sys
rows=[r for r in csv.DictReader(open(sys.argv[1])) if r['ok']=='1']
f=lambda r,k: float(r[k])
def cat(r):
    a,p=f(r,'a'),f(r,'pers')
    if p>1-1e-6: return 'boundary a+b=1'
    if a<1e-6: return 'a=0'
    return 'interior'
from collections import defaultdict
g=defaultdict(list)
for r in rows: g[cat(r)].append(r)
print("category n  E[AR2]/E[h]  E[AR2]/E[var_mm]  E[SAR_g^2]  E[SAR_mm^2]  median h/var_mm  mean  omega/s2 median")
for k,v in g.items():
    print(f"{k:16s} {len(v):5d} {st.mean(f(r,'ar0_g')**2 for r in v)/st.mean(f(r,'var0_g') for r in v):.3f} {st.mean(f(r,'ar0_mm')**2 for r in v)/st.mean(f(r,'var0_mm') for r in v):.3f} {st.mean(f(r,'ar0_g')**2/f(r,'var0_g') for r in v):.3f} {st.mean(f(r,'ar0_mm')**2/f(r,'var0_mm') for r in v):.3f} {st.median(f(r,'var0_g')/f(r,'var0_mm') for r in v):.3f} {st.mean(f(r,'var0_g')/f(r,'var0_mm') for r in v):.3f} {st.median(f(r,'omega')/f(r,'s2_mm') for r in v):.3f}")
def rates(rs, ark, vk, N=20):
    j1=pz=0; G=len(rs)//N; J2=[];Z2=[]
    for gi in range(G):
        s=rs[gi*N:(gi+1)*N]
        J=sum(f(r,ark) for r in s)/math.sqrt(sum(f(r,vk) for r in s))
        d=[f(r,'m')-2 for r in s]
        Z=sum(f(r,ark)/math.sqrt(f(r,vk)) for r in s)/math.sqrt(sum(x/(x-2) for x in d))
        j1+=abs(J)>1.959964; pz+=abs(Z)>1.959964; J2.append(J*J); Z2.append(Z*Z)
    return f"groups {G} J1 {100*j1/G:.1f} % (E J² {st.mean(J2):.3f})  Patell {100*pz/G:.1f} % (E Z² {st.mean(Z2):.3f})"
print("all, MM      ", rates(rows,'ar0_mm','var0_mm'))
print("all, GARCH   ", rates(rows,'ar0_g','var0_g'))
nb=[r for r in rows if cat(r)!='boundary a+b=1']
print("no boundary, MM   ", rates(nb,'ar0_mm','var0_mm'))
print("no boundary, GARCH", rates(nb,'ar0_g','var0_g'))
# fallback: boundary fits use mm
for r in rows:
    b = cat(r)=='boundary a+b=1'
    r['arx']= r['ar0_mm'] if b else r['ar0_g']; r['vx']= r['var0_mm'] if b else r['var0_g']
print("boundary->MM var ", rates(rows,'arx','vx'))
