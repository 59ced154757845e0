#!/usr/bin/env bash
# Each library links only what it says (docs/design.md section 1): every
# memhp symbol a library leaves undefined is defined by the library itself
# or by one it links, directly or through another. The executables link
# every library, so without this check a call from trace/ into props/, say,
# would build and go unnoticed.
#
# Usage: link_closure.sh MANIFEST, where each line of MANIFEST is
# `LIBRARY ARCHIVE [LINKED-LIBRARY...]` (CMakeLists.txt writes it).
set -euo pipefail
manifest="$1"
declare -A archive links
while read -r lib path rest; do
  archive[$lib]=$path
  links[$lib]=$rest
done < "$manifest"
[ ${#archive[@]} -ge 2 ] || { echo "link_closure: no libraries in $manifest" >&2; exit 1; }

# LIBRARY and every library it links, directly or not.
closure() {
  local -A seen=()
  local todo=("$1") l
  while [ ${#todo[@]} -gt 0 ]; do
    l=${todo[0]}
    todo=("${todo[@]:1}")
    [ -n "${seen[$l]:-}" ] && continue
    seen[$l]=1
    for d in ${links[$l]:-}; do todo+=("$d"); done
  done
  echo "${!seen[@]}"
}

# The demangled names an archive defines, or leaves undefined.
defined() { nm -C --defined-only "$1" | sed -n 's/^[0-9a-f]* [A-Za-z] //p'; }
undefined() { nm -C --undefined-only "$1" | sed -n 's/^ *U //p'; }

status=0
for lib in $(printf '%s\n' "${!archive[@]}" | sort); do
  have=$(for l in $(closure "$lib"); do defined "${archive[$l]}"; done | sort -u)
  missing=$(undefined "${archive[$lib]}" | grep 'memhp::' | sort -u | comm -23 - <(printf '%s\n' "$have") || true)
  if [ -n "$missing" ]; then
    echo "$lib uses what no library it links defines (it links: ${links[$lib]:-nothing}):"
    printf '%s\n' "$missing" | head -10 | sed 's/^/  /'
    status=1
  else
    echo "$lib: uses only itself and what it links ($(closure "$lib" | tr ' ' '\n' | sort | grep -vx "$lib" | paste -sd' ' -))"
  fi
done
exit $status
