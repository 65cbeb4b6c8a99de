#!/usr/bin/env bash
# Developer entry point: installs what a fresh Debian/Ubuntu machine lacks, then opens the demo or runs the checks.
#
#   bash packaging/dev.sh demo [DIR]   system packages + .venv + `pip install -e .`, then `audit-workbook demo DIR`
#   bash packaging/dev.sh test         system packages + .venv + `pip install -e '.[test,encryption]'`, then
#                                      ruff check, ruff format --check, mypy, lint-imports, pytest (offscreen)
#
# Environment: PYTHON=/path/to/python3.11+ picks the interpreter for a new .venv; SKIP_APT=1 skips system packages
# (for machines where they are managed elsewhere); CI=true never waits for input.
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly VENV="${REPO_ROOT}/.venv"
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

# Qt 6 with QT_QPA_PLATFORM=offscreen: found by `ldd` on PySide6 6.11's libqoffscreen.so and libQt6{Core,Gui,Widgets}.
readonly APT_HEADLESS=(
    libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libx11-6
    fonts-dejavu-core
)
# Tools the tests call to read outputs back (pdftoppm/pdftotext, qpdf --check), and a real X server for the
# test that opens the window under Xvfb (xvfb-run, xwininfo).
readonly APT_TEST_TOOLS=(poppler-utils qpdf xvfb xauth x11-utils binutils)
# Qt 6's xcb platform plugin (a real desktop); without libxcb-cursor0 the app aborts on start.
readonly APT_DESKTOP=(
    libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1
)

say() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'dev.sh: %s\n' "$1" >&2
    [[ $# -gt 1 ]] && printf '  hint: %s\n' "$2" >&2
    exit 1
}

usage() {
    sed -n '3,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# A package counts as present under its own name or its 64-bit-time_t rename (Ubuntu 24.04: libglib2.0-0t64).
is_installed() {
    local name
    for name in "$1" "$1t64"; do
        if dpkg-query -W -f='${Status}' "${name}" 2>/dev/null | grep -q '^install ok installed$'; then
            return 0
        fi
    done
    return 1
}

install_system_packages() {
    if [[ "${SKIP_APT:-0}" == "1" ]]; then
        say "SKIP_APT=1: not checking system packages"
        return 0
    fi
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian/Ubuntu system: install Qt's runtime libraries yourself (see README.md)"
        return 0
    fi
    local missing=() pkg
    for pkg in "$@"; do
        is_installed "${pkg}" || missing+=("${pkg}")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "missing system packages: ${missing[*]}" \
            "run as root: apt-get install -y ${missing[*]}"
        # Without a terminal (CI=true, no stdin) sudo must not wait for a password it can never get.
        if [[ "${CI:-}" == "true" || ! -t 0 ]]; then
            sudo=(sudo -n)
        else
            sudo=(sudo)
        fi
    fi
    say "installing system packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq </dev/null
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

# The newest python3.X (3.11+) on PATH, or $PYTHON when given.
find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [[ -n "${candidate}" ]] || continue
        command -v "${candidate}" >/dev/null 2>&1 || continue
        if "${candidate}" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "${candidate}"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    if [[ -x "${VENV}/bin/python" ]] && "${VENV}/bin/python" -c 'import sys; assert sys.version_info >= (3, 11)' \
        2>/dev/null; then
        return 0
    fi
    local python
    python="$(find_python)" || die "Python 3.11 or newer was not found" \
        "install it (Debian 12: apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11"
    # Debian splits venv/ensurepip into pythonX.Y-venv; a bare `python3 -m venv` fails without it.
    if ! "${python}" -c 'import ensurepip, venv' 2>/dev/null; then
        local version
        version="$("${python}" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        install_system_packages "python${version}-venv"
    fi
    [[ -e "${VENV}" ]] && say "replacing ${VENV}: it has no working Python 3.11+"
    say "creating ${VENV} with $("${python}" --version)"
    rm -rf "${VENV}"
    "${python}" -m venv "${VENV}"
}

pip_install() {
    say "pip install $*"
    # Quiet on success; pip still prints errors to stderr, and the exit status stops the script.
    "${VENV}/bin/python" -m pip install --quiet --quiet "$@" </dev/null
}

run_step() {
    say "$*"
    "$@"
}

cmd_test() {
    [[ $# -eq 0 ]] || usage
    install_system_packages "${APT_HEADLESS[@]}" "${APT_TEST_TOOLS[@]}" "${APT_DESKTOP[@]}"
    ensure_venv
    pip_install -e '.[test,encryption]'
    export PATH="${VENV}/bin:${PATH}"
    run_step ruff check .
    run_step ruff format --check .
    run_step mypy
    run_step lint-imports
    say "QT_QPA_PLATFORM=offscreen pytest"
    local status=0
    QT_QPA_PLATFORM=offscreen pytest </dev/null || status=$?
    if [[ ${status} -eq 5 ]]; then
        die "pytest collected no tests" "check testpaths in pyproject.toml and that tests/ is present"
    fi
    [[ ${status} -eq 0 ]] || die "pytest failed (exit ${status})"
    say "all checks passed"
}

cmd_demo() {
    [[ $# -le 1 ]] || usage
    local dir="${1:-${HOME}/AuditWorkbookDemo}"
    install_system_packages "${APT_HEADLESS[@]}" "${APT_DESKTOP[@]}"
    ensure_venv
    pip_install -e .
    local gui_flag=()
    # No display to open a window on (SSH, container): build the demo workbook and say where it is.
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && "$(uname -s)" == "Linux" ]]; then
        say "no DISPLAY or WAYLAND_DISPLAY: building the demo without opening the app"
        gui_flag=(--no-gui)
    fi
    run_step "${VENV}/bin/audit-workbook" demo "${dir}" "${gui_flag[@]}"
}

main() {
    cd "${REPO_ROOT}"
    [[ $# -ge 1 ]] || usage
    local command="$1"
    shift
    case "${command}" in
        test) cmd_test "$@" ;;
        demo) cmd_demo "$@" ;;
        -h | --help | help) usage ;;
        *) usage ;;
    esac
}

main "$@"
