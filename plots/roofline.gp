# 3) The roofline: each CPU kernel (op x variant, at the op's largest size)
#    against the measured limits: min(sgemm peak, intensity x STREAM triad),
#    and the cache-aware roofs: the triad with the data in L1, L2 and L3 (a
#    kernel's %roof is against the level its working set fits in).
fmt = ARG1; datadir = ARG2; outbase = ARG3; extra = ARG5 # `load` clears ARGn
load ARG4.'/common.gp'
ceil = datadir.'/roofline_ceilings.dat'
pts = datadir.'/roofline.dat'
labels = datadir.'/roofline_labels.dat'
stats ceil using 1 nooutput
peak = STATS_max
stats ceil using 2 nooutput
fma = STATS_max
stats ceil using 3 nooutput
bw = STATS_max
stats ceil using 5 nooutput
l1 = STATS_max
stats ceil using 6 nooutput
l2 = STATS_max
stats ceil using 7 nooutput
l3 = STATS_max
stats pts using 5 nooutput
aimin = STATS_min
aimax = STATS_max
stats pts using 6 nooutput
gmin = STATS_min
ridge = peak / bw
# the leftmost ridge point (the fastest level's) stays in view, so every roof shows its slope
min2(a, b) = a < b ? a : b
rmin = min2(min2(ridge, l1 > 0 ? peak / l1 : ridge), min2(l2 > 0 ? peak / l2 : ridge, l3 > 0 ? peak / l3 : ridge))
xlo = min2(aimin, rmin) / 4
xhi = (aimax > ridge ? aimax : ridge) * 4
ylo = (gmin < bw * xlo ? gmin : bw * xlo) / 3
set title "Roofline: every CPU kernel against this machine's measured limits"
set xlabel "arithmetic intensity (FLOP/byte of compulsory traffic, log scale)"
set ylabel "achieved GFLOP/s (log scale)"
set logscale xy
set xrange [xlo:xhi]
set yrange [ylo:fma * 2]
set samples 400
set key bottom right
roof(x) = x * bw < peak ? x * bw : peak
level(x, b) = b > 0 ? (x * b < peak ? x * b : peak) : NaN
set label 1 sprintf("sgemm peak %.0f GFLOP/s", peak) at graph 0.99, first peak right offset 0, 0.7
set label 2 sprintf("FMA loop %.0f GFLOP/s", fma) at graph 0.99, first fma right offset 0, 0.7 tc rgb '#777777'
set label 3 sprintf("STREAM triad %.1f GB/s", bw) at first xlo * 1.3, first bw * xlo * 1.3 rotate by 30 offset 0, 1
plot roof(x) with lines lw 3 lc rgb '#000000' title "roofline (DRAM): min(sgemm peak, intensity x triad bandwidth)", \
     level(x, l3) with lines lw 2 dt 4 lc rgb '#009E73' title (l3 > 0 ? sprintf("L3 roof: triad in L3 %.0f GB/s", l3) : ""), \
     level(x, l2) with lines lw 2 dt 4 lc rgb '#CC79A7' title (l2 > 0 ? sprintf("L2 roof: triad in L2 %.0f GB/s", l2) : ""), \
     level(x, l1) with lines lw 2 dt 4 lc rgb '#F0E442' title (l1 > 0 ? sprintf("L1 roof: triad in L1 %.0f GB/s", l1) : ""), \
     fma with lines dt 2 lw 2 lc rgb '#777777' title "FMA loop peak (theoretical check)", \
     pts using ($4 == 0 ? $5 : NaN):6 with points pt 7 ps 1.8 lc rgb '#D55E00' title "loop (scalar)", \
     pts using ($4 == 1 ? $5 : NaN):6 with points pt 11 ps 1.8 lc rgb '#E69F00' title "loop, compiler-vectorized", \
     pts using ($4 == 2 ? $5 : NaN):6 with points pt 9 ps 1.8 lc rgb '#56B4E9' title "semi (per-example vector ops)", \
     pts using ($4 == 3 ? $5 : NaN):6 with points pt 5 ps 1.8 lc rgb '#0072B2' title "vectorized (SIMD, BLAS, threads)", \
     pts using ($4 == 8 ? $5 : NaN):6 with points pt 13 ps 1.8 lc rgb '#CC79A7' title "peers (PyTorch, NumPy)", \
     labels using 2:3:1 with labels left offset 1, 0.5 font ',10' notitle
