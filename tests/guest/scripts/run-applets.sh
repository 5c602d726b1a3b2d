# Runs applets.sh in a fresh scratch directory ($1) with its output in a file (so that no
# applet sees a terminal), then prints that output and the script's exit status.
dir="$1"
script_dir=$(dirname "$0")
rm -rf "$dir"
mkdir -p "$dir" || exit 98
sh "$script_dir/applets.sh" "$dir/work" > "$dir/out.txt" 2>&1 < /dev/null
status=$?
cat "$dir/out.txt"
echo "applets.sh exit status: $status"
