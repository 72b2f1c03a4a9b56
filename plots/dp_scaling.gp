# Data-parallel scaling (plots/dp_scaling.py writes dp_scaling.dat): the
# slowest rank's step time and the parallel efficiency against the number of
# ranks, one line per variant and batch (strong: same m; weak: same m/rank).
fmt = ARG1; datadir = ARG2; outbase = ARG3; nseries = int(ARG5) # `load` clears ARGn
load ARG4.'/common.gp'
file = datadir.'/dp_scaling.dat'

set multiplot layout 1,2 title "Data-parallel MLP training step over MPI ranks"
set xlabel "MPI ranks"
set ylabel "step time, slowest rank (ms, log scale)"
set logscale y
set xtics 1
set key top left font ',10'
plot for [i=0:nseries-1] file index i using 1:2 with linespoints lw 2 pt 7 title columnheader(1)
unset logscale y
set ylabel "efficiency (strong: T1/(N TN), weak: T1/TN)"
set yrange [0:*]
plot for [i=0:nseries-1] file index i using 1:3 with linespoints lw 2 pt 7 title columnheader(1), 1 with lines dt 2 lc rgb '#888888' title 'ideal'
unset multiplot
