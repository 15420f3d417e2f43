# shellcheck shell=bash
# shellcheck disable=SC2034  # IM_IDENTIFY and the like are for the filters that source this
# Helpers shared by filters/stylize-video and filters/stylize-image. Source it from bash after setting PROG
# (the filter's name, for messages). Defines functions and variables only.

STYLIZE_FILTERS_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
STYLIZE_REPO_ROOT="$(cd "$STYLIZE_FILTERS_DIR/.." && pwd)"
QUIET="${QUIET:-0}"

# Messages go to stderr as "PROG: ...", like the executables' own.
msg() { [[ "$QUIET" == 1 ]] || printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
# Usage errors exit 2 and point at --help.
usage_error() { printf '%s: error: %s (see %s --help)\n' "$PROG" "$*" "$PROG" >&2; exit 2; }

# Prints the comment block at the top of the calling script (its --help), without the "# " prefixes.
print_help() {
    sed -n '2,/^[^#]/{/^#/!q;s/^# \{0,1\}//;p}' "$1"
}

# find_executable NAME: the path of one of the project's executables (stylize, gram): $STYLIZE_BIN/NAME when
# STYLIZE_BIN is set, else NAME on PATH, else the checkout's release build (.build/release, or
# $STYLIZE_SCRATCH_PATH/release).
find_executable() {
    local name="$1" candidate
    if [[ -n "${STYLIZE_BIN:-}" ]]; then
        candidate="$STYLIZE_BIN/$name"
        [[ -x "$candidate" ]] || die "STYLIZE_BIN=$STYLIZE_BIN holds no executable $name"
        printf '%s\n' "$candidate"
        return
    fi
    if candidate="$(command -v "$name" 2>/dev/null)" && [[ -n "$candidate" ]]; then
        printf '%s\n' "$candidate"
        return
    fi
    local dir
    for dir in ${STYLIZE_SCRATCH_PATH:+"$STYLIZE_SCRATCH_PATH/release"} "$STYLIZE_REPO_ROOT/.build/release"; do
        [[ "$dir" == /* ]] || dir="$STYLIZE_REPO_ROOT/$dir"
        if [[ -x "$dir/$name" ]]; then
            printf '%s\n' "$dir/$name"
            return
        fi
    done
    die "cannot find the executable '$name': set STYLIZE_BIN to the folder holding it, put it on PATH, or build it (scripts/setup, or swift build -c release)"
}

# require_tool NAME PACKAGE: dies with a hint when a command is missing.
require_tool() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found; install it (Debian: apt-get install $2)"
}

# ImageMagick: IM7's magick when present, else IM6's convert/identify (the real /usr/bin ones first: a
# /usr/local/bin/convert may be something else).
IM_CONVERT=()
IM_IDENTIFY=()
find_imagemagick() {
    (( ${#IM_CONVERT[@]} )) && return 0
    if command -v magick >/dev/null 2>&1; then
        IM_CONVERT=(magick)
        IM_IDENTIFY=(magick identify)
        return 0
    fi
    local c i
    for c in /usr/bin/convert "$(command -v convert 2>/dev/null || true)"; do
        [[ -n "$c" && -x "$c" ]] || continue
        [[ "$("$c" -version 2>/dev/null)" == *ImageMagick* ]] || continue
        i="$(dirname "$c")/identify"
        [[ -x "$i" ]] || i="$(command -v identify 2>/dev/null || true)"
        [[ -n "$i" ]] || continue
        IM_CONVERT=("$c")
        IM_IDENTIFY=("$i")
        return 0
    done
    die "ImageMagick not found (need magick, or convert and identify); install it (Debian: apt-get install imagemagick)"
}

# is_gram_file FILE: whether FILE is a Gram file written by `gram` (a safetensors file whose metadata says
# format stylize-gram), by its content; a .gram extension alone also counts.
is_gram_file() {
    local file="$1"
    [[ "$file" == *.gram ]] && return 0
    # safetensors: an 8-byte little-endian header length, then the JSON header.
    local header
    header="$(head -c 4096 "$file" 2>/dev/null | tail -c +9 | LC_ALL=C tr -d '\000')"
    [[ "$header" == '{'* && "$header" == *'"format":"stylize-gram"'* ]]
}

# Values of options in a list of stylize options (for --size=N and --size N alike).
# option_value NAME ARGS...: prints the last value given for --NAME, or nothing.
option_value() {
    local name="$1" value="" found=1
    shift
    while (( $# )); do
        case "$1" in
            "--$name") (( $# >= 2 )) && { value="$2"; found=0; shift; } ;;
            "--$name="*) value="${1#--"$name"=}"; found=0 ;;
        esac
        shift
    done
    (( found == 0 )) && printf '%s\n' "$value"
    return "$found"
}

# has_option NAME ARGS...: whether --NAME (or its short form) is among ARGS.
has_option() {
    local name="$1" arg
    shift
    for arg in "$@"; do
        [[ "$arg" == "--$name" || "$arg" == "--$name="* ]] && return 0
    done
    return 1
}

# make_workdir PARENT: a fresh private directory for temporary files, removed on exit unless KEEP_TMP=1.
WORKDIR=""
make_workdir() {
    local parent="${1:-${TMPDIR:-/tmp}}"
    [[ -d "$parent" && -w "$parent" ]] || die "temporary folder $parent is not a writable folder"
    WORKDIR="$(mktemp -d "$parent/$PROG.XXXXXX")" || die "cannot create a temporary folder in $parent"
    WORKDIR="$(cd "$WORKDIR" && pwd -P)"
}

cleanup_workdir() {
    if [[ -n "$WORKDIR" && -d "$WORKDIR" ]]; then
        if [[ "${KEEP_TMP:-0}" == 1 ]]; then
            printf '%s: kept temporary files in %s\n' "$PROG" "$WORKDIR" >&2
        else
            rm -rf -- "$WORKDIR"
        fi
    fi
}

# format_seconds N: 75 -> 1:15, 3725 -> 1:02:05.
format_seconds() {
    local s="$1"
    if (( s >= 3600 )); then
        printf '%d:%02d:%02d' $((s / 3600)) $((s % 3600 / 60)) $((s % 60))
    else
        printf '%d:%02d' $((s / 60)) $((s % 60))
    fi
}
