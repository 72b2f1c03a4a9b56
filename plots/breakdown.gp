# 5) Speedup breakdown of the training step (EXTRA = "op at dims"): loop,
#    the same loop auto-vectorized, SIMD/BLAS on one thread, all threads, GPU.
#    Bars: speedup over loop; labels: total and (this step's factor).
fmt = ARG1; datadir = ARG2; outbase = ARG3; extra = ARG5 # `load` clears ARGn
load ARG4.'/common.gp'
file = datadir.'/breakdown.dat'
stats file using 4 nooutput
smax = STATS_max
smin = STATS_min
nbars = STATS_records
set title sprintf("Speedup breakdown: %s", extra)
set xlabel "variant and the technique it adds" offset 0, -1.5
set bmargin 7
set ylabel "speedup over loop (x, log scale)"
set logscale y
set yrange [(smin < 1 ? smin : 1) / 2:smax * 4 > 10 ? smax * 4 : 10]
set format y "%gx"
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.6
set xrange [-0.6:nbars - 0.4]
set key top left
set xtics nomirror offset 0, -0.3
plot file using 1:4:(vcolor($7)):xtic(strcol(2)."\n".strcol(8)) with boxes lc rgb variable title "speedup over loop (in brackets: the factor this step adds)", \
     file using 1:4:6 with labels offset 0, 1 font ',13' notitle
