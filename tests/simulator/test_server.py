"""Start-up, ports, SIGTERM, admin API."""

import os
import signal
import unittest

from simtest import Sim


class Lifecycle(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        sim = Sim()
        try:
            line = sim.proc.stdout.readline()
            self.assertEqual(line.strip(), 'PORT=%d' % sim.port)
            self.assertEqual(sim.admin('GET', '/_admin/health'), (200, {'ok': True}))
            sim.proc.send_signal(signal.SIGTERM)
            self.assertEqual(sim.proc.wait(10), 0)
        finally:
            sim.stop()


if __name__ == '__main__':
    unittest.main()
