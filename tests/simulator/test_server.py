"""Start-up, ports, configuration files, SIGTERM, admin API."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

from simtest import SCRIPT, Sim


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Lifecycle(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        sim = Sim()
        try:
            lines = [sim.proc.stdout.readline().strip() for _ in range(4)]
            self.assertEqual(lines, ['PORT=%d' % sim.port, 'ADMIN_PORT=%d' % sim.admin_port,
                                     'REDIRECT_PORT=%d' % sim.redirect_port, 'URL=http://127.0.0.1:%d' % sim.port])
            self.assertEqual(sim.admin('GET', '/_admin/health'), (200, {'ok': True}))
            # The admin API answers on the API port too.
            self.assertEqual(sim.request('GET', '/_admin/health')[:2], (200, {'ok': True}))
            self.assertEqual(sim.admin('GET', '/_admin/nope')[0], 404)
            sim.proc.send_signal(signal.SIGTERM)
            self.assertEqual(sim.proc.wait(10), 0)
        finally:
            sim.stop()

    def test_fixed_port(self):
        port = free_port()
        sim = Sim('--port', str(port))
        try:
            self.assertEqual(sim.port, port)
            self.assertEqual(sim.state()['ports']['main'], port)
        finally:
            sim.stop()

    def test_bad_configuration_exits_2(self):
        for args in (['--extra-config', '{"blynk": {"static_tokens": [{"token": "sqr_x", "template_id": "TMPLnone"}]}}'],
                     ['--extra-config', 'not json'],
                     ['--config', '/nonexistent.json'],
                     ['--faults', '{"endpoints": {"*": {"p_500": 5}}}']):
            proc = subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True, timeout=20)
            self.assertEqual(proc.returncode, 2, args)
            self.assertIn('bad configuration', proc.stderr)


class ConfigFile(unittest.TestCase):
    def test_config_file_and_extra(self):
        with open(os.path.join(os.path.dirname(SCRIPT), 'default-config.json')) as f:
            config = json.load(f)
        config['blynk']['users'] = [{'id': 1, 'email': 'a@b.example', 'name': 'A'}]
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
            json.dump(config, f)
        try:
            sim = Sim('--config', f.name, '--extra-config', '{"blynk": {"org_id": 99}}')
            try:
                status, device = sim.blynk('POST', '/device/create', {'templateId': 'TMPL4pXgRt1Kz', 'name': 'n', 'ownerId': 1})
                self.assertEqual((status, device['orgId']), (200, 99))
                self.assertEqual(sim.blynk('POST', '/device/create',
                                           {'templateId': 'TMPL4pXgRt1Kz', 'name': 'n', 'ownerId': 12345})[0], 404)
            finally:
                sim.stop()
        finally:
            os.unlink(f.name)


if __name__ == '__main__':
    unittest.main()
