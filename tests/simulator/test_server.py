"""Start-up, ports, configuration files, SIGTERM, admin API."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
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

    def test_sigterm_with_requests_in_flight(self):
        sim = Sim('--faults', '{"endpoints": {"tts.frequency_plans": {"p_slow": 1, "slow_ms": 30000}}}')
        try:
            errors = []

            def slow():
                try:
                    sim.request('GET', '/api/v3/configuration/frequency-plans', timeout=20)
                except Exception as e:  # the reset is the point
                    errors.append(e)

            thread = threading.Thread(target=slow)
            thread.start()
            time.sleep(0.3)
            start = time.monotonic()
            sim.proc.send_signal(signal.SIGTERM)
            self.assertEqual(sim.proc.wait(10), 0)
            self.assertLess(time.monotonic() - start, 3)
            thread.join(10)
            self.assertEqual(len(errors), 1)
        finally:
            sim.stop()

    def test_loopback_only(self):
        """Every listening socket is bound to 127.0.0.1 (Linux's table of TCP sockets)."""
        sim = Sim()
        try:
            with open('/proc/net/tcp') as f:
                rows = [line.split() for line in f.read().splitlines()[1:]]
            listening = {int(row[1].split(':')[1], 16): row[1].split(':')[0] for row in rows if row[3] == '0A'}
            for port in (sim.port, sim.admin_port, sim.redirect_port):
                self.assertEqual(listening.get(port), '0100007F', port)
        finally:
            sim.stop()

    def test_chunked_body(self):
        sim = Sim()
        try:
            body = json.dumps({'templateId': 'TMPL4pXgRt1Kz', 'name': 'Chunked', 'ownerId': 12345}).encode()
            token = sim.blynk_token()[1]['access_token']
            conn = http.client.HTTPConnection('127.0.0.1', sim.port, timeout=10)
            conn.request('POST', '/api/v1/organization/device/create', body=iter([body[:10], body[10:]]),
                         headers={'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
                         encode_chunked=True)
            resp = conn.getresponse()
            self.assertEqual((resp.status, json.loads(resp.read())['name']), (201, 'Chunked'))
            conn.close()
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
                     ['--faults', '{"endpoints": {"*": {"p_500": 5}}}'],
                     ['--extra-config', '{"tts": {"device_repository": {"profiles": [{"vendor_id": 0}]}}}'],
                     ['--extra-config', '{"tts": {"claiming": {"join_servers": [{"join_eui_prefixes": ["EC656E/24"]}]}}}'],
                     ['--extra-config', '{"tts": {"claiming": {"devices": [{"dev_eui": "0018B2000000C101", '
                                        '"join_eui": "EC656E0000000101", "owner_token": "lower"}]}}}']):
            proc = subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True, timeout=20)
            self.assertEqual(proc.returncode, 2, args)
            self.assertIn('bad configuration', proc.stderr)


class Latency(unittest.TestCase):
    def test_keep_alive_answers_are_not_delayed(self):
        """A small answer split over two segments waits ~40 ms for the
        client's delayed ACK; 50 requests would then take 2 s."""
        sim = Sim()
        try:
            conn = http.client.HTTPConnection('127.0.0.1', sim.port, timeout=10)
            start = time.monotonic()
            for _ in range(50):
                conn.request('GET', '/api/v3/configuration/frequency-plans')
                self.assertEqual(conn.getresponse().read()[:1], b'{')
            self.assertLess(time.monotonic() - start, 1.0)
            conn.close()
        finally:
            sim.stop()


class InstalledLayout(unittest.TestCase):
    def test_finds_default_config_in_pkgdatadir(self):
        """As meson installs it: script and package in pkglibexecdir, the default
        configuration renamed in pkgdatadir, found through installed_paths.py."""
        source = os.path.dirname(os.path.realpath(SCRIPT))
        with tempfile.TemporaryDirectory() as prefix:
            libexec = os.path.join(prefix, 'libexec', 'onboarder')
            share = os.path.join(prefix, 'share', 'onboarder')
            shutil.copytree(os.path.join(source, 'onbsim'), os.path.join(libexec, 'onbsim'),
                            ignore=shutil.ignore_patterns('__pycache__'))
            shutil.copy(os.path.join(source, 'onboarder-simulator'), libexec)
            os.makedirs(share)
            shutil.copy(os.path.join(source, 'default-config.json'), os.path.join(share, 'simulator-config.json'))
            with open(os.path.join(source, 'installed_paths.py.in')) as f:
                text = f.read().replace('@PKGDATADIR@', share)
            with open(os.path.join(libexec, 'onbsim', 'installed_paths.py'), 'w') as f:
                f.write(text)
            port_file = os.path.join(prefix, 'ports')
            proc = subprocess.Popen([sys.executable, os.path.join(libexec, 'onboarder-simulator'),
                                     '--port-file', port_file], stdout=subprocess.PIPE, text=True)
            try:
                self.assertTrue(proc.stdout.readline().startswith('PORT='))
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(10), 0)
                proc.stdout.close()


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
                self.assertEqual((status, device['orgId']), (201, 99))
                self.assertEqual(sim.blynk('POST', '/device/create',
                                           {'templateId': 'TMPL4pXgRt1Kz', 'name': 'n', 'ownerId': 12345})[0], 404)
            finally:
                sim.stop()
        finally:
            os.unlink(f.name)


if __name__ == '__main__':
    unittest.main()
