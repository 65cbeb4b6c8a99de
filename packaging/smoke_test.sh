#!/usr/bin/env bash
# Smoke-test a built bundle with the bundle only (no venv, no repository on PATH, a fresh HOME, cwd in /tmp):
# what it ships, then the command line end to end (demo, import, attach, export, verify, bad input), then the
# window (xcb under `xvfb-run -a`) and `open` with no display.
#
#   bash packaging/smoke_test.sh [BUNDLE_DIR]     default dist/audit-workbook
#
#   SMOKE_GUI=0   skip the window step (it is skipped, and said so, when xvfb-run/xwininfo are missing;
#                 SMOKE_GUI=1 makes their absence a failure)
#
# Every step prints PASS/FAIL/SKIP; the summary at the end lists them, and the exit status is 1 if any failed.
set -uo pipefail

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$(cd "${1:-${REPO_ROOT}/dist/audit-workbook}" && pwd)"
exe="${bundle}/audit-workbook"
[[ -x "${exe}" ]] || exe="${bundle}/audit-workbook.exe"
if [[ ! -x "${exe}" ]]; then
    printf 'smoke_test.sh: no audit-workbook executable in %s\n  hint: run `bash packaging/build.sh`\n' \
        "${bundle}" >&2
    exit 1
fi
internal="${bundle}/_internal"
[[ -d "${internal}" ]] || internal="${bundle}"

work="$(mktemp -d "${TMPDIR:-/tmp}/auditwb-smoke.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
# A fresh HOME, the system PATH only and nothing pointing back at a source tree or a venv: the bundle must not
# depend on the builder's settings, packages or a desktop session. Commands run headless (offscreen) unless a
# step says otherwise.
export HOME="${work}/home"
mkdir -p "${HOME}"
export PATH=/usr/bin:/bin
unset AUDIT_WORKBOOK_RESOURCES PYTHONPATH PYTHONHOME VIRTUAL_ENV PYTHONSTARTUP PYTHONUSERBASE
export QT_QPA_PLATFORM=offscreen
cd "${work}"

failed=0
summary=()
record() {  # record RESULT NAME [DETAIL]
    local line
    line="$(printf '%-4s  %s%s' "$1" "$2" "${3:+  — $3}")"
    summary+=("${line}")
    printf '%s\n' "${line}" >&2
    [[ "$1" == FAIL ]] && failed=1
    return 0
}

# run NAME EXPECTED_EXIT CMD...: runs CMD with stdin closed, output in ${work}/out/NAME.{out,err}
mkdir -p "${work}/out"
last_out="" last_err="" last_rc=0
run() {
    local name="$1" expected="$2"
    shift 2
    last_out="${work}/out/${name// /_}.out" last_err="${work}/out/${name// /_}.err"
    "$@" </dev/null >"${last_out}" 2>"${last_err}"
    last_rc=$?
    if [[ "${last_rc}" -ne "${expected}" ]]; then
        record FAIL "${name}" "exit ${last_rc}, expected ${expected}: $(tail -n 3 "${last_err}" "${last_out}" \
            2>/dev/null | grep -v '^==>' | grep -v '^$' | tail -n 3 | tr '\n' ' ')"
        return 1
    fi
    return 0
}

json_len() {  # json_len FILE [jq-path]: length of a JSON array (jq, or the system python3)
    if command -v jq >/dev/null; then
        jq "${2:-.} | length" "$1"
    else
        python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); k=sys.argv[2].lstrip(".")
print(len(v[k] if k else v))' "$1" "${2:-.}"
    fi
}
json_get() {  # json_get FILE KEY: a top-level scalar
    if command -v jq >/dev/null; then
        jq -r ".$2" "$1"
    else
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
    fi
}

printf '==> smoke-testing %s (%s)\n' "${bundle}" "$(du -sh "${bundle}" | cut -f1)" >&2

# --- 1. what the bundle ships -------------------------------------------------------------------------------
missing=()
want() { [[ -e "${internal}/$1" ]] || missing+=("$1"); }
want workbook/storage/migrations/env.py
want workbook/storage/migrations/script.py.mako
compgen -G "${internal}/workbook/storage/migrations/versions/0*.py" >/dev/null \
    || missing+=("workbook/storage/migrations/versions/*.py")
want resources/fonts/DejaVuSans.ttf
want resources/fonts/DejaVuSans-Bold.ttf
want resources/fonts/DroidSansFallbackFull.ttf
want resources/samples/soc2-type2-request-list.xlsx
want resources/samples/demo_plan.json
want "resources/samples/evidence/Information Security Policy v3.2.pdf"
qt="${internal}/PySide6/Qt"
case "$(uname -s)" in
    Linux)
        want PySide6/Qt/plugins/platforms/libqoffscreen.so
        want PySide6/Qt/plugins/platforms/libqxcb.so
        want PySide6/Qt/lib/libQt6XcbQpa.so.6
        want PySide6/Qt/lib/libQt6Pdf.so.6
        want PySide6/Qt/lib/libQt6PdfWidgets.so.6
        ;;
esac
compgen -G "${internal}/PySide6/QtPdf.*" >/dev/null || missing+=("PySide6/QtPdf")
compgen -G "${internal}/PySide6/QtPdfWidgets.*" >/dev/null || missing+=("PySide6/QtPdfWidgets")
junk="$(cd "${internal}" && find resources workbook -name '.mypy_cache' -o -name '.pytest_cache' \
    -o -name '.ruff_cache' -o -name '.DS_Store' 2>/dev/null | head -n 3 | tr '\n' ' ')"
# Links left pointing at libraries the spec dropped (QtQml/QtQuick) would mean a half-done exclusion.
dangling="$(find "${internal}" -xtype l 2>/dev/null | head -n 3 | sed "s|${internal}/||" | tr '\n' ' ')"
[[ -n "${dangling}" ]] && junk+="dangling links: ${dangling}"
if [[ ${#missing[@]} -eq 0 && -z "${junk}" ]]; then
    record PASS "bundle contents" "migrations (env.py, versions), fonts incl. CJK fallback, samples, Qt offscreen+xcb, QtPdf"
else
    record FAIL "bundle contents" "missing: ${missing[*]:-none}; junk: ${junk:-none}"
fi

if [[ "$(uname -s)" == Linux ]] && command -v ldd >/dev/null; then
    # The bootloader puts _internal on the library path: resolve the way the bundle will, then list what still
    # comes from the system (GL/EGL/libxcb/libc are expected there) and anything not found at all.
    libpath="${internal}:${qt}/lib"
    for plugin in platforms/libqxcb.so platforms/libqoffscreen.so; do
        deps="$(LD_LIBRARY_PATH="${libpath}" ldd "${qt}/plugins/${plugin}" "${qt}/lib/libQt6XcbQpa.so.6" \
            "${qt}/lib/libQt6Pdf.so.6" 2>&1)"
        notfound="$(grep 'not found' <<<"${deps}" | awk '{print $1}' | sort -u | tr '\n' ' ')"
        system="$(grep '=> /' <<<"${deps}" | grep -v -- "=> ${internal}" | awk '{print $1}' | sort -u \
            | grep -v -E '^(libc|libm|libdl|libpthread|librt|ld-linux)' | tr '\n' ' ')"
        if [[ -n "${notfound}" ]]; then
            record FAIL "libraries of ${plugin##*/}" "not found: ${notfound}"
        else
            record PASS "libraries of ${plugin##*/}" "all resolve; from the system: ${system:-none}"
        fi
    done
fi

# --- 2. the command line ------------------------------------------------------------------------------------
if run "--version" 0 "${exe}" --version; then
    record PASS "--version" "$(cat "${last_out}" "${last_err}" | head -n 1)"
fi

if run "--self-test" 0 "${exe}" --self-test; then
    if grep -q "resources at ${internal}/resources" "${last_out}"; then
        record PASS "--self-test" "$(grep -c '^ok ' "${last_out}") checks ok; $(grep '^ok    Qt' "${last_out}" \
            | sed 's/^ok    //')"
    else
        record FAIL "--self-test" "resources not read from the bundle: $(grep resources "${last_out}")"
    fi
fi

demo="${work}/demo/demo.auditwb"
if run "demo DIR --no-gui" 0 "${exe}" demo "${work}/demo" --no-gui; then
    if [[ -s "${demo}" ]]; then record PASS "demo DIR --no-gui" "${demo#"${work}"/} $(du -h "${demo}" | cut -f1)"
    else record FAIL "demo DIR --no-gui" "demo.auditwb was not written"; fi
fi

if run "items --json" 0 "${exe}" items "${demo}" --json; then
    count="$(json_len "${last_out}")"
    if [[ "${count}" == 112 ]]; then record PASS "items --json" "112 requests"
    else record FAIL "items --json" "${count} requests, expected 112"; fi
fi

# A new workbook from the bundled sample checklist, with CJK text so that the PDF needs the fallback font.
wb="${work}/client.auditwb"
checklist="${internal}/resources/samples/soc2-type2-request-list.xlsx"
if run "new" 0 "${exe}" --as "Smoke Test" new "${wb}" --client "Smoke 株式会社" --auditor "Example LLP" \
    --period 2026-01-01..2026-06-30; then
    record PASS "new" "$(head -n 1 "${last_out}")"
fi
ref=""
if run "import --json" 0 "${exe}" --as "Smoke Test" import "${wb}" "${checklist}" --json; then
    added="$(json_get "${last_out}" added)" items="$(json_len "${last_out}" .items)"
    ref="$(jq -r '.items[0].ref' "${last_out}" 2>/dev/null || true)"
    if [[ "${added}" == 112 && "${items}" == 112 ]]; then
        record PASS "import soc2-type2-request-list.xlsx" "sheet '$(json_get "${last_out}" sheet)', header row \
$(json_get "${last_out}" header_row), 112 added"
    else
        record FAIL "import soc2-type2-request-list.xlsx" "added ${added}, items ${items}, expected 112"
    fi
fi
ref="${ref:-PBC-001}"

printf '監査証跡 — ログイン履歴のエクスポート（2026年）\naudit trail, exported 2026-06-30\n' >"${work}/証跡-ログ.txt"
if run "attach" 0 "${exe}" --as "Smoke Test" attach "${wb}" "${ref}" \
    "${internal}/resources/samples/evidence/Information Security Policy v3.2.pdf" \
    "${internal}/resources/samples/evidence/PBC-043 okta-active-users.png" "${work}/証跡-ログ.txt" \
    --description "ログイン履歴" --effective 2026-06-30; then
    if run "items after attach" 0 "${exe}" items "${wb}" --json; then
        n="$(jq -r --arg r "${ref}" '.[] | select(.ref == $r) | .evidence_count' "${last_out}" 2>/dev/null)"
        if [[ "${n}" == 3 ]]; then record PASS "attach" "3 files (pdf, png, CJK-named txt) to ${ref}"
        else record FAIL "attach" "${ref} has ${n:-?} evidence files, expected 3"; fi
    fi
fi
run "set --note" 0 "${exe}" --as "Smoke Test" set "${wb}" "${ref}" --status ready_for_auditor \
    --note "担当者: 山田 — 証跡は上記のとおり" && record PASS "set --status --note" "$(cat "${last_out}")"

out="${work}/out-pkg"
mkdir -p "${out}"
if run "export" 0 "${exe}" --as "Smoke Test" export "${wb}" --pdf "${out}/package.pdf" --zip "${out}/package.zip" \
    --xlsx "${out}/checklist.xlsx"; then
    bad=""
    [[ "$(head -c 5 "${out}/package.pdf" 2>/dev/null)" == "%PDF-" ]] || bad+=" pdf"
    [[ "$(head -c 2 "${out}/package.zip" 2>/dev/null)" == "PK" ]] || bad+=" zip"
    [[ "$(head -c 2 "${out}/checklist.xlsx" 2>/dev/null)" == "PK" ]] || bad+=" xlsx"
    # The CJK text must have been set in the bundled fallback font (a missing font would fall back silently).
    grep -a -q 'DroidSansFallback' "${out}/package.pdf" 2>/dev/null || bad+=" no-CJK-font-in-pdf"
    if [[ -z "${bad}" ]]; then
        record PASS "export --pdf --zip --xlsx" "pdf $(du -h "${out}/package.pdf" | cut -f1), zip $(du -h \
"${out}/package.zip" | cut -f1), xlsx $(du -h "${out}/checklist.xlsx" | cut -f1); CJK fallback font embedded"
    else
        record FAIL "export --pdf --zip --xlsx" "bad output:${bad}"
    fi
fi

for target in "${wb}" "${out}/package.zip" "${out}/package.pdf"; do
    if run "verify ${target##*/}" 0 "${exe}" verify "${target}"; then
        record PASS "verify ${target##*/}" "$(grep -E '^checked' "${last_out}" | cut -c1-70)… $(tail -n 1 "${last_out}")"
    fi
done

# Bad input: exit 2, one line on stderr, nothing changed.
printf 'this is not a spreadsheet\n' >"${work}/broken.xlsx"
printf 'this is not a workbook\n' >"${work}/broken.auditwb"
before="$(sha256sum "${wb}" | cut -d' ' -f1)"
if run "import broken.xlsx" 2 "${exe}" import "${wb}" "${work}/broken.xlsx"; then
    if [[ "$(sha256sum "${wb}" | cut -d' ' -f1)" == "${before}" && "$(wc -l <"${last_err}")" -ge 1 ]]; then
        record PASS "import broken.xlsx -> exit 2" "$(head -n 1 "${last_err}" | cut -c1-110)"
    else
        record FAIL "import broken.xlsx -> exit 2" "the workbook changed or no message"
    fi
fi
if run "verify broken.auditwb" 2 "${exe}" verify "${work}/broken.auditwb"; then
    record PASS "verify broken.auditwb -> exit 2" "$(head -n 1 "${last_err}" | cut -c1-110)"
fi

# Alembic inside the bundle: `new` and `demo` stamped the migrations' head; a file from a newer version is
# refused (exit 2, unchanged). Needs the system python3 (its sqlite3 module) to forge the newer file.
if command -v python3 >/dev/null; then
    cp "${demo}" "${work}/newer.auditwb"
    head_rev="$(python3 - "${work}/newer.auditwb" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute("SELECT version_num FROM alembic_version").fetchone()[0])
con.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
con.commit()
PY
)"
    before="$(sha256sum "${work}/newer.auditwb" | cut -d' ' -f1)"
    if run "items newer.auditwb" 2 "${exe}" items "${work}/newer.auditwb"; then
        if [[ "$(sha256sum "${work}/newer.auditwb" | cut -d' ' -f1)" == "${before}" ]]; then
            record PASS "migrations: head ${head_rev}; newer file -> exit 2" "$(head -n 1 "${last_err}" | cut -c1-100)"
        else
            record FAIL "migrations: newer file -> exit 2" "the file was changed"
        fi
    fi
else
    record SKIP "migrations: newer file -> exit 2" "no python3 to forge the file"
fi

# --- 3. the window --------------------------------------------------------------------------------------------
# No display at all (and no platform chosen): a clear message and exit 2, not Qt's abort.
if run "open, no display" 2 env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "${exe}" open "${demo}"; then
    if grep -q 'no display' "${last_err}"; then
        record PASS "open with no display -> exit 2" "$(head -n 1 "${last_err}" | cut -c1-110)"
    else
        record FAIL "open with no display -> exit 2" "unclear message: $(head -n 1 "${last_err}")"
    fi
fi

# The real thing: the xcb platform plugin on an X server; the main window must appear, titled with the
# workbook's name, and stay up.
# (A script file, not a function: xvfb-run is a /bin/sh script, which drops exported bash functions.)
cat >"${work}/gui_check.sh" <<'GUI'
# gui_check.sh EXE WORKBOOK OUT: runs inside xvfb-run; open, wait for the window, keep it up a few seconds, close.
"$1" --as "Smoke Test" open "$2" </dev/null >"$3.out" 2>"$3.err" &
pid=$! title=""
for ((i = 0; i < 60; i++)); do
    sleep 0.5
    kill -0 "${pid}" 2>/dev/null || { wait "${pid}"; echo "exited early with status $? before a window showed"; exit 1; }
    title="$(xwininfo -root -tree 2>/dev/null | grep -o '"demo\.auditwb — [^"]*"' | head -n 1)"
    [[ -n "${title}" ]] && break
done
[[ -n "${title}" ]] || { echo "no window titled demo.auditwb after 30 s"; kill "${pid}"; exit 1; }
sleep 4
kill -0 "${pid}" 2>/dev/null || { echo "window closed by itself: ${title}"; exit 1; }
echo "window ${title} within $(((i + 2) / 2)) s, still up 4 s later"
kill -TERM "${pid}"
wait "${pid}" 2>/dev/null
exit 0
GUI
if [[ "${SMOKE_GUI:-auto}" == 0 ]]; then
    record SKIP "open demo.auditwb under xvfb-run" "SMOKE_GUI=0"
elif ! command -v xvfb-run >/dev/null || ! command -v xwininfo >/dev/null; then
    if [[ "${SMOKE_GUI:-auto}" == 1 ]]; then
        record FAIL "open demo.auditwb under xvfb-run" "xvfb-run or xwininfo missing (apt-get install xvfb x11-utils)"
    else
        record SKIP "open demo.auditwb under xvfb-run" "xvfb-run or xwininfo missing (apt-get install xvfb x11-utils)"
    fi
else
    result="$(env -u QT_QPA_PLATFORM -u WAYLAND_DISPLAY xvfb-run -a -s '-screen 0 1280x800x24' \
        bash "${work}/gui_check.sh" "${exe}" "${demo}" "${work}/out/gui" 2>&1)"
    if [[ $? -eq 0 ]]; then
        record PASS "open demo.auditwb under xvfb-run (xcb)" "${result}"
    else
        record FAIL "open demo.auditwb under xvfb-run (xcb)" "${result} $(tail -n 3 "${work}/out/gui.err" \
            2>/dev/null | tr '\n' ' ')"
    fi
    qtwarn="$(grep -i -E 'qt\.|could not|warning' "${work}/out/gui.err" 2>/dev/null | sort -u | head -n 5)"
    [[ -n "${qtwarn}" ]] && printf '    the window printed:\n%s\n' "${qtwarn}" | sed 's/^/    /' >&2
fi

# --- summary ----------------------------------------------------------------------------------------------
printf '\n==> smoke test summary (%s)\n' "${bundle}" >&2
printf '%s\n' "${summary[@]}" >&2
if [[ "${failed}" -ne 0 ]]; then
    printf '==> smoke test FAILED\n' >&2
    exit 1
fi
printf '==> smoke test passed\n' >&2
