# 3b) The GPU roofline: each CUDA kernel (op x variant, at the op's largest
#     size) against the device figures the CUDA bridge measured: cuBLAS rate
#     per precision and device copy bandwidth.
fmt = ARG1; datadir = ARG2; outbase = ARG3; extra = ARG5 # `load` clears ARGn
load ARG4.'/common.gp'
ceil = datadir.'/roofline_gpu_ceilings.dat'
pts = datadir.'/roofline_gpu.dat'
labels = datadir.'/roofline_gpu_labels.dat'
stats ceil using 1 nooutput
fp32 = STATS_max
stats ceil using 5 nooutput
bw = STATS_max
# precisions the run measured (missing: "-", and stats defines nothing)
stats ceil using 2 nooutput name "TF32"
tf32 = exists("TF32_max") ? TF32_max : NaN
stats ceil using 3 nooutput name "FP16"
fp16 = exists("FP16_max") ? FP16_max : NaN
stats pts using 5 nooutput
aimin = STATS_min
aimax = STATS_max
stats pts using 6 nooutput
gmin = STATS_min
top = fp16 == fp16 ? fp16 : tf32 == tf32 ? tf32 : fp32
ridge = fp32 / bw
xlo = (aimin < ridge ? aimin : ridge) / 4
xhi = (aimax > top / bw ? aimax : top / bw) * 4
ylo = (gmin < bw * xlo ? gmin : bw * xlo) / 3
set title "GPU roofline: every CUDA kernel against the device's measured limits"
set xlabel "arithmetic intensity (FLOP/byte of compulsory traffic, log scale)"
set ylabel "achieved GFLOP/s (log scale)"
set logscale xy
set xrange [xlo:xhi]
set yrange [ylo:top * 3]
set samples 400
set key bottom right
roof(x, p) = x * bw < p ? x * bw : p
set label 1 sprintf("device copy %.0f GB/s", bw) at first xlo * 1.3, first bw * xlo * 1.3 rotate by 30 offset 0, 1
plot roof(x, fp32) with lines lw 3 lc rgb '#000000' title sprintf("fp32 roof: cuBLAS sgemm %.0f GFLOP/s", fp32), \
     (tf32 == tf32 ? roof(x, tf32) : NaN) with lines dt 2 lw 2 lc rgb '#777777' title (tf32 == tf32 ? "tf32 roof (cuBLAS)" : ""), \
     (fp16 == fp16 ? roof(x, fp16) : NaN) with lines dt 3 lw 2 lc rgb '#777777' title (fp16 == fp16 ? "fp16 roof (cuBLAS)" : ""), \
     pts using ($4 == 4 ? $5 : NaN):6 with points pt 7 ps 1.8 lc rgb '#D55E00' title "cuda_loop", \
     pts using ($4 == 5 ? $5 : NaN):6 with points pt 5 ps 1.8 lc rgb '#0072B2' title "cuda_vec (fp32)", \
     pts using ($4 == 6 ? $5 : NaN):6 with points pt 9 ps 1.8 lc rgb '#009E73' title "tf32", \
     pts using ($4 == 7 ? $5 : NaN):6 with points pt 11 ps 1.8 lc rgb '#CC79A7' title "fp16 / bf16", \
     labels using 2:3:1 with labels left offset 1, 0.5 font ',10' notitle
