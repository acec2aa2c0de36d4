#!/usr/bin/env bash
# One entry point for people and CI: installs what is needed into ./.venv, then
#   bash kc.sh demo [options]   builds the demo database and serves http://127.0.0.1:8080
#   bash kc.sh test [pytest args]  runs the whole suite on SQLite, and again on PostgreSQL
#                                  when KECHUANG_TEST_DATABASE_URL is set
set -euo pipefail
cd "$(dirname "$0")"

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
      echo "$candidate"; return 0
    fi
  done
  echo "需要 Python 3.11 或更高版本 (Python >= 3.11 is required)" >&2
  exit 1
}

install() {
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
}

command_name="${1:-}"
shift || true
case "$command_name" in
  demo)
    install
    exec .venv/bin/kechuang demo "$@"
    ;;
  test)
    install
    pg_url="${KECHUANG_TEST_DATABASE_URL:-}"
    echo "== 代码检查：ruff =="
    .venv/bin/ruff check src tests bench
    .venv/bin/ruff format --check src tests bench
    echo "== 测试：SQLite =="
    # one pytest worker per core (KECHUANG_TEST_WORKERS=0 runs in one process)
    workers="${KECHUANG_TEST_WORKERS:-auto}"
    env -u KECHUANG_TEST_DATABASE_URL -u KECHUANG_DATABASE_URL .venv/bin/pytest -n "$workers" "$@"
    if [ -n "$pg_url" ]; then
      echo "== 测试：PostgreSQL =="
      KECHUANG_TEST_DATABASE_URL="$pg_url" .venv/bin/pytest -n "$workers" "$@"
    fi
    ;;
  *)
    echo "用法 (usage): bash kc.sh demo | bash kc.sh test" >&2
    exit 2
    ;;
esac
