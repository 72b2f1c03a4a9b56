#!/usr/bin/env bash
# Timing proofs of the regression gate (issue 6), for a quiet machine, not CI:
#   A/A        PAIRS pairs of runs of the same build: no SLOWER in any pair;
#   +25%       VB_INJECT_SLOWDOWN=$TARGET:25: the target SLOWER in every trial;
#   +10%       VB_INJECT_SLOWDOWN=$TARGET:10: the target SLOWER in >= MIN10 (default: all) trials;
#   others     no other benchmark flagged (SLOWER or FASTER) in any injection trial.
# Each trial runs A, +10%, B, +25% (in that order, so each injected run is
# compared with the run just before it) and compares A-B, A-(+10%), B-(+25%).
# Prints one line per trial and a verdict; exit 0 on PASS, 1 on FAIL, 2 on error.
#
# Paired mode (--paired): the same proofs through `vecbench ab`, both versions
# in one process (BUILD_DIR/libvbops.so loaded twice); the injection goes to
# the new side only (--inject-new). Each trial is one `vecbench ab` run of
# at most BUDGET seconds per benchmark and must take under 30 s.
#
# Usage: bench/regress_proof.sh [--paired] [BUILD_DIR]      (default: build; `make build` first)
# Settings (environment): PAIRS=10 REPS=9 MIN_TIME=0.05 OPS='^dense_(fwd|bwd)$'
#   DIMS=m=64,d=128,h=64 TARGET=dense_fwd/vec MIN10=PAIRS OUTDIR=results/regress-proof
# About 2-3 minutes with the defaults. Repetitions are randomly interleaved
# across the run and kernels run on one thread (OMP/OPENBLAS_NUM_THREADS=1
# unless set): on a small shared VM, two-thread fork/join at these sizes
# varies by 20-50% between runs.
set -uo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
paired=0
if [ "${1:-}" = --paired ]; then
	paired=1
	shift
fi
build=${1:-build}
vb=$build/vecbench
PAIRS=${PAIRS:-10}
REPS=${REPS:-9}
MIN_TIME=${MIN_TIME:-0.05}
OPS=${OPS:-'^dense_(fwd|bwd)$'}
DIMS=${DIMS:-m=64,d=128,h=64}
TARGET=${TARGET:-dense_fwd/vec}
MIN10=${MIN10:-$PAIRS}
OUTDIR=${OUTDIR:-results/regress-proof}

[ -x "$vb" ] || { echo "regress_proof: no $vb (run 'make build' first, or pass the build directory)"; exit 2; }
mkdir -p "$OUTDIR" || exit 2

if [ $paired = 1 ]; then
	lib=$build/libvbops.so
	BUDGET=${BUDGET:-3}
	[ -f "$lib" ] || { echo "regress_proof: no $lib (run 'make build' first)"; exit 2; }
	# ab NAME [INJECTION]: one paired run into $OUTDIR/NAME.txt; prints its seconds
	ab() {
		local t0 t1
		t0=$(date +%s.%N)
		"$vb" ab "$lib" "$lib" --quiet --op "$OPS" --dims "$DIMS" --budget "$BUDGET" ${2:+--inject-new "$2"} \
			>"$OUTDIR/$1.txt" 2>&1
		if [ $? -eq 2 ]; then
			echo "regress_proof: ab $1 failed: $(tail -n 1 "$OUTDIR/$1.txt")" >&2
			exit 2
		fi
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
	}
	# the benchmarks a report calls RESULT, one a line
	flagged_ab() { awk -v r="$2" '$NF == r { print $1 }' "$OUTDIR/$1.txt"; }
	echo "== paired regression gate proof (vecbench ab): $PAIRS trials; $OPS at $DIMS; budget ${BUDGET}s per benchmark; target $TARGET =="
	aa_slower=0 aa_faster=0 hit10=0 hit25=0 others=0 slow_trials=0 max_s=0
	for i in $(seq 1 "$PAIRS"); do
		s_aa=$(ab "aa$i") || exit 2
		s10=$(ab "inj10_$i" "$TARGET:10") || exit 2
		s25=$(ab "inj25_$i" "$TARGET:25") || exit 2
		s=$(flagged_ab "aa$i" SLOWER)
		f=$(flagged_ab "aa$i" FASTER)
		[ -n "$s" ] && aa_slower=$((aa_slower + 1))
		[ -n "$f" ] && aa_faster=$((aa_faster + 1))
		t10=no t25=no o=""
		for run in "inj10_$i 10" "inj25_$i 25"; do
			# shellcheck disable=SC2086 # split "NAME PCT"
			set -- $run
			slow=$(flagged_ab "$1" SLOWER)
			fast=$(flagged_ab "$1" FASTER)
			if grep -q "^$TARGET/" <<<"$slow"; then
				[ "$2" = 10 ] && t10=yes hit10=$((hit10 + 1))
				[ "$2" = 25 ] && t25=yes hit25=$((hit25 + 1))
			fi
			extra=$(printf '%s\n%s\n' "$slow" "$fast" | grep -v "^$TARGET/" | grep -v '^$')
			[ -n "$extra" ] && others=$((others + $(wc -l <<<"$extra"))) && o="$o $(tr '\n' ' ' <<<"$extra")"
		done
		for sec in $s_aa $s10 $s25; do
			awk -v s="$sec" 'BEGIN { exit !(s >= 30) }' && slow_trials=$((slow_trials + 1))
			max_s=$(awk -v s="$sec" -v m="$max_s" 'BEGIN { print (s > m ? s : m) }')
		done
		printf 'trial %2d: A/A SLOWER: %-3s FASTER: %-3s | +10%%: %-3s | +25%%: %-3s | others flagged:%s | %ss %ss %ss\n' \
			"$i" "$([ -n "$s" ] && echo yes || echo no)" "$([ -n "$f" ] && echo yes || echo no)" "$t10" "$t25" \
			"${o:- none}" "$s_aa" "$s10" "$s25"
	done
	pass=1
	verdict() { # what, ok
		printf '%-70s %s\n' "$1" "$([ "$2" = 1 ] && echo PASS || echo FAIL)"
		[ "$2" = 1 ] || pass=0
	}
	echo
	verdict "A/A: $aa_slower of $PAIRS runs had a SLOWER (runs with a FASTER: $aa_faster)" "$([ $aa_slower -eq 0 ] && echo 1)"
	verdict "+25%: $TARGET SLOWER in $hit25 of $PAIRS trials (need all)" "$([ $hit25 -eq "$PAIRS" ] && echo 1)"
	verdict "+10%: $TARGET SLOWER in $hit10 of $PAIRS trials (need >= $MIN10)" "$([ $hit10 -ge "$MIN10" ] && echo 1)"
	verdict "others flagged (SLOWER or FASTER) in injection trials: $others" "$([ $others -eq 0 ] && echo 1)"
	verdict "runs of 30 s or more: $slow_trials (longest ${max_s}s)" "$([ $slow_trials -eq 0 ] && echo 1)"
	# The drift the pairing absorbed: the target's base time per call across
	# the runs, and within runs the spread of block times against the ratios'.
	drift=$(for f in "$OUTDIR"/aa*.txt "$OUTDIR"/inj*.txt; do
		awk -v t="$TARGET/" 'index($1, t) == 1 { v = $2; u = $3; print v * (u == "s" ? 1e9 : u == "ms" ? 1e6 : u == "us" ? 1e3 : 1) }' "$f"
	done | sort -g | awk '{ x[NR] = $1 } END { m = x[int((NR + 1) / 2)]; printf "%.2fx to %.2fx of the median over %d runs", x[1] / m, x[NR] / m, NR }')
	echo "drift: $TARGET's base time per call moved $drift"
	grep -h '^spread' "$OUTDIR"/aa*.txt "$OUTDIR"/inj*.txt | awk '{ t = $10; gsub(/%/, "", t); print t }' |
		sort -g | awk '{ t[NR] = $1 } END { printf "within runs (relative IQR, median over benchmarks): base block times %s%% to %s%%, paired ratios ", t[1], t[NR] }'
	grep -h '^spread' "$OUTDIR"/aa*.txt "$OUTDIR"/inj*.txt | awk '{ r = $16; gsub(/%/, "", r); print r }' | sort -g |
		awk '{ r[NR] = $1 } END { printf "%s%% to %s%%\n", r[1], r[NR] }'
	echo "reports: $OUTDIR"
	if [ $pass = 1 ]; then
		echo "VERDICT: PASS"
		exit 0
	fi
	echo "VERDICT: FAIL"
	exit 1
fi

# run NAME [INJECTION]: one timed run into $OUTDIR/NAME.json
run() {
	local name=$1 inject=${2:-}
	if ! env ${inject:+VB_INJECT_SLOWDOWN=$inject} "$vb" run --quiet --op "$OPS" --dims "$DIMS" \
		--repetitions "$REPS" --out "$OUTDIR/$name.json" -- --benchmark_min_time="$MIN_TIME" --benchmark_enable_random_interleaving=true \
		>"$OUTDIR/$name.log" 2>&1; then
		echo "regress_proof: run $name failed (see $OUTDIR/$name.log)"
		exit 2
	fi
}

# compare BASE NEW [SUFFIX OPTION]: the report into $OUTDIR/compare-BASE-NEW[SUFFIX].txt
compare() {
	local log="$OUTDIR/compare-$1-$2${3:-}.txt"
	"$vb" compare "$OUTDIR/$1.json" "$OUTDIR/$2.json" ${4:-} >"$log" 2>&1
	if [ $? -eq 2 ]; then
		echo "regress_proof: compare $1 $2 failed: $(tail -n 1 "$log")"
		exit 2
	fi
}

# flagged BASE NEW RESULT [SUFFIX]: the benchmarks that report calls RESULT (SLOWER or FASTER), one a line
flagged() {
	awk -v r="$3" '$NF == r { print $1 }' "$OUTDIR/compare-$1-$2${4:-}.txt"
}

echo "== regression gate proof: $PAIRS trials; $OPS at $DIMS; $REPS repetitions of ${MIN_TIME}s; target $TARGET =="
aa_slower=0 aa_faster=0 hit10=0 hit25=0 others=0 aa_raw=0
for i in $(seq 1 "$PAIRS"); do
	run "a$i"
	run "inj10_$i" "$TARGET:10"
	run "b$i"
	run "inj25_$i" "$TARGET:25"
	compare "a$i" "b$i"
	compare "a$i" "b$i" -raw --no-drift
	[ -n "$(flagged "a$i" "b$i" SLOWER -raw)" ] && aa_raw=$((aa_raw + 1))
	compare "a$i" "inj10_$i"
	compare "b$i" "inj25_$i"
	s=$(flagged "a$i" "b$i" SLOWER)
	f=$(flagged "a$i" "b$i" FASTER)
	[ -n "$s" ] && aa_slower=$((aa_slower + 1))
	[ -n "$f" ] && aa_faster=$((aa_faster + 1))
	t10=no t25=no o=""
	for pair in "a$i inj10_$i 10" "b$i inj25_$i 25"; do
		# shellcheck disable=SC2086 # split "BASE NEW PCT"
		set -- $pair
		slow=$(flagged "$1" "$2" SLOWER)
		fast=$(flagged "$1" "$2" FASTER)
		if grep -q "^$TARGET/" <<<"$slow"; then
			[ "$3" = 10 ] && t10=yes hit10=$((hit10 + 1))
			[ "$3" = 25 ] && t25=yes hit25=$((hit25 + 1))
		fi
		extra=$(printf '%s\n%s\n' "$slow" "$fast" | grep -v "^$TARGET/" | grep -v '^$')
		[ -n "$extra" ] && others=$((others + $(wc -l <<<"$extra"))) && o="$o $(tr '\n' ' ' <<<"$extra")"
	done
	printf 'trial %2d: A/A SLOWER: %-3s FASTER: %-3s | +10%%: %-3s | +25%%: %-3s | others flagged:%s\n' "$i" \
		"$([ -n "$s" ] && echo yes || echo no)" "$([ -n "$f" ] && echo yes || echo no)" "$t10" "$t25" "${o:- none}"
done

pass=1
verdict() { # what, ok
	printf '%-70s %s\n' "$1" "$([ "$2" = 1 ] && echo PASS || echo FAIL)"
	[ "$2" = 1 ] || pass=0
}
echo
verdict "A/A: $aa_slower of $PAIRS pairs had a SLOWER (pairs with a FASTER: $aa_faster)" "$([ $aa_slower -eq 0 ] && echo 1)"
verdict "+25%: $TARGET SLOWER in $hit25 of $PAIRS trials (need all)" "$([ $hit25 -eq "$PAIRS" ] && echo 1)"
verdict "+10%: $TARGET SLOWER in $hit10 of $PAIRS trials (need >= $MIN10)" "$([ $hit10 -ge "$MIN10" ] && echo 1)"
verdict "others flagged (SLOWER or FASTER) in injection trials: $others" "$([ $others -eq 0 ] && echo 1)"
drifts=$(grep -ho 'took [0-9.]*x' "$OUTDIR"/compare-*.txt | awk '{ print $2 + 0 }' | sort -g)
echo "run-wide drift removed by compare: $(head -n 1 <<<"$drifts")x to $(tail -n 1 <<<"$drifts")x" \
	"over $(wc -l <<<"$drifts") comparisons; A/A on raw times (--no-drift, not part of the verdict):" \
	"$aa_raw of $PAIRS pairs had a SLOWER"
echo "runs and compare reports: $OUTDIR"
if [ $pass = 1 ]; then
	echo "VERDICT: PASS"
	exit 0
fi
echo "VERDICT: FAIL"
exit 1
