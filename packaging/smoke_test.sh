#!/usr/bin/env bash
# Smoke-test a built bundle: --version, --self-test, and a demo workbook built and verified without a window.
#
#   bash packaging/smoke_test.sh [BUNDLE_DIR]     default dist/audit-workbook
set -euo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$(cd "${1:-${REPO_ROOT}/dist/audit-workbook}" && pwd)"
exe="${bundle}/audit-workbook"
[[ -x "${exe}" ]] || exe="${bundle}/audit-workbook.exe"
if [[ ! -x "${exe}" ]]; then
    printf 'smoke_test.sh: no audit-workbook executable in %s\n  hint: run `bash packaging/build.sh`\n' \
        "${bundle}" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# A fresh HOME and no display: the bundle must not depend on the builder's settings or a desktop session.
export HOME="${work}/home"
mkdir -p "${HOME}"
export QT_QPA_PLATFORM=offscreen
unset AUDIT_WORKBOOK_RESOURCES PYTHONPATH PYTHONHOME
cd "${work}"

step() {
    printf '==> %s\n' "$*" >&2
    "$@" </dev/null
}

step "${exe}" --version
step "${exe}" --self-test
step "${exe}" demo "${work}/demo" --no-gui
[[ -s "${work}/demo/demo.auditwb" ]] || { printf 'smoke_test.sh: demo.auditwb was not written\n' >&2; exit 1; }
count="$("${exe}" items "${work}/demo/demo.auditwb" --json </dev/null \
    | "${PYTHON:-python3}" -c 'import json, sys; print(len(json.load(sys.stdin)))')"
printf '==> demo has %s requests\n' "${count}" >&2
[[ "${count}" -ge 80 ]] || { printf 'smoke_test.sh: expected at least 80 requests\n' >&2; exit 1; }
step "${exe}" verify "${work}/demo/demo.auditwb"
printf '==> smoke test passed\n' >&2
