"""Fault injection: latency, errors, drops, slow answers, network down;
reproducible from a seed."""

import unittest

from simtest import SimTestCase


class Faults(SimTestCase):
    def test_scripted_503_then_ok(self):
        self.assertEqual(self.sim.admin('POST', '/_admin/faults', {'script': {'tts.auth_info': ['503', 'ok']}})[0], 200)
        status, body = self.sim.tts('GET', '/auth_info')
        self.assertEqual(status, 503)
        self.assertEqual(body['code'], 14)
        self.assertEqual(self.sim.tts('GET', '/auth_info')[0], 200)


if __name__ == '__main__':
    unittest.main()
