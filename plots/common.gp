# Shared by every vecbench plot: `vecbench plot` runs each script as
#   gnuplot -c SCRIPT FMT DATADIR OUTBASE SCRIPTSDIR [EXTRA]
# FMT png or svg; DATADIR holds the .dat files; the image is OUTBASE.FMT.
# Each script copies its arguments into fmt, datadir, outbase and extra
# before it loads this file (`load` clears ARG1..ARG9).
if (fmt eq 'svg') {
	set terminal svg size 1200,800 font 'Sans,14' noenhanced background rgb 'white'
} else {
	set terminal pngcairo size 1200,800 font 'Sans,14' noenhanced
}
set output outbase.'.'.fmt
set datafile separator "\t"
set datafile missing "-"
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set border lw 1.2
set key box opaque samplen 2 spacing 1.1

# Colour by variant index, the same in every plot: 1 loop, 2 loop_autovec,
# 3 semi, 4 vec_1t, 5 vec, 6 cuda_loop, 7 cuda_vec, 8.. others (Okabe-Ito
# first: colour-blind safe).
vcolor(i) = i == 1 ? 0x777777 : i == 2 ? 0xE69F00 : i == 3 ? 0x56B4E9 : i == 4 ? 0x009E73 : \
            i == 5 ? 0x0072B2 : i == 6 ? 0xD55E00 : i == 7 ? 0xCC79A7 : i == 8 ? 0x000000 : \
            i == 9 ? 0x882255 : i == 10 ? 0x44AA99 : i == 11 ? 0x999933 : 0xF0E442
# Time axes in readable units.
set_time_tics = "set ytics add ('1 ns' 1e-9, '10 ns' 1e-8, '100 ns' 1e-7, '1 us' 1e-6, '10 us' 1e-5, '100 us' 1e-4, '1 ms' 1e-3, '10 ms' 1e-2, '100 ms' 1e-1, '1 s' 1, '10 s' 10, '100 s' 100, '1000 s' 1000)"
# Point type by op index.
ptype(i) = int(word("7 5 9 11 13 15 4 6 8 10 12 14", int(i - 1) % 12 + 1))
