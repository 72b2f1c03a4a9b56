# Data-parallel scaling (plots/dp_scaling.py writes dp_scaling.dat): the
# slowest rank's step time and the parallel efficiency against the number of
# ranks, one line per op, variant and batch: strong scaling (same m) solid,
# weak scaling (same m per rank) dashed.
fmt = ARG1; datadir = ARG2; outbase = ARG3; nseries = int(ARG5); nstrong = int(ARG6) # `load` clears ARGn
load ARG4.'/common.gp'
if (fmt eq 'svg') {
	set terminal svg size 1700,850 font 'Sans,14' noenhanced background rgb 'white'
} else {
	set terminal pngcairo size 1700,850 font 'Sans,14' noenhanced
}
set output outbase.'.'.fmt
file = datadir.'/dp_scaling.dat'
set multiplot title "Data-parallel steps over MPI ranks (solid: strong scaling, dashed: weak scaling)"
set xlabel "MPI ranks"
set xtics 1
set size 0.32,0.95
set origin 0,0
set ylabel "step time, slowest rank (ms, log scale)"
unset key
set logscale y
plot for [i=0:nstrong-1] file index i using 1:2 with linespoints lw 2 pt (5 + 2 * (i / 8)) lc (i % 8) + 1 notitle, \
	for [i=nstrong:nseries-1] file index i using 1:2 with linespoints lw 2 pt (5 + 2 * (i / 8)) lc (i % 8) + 1 dt 2 \
	notitle
unset logscale y
set origin 0.32,0
set size 0.68,0.95
set ylabel "efficiency (strong: T1/(N TN), weak: T1/TN)"
set yrange [0:*]
set key outside right top font ',11'
plot for [i=0:nstrong-1] file index i using 1:3 with linespoints lw 2 pt (5 + 2 * (i / 8)) lc (i % 8) + 1 \
	title columnheader(1), \
	for [i=nstrong:nseries-1] file index i using 1:3 with linespoints lw 2 pt (5 + 2 * (i / 8)) lc (i % 8) + 1 dt 2 \
	title columnheader(1), \
	1 with lines dt 3 lc rgb '#888888' title 'ideal'
unset multiplot
