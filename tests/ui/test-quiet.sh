#!/bin/sh
# The kiosk demo on a station without a sound device (CI) keeps the
# terminal clean: no "ALSA lib …" or "AL lib: (EE) …" lines, which
# autoaudiosink's fallbacks used to print for every sound, and, under a
# session bus as the quick start gives it, no "Unable to acquire session
# bus". tests/ui/meson.build runs it as xvfb-run-test [dbus-run-session --]
# test-quiet.sh ONBOARDER SECONDS.
#
#   test-quiet.sh ONBOARDER [SECONDS after the first sound]

kiosk=$1
seconds=${2:-15}
dir=$(mktemp -d "${TMPDIR:-/tmp}/onb-quiet.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT

# The real output search, not the tests' fakesink.
unset ONB_AUDIO_SINK
export G_MESSAGES_DEBUG=onb-sound GDK_BACKEND=x11 GSK_RENDERER=cairo

# Its own process group (setsid): the demo's simulator goes with it.
setsid "$kiosk" --demo --demo-interval 1000 >"$dir/out" 2>"$dir/err" &
app=$!
# Until the first answer's sound (a loaded machine starts slowly), then a
# few more answers.
waited=0
while ! grep -q -E 'No audio output|Sounds play on' "$dir/out" "$dir/err" && [ "$waited" -lt 90 ]; do
  sleep 1
  waited=$((waited + 1))
done
sleep "$seconds"
kill "$app"
wait "$app"
kill -- "-$app" 2>/dev/null

status=0
if ! grep -q -E 'No audio output|Sounds play on' "$dir/out" "$dir/err"; then
  echo "FAIL: the demo asked for no sound in 90 s (no answer?)"
  status=1
fi
if grep -E '^(ALSA lib|AL lib)' "$dir/err" >"$dir/noise"; then
  echo "FAIL: $(wc -l <"$dir/noise") lines of audio library noise, such as:"
  head -n 3 "$dir/noise"
  status=1
fi
if grep -q 'Unable to acquire session bus' "$dir/err" && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "FAIL: the demo found no session bus although it has one"
  status=1
fi
echo "stderr of the demo ($(wc -l <"$dir/err") lines):"
sed -n '1,20p' "$dir/err"
exit $status
