# shellcheck shell=bash disable=SC2034
# Shared helpers for the scripts in scripts/ (setup, test, test-filters, fetch-weights, example, bench-*).
# Source it from bash: it defines functions and variables only. Messages go to stderr.

STYLIZE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The sample photos and paintings in the repository (fixtures/README.md: sources and licences).
STYLIZE_IMAGES="$STYLIZE_ROOT/fixtures/images"

# Debian packages the project needs: libnetpbm, OpenBLAS, OpenCV's video module (DIS optical flow) and oneDNN
# (bfloat16 backward products on CPUs with AVX-512 BF16) to build; netpbm, ImageMagick, ffmpeg and GNU parallel (and rsync, for its transfers) for the pipelines around the
# filters and their tests.
STYLIZE_DEBS=(libnetpbm-dev libopenblas-dev libopencv-video-dev libdnnl-dev netpbm imagemagick ffmpeg parallel rsync)

PYTHON="${PYTHON:-python3}"

say() { printf '%s\n' "$*" >&2; }

# machine_line: "N cores, load A B C" (the 1, 5 and 15 minute load averages), for the benchmarks' headers.
machine_line() {
    printf '%s cores, load %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# What users get: the benchmarks take their figures with OpenBLAS's kernel choice left to OpenBLAS, as on a user's
# machine, which sets neither variable. Our machines set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (older OpenBLAS
# builds misbehave on some CPUs); tests and CI keep them. Use: "${AS_USERS_RUN[@]}" COMMAND..., this command only.
AS_USERS_RUN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)

# environment_blas: the OpenBLAS variables this environment sets ("OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512"),
# empty when it sets neither (then the users' run is the environment's).
environment_blas() {
    local v out=()
    for v in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
        [[ -z "${!v+set}" ]] || out+=("$v=${!v}")
    done
    printf '%s' "${out[*]}"
}

# Swift lives at /opt/swift on the project's machines; find it even if PATH lacks it.
ensure_swift_on_path() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="$PATH:/opt/swift/usr/bin"
    fi
    command -v swift >/dev/null 2>&1 || { say "error: swift not found (expected on PATH or at /opt/swift/usr/bin)"; return 1; }
}

deb_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# ensure_debs [PACKAGE...]: installs whichever are missing (default: STYLIZE_DEBS). apt-get update runs only
# when something has to be installed; sudo only when not root.
ensure_debs() {
    local packages=("$@") missing=() p
    (( ${#packages[@]} )) || packages=("${STYLIZE_DEBS[@]}")
    for p in "${packages[@]}"; do
        deb_installed "$p" || missing+=("$p")
    done
    (( ${#missing[@]} )) || return 0
    local sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || { say "error: need root or sudo to install: ${missing[*]}"; return 1; }
        sudo=(sudo)
    fi
    say "Installing Debian packages: ${missing[*]}"
    local log
    log="$(mktemp "${TMPDIR:-/tmp}/stylize-apt.XXXXXX")"
    if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
           "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 \
               --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        say "error: could not install: ${missing[*]}"
        return 1
    fi
    rm -f "$log"
    say "Installed: ${missing[*]}"
}

# ensure_pip MODULE=PACKAGE ...: pip-installs (quietly) each PACKAGE whose MODULE does not import.
ensure_pip() {
    local spec module package missing=()
    for spec in "$@"; do
        module="${spec%%=*}"
        package="${spec#*=}"
        "$PYTHON" -c "import $module" >/dev/null 2>&1 || missing+=("$package")
    done
    (( ${#missing[@]} )) || return 0
    say "Installing Python packages: ${missing[*]}"
    PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check "${missing[@]}" >&2
}

# What the weights converter needs.
ensure_converter_deps() {
    ensure_pip numpy=numpy h5py=h5py
}

# Where the weights file goes unless told otherwise (the Swift code looks in the same place).
default_weights_path() {
    local home="${HOME:-}"
    [[ -n "$home" ]] || home="$(cd ~ && pwd)"
    printf '%s\n' "${STYLIZE_WEIGHTS:-${XDG_DATA_HOME:-$home/.local/share}/stylize/vgg16.safetensors}"
}

# ensure_weights: exports STYLIZE_WEIGHTS. A given one is passed on as it is; else the default path, fetched
# there by scripts/fetch-weights when the file is missing.
ensure_weights() {
    if [[ -z "${STYLIZE_WEIGHTS:-}" ]]; then
        STYLIZE_WEIGHTS="$(default_weights_path)"
        [[ -f "$STYLIZE_WEIGHTS" ]] || STYLIZE_WEIGHTS="$("$STYLIZE_ROOT/scripts/fetch-weights")" || return
    fi
    export STYLIZE_WEIGHTS
}

# The build folder: .build unless STYLIZE_SCRATCH_PATH names another (use as "${SWIFT_SCRATCH_ARGS[@]}").
SWIFT_SCRATCH_ARGS=()
if [[ -n "${STYLIZE_SCRATCH_PATH:-}" ]]; then
    SWIFT_SCRATCH_ARGS=(--scratch-path "$STYLIZE_SCRATCH_PATH")
fi
# A release build into that folder (use as "${SWIFT_RELEASE_ARGS[@]}"). scripts/test runs the Swift tests on
# the release build, which needs -enable-testing (@testable import); it sets STYLIZE_TESTABLE=1 so that the
# scripts it runs build the executables with the same flags, in the same folder, instead of a second time.
SWIFT_RELEASE_ARGS=(-c release "${SWIFT_SCRATCH_ARGS[@]}")
if [[ "${STYLIZE_TESTABLE:-0}" == 1 ]]; then
    SWIFT_RELEASE_ARGS+=(-Xswiftc -enable-testing)
fi

# build_release [PRODUCT...]: installs the missing Debian packages (STYLIZE_DEBS), finds swift, and builds the
# given products (one `swift build --product` each), else the whole package, in release mode into the build
# folder; the build's output goes to stderr. Sets the global bin to the folder holding the executables (not
# printed for a $(...): the subshell would lose ensure_swift_on_path's PATH).
# shellcheck disable=SC2120  # without arguments it builds everything (also silences SC2119 at those calls)
build_release() {
    local product
    ensure_debs "${STYLIZE_DEBS[@]}" || return
    ensure_swift_on_path || return
    if (( $# )); then
        for product in "$@"; do
            swift build "${SWIFT_RELEASE_ARGS[@]}" --product "$product" >&2 || return
        done
    else
        swift build "${SWIFT_RELEASE_ARGS[@]}" >&2 || return
    fi
    bin="$(swift build "${SWIFT_RELEASE_ARGS[@]}" --show-bin-path)" || return
}
