# The benchmark's two plots, drawn by tests/bench/run from the guest's data:
#   gnuplot -e "latency='F'; gap='F'; durations='MS MS MS MS'; kernel='K'; mode='M'" \
#           -e "out_latency='F.png'; out_gap='F.png'" plots.gp
# Both data files hold one block per swap method, in this order.
array T[4]
T[1] = "BPF_LINK_UPDATE (atomic swap)"
T[2] = "BPF_LINK_DETACH + BPF_LINK_CREATE (naive, policies preloaded)"
T[3] = "structops-load --policy X (atomic, end to end)"
T[4] = "structops-load --detach; structops-load --policy X (naive, end to end)"

set terminal pngcairo size 900,600 font "sans,10"
set encoding utf8

# Swap time distributions: cumulative fraction of swaps against time.
set output out_latency
set title sprintf("Swap time, %s (%s run): cumulative distribution", kernel, mode) noenhanced
set logscale x 10
set format x "10^{%L}"
set xlabel "time per swap (µs, log scale)"
set ylabel "fraction of swaps"
set yrange [0:1.02]
# Below the graph: the curves span the whole width.
set key below noenhanced
set grid
plot for [i=1:4] latency index (i - 1) using 1:2 with steps lw 2 title T[i]

# What the trigger loop saw around one typical swap of each kind: which
# policy answered each trigger.
reset
set output out_gap
set terminal pngcairo size 900,900 font "sans,10"
set multiplot layout 4,1 title sprintf("Answers seen by a trigger loop around one typical swap, %s (%s run)", kernel, mode) noenhanced
# One level per answer: test_1 says who answered (default 42, scale 3,
# built-in 0); column 3 flags a record no single policy gives.
level(v, mixed) = mixed != 0 ? -1 : v == 42 ? 2 : v == 3 ? 1 : v == 0 ? 0 : -1
set ytics ("mixed" -1, "built-in (0)" 0, "scale (3)" 1, "default (42)" 2)
set yrange [-1.4:2.4]
set xlabel "time from the start of the swap (ms)"
set grid xtics
set key off
do for [i=1:4] {
	d = word(durations, i) + 0
	set title sprintf("%s: the swap took %.3g ms", T[i], d) noenhanced
	set object 1 rect from 0, graph 0 to d, graph 1 behind fc rgb "#dde6f5" fs solid noborder
	plot gap index (i - 1) using 1:(level($2, $3)) with steps lw 1.5 lc rgb "#1f4e99", \
	     gap index (i - 1) using 1:(level($2, $3)) with points pt 7 ps 0.35 lc rgb "#1f4e99"
	unset object 1
}
unset multiplot
