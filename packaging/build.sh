#!/usr/bin/env bash
# Build the onedir bundle dist/audit-workbook/ with PyInstaller, then smoke-test it.
#
#   bash packaging/build.sh            uses .venv (or $PYTHON) and installs PyInstaller into it (extra "package")
#   PYTHON=/tmp/pyi-venv/bin/python bash packaging/build.sh   build from another environment
#   SKIP_SMOKE=1 bash packaging/build.sh                       build only
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${REPO_ROOT}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

python="${PYTHON:-${REPO_ROOT}/.venv/bin/python}"
if [[ ! -x "${python}" ]]; then
    printf 'build.sh: %s not found\n  hint: run `bash packaging/dev.sh test` first, or set PYTHON=\n' "${python}" >&2
    exit 1
fi

if ! "${python}" -c 'import PyInstaller' 2>/dev/null; then
    printf '==> installing PyInstaller (extra "package")\n' >&2
    "${python}" -m pip install --quiet --quiet -e '.[package]' </dev/null
fi

printf '==> pyinstaller packaging/audit-workbook.spec\n' >&2
"${python}" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "${REPO_ROOT}/dist" --workpath "${REPO_ROOT}/build/pyinstaller" \
    packaging/audit-workbook.spec

case "$(uname -s)" in
    Linux) cp packaging/audit-workbook.desktop dist/audit-workbook/ ;;
esac
printf '==> built %s (%s)\n' "dist/audit-workbook" "$(du -sh dist/audit-workbook | cut -f1)" >&2

if [[ "${SKIP_SMOKE:-0}" != "1" ]]; then
    bash packaging/smoke_test.sh dist/audit-workbook
fi
