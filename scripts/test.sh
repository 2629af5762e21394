#!/usr/bin/env bash
# The project's whole test run (what `npm test` and CI execute):
#   1. prerequisites, npm packages, the pinned Pulumi CLI (built if not cached);
#   2. type check, lint and format check;
#   3. unit tests (mocha + Pulumi mocks, no CLI);
#   4. integration tests (the real pulumi CLI, real RocketMQ JVMs on loopback, the real kubernetes
#      provider rendering the prod stack's manifests, which are validated against Kubernetes' schemas).
# TEST_TIER=unit or TEST_TIER=integration runs one tier only; integration files named as arguments
# (`bash scripts/test.sh test/integration/hostsPlatform.test.ts`) run alone, after the same set-up.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$root"
bash "$here/check-prereqs.sh" tests

bash "$here/ensure-node-modules.sh"

# Timer slack of 10 ms for this shell and so for every process the tests start (mocha, the pulumi CLI, the
# provider, every JVM, the namespace hosts' sshd and what it starts): the kernel may then fire a sleeping thread's
# timer up to 10 ms late and batch the wake-ups. An idle RocketMQ broker polls in loops of 1-10 ms sleeps; at
# 10 ms it spends about 0.7 of the CPU it spends at the default 50 us (bench/brokerIdle.ts, docs/benchmarks.md). The
# two cores are saturated while the lanes run, so that CPU is the tier's wall time. Every assertion is in seconds.
if [ -w "/proc/$$/timerslack_ns" ]; then
  echo 10000000 > "/proc/$$/timerslack_ns"
else
  echo "note: /proc/$$/timerslack_ns is not writable; the integration tier runs at the default timer slack" >&2
fi

tier=${TEST_TIER:-all}
if [ "$#" -gt 0 ]; then
  tier=integration
fi
step() { echo; echo "[test] $* ($(date +%H:%M:%S))"; }

step "type check, lint, format"
npx tsc --noEmit -p .
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

if [ "$tier" = all ] || [ "$tier" = unit ]; then
  step "unit tests"
  npx mocha --config test/unit/.mocharc.json
fi

if [ "$tier" = all ] || [ "$tier" = integration ]; then
  step "pulumi toolchain"
  PULUMI_CLI=$(bash "$here/toolchain.sh")
  export PULUMI_CLI
  "$PULUMI_CLI" version
  step "manifest validator, S3 emulator"
  bash "$here/manifest-validator.sh"
  bash "$here/python-tool.sh" s3-emulator moto_server
  # The one file that needs the kubernetes provider plugin.
  plugin_file=kubernetes
  if [ "$#" -gt 0 ]; then
    step "integration tests: $*"
    case " $* " in *"$plugin_file.test.ts"*) bash "$here/kubernetes-provider.sh" >/dev/null ;; esac
    npx mocha --config test/integration/.mocharc.json "$@"
    exit 0
  fi
  # Two lanes side by side, each its own mocha process with its own port slot (test/integration/support.ts)
  # and its own scratch directories. The lanes are balanced by measured minutes (docs/testing.md): the files
  # that mostly wait (canary soaks, address-server polls) beside the ones that start and stop JVMs. A third
  # lane was tried: the two cores were then busy all the time, every file slowed down, and a fresh topic's
  # first sends failed in backup.test.ts.
  # Only the Kubernetes file needs the kubernetes provider plugin: on a cold machine it builds (minutes of CPU)
  # at the lowest priority while the lanes run, so it takes what the waiting tests leave, and its lane runs the
  # Kubernetes file last, once the plugin is there.
  lanes=("hostsPlatform backup cluster runtime adminSession stack hostShell hostProcess kubernetes" "isolated blueGreen adoption")
  files() { for f in "$@"; do echo "test/integration/$f.test.ts"; done; }
  # shellcheck disable=SC2068 # each lane is a word list
  leftover=$(comm -23 <(ls test/integration/*.test.ts | sort) <(files ${lanes[@]} | sort))
  if [ -n "$leftover" ]; then
    echo "error: integration files in no lane of scripts/test.sh: $leftover" >&2
    exit 1
  fi
  logs=$(mktemp -d "${TMPDIR:-/tmp}/rocketmq-upgrade-lanes.XXXXXX")
  step "kubernetes provider plugin (in the background, lowest priority; log $logs/kubernetes-provider.log)"
  (if nice -n 19 bash "$here/kubernetes-provider.sh" >"$logs/kubernetes-provider.log" 2>&1; then echo 0; else echo $?; fi > "$logs/rc-plugin") &
  plugin_build=$!
  run_lane() { # slot, files...
    local slot=$1
    shift
    local now=() later=()
    for f in "$@"; do
      if [ "$f" = "$plugin_file" ]; then later+=("$f"); else now+=("$f"); fi
    done
    local rc=0 f
    for f in "${now[@]}"; do
      timed "$slot" "$f" || rc=1
    done
    if [ "${#later[@]}" -gt 0 ]; then
      echo "waiting for the kubernetes provider plugin ($(date +%H:%M:%S))"
      while kill -0 "$plugin_build" 2>/dev/null; do sleep 5; done
      if [ "$(cat "$logs/rc-plugin")" != 0 ]; then
        cat "$logs/kubernetes-provider.log"
        echo "error: the kubernetes provider plugin did not build; its test cannot run"
        return 1
      fi
      for f in "${later[@]}"; do
        timed "$slot" "$f" || rc=1
      done
    fi
    return "$rc"
  }
  timed() { # slot, file: one mocha process per file, its wall time added to the table printed at the end
    local began status=0
    began=$(date +%s)
    TEST_PORT_SLOT=$1 npx mocha --config test/integration/.mocharc.json "$(files "$2")" || status=$?
    printf '%s\t%s\t%s\t%s\n' "$2" "$1" "$(($(date +%s) - began))" "$([ "$status" = 0 ] && echo passed || echo FAILED)" >> "$logs/timings"
    return "$status"
  }
  lane() { # slot, files...: runs the lane, its exit status written to $logs/rcSLOT, its lines prefixed [SLOT]
    local slot=$1
    if run_lane "$@" 2>&1; then echo 0 > "$logs/rc$slot"; else echo $? > "$logs/rc$slot"; fi | sed -u "s/^/[$slot] /"
  }
  summary=""
  for slot in "${!lanes[@]}"; do summary+=" [$slot] ${lanes[$slot]};"; done
  step "integration tests in ${#lanes[@]} lanes:${summary%;}"
  for slot in "${!lanes[@]}"; do
    # shellcheck disable=SC2086 # the lane's word list
    lane "$slot" ${lanes[$slot]} &
  done
  wait
  step "integration files: wall seconds per file (docs/testing.md keeps the table)"
  { echo -e "file\tlane\tseconds\tresult"; cat "$logs/timings"; } | awk -F'\t' '{ printf "%-14s %-5s %8s  %s\n", $1, $2, $3, $4 }'
  failed=0 verdicts=""
  for slot in "${!lanes[@]}"; do
    rc=$(cat "$logs/rc$slot")
    verdicts+=" lane $slot exit $rc,"
    [ "$rc" = 0 ] || failed=1
  done
  rm -rf "$logs"
  step "integration lanes done:${verdicts%,}"
  [ "$failed" = 0 ]
fi
