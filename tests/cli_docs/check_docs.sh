#!/usr/bin/env bash
# memhp(1) and the bash completion against `memhp COMMAND --help`.
#
# Both files are generated (cli/manpage.cpp) from the option tree --help
# prints; this reads --help's text on its own (its own regexes, not the
# generator's walk), so a command or option the generator drops, or a
# completion that does not complete, fails here.
#
# usage: check_docs.sh MEMHP MANPAGE COMPLETION PART
#   PART: fresh (the files are what the binary prints now), man (every
#   command and option in the page), warnings (man --warnings renders it
#   silently), complete (every command and option completes, values and
#   files too).
set -euo pipefail
memhp=$1 page=$2 script=$3 part=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The commands `memhp help` lists, and each one's long options, positionals
# and value sets as its --help prints them.
commands() { "$memhp" help | sed -nE 's/^  ([a-z][a-z-]*)  .*/\1/p'; }
# An option's line starts "  -h,--help" or "  --colour,--color TEXT:{auto,..}";
# a description's continuation is indented further.
long_options() {
  "$memhp" "$1" --help | awk '/^  -/ { n = split($1, names, ","); for (i = 1; i <= n; i++) if (names[i] ~ /^--/) print names[i] }'
}
positionals() { "$memhp" "$1" --help | sed -n '/^Positionals:/,/^$/p' | sed -nE 's/^  ([A-Z][A-Z_]*) .*/\1/p'; }
# Each long option whose type shows a set ("TEXT:{ram,x86}=ram"), then the set.
value_sets() {
  "$memhp" "$1" --help | awk '/^  -/ && match($2, /:\{[^}]*\}/) {
    set = substr($2, RSTART + 2, RLENGTH - 3); n = split($1, names, ",")
    for (i = 1; i <= n; i++) if (names[i] ~ /^--/) print names[i], set }'
}

all_commands=$(commands)  # help among them
[ "$(echo "$all_commands" | wc -l)" -ge 10 ] && grep -qx help <<< "$all_commands" ||
  fail "memhp help lists only: $all_commands"

check_fresh() {
  "$memhp" help --man | cmp -s - "$page" || fail "$page is not what 'memhp help --man' prints (rebuild)"
  "$memhp" help --completion bash | cmp -s - "$script" || fail "$script is not what 'memhp help --completion bash' prints"
}

# The .TP tags of one command's .SS section, one word a line.
section_tags() {
  awk -v want="memhp $1" '
    /^\.S[SH] / { inside = ($0 == ".SS " want); next }
    inside && tag { print; tag = 0 }
    inside && /^\.TP/ { tag = 1 }' "$tmp/plain" | tr ' ,' '\n\n'
}

# The page's text with roff's escapes undone (\- is '-', fonts go) in a file:
# under pipefail, grep -q closing a pipe early would fail the pipeline.
check_man() {
  sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\e/\\/g' "$page" > "$tmp/plain"
  grep -q '^\.TH MEMHP 1 ' "$page" || fail "no .TH MEMHP 1"
  for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS"; do
    grep -q "^\.SH $s\$" "$page" || fail "no section $s"
  done
  for n in 0 1 2; do
    grep -qx "\.B $n" <<< "$(sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "$tmp/plain")" || fail "EXIT STATUS does not give $n"
  done
  for c in $all_commands; do
    grep -qx "\.SS memhp $c" "$tmp/plain" || fail "no section for command $c"
    grep -q "^memhp $c\b" <<< "$(sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$tmp/plain")" || fail "$c not in SYNOPSIS"
    local tags
    tags=$(section_tags "$c")
    for o in $(long_options "$c") $(positionals "$c"); do
      grep -Fxq -- "$o" <<< "$tags" || fail "man page: $c has no entry for $o"
    done
  done
}

check_warnings() {
  command -v man > /dev/null || { echo "SKIP: man is not installed (apt-get install man-db groff-base)"; exit 77; }
  MANWIDTH=80 man --warnings -l "$page" > "$tmp/page.txt" 2> "$tmp/warnings.txt" || fail "man could not render $page"
  [ ! -s "$tmp/warnings.txt" ] || { fail "man --warnings:"; cat "$tmp/warnings.txt"; }
  grep -q 'EXIT STATUS' "$tmp/page.txt" || fail "the rendered page has no EXIT STATUS"
}

# COMPREPLY, one a line, for the words given (the last one being completed),
# in a bare `bash --norc`: no user settings, and bash-completion's helpers
# only when $with is its main script.
with=
complete_words() {
  (cd "$tmp/files" && bash --norc --noprofile -c '
    [ -z "$1" ] || source "$1"
    script=$2; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    source "$script"
    complete -p memhp | grep -q -- "-F _memhp memhp" || { echo "no complete -F _memhp memhp" >&2; exit 1; }
    _memhp memhp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$with" "$script" "$@" | sort)
}

# complete_words, compared with the expected words (sorted, one a line).
expect() {
  local want=$1 got
  shift
  got=$(complete_words "$@")
  [ "$got" = "$(sort <<< "$want")" ] || fail "completing '$*'${with:+ with $with}: got [$(echo $got)], want [$(echo $want)]"
}

check_complete() {
  mkdir -p "$tmp/files/some-dir"
  : > "$tmp/files/a.trace"
  : > "$tmp/files/b.json"
  expect "$all_commands" memhp ""
  expect explore memhp ex
  expect "$(long_options explore | grep '^--ma')" memhp explore --ma
  for c in $all_commands; do
    local want
    want=$(long_options "$c")
    expect "$want" memhp "$c" -
    expect "$want" memhp "$c" --
    while read -r opt set; do
      expect "${set//,/$'\n'}" memhp "$c" "$opt" ""
      expect "${set//,/$'\n'}" memhp "$c" "$opt" = ""  # --opt=<TAB>, split at '=' by bash
    done < <(value_sets "$c")
  done
  expect "a.trace" memhp run a
  expect "a.trace
b.json
some-dir" memhp replay ""
  expect "a.trace" memhp explore --dot a.
  expect "some-dir" memhp check --emit-test ""
  expect "" memhp check --cases ""
  expect "$(grep -vx help <<< "$all_commands")" memhp help ""  # help names any command but itself
  expect quick memhp check --suite = q
}

case $part in
  fresh) check_fresh ;;
  man) check_man ;;
  warnings) check_warnings ;;
  complete)
    check_complete
    # With bash-completion too, when it is installed (BASH_COMPLETION names
    # another copy): the script then uses its _filedir.
    with=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
    if [ -f "$with" ]; then check_complete; else echo "note: $with absent, checked without it only"; fi
    ;;
  *) echo "unknown part '$part'"; exit 2 ;;
esac
if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s) in $part"
  exit 1
fi
echo "ok: $part"
