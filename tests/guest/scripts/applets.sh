# Busybox's shell and everyday applets, run by `busybox sh` in a scratch directory ($1). The
# output depends on nothing but busybox and the kernel: no dates, pids, sizes on disk, absolute
# paths, or directory-order listings (they are sorted). The test compares the guest's output
# with the host's, line by line.
mkdir -p "$1" && cd "$1" || exit 99
umask 022

echo "== shell basics"
x=5
y=$((x * 3 + 1))
echo "arith: $y"
name="domus guest"
echo "length: ${#name} prefix: ${name%% *} suffix: ${name#* }"
echo "default: ${unset_var:-fallback} alt: ${name:+set}"
false
echo "false -> $?"
true
echo "true -> $?"
(exit 7)
echo "subshell exit -> $?"
sh -c 'exit 9'
echo "sh -c exit -> $?"
false | true
echo "pipeline status -> $?"
! false
echo "negated -> $?"
f() {
    local a="$1"
    echo "function got '$a' and $# args"
    return 4
}
f "one arg" two
echo "function returned $?"
i=0
while [ $i -lt 5 ]; do
    i=$((i + 1))
    [ $i -eq 2 ] && continue
    [ $i -eq 4 ] && break
    echo "while $i"
done
for w in alpha beta gamma; do printf '%s;' "$w"; done
echo
until [ $i -le 0 ]; do i=$((i - 1)); done
echo "until -> $i"
case "file.tar.gz" in
    *.zip) echo "case: zip" ;;
    *.tar.*) echo "case: tarball" ;;
    *) echo "case: other" ;;
esac
set -- a "b c" d
echo "positional: $# [$2]"
for a in "$@"; do echo "arg <$a>"; done
shift
echo "after shift: $1"
IFS=: read -r p1 p2 p3 <<EOF
one:two:three
EOF
echo "read: $p2 $p3 $p1"
echo "here-doc:"
cat <<EOF
  indented $x
EOF
cat <<'EOF'
  literal $x
EOF
echo "cmd subst: $(echo inner $(echo nested))"
echo "backticks: `echo old style`"
v=outer
(v=inner; echo "subshell sees $v")
echo "parent keeps $v"
{ echo "group 1"; echo "group 2"; } > group.txt
cat group.txt
(trap 'echo "subshell trap"' EXIT; echo "in subshell")
sh -c 'set -e; false; echo "not reached"' || echo "set -e stopped the child shell: $?"
echo "export:"
export MYVAR=exported
sh -c 'echo "child sees $MYVAR"'
env | grep '^MYVAR='
unset MYVAR
sh -c 'echo "child after unset: [${MYVAR-unset}]"'
type echo | head -n 1
command -v cd

echo "== redirection"
echo "line 1" > out.txt
echo "line 2" >> out.txt
printf 'line 3\n' >> out.txt
cat < out.txt
ls nonexistent-file 2> err.txt
echo "ls status $?"
cat err.txt
ls nonexistent-file > both.txt 2>&1
cat both.txt
echo "to stderr" 1>&2
exec 3> fd3.txt
echo "via fd 3" >&3
exec 3>&-
cat fd3.txt
exec 4< out.txt
read -r first <&4
exec 4<&-
echo "read from fd 4: $first"
: > empty.txt
wc -c < empty.txt
echo "noclobber:"
set -C
(echo x > out.txt) 2>/dev/null || echo "refused to clobber"
set +C
cat /dev/null
echo "devnull" > /dev/null
head -c 8 /dev/zero | od -An -tx1
head -c 100 /dev/urandom | wc -c

echo "== pipes"
seq 1 10 | tr '\n' ' '
echo
seq 1 100000 | sort -rn | head -n 3
seq 1 1000 | awk '{ s += $1 } END { print "sum", s }'
yes hello | head -n 3
yes | head -c 1000000 | wc -c
seq 1 5 | while read -r n; do echo "loop $n"; done | tail -n 2
printf 'b\na\nc\na\nb\n' | sort | uniq -c
printf 'b\na\nc\na\nb\n' | sort -u | tr 'a-z' 'A-Z'
echo "one two three four" | cut -d' ' -f2,4
echo "a:b:c" | cut -d: -f3
printf '3\n1\n2\n' | sort -n | xargs echo sorted:
printf '1 2 3 4 5 6\n' | xargs -n 2 echo pair
echo "abc" | sed 's/b/B/'
cat out.txt | grep -c line
cat out.txt | grep -n "2"
cat out.txt | grep -v "2" | wc -l
echo "x y z" | awk '{ print NF, $2 }'
dd if=/dev/zero bs=1024 count=64 2>/dev/null | wc -c
dd if=/dev/zero bs=4096 count=16 2>/dev/null | sha256sum | cut -c1-64

echo "== files"
mkdir -p tree/a/b tree/c
echo "alpha" > tree/a/one.txt
echo "beta" > tree/a/b/two.txt
echo "gamma" > tree/c/three.log
printf 'x%.0s' $(seq 1 5000) > tree/big.dat
ls tree
ls -1 tree/a
ls -R tree | grep -c .
ls -a tree/c
find tree | sort
find tree -type f -name '*.txt' | sort
find tree -type d | sort
find tree -name '*.log' -exec cat {} \;
cp tree/a/one.txt copy.txt
cat copy.txt
cp -r tree tree2
find tree2 | sort
mv copy.txt moved.txt
ls moved.txt copy.txt 2>&1
rm moved.txt
[ -e moved.txt ] || echo "moved.txt removed"
rm -r tree2
[ -d tree2 ] || echo "tree2 removed"
mkdir d1
rmdir d1 && echo "rmdir ok"
mkdir d2 && touch d2/x
rmdir d2 2>&1 || echo "rmdir non-empty failed"
rm -rf d2
ln -s tree/a/one.txt sym
readlink sym
cat sym
ln tree/a/one.txt hard
cat hard
test -L sym && echo "sym is a link"
test -f hard && echo "hard is a file"
test -d tree && echo "tree is a dir"
test ! -e nothing && echo "nothing does not exist"
test -s empty.txt || echo "empty.txt is empty"
chmod 700 tree/a/one.txt
test -x tree/a/one.txt && echo "now executable"
stat -c '%s %A %n' tree/a/one.txt tree/big.dat
wc tree/a/one.txt tree/big.dat
wc -l < tree/big.dat
head -c 10 tree/big.dat; echo
tail -c 5 tree/big.dat; echo
seq 1 20 > nums.txt
head -n 3 nums.txt
tail -n 3 nums.txt
tail -n +18 nums.txt
sed -n '5,7p' nums.txt
sed -i 's/^1/one-/' nums.txt
grep '^one' nums.txt | tr '\n' ' '
echo
awk -F- '/one/ { print $2 }' nums.txt | sort -n | tail -n 1
basename /a/b/c.txt .txt
dirname /a/b/c.txt
touch -d "2020-01-02 03:04:05" dated.txt 2>/dev/null || touch dated.txt
[ dated.txt -ot nums.txt ] && echo "older than nums.txt"
printf '%5s|%-5s|%05d|%x|%o|%c|%%\n' ab cd 42 255 8 Z
expr 7 \* 6
expr length "domus"

echo "== archives and checksums"
tar cf tree.tar tree
tar tf tree.tar | sort
mkdir unpack
tar xf tree.tar -C unpack
diff -r tree unpack/tree && echo "tar round trip identical"
tar czf tree.tgz tree
mkdir unpack2
tar xzf tree.tgz -C unpack2
cmp tree/big.dat unpack2/tree/big.dat && echo "tgz round trip identical"
seq 1 2000 > data.txt
gzip -c < data.txt > data.gz
gzip -t data.gz && echo "gzip test ok"
gunzip -c data.gz | cmp - data.txt && echo "gunzip identical"
gzip -9 data.txt
[ -f data.txt.gz ] && [ ! -f data.txt ] && echo "gzip replaced the file"
gunzip data.txt.gz
wc -l < data.txt
zcat data.gz | tail -n 1
sha256sum data.txt tree/a/one.txt
md5sum data.txt
sha1sum data.txt
sha256sum data.txt > sums
sha256sum -c sums
dd if=data.txt of=part.bin bs=100 skip=2 count=3 2>/dev/null
wc -c < part.bin
dd if=/dev/zero of=sparse.bin bs=1 count=1 seek=99999 2>/dev/null
wc -c < sparse.bin
od -An -c part.bin | head -n 1

echo "== processes and signals"
sleep 0.1
echo "slept"
# (Whether the shell also says "Terminated" depends on when it reaps the job: not compared.)
(
    sleep 10 &
    pid=$!
    kill $pid
    wait $pid
    echo "killed sleep: $?"
    sleep 10 &
    pid=$!
    kill -9 $pid
    wait $pid
    echo "killed -9 sleep: $?"
    kill -0 $pid 2>/dev/null || echo "process is gone"
) 2>/dev/null
(trap 'echo "caught TERM"; exit 3' TERM; : > trap-ready; while :; do sleep 0.05; done) &
pid=$!
while [ ! -e trap-ready ]; do sleep 0.05; done
kill -TERM $pid
wait $pid
echo "trapping subshell: $?"
false &
wait $!
echo "background false: $?"
(sleep 0.1; echo "background job done") &
wait
echo "all jobs done"
sh -c 'kill -USR1 $$'
echo "self-kill USR1: $?"
sh -c 'kill -SEGV $$'
echo "self-kill SEGV: $?"
timeout 1 sleep 5
echo "timeout: $?"
echo "printf in subshell" | (read -r line; echo "got: $line")
seq 1 3 | (while read -r n; do echo "sub $n"; done)
echo "== done"
