# 1) Speedup of every variant over loop, per op at its largest measured size:
#    log-scale bars, reference lines at the claim's 10x and 100x.
fmt = ARG1; datadir = ARG2; outbase = ARG3; extra = ARG5 # `load` clears ARGn
load ARG4.'/common.gp'
file = datadir.'/speedup.dat'
colors = datadir.'/speedup_colors.dat'
stats file using 0 nooutput
ncols = STATS_columns
nrows = STATS_records
array col[ncols]
ymin = 1
ymax = 100
do for [i=3:ncols] {
	stats file using i nooutput
	ymin = STATS_min < ymin ? STATS_min : ymin
	ymax = STATS_max > ymax ? STATS_max : ymax
	stats colors using i nooutput
	col[i] = int(STATS_max)
}
# Wide enough for one upright op name per cluster.
width = nrows * 36 > 1200 ? nrows * 36 : 1200
if (fmt eq 'svg') {
	set terminal svg size width,800 font 'Sans,14' noenhanced background rgb 'white'
} else {
	set terminal pngcairo size width,800 font 'Sans,14' noenhanced
}
set output outbase.'.'.fmt
set title "Speedup over the loop variant, each op at its largest measured size"
set ylabel "speedup over loop (x, log scale)"
set xlabel "op"
set logscale y
set yrange [10**floor(log10(ymin) - 0.3):10**ceil(log10(ymax) + 0.3)]
set format y "%gx"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb '#333333'
set xtics rotate by 90 right nomirror font ',12'
set key autotitle columnheader
set key outside top center horizontal
set bmargin 12
set arrow 1 from graph 0, first 10 to graph 1, first 10 nohead dt 2 lw 2 lc rgb '#C00000' front
set arrow 2 from graph 0, first 100 to graph 1, first 100 nohead dt 2 lw 2 lc rgb '#C00000' front
set arrow 3 from graph 0, first 1 to graph 1, first 1 nohead lw 1 lc rgb '#333333' front
set label 1 "10x" at graph 1, first 10 left offset 0.5, 0 tc rgb '#C00000' front
set label 2 "100x" at graph 1, first 100 left offset 0.5, 0 tc rgb '#C00000' front
set rmargin 8
# bar k of n in a cluster sits at row + (k - (n - 1) / 2) / (n + gap)
nb = ncols - 2
barx(row, k) = row + (k - (nb - 1) / 2.0) / (nb + 1.0)
plot for [i=3:ncols] file using i:xtic(1) title columnheader(i) lc rgb vcolor(col[i]), \
     for [i=3:ncols] file using (barx($0, i - 3)):i:(sprintf(column(i) < 10 ? "%.1f" : "%.0f", column(i))) \
         with labels offset 0, 0.6 font ',10' notitle, \
     keyentry with lines dt 2 lw 2 lc rgb '#C00000' title "10x and 100x: the texts' claim"
