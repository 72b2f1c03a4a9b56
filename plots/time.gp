# 2) Time per call vs problem size for one op family (EXTRA = the family),
#    every op and variant, log-log: where the lines cross, vectorization pays.
fmt = ARG1; datadir = ARG2; outbase = ARG3; extra = ARG5 # `load` clears ARGn
load ARG4.'/common.gp'
family = extra
file = datadir.'/time_'.family.'.dat'
stats file using 1 nooutput
nblocks = STATS_blocks
set title sprintf("Time per call vs problem size: %s ops, all variants (log-log)", family)
set xlabel "problem size (FLOP per call, log scale)"
set ylabel "time per call (log scale)"
set logscale xy
set format x "%.0s%c"
set format y ""
@set_time_tics
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
set key outside right top
set rmargin 36
plot for [i=0:nblocks-1] file index i using 1:2:(ptype($4)):(vcolor($3)) \
     with linespoints lw 2 ps 1.5 pt variable lc rgb variable title columnheader(1)
