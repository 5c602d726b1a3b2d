#!/usr/bin/env bash
# Fails when a tracked C/C++ file is not clang-format clean (the repo's .clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "clang-format not installed: skipped"
  exit 0
fi
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "not a git checkout: skipped"
  exit 0
fi
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
