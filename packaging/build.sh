#!/usr/bin/env bash
# Build the onedir bundle dist/audit-workbook/ with PyInstaller, then smoke-test it.
#
#   bash packaging/build.sh            builds from build/venv (created on first use: the project + PyInstaller,
#                                      extra "package"), so PyInstaller never lands in the development .venv
#   PYTHON=/tmp/pyi-venv/bin/python bash packaging/build.sh   build from another environment (PyInstaller is
#                                      installed into it if missing)
#   SKIP_SMOKE=1 bash packaging/build.sh                       build only
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${REPO_ROOT}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [[ -n "${PYTHON:-}" ]]; then
    python="${PYTHON}"
else
    python="${REPO_ROOT}/build/venv/bin/python"
    if [[ ! -x "${python}" ]]; then
        base="$(command -v python3.11 || command -v python3)"
        printf '==> creating build/venv with %s\n' "${base}" >&2
        "${base}" -m venv "${REPO_ROOT}/build/venv"
    fi
fi
if [[ ! -x "${python}" ]]; then
    printf 'build.sh: %s not found\n  hint: unset PYTHON to use build/venv\n' "${python}" >&2
    exit 1
fi

if ! "${python}" -c 'import PyInstaller, workbook' 2>/dev/null; then
    printf '==> installing the project and PyInstaller (extras "package" and "encryption") into %s\n' \
        "$("${python}" -c 'import sys; print(sys.prefix)')" >&2
    "${python}" -m pip install --quiet --quiet -e '.[package,encryption]' </dev/null
fi

printf '==> pyinstaller packaging/audit-workbook.spec\n' >&2
# From a clean state: --clean empties PyInstaller's cache, and the old bundle goes first so that nothing a
# previous spec shipped survives.
rm -rf "${REPO_ROOT}/dist/audit-workbook" "${REPO_ROOT}/build/pyinstaller"
started=${SECONDS}
"${python}" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "${REPO_ROOT}/dist" --workpath "${REPO_ROOT}/build/pyinstaller" \
    packaging/audit-workbook.spec

case "$(uname -s)" in
    Linux) cp packaging/audit-workbook.desktop dist/audit-workbook/ ;;
esac
printf '==> built %s (%s) in %d s\n' "dist/audit-workbook" "$(du -sh dist/audit-workbook | cut -f1)" \
    $((SECONDS - started)) >&2

if [[ "${SKIP_SMOKE:-0}" != "1" ]]; then
    bash packaging/smoke_test.sh dist/audit-workbook
fi
