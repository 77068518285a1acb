#!/usr/bin/env bash
# ecoplan's Debian packages: the one list of every system package the project needs, with why.
#
#   scripts/system-deps.sh [build|demo|test]     (make system-deps = test, the full set)
#
#   build  what `make install` needs to create .venv and compile the HJ 212 C accelerator
#   demo   build + what `make demo` needs (Chinese fonts for the charts, LibreOffice for the PDF)
#   test   demo + what `make test` needs (PostgreSQL, Chromium, Java, poppler, Lua, nginx)
#
# Only missing packages are installed (one `apt-get update`, then
# `apt-get install -y --no-install-recommends …`), as root. When nothing is missing, apt is not
# called at all, so a second `make test` costs one dpkg-query. Without root the script prints the
# single `sudo apt-get install …` line and exits 1. ECOPLAN_SKIP_SYSTEM_DEPS=1 skips the check
# (for machines that are not Debian, or whose packages an administrator manages).
set -euo pipefail

SET="${1:-test}"
PYTHON="${PYTHON:-python3}"

# package | set | why ecoplan needs it
PACKAGES=(
  "python3-venv|build|make install: 'python3 -m venv .venv' (Debian's python3 has no ensurepip without it)"
  "python3-dev|build|make install: Python.h, to compile the HJ 212 C accelerator (ecoplan/ingest/hj212/_accel.c; tests/hj212/test_accel.py expects it)"
  "gcc|build|make install: the C compiler for that accelerator (hatch_build.py)"
  "libc6-dev|build|make install: C library headers for that accelerator (gcc does not pull them without recommends)"
  "fonts-noto-cjk|demo|Chinese text in the report charts (matplotlib, ecoplan/reports/charts.py), the PDF and the browser pages"
  "libreoffice-writer-nogui|demo|Word -> PDF of the reports and the demo's final report (soffice --headless, ecoplan/reports/pdf.py)"
  "postgresql|test|the throw-away PostgreSQL server the tests start on a loopback port (tests/pg_server.py); the production database"
  "chromium|test|browser tests of the web platform at 1440 and 390 px (tests/web/test_browser.py, Playwright drives Debian's chromium)"
  "default-jre-headless|test|PySpark's local mode, the second analytics engine (tests/air/test_engines_parity.py), and the Spark standalone master and workers of tests/air/test_spark_cluster.py"
  "poppler-utils|test|pdftoppm renders the report PDF to PNG to check it (tests/reports/test_report.py)"
  "lua5.4|test|an independent HJ 212 client in another language against the gateway (tests/hj212/test_lua_client.py)"
  "lua-socket|test|LuaSocket, the TCP library that Lua client uses"
  "nginx-light|test|the TLS site 'ecoplan deploy' writes is run for real in front of the web server (tests/ops/test_deploy.py)"
)

case "$SET" in
  build) wanted="build" ;;
  demo) wanted="build demo" ;;
  test | all) wanted="build demo test" ;;
  list)
    for entry in "${PACKAGES[@]}"; do
      IFS='|' read -r pkg set why <<<"$entry"
      printf '%-26s %-6s %s\n' "$pkg" "$set" "$why"
    done
    exit 0 ;;
  -h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 0 ;;
  *)
    echo "usage: $0 [build|demo|test|list]" >&2
    exit 2 ;;
esac

if [ "${ECOPLAN_SKIP_SYSTEM_DEPS:-}" = "1" ]; then
  exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "ecoplan: 不是 Debian 系统，跳过系统软件包检查；所需软件包见 scripts/system-deps.sh list。" >&2
  echo "ecoplan: not a Debian system, system packages not checked; see 'scripts/system-deps.sh list'." >&2
  exit 0
fi

# Python packaging for a Python that is not Debian's (pyenv, a self-built one) comes with it.
debian_python=1
py_path="$(command -v "$PYTHON" 2>/dev/null || true)"
if [ -n "$py_path" ]; then
  case "$(readlink -f "$py_path")" in
    /usr/bin/*) ;;
    *) debian_python=0 ;;
  esac
fi

needed=()
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r pkg set _ <<<"$entry"
  case " $wanted " in *" $set "*) ;; *) continue ;; esac
  if [ "$debian_python" = 0 ] && { [ "$pkg" = python3-venv ] || [ "$pkg" = python3-dev ]; }; then
    continue
  fi
  needed+=("$pkg")
done

# one dpkg-query for all of them: "name ii " for each installed package
installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${needed[@]}" 2>/dev/null || true)"
missing=()
for pkg in "${needed[@]}"; do
  grep -qx "$pkg ii " <<<"$installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  cat >&2 <<EOF

ecoplan 需要以下 Debian 软件包（$SET）：${missing[*]}。安装系统软件包需要 root 权限，请运行下面这一行，
然后重新运行 make（各软件包的用途见 scripts/system-deps.sh list）。
ecoplan needs these Debian packages ($SET): ${missing[*]}. Installing system packages needs root:
run the line below, then run make again (what each package is for: scripts/system-deps.sh list).

    sudo apt-get install -y --no-install-recommends ${missing[*]}

EOF
  exit 1
fi

echo "ecoplan: 安装 Debian 软件包 / installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
