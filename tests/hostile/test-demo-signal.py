#!/usr/bin/env python3
"""`onboarder --demo` killed with SIGTERM or SIGINT leaves no temporary
folder behind: no configuration (it holds the simulator's keys), registry
or journal. Run under tests/ui/xvfb-run-test.

    test-demo-signal.py ONBOARDER
"""

import glob
import os
import signal
import subprocess
import sys
import tempfile
import time


def run(onboarder, signum):
    with tempfile.TemporaryDirectory(prefix='onb-demo-signal-') as tmp:
        env = dict(os.environ, TMPDIR=tmp)
        proc = subprocess.Popen([onboarder, '--demo'], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        config = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            found = glob.glob(os.path.join(tmp, 'onboarder-demo-*', 'onboarder.conf'))
            if found:
                config = found[0]
                break
            time.sleep(0.1)
        if config is None:
            proc.kill()
            _, err = proc.communicate()
            sys.exit('the demo never wrote its configuration:\n' + err.decode(errors='replace'))

        time.sleep(0.5)
        proc.send_signal(signum)
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            sys.exit('the demo did not exit within 15 s of %s' % signal.Signals(signum).name)

        left = glob.glob(os.path.join(tmp, 'onboarder-demo-*'))
        if left:
            sys.exit('after %s the demo left %s behind' % (signal.Signals(signum).name, left))
        print('ok: %s, exit status %d, nothing left behind' % (signal.Signals(signum).name, proc.returncode))


def main():
    for signum in (signal.SIGTERM, signal.SIGINT):
        run(sys.argv[1], signum)


if __name__ == '__main__':
    main()
