#!/bin/sh
# A rolling upgrade on one PostgreSQL database, from an older checkout to this tree (docs/service.md,
# "Upgrading"): checks out OLD (default: the last commit before migration 0008) into a temporary git
# worktree, runs rolling-upgrade.scenario.ts there with that version's helpers and service, and starts
# this tree's `writeback-service serve` for the upgraded nodes. Needs PostgreSQL and slapd, as the
# service tests do. Not part of `npm test`: it depends on the repository's history.
set -eu
NEW_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=${1:-957fadc35437efe2b3b95e69b696b59035feefcf}
OLD_ROOT=$(mktemp -d /tmp/wbs-old-XXXXXX)
cleanup() { git -C "$NEW_ROOT" worktree remove --force "$OLD_ROOT" >/dev/null 2>&1 || rm -rf "$OLD_ROOT"; }
trap cleanup EXIT
git -C "$NEW_ROOT" worktree add --quiet --detach "$OLD_ROOT" "$OLD"
ln -s "$NEW_ROOT/node_modules" "$OLD_ROOT/node_modules"
cp "$NEW_ROOT/test/upgrade/rolling-upgrade.scenario.ts" "$OLD_ROOT/test/service/rolling-upgrade.test.ts"
cd "$OLD_ROOT" && WRITEBACK_NEW_ROOT="$NEW_ROOT" npx ava test/service/rolling-upgrade.test.ts --verbose --timeout=10m
