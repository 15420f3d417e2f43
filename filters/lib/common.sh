# shellcheck shell=bash
# shellcheck disable=SC2034  # IM_IDENTIFY and the like are for the scripts that source this
# Helpers shared by filters/stylize-video and filters/stylize-image (scripts/test-filters uses find_imagemagick).
# Source it from bash after setting PROG (the filter's name, for messages). Defines functions and variables only.

STYLIZE_FILTERS_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
STYLIZE_REPO_ROOT="$(cd "$STYLIZE_FILTERS_DIR/.." && pwd)"
QUIET="${QUIET:-0}"

# Messages go to stderr as "PROG: ...", like the executables' own.
msg() { [[ "$QUIET" == 1 ]] || printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
# Usage errors exit 64 (EX_USAGE, as the executables' own) and point at --help.
usage_error() { printf '%s: error: %s (see %s --help)\n' "$PROG" "$*" "$PROG" >&2; exit 64; }

# need_value OPTION $#: in the option loop, a usage error unless OPTION has a value after it.
need_value() { (( $2 >= 2 )) || usage_error "$1 needs a value"; }

# pass_quiet_to_stylize: with -q (QUIET=1), adds -q to the global stylize_options unless they say it already.
pass_quiet_to_stylize() {
    if (( QUIET )) && ! has_option quiet "${stylize_options[@]}" && [[ ! " ${stylize_options[*]} " =~ " -q " ]]; then
        stylize_options+=(-q)
    fi
}

# check_input_and_style INPUT STYLE: dies unless each is a readable file (an INPUT of -, stdin, is not checked).
check_input_and_style() {
    local input="$1" style="$2"
    if [[ "$input" != - ]]; then
        [[ -e "$input" ]] || die "$input: no such file"
        [[ -f "$input" && -r "$input" ]] || die "$input: not a readable file"
    fi
    [[ -e "$style" ]] || die "$style: no such file (the style)"
    [[ -f "$style" && -r "$style" ]] || die "$style: not a readable file (the style)"
}

# check_output_dir OUTPUT: sets output_dir to OUTPUT's folder; dies unless it is there and writable.
check_output_dir() {
    output_dir="$(dirname -- "$1")"
    [[ -d "$output_dir" ]] || die "$1: folder $output_dir does not exist"
    [[ -w "$output_dir" ]] || die "$1: folder $output_dir is not writable"
}

# Prints the comment block at the top of the calling script (its --help), without the "# " prefixes.
print_help() {
    sed -n '2,/^[^#]/{/^#/!q;s/^# \{0,1\}//;p}' "$1"
}

# find_executable NAME: the path of one of the project's executables (stylize, gram): $STYLIZE_BIN/NAME when
# STYLIZE_BIN is set, else the folder scripts/install put them in (named by lib/bin-dir beside this file in an
# installed copy), else NAME on PATH, else the checkout's release build (.build/release, or
# $STYLIZE_SCRATCH_PATH/release).
find_executable() {
    local name="$1" candidate
    if [[ -n "${STYLIZE_BIN:-}" ]]; then
        candidate="$STYLIZE_BIN/$name"
        [[ -x "$candidate" ]] || die "STYLIZE_BIN=$STYLIZE_BIN holds no executable $name"
        printf '%s\n' "$candidate"
        return
    fi
    if [[ -f "$STYLIZE_FILTERS_DIR/lib/bin-dir" ]]; then
        candidate="$(cat "$STYLIZE_FILTERS_DIR/lib/bin-dir")/$name"
        [[ -x "$candidate" ]] || die "$candidate is missing: reinstall stylize (scripts/install)"
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

# style_to_ppm STYLE PPM ERRORS: converts the first frame of the style image STYLE to an 8-bit RGB PPM
# (EXIF orientation applied, transparency laid on white); ImageMagick's messages go to the file ERRORS.
style_to_ppm() {
    find_imagemagick
    "${IM_CONVERT[@]}" "$1[0]" -auto-orient -background white -alpha remove -alpha off -depth 8 -type TrueColor \
        "ppm:$2" 2>"$3"
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

# set_exit_traps: on exit, removes the file named by the global partial (the output being written, when set)
# and the work folder, keeping the exit status; INT and TERM exit with 130 and 143. Sets partial="".
# EXIT_HOOKS: commands run first (each once, failures ignored), e.g. to stop children.
EXIT_HOOKS=()
on_exit() {
    local status=$? hook
    for hook in "${EXIT_HOOKS[@]}"; do "$hook" || true; done
    EXIT_HOOKS=()
    [[ -z "$partial" ]] || rm -f -- "$partial"
    cleanup_workdir
    exit "$status"
}
set_exit_traps() {
    partial=""
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
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

# check_manifest FILE KEY VALUE [KEY VALUE...]: a kept work folder's record of what it was made for. Writes
# FILE when missing; else dies unless every KEY has the same VALUE there, naming each that differs.
check_manifest() {
    local file="$1" key value recorded differs=()
    shift
    if [[ ! -f "$file" ]]; then
        while (( $# >= 2 )); do printf '%s=%s\n' "$1" "$2"; shift 2; done > "$file.part"
        mv -f -- "$file.part" "$file"
        return 0
    fi
    while (( $# >= 2 )); do
        key="$1" value="$2"
        shift 2
        recorded="$(sed -n "s/^$key=//p" "$file" | head -n 1)"
        [[ "$recorded" == "$value" ]] || differs+=("$key (there: '$recorded'; now: '$value')")
    done
    (( ${#differs[@]} == 0 )) && return 0
    local joined
    joined="$(printf '%s; ' "${differs[@]}")"
    die "--workdir $(dirname -- "$file") was made for other inputs or options: ${joined%; }; use another folder, or remove it to start over"
}
