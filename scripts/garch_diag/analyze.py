import csv, sys, math, statistics as st
rows = list(csv.DictReader(open(sys.argv[1])))
n = len(rows)
ok = [r for r in rows if r['ok'] == '1']
bad = [r for r in rows if r['ok'] == '0']
print(f"events {n}, GARCH ok {len(ok)}, failed {len(bad)} ({100*len(bad)/n:.1f} %)")
from collections import Counter
print(Counter(r['reason'][:60] for r in bad).most_common(5))
f = lambda r, k: float(r[k])
def q(v, ps=(0.05, 0.25, 0.5, 0.75, 0.95)):
    v = sorted(v); return [round(v[int(p*(len(v)-1))], 4) for p in ps]
pers = [f(r,'pers') for r in ok]
print("persistence quantiles", q(pers))
for th in (0.9, 0.95, 0.99, 0.999, 0.99999):
    print(f"  a+b > {th}: {100*sum(p > th for p in pers)/len(ok):.1f} %")
a = [f(r,'a') for r in ok]; b = [f(r,'b') for r in ok]
print("a quantiles", q(a)); print("b quantiles", q(b))
print(f"  a < 1e-4: {100*sum(x < 1e-4 for x in a)/len(ok):.1f} %")
# variance ratios
r_h0 = [f(r,'var0_g')/f(r,'var0_mm') for r in ok]
print("h_forecast(day0) / var_mm(day0) quantiles", q(r_h0), "mean", round(st.mean(r_h0),4))
unc = [f(r,'omega')/(1-f(r,'pers'))/f(r,'s2_mm') if f(r,'pers') < 1 else float('inf') for r in ok]
print("omega/(1-a-b) / s2 quantiles", q(unc))
# calibration: mean AR^2 / var
def cal(rs, ark, vk):
    return st.mean(f(r,ark)**2 for r in rs)/st.mean(f(r,vk) for r in rs), st.mean(f(r,ark)**2/f(r,vk) for r in rs)
for name, rs in (("all ok", ok),):
    print(name, "MM: E[AR^2]/E[var] %.4f  E[AR^2/var] %.4f" % cal(rs,'ar0_mm','var0_mm'))
    print(name, "G : E[AR^2]/E[h]   %.4f  E[AR^2/h]   %.4f" % cal(rs,'ar0_g','var0_g'))
    print(name, "Gf: E[AR^2]/E[hf]  %.4f  E[AR^2/hf]  %.4f" % cal(rs,'ar0_g','filt0'))
# window level
print("window [-10,10]: MM sum ar2/carvar", round(st.mean(f(r,'car_mm')**2 for r in ok)/st.mean(f(r,'carvar_mm') for r in ok),4),
      " G", round(st.mean(f(r,'car_g')**2 for r in ok)/st.mean(f(r,'carvar_g') for r in ok),4),
      " E[SCAR^2] MM", round(st.mean(f(r,'car_mm')**2/f(r,'carvar_mm') for r in ok),4),
      " G", round(st.mean(f(r,'car_g')**2/f(r,'carvar_g') for r in ok),4))
print("realized sum AR^2 / sum h_forecast over event window:", round(sum(f(r,'sum_ar2_g') for r in ok)/sum(f(r,'carvar_g') for r in ok),4),
      " / sum h_filtered:", round(sum(f(r,'sum_ar2_g') for r in ok)/sum(f(r,'sum_filt') for r in ok),4))
# bins by h/var_mm
ok2 = sorted(ok, key=lambda r: f(r,'var0_g')/f(r,'var0_mm'))
k = 5
print("quintiles of h0/var_mm: ratio range, E[AR^2]/E[h], E[AR^2]/E[var_mm], E[SAR_g^2], E[SAR_mm^2]")
for i in range(k):
    rs = ok2[i*len(ok2)//k:(i+1)*len(ok2)//k]
    lo = f(rs[0],'var0_g')/f(rs[0],'var0_mm'); hi = f(rs[-1],'var0_g')/f(rs[-1],'var0_mm')
    print(f"  {lo:.3f}-{hi:.3f}: {cal(rs,'ar0_g','var0_g')[0]:.3f} {cal(rs,'ar0_mm','var0_mm')[0]:.3f}  {cal(rs,'ar0_g','var0_g')[1]:.3f} {cal(rs,'ar0_mm','var0_mm')[1]:.3f}")
# bins by persistence
ok3 = sorted(ok, key=lambda r: f(r,'pers'))
print("quintiles of persistence: range, E[AR^2]/E[h], E[SAR_g^2], E[SAR_mm^2], mean h/var_mm")
for i in range(k):
    rs = ok3[i*len(ok3)//k:(i+1)*len(ok3)//k]
    print(f"  {f(rs[0],'pers'):.4f}-{f(rs[-1],'pers'):.4f}: {cal(rs,'ar0_g','var0_g')[0]:.3f} {cal(rs,'ar0_g','var0_g')[1]:.3f} {cal(rs,'ar0_mm','var0_mm')[1]:.3f} {st.mean(f(r,'var0_g')/f(r,'var0_mm') for r in rs):.3f}")
# J1 and Patell in groups of 20 (successive ok events)
def rates(rs, ark, vk, N=20):
    j1 = pz = 0; G = len(rs)//N
    for g in range(G):
        s = rs[g*N:(g+1)*N]
        J = sum(f(r,ark) for r in s)/math.sqrt(sum(f(r,vk) for r in s))
        d = [f(r,'m')-2 for r in s]
        Z = sum(f(r,ark)/math.sqrt(f(r,vk)) for r in s)/math.sqrt(sum(x/(x-2) for x in d))
        j1 += abs(J) > 1.959964; pz += abs(Z) > 1.959964
    return G, 100*j1/G, 100*pz/G
print("groups, J1 %, Patell % : MM", rates(ok,'ar0_mm','var0_mm'), " G", rates(ok,'ar0_g','var0_g'), " G filtered", rates(ok,'ar0_g','filt0'))
