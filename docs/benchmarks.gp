set terminal pngcairo size 1100,820 font 'DejaVu Sans,10'
set output 'benchmarks.png'
set multiplot layout 2,1 title 'memory given, scenario ci, host budget 512 MiB'
set title 'vm1: working set 62 -> 625 -> 250 MiB'
set xlabel 'time since phase 1 (s)'
set ylabel 'MiB'
set grid
set key top left box opaque
set yrange [0:461]
plot 'chart-static-vm1.dat' using 1:2 with lines lw 2 lc rgb '#7570b3' title 'static', 'chart-paper-vm1.dat' using 1:2 with lines lw 2 lc rgb '#d95f02' title 'paper', 'chart-adaptive-vm1.dat' using 1:2 with lines lw 2 lc rgb '#1b9e77' title 'adaptive', 'chart-oracle-vm1.dat' using 1:2 with lines dt 2 lw 2 lc rgb 'black' title 'oracle'
set title 'vm2: working set 125 -> 500 -> 125 MiB'
set xlabel 'time since phase 1 (s)'
set ylabel 'MiB'
set grid
set key top left box opaque
set yrange [0:461]
plot 'chart-static-vm2.dat' using 1:2 with lines lw 2 lc rgb '#7570b3' title 'static', 'chart-paper-vm2.dat' using 1:2 with lines lw 2 lc rgb '#d95f02' title 'paper', 'chart-adaptive-vm2.dat' using 1:2 with lines lw 2 lc rgb '#1b9e77' title 'adaptive', 'chart-oracle-vm2.dat' using 1:2 with lines dt 2 lw 2 lc rgb 'black' title 'oracle'
unset multiplot
