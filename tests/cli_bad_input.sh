#!/usr/bin/env bash
# Bad input gets one line on stderr naming the problem and exit status 2;
# never a crash, never a partial output file.
vb=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect2() { # description, expected text in the message, command...
	local what=$1 text=$2
	shift 2
	local err rc
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 2 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || ! grep -qi -- "$text" <<<"$err"; then
		echo "FAIL: $what: exit $rc, stderr: $err"
		fails=$((fails + 1))
	else
		echo "ok: $what -> $err"
	fi
}

expect2 "no command" "usage" "$vb"
expect2 "unknown command" "unknown command" "$vb" frobnicate
expect2 "unknown flag" "unknown option" "$vb" check --frob
expect2 "missing value" "needs a value" "$vb" check --op
expect2 "repeated flag" "twice" "$vb" check --seed 1 --seed 2
expect2 "unknown op" "matches no op" "$vb" check --op '^nosuchop$'
expect2 "bad regex" "bad --op regex" "$vb" check --op '('
expect2 "unknown variant" "variant" "$vb" check --op dense_fwd --variant nosuch
expect2 "zero dim" "at least 1" "$vb" check --op dense_fwd --dims m=0
expect2 "negative dim" "positive" "$vb" check --op dense_fwd --dims m=-3
expect2 "non-numeric dim" "positive integer" "$vb" check --op dense_fwd --dims m=abc
expect2 "overflowing dim" "exceeds" "$vb" check --op dense_fwd --dims m=99999999999999999999999
expect2 "malformed dims" "expected name=value" "$vb" check --op dense_fwd --dims m
expect2 "unknown dim name" "no selected op" "$vb" check --op dense_fwd --dims q=3
expect2 "repeated dim" "twice" "$vb" check --op dense_fwd --dims m=3,m=4
expect2 "larger than memory" "more than this machine" "$vb" check --op dense_fwd --dims m=2000000000,d=2000000000
expect2 "bad seed" "seed" "$vb" check --seed -1
expect2 "abbreviated option" "unknown option '--qui'" "$vb" run --qui
# Every command's --help: its usage on stdout, exit 0, nothing run.
for cmd in list check run compare doctor calibration-key ab machine-id plot report dump blas-trial; do
	out=$("$vb" $cmd --help 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || ! grep -q "^usage: vecbench $cmd" <<<"$out" || ! grep -q "^  $cmd" <<<"$out"; then
		echo "FAIL: $cmd --help: exit $rc, output: $out"
		fails=$((fails + 1))
	else
		echo "ok: $cmd --help"
	fi
done
expect2 "unwritable --out" "cannot write" "$vb" run --op dense_fwd --quick --out /nonexistent/dir/r.json
expect2 "unknown benchmark flag" "Google Benchmark flag" "$vb" run --op dense_fwd --quick -- --benchmark_frob=1
expect2 "dump unknown op" "unknown op" "$vb" dump nosuch --out "$tmp/d"
expect2 "dump without --out" "required" "$vb" dump dense_fwd
expect2 "dump unknown variant" "no variant" "$vb" dump dense_fwd --variant nosuch --out "$tmp/d"
touch "$tmp/file"
expect2 "dump into a file" "not a directory" "$vb" dump dense_fwd --dims m=2,d=2,h=2 --out "$tmp/file"
[ -e /nonexistent/dir/r.json ] && { echo "FAIL: partial output"; fails=$((fails + 1)); }
ls "$tmp" | grep -q tmp && { echo "FAIL: temporary file left behind"; fails=$((fails + 1)); }
echo "$fails failure(s)"
[ $fails -eq 0 ]
