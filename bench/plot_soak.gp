# Draws the soak's samples (bench/cluster.sh soak): gnuplot -e "csv='x.csv'; png='x.png'; title='...'"
# Columns: see the header of the CSV (cluster_bench --soak writes it).
set datafile separator ","
set terminal pngcairo size 1400,1000 font ",10"
set output png
set multiplot layout 2,2 title title
set key top left
set grid
set xlabel "minutes"

set title "etcd: database size (MiB) and revisions/s"
set ylabel "MiB"
set y2label "revisions/s"
set y2tics
set yrange [0:*]
set y2range [0:*]
plot csv using ($1/60):2 with lines lw 2 title "db size", \
     csv using ($1/60):3 with lines title "db in use", \
     csv using ($1/60):5 axes x1y2 with lines title "revisions/s"
unset y2tics
unset y2label

set title "member RSS (MiB)"
set ylabel "MiB"
plot csv using ($1/60):13 with lines lw 2 title "member 0", \
     csv using ($1/60):16 with lines lw 2 title "member 1", \
     csv using ($1/60):19 with lines lw 2 title "member 2"

set title "etcd: client bytes in (KB/s), flapping checks down"
set ylabel "KB/s"
plot csv using ($1/60):6 with lines lw 2 title "KB/s in", \
     csv using ($1/60):($8*50) with steps title "flapping down (x50)"

set title "runs: per second, late, schedule lag p99 (ms)"
set ylabel "runs/s, late runs"
set y2label "p99 lag (ms)"
set y2tics
plot csv using ($1/60):9 with lines lw 2 title "runs/s", \
     csv using ($1/60):10 with impulses title "late runs", \
     csv using ($1/60):($12*1000) axes x1y2 with lines title "p99 lag (ms)"
unset multiplot
