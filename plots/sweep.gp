# 6) A sweep: time per call (top) and workspace (bottom) of every variant
#    against the swept dim, log-log; dashed lines where two variants other
#    than loop trade places (the crossover). EXTRA is "OPFILE|NCROSS|DIM|M|TITLE":
#    M > 0 (an epoch of M examples swept over its batch size) plots examples
#    per second, M / time, instead of time.
fmt = ARG1; datadir = ARG2; outbase = ARG3; extra = ARG5 # `load` clears ARGn
load ARG4.'/common.gp'
bar = strstrt(extra, '|')
safe = extra[1:bar - 1]
rest = extra[bar + 1:]
bar = strstrt(rest, '|')
ncross = int(rest[1:bar - 1])
rest = rest[bar + 1:]
bar = strstrt(rest, '|')
swept = rest[1:bar - 1]
rest = rest[bar + 1:]
bar = strstrt(rest, '|')
examples = real(rest[1:bar - 1])
title = rest[bar + 1:]
y(t) = examples > 0 ? examples / t : t
file = datadir.'/sweep_'.safe.'.dat'
cross = datadir.'/sweep_'.safe.'_cross.dat'
colors = datadir.'/sweep_'.safe.'_colors.dat'
stats file using 1 nooutput
ncols = STATS_columns
nv = (ncols - 1) / 2
array col[nv]
do for [i=1:nv] {
	stats colors every ::i-1::i-1 using 1 nooutput
	col[i] = int(STATS_max)
}
set multiplot layout 2,1 title title
set logscale xy
set key outside right top
set rmargin 30
set lmargin 14
set ylabel "time per call (s, log scale)"
set format x "%g"
set xlabel ""
crossplot = ncross > 0 ? \
    ", cross using 1:(y($2)):(y($2)):(y($3)) with yerrorbars pt 0 lw 2 dt 2 lc rgb '#C00000' title 'crossover', " . \
    "cross using 1:(y($2)):(sprintf('%s at %.3g', strcol(4), $1)) with labels rotate by 90 left offset -0.8, 0.3 tc rgb '#C00000' notitle" : ""
if (examples > 0) {
	set ylabel "examples per second (log scale)"
	set format y "%.0s%c"
} else {
	@set_time_tics
}
plot for [i=2:nv+1] file using 1:(y(column(i))) with linespoints lw 2 ps 1.3 pt 7 lc rgb vcolor(col[i-1]) title columnheader(i) \
     @crossplot
unset ytics
set ytics auto
set ylabel "workspace (bytes, log scale)"
set format y "%.0s%cB"
set xlabel swept.' (log scale)'
plot for [i=nv+2:ncols] file using 1:(column(i) > 0 ? column(i) : NaN) with linespoints lw 2 ps 1.3 pt 5 \
     lc rgb vcolor(col[i-nv-1]) title columnheader(i)
unset multiplot
