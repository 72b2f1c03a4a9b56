# 4) Memory per call vs batch size: tensors plus workspace (the device's peak
#    for GPU variants), for loop (circles), vectorized (squares) and
#    gradient-accumulation (triangles) variants.
fmt = ARG1; datadir = ARG2; outbase = ARG3; extra = ARG5 # `load` clears ARGn
load ARG4.'/common.gp'
file = datadir.'/memory.dat'
stats file using 1 nooutput
nblocks = STATS_blocks
# Colour: the variant, as in the other plots; point: the category.
cpoint(c) = c == 1 ? 7 : c == 2 ? 5 : 9
set title "Memory per call vs batch size: loop, vectorized, gradient accumulation"
set xlabel "batch size m (examples per call, log scale)"
set ylabel "inputs + outputs + workspace (MiB, log scale)"
set logscale xy
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
set key outside right top
set rmargin 44
plot for [i=0:nblocks-1] file index i using 1:($2 / 1048576):(cpoint($8)):(vcolor($9)) \
     with linespoints lw 2 ps 1.5 pt variable lc rgb variable title columnheader(1)
